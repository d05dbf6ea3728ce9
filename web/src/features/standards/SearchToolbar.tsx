import { Button, Input, Space } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useCan } from '../auth/session';

/** The search box of a standards list, and its create button for standards.manage holders. */
export function SearchToolbar(props: {
  onSearch: (q: string) => void;
  onCreate: () => void;
  createLabel: string;
  /** Test ids are `<testId>-search` and `<testId>-create`. */
  testId: string;
}) {
  const { t } = useLang();
  const can = useCan();
  return (
    <Space style={{ marginBottom: 16 }}>
      <Input.Search
        allowClear
        placeholder={t('standards.searchElements')}
        style={{ width: 280 }}
        onSearch={(v) => props.onSearch(v.trim())}
        data-testid={`${props.testId}-search`}
      />
      {can('standards.manage') && (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={props.onCreate}
          data-testid={`${props.testId}-create`}
        >
          {props.createLabel}
        </Button>
      )}
    </Space>
  );
}
