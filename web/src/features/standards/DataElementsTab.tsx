import { useState, type HTMLAttributes } from 'react';
import { Table } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SearchToolbar } from './SearchToolbar';
import { typeText } from '../catalog/detail/FieldTable';
import { useDataElements, type DataElement } from './api';
import { DataElementForm } from './DataElementForm';

export function DataElementsTab() {
  const { t } = useLang();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const elements = useDataElements(q);
  return (
    <>
      <SearchToolbar
        onSearch={setQ}
        onCreate={() => setCreating(true)}
        createLabel={t('standards.createDataElement')}
        testId="data-element"
      />
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
