import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Descriptions, Input, Table, Tabs } from 'antd';
import { useParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCodeValues, type CodeValue } from './api';
import { RegionTree } from './RegionTree';

/** One 代码表: its values, searchable and paged; GB/T 2260 also as a region tree. */
export default function CodeTablePage() {
  const { t } = useLang();
  const { id = '' } = useParams();
  const [q, setQ] = useState('');
  const values = useCodeValues(id, q);
  // The unfiltered first page (the same query while no search is typed) starts with the
  // provinces, whose parent code is null: the region tree's roots.
  const unfiltered = useCodeValues(id, '');
  const pages = values.data?.pages ?? [];
  const table = pages[0] ?? unfiltered.data?.pages[0];
  const rows = pages.flatMap((p) => p.values);
  const roots = (unfiltered.data?.pages[0]?.values ?? []).filter((v) => v.parentCode === null);

  const list = (
    <>
      <Input.Search
        allowClear
        placeholder={t('standards.searchValues')}
        style={{ width: 280, marginBottom: 16 }}
        onSearch={(v) => setQ(v.trim())}
        data-testid="code-value-search"
      />
      <Table<CodeValue>
        rowKey="code"
        size="small"
        loading={values.isPending}
        dataSource={rows}
        pagination={false}
        data-testid="code-values"
        onRow={(v) =>
          ({ 'data-testid': 'code-value-row', 'data-code': v.code }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('standards.code'), dataIndex: 'code' },
          { title: t('standards.label'), dataIndex: 'label' },
          {
            title: t('standards.parentCode'),
            dataIndex: 'parentCode',
            render: (v: string | null) => v ?? '—',
          },
        ]}
      />
      <Button
        block
        style={{ marginTop: 16 }}
        disabled={!values.hasNextPage}
        loading={values.isFetchingNextPage}
        onClick={() => void values.fetchNextPage()}
        data-testid="code-values-more"
      >
        {values.hasNextPage ? t('common.loadMore') : t('common.noMore')}
      </Button>
    </>
  );

  const isRegions = table?.identifier === 'GB/T 2260';
  return (
    <Card
      title={table ? `${table.name}（${table.identifier}）` : t('standards.codeTables')}
      loading={values.isPending && !table}
    >
      {values.error && <ErrorAlert error={values.error} />}
      {table && (
        <Descriptions
          size="small"
          column={3}
          style={{ marginBottom: 16 }}
          items={[
            { key: 'identifier', label: t('standards.identifier'), children: table.identifier },
            { key: 'version', label: t('standards.version'), children: table.version },
            { key: 'count', label: t('standards.valueCount'), children: table.valueCount },
            ...(table.description
              ? [{ key: 'd', label: t('standards.description'), span: 3, children: table.description }]
              : []),
          ]}
        />
      )}
      {isRegions && roots.length > 0 ? (
        <Tabs
          items={[
            {
              key: 'tree',
              label: t('standards.tree'),
              children: <RegionTree tableId={table.id} roots={roots} />,
            },
            { key: 'list', label: t('standards.list'), children: list },
          ]}
        />
      ) : (
        list
      )}
    </Card>
  );
}
