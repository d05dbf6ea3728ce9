import { useState, type HTMLAttributes } from 'react';
import { Button, Input, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../auth/session';
import { typeText } from '../catalog/detail/FieldTable';
import { useDataElements, type DataElement } from './api';
import { DataElementForm } from './DataElementForm';

export function DataElementsTab() {
  const { t } = useLang();
  const can = useCan();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const elements = useDataElements(q);
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('standards.searchElements')}
          style={{ width: 280 }}
          onSearch={(v) => setQ(v.trim())}
          data-testid="data-element-search"
        />
        {can('standards.manage') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setCreating(true)}
            data-testid="data-element-create"
          >
            {t('standards.createDataElement')}
          </Button>
        )}
      </Space>
      {elements.error && <ErrorAlert error={elements.error} style={{ marginBottom: 16 }} />}
      <Table<DataElement>
        rowKey="id"
        size="small"
        loading={elements.isPending}
        dataSource={elements.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="data-elements"
        onRow={(d) =>
          ({
            'data-testid': 'data-element-row',
            'data-identifier': d.identifier,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('standards.identifier'),
            dataIndex: 'identifier',
            render: (v: string, d) => <Link to={`/standards/data-elements/${d.id}`}>{v}</Link>,
          },
          { title: t('standards.name'), dataIndex: 'name' },
          { title: t('standards.type'), key: 'type', render: (_, d) => typeText(d) },
          {
            title: t('standards.validator'),
            key: 'validator',
            render: (_, d) => (d.validator ? t(`field.validator.${d.validator.kind}`) : '—'),
          },
          { title: t('standards.codeTable'), key: 'codeTable', render: (_, d) => d.codeTable?.name ?? '—' },
        ]}
      />
      <DataElementForm open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
