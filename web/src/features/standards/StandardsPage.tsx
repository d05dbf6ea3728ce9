import { Card, Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { CodeTablesTab } from './CodeTablesTab';
import { DataElementsTab } from './DataElementsTab';

/** 数据标准: 代码表 and 数据元 (the tab is kept in the address so back returns to it). */
export default function StandardsPage() {
  const { t } = useLang();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'data-elements' ? 'data-elements' : 'code-tables';
  return (
    <Card title={t('standards.title')}>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={[
          {
            key: 'code-tables',
            label: <span data-testid="tab-code-tables">{t('standards.codeTables')}</span>,
            children: <CodeTablesTab />,
          },
          {
            key: 'data-elements',
            label: <span data-testid="tab-data-elements">{t('standards.dataElements')}</span>,
            children: <DataElementsTab />,
          },
        ]}
      />
    </Card>
  );
}
