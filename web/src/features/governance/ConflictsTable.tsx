import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useConflicts, useItems } from './registry-api';
import type { Conflict, ConflictFilter, Run } from './registry-model';
import { ConflictObjectionModal, ConflictValue } from './ConflictObjectionModal';

/** Where an objection is read: the objections page, all box, its drawer open. */
export const objectionPath = (id: string) => `/governance/objections?box=all&id=${encodeURIComponent(id)}`;

/** 已提异议, linking to the objection. */
function ObjectionTag({ id }: { id: string }) {
  const { t } = useLang();
  return (
    <Link to={objectionPath(id)}>
      <Tag color="purple" data-testid="conflict-objection-tag" data-objection={id}>
        {t('crosscheck.conflict.raised')}
      </Tag>
    </Link>
  );
}

/**
 * 冲突明细 of a run: subject key, authoritative value and the source's value (masked as the
 * server answers them for the platform), filtered by item and source, a keyset page of 100 at a
 * time; each conflict without an objection can be turned into one (提出异议).
 */
export function ConflictsTable({
  run,
  filter: wanted,
  onFilter,
}: {
  run: Run;
  filter: ConflictFilter;
  onFilter: (f: ConflictFilter) => void;
}) {
  const { t } = useLang();
  // Only an item and a source of this run (the address may say anything).
  const item = run.results.find((r) => r.itemId === wanted.itemId);
  const source = run.results.flatMap((r) => r.sources).find((s) => s.sourceId === wanted.sourceId);
  const filter: ConflictFilter = { itemId: item?.itemId, sourceId: source?.sourceId };
  const conflicts = useConflicts(run.id, filter);
  const registry = useItems();
  const [raising, setRaising] = useState<Conflict | null>(null);
  // Objections raised here, shown at once while the page is read again.
  const [raised, setRaised] = useState<ReadonlyMap<number, string>>(new Map());
  const rows = (conflicts.data?.pages ?? []).flatMap((p) => p.items);
  const sourceOptions = (item ? [item] : run.results).flatMap((r) =>
    r.sources.map((s) => ({
      value: s.sourceId,
      label: item ? `${s.entryName} · ${s.fieldName}` : `${r.itemName} · ${s.entryName} · ${s.fieldName}`,
    })),
  );
  const providerOf = (c: Conflict) => {
    const source = (registry.data ?? [])
      .find((i) => i.id === c.itemId)
      ?.sources.find((s) => s.id === c.sourceId);
    const figures = run.results
      .find((r) => r.itemId === c.itemId)
      ?.sources.find((s) => s.sourceId === c.sourceId);
    return { id: source?.providerOrgId, name: source?.providerOrgName ?? figures?.providerOrgName };
  };

  const columns: ColumnsType<Conflict> = [
    { title: t('crosscheck.conflict.col.item'), dataIndex: 'itemName', width: 140 },
    {
      title: t('crosscheck.conflict.col.source'),
      key: 'source',
      render: (_, c) => (
        <span>
          {c.entryName}{' '}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {c.field}
          </Typography.Text>
        </span>
      ),
    },
    {
      title: t('crosscheck.conflict.col.key'),
      key: 'key',
      width: 270,
      render: (_, c) => (
        <Space size={4} wrap={false}>
          <Typography.Text code data-testid="conflict-key" style={{ whiteSpace: 'nowrap' }}>
            {c.subjectKey}
          </Typography.Text>
          {c.masked && (
            <Tooltip title={t('crosscheck.conflict.maskedHint')}>
              <Tag bordered={false} data-testid="conflict-masked">
                {t('crosscheck.conflict.masked')}
              </Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    {
      title: t('crosscheck.conflict.col.authoritative'),
      dataIndex: 'authoritativeValue',
      render: (v: string | null) => <ConflictValue value={v} testId="conflict-authoritative" />,
    },
    {
      title: t('crosscheck.conflict.col.value'),
      dataIndex: 'sourceValue',
      render: (v: string | null) => <ConflictValue value={v} testId="conflict-value" />,
    },
    {
      title: t('crosscheck.conflict.col.objection'),
      key: 'objection',
      render: (_, c) => {
        const objectionId = c.objectionId ?? raised.get(c.id);
        if (objectionId) return <ObjectionTag id={objectionId} />;
        return (
          <Button size="small" data-testid="conflict-raise" onClick={() => setRaising(c)}>
            {t('crosscheck.conflict.raise')}
          </Button>
        );
      },
    },
  ];

  return (
    <Card
      size="small"
      title={t('crosscheck.conflict.title')}
      data-testid="conflicts"
      extra={
        <Space wrap>
          <Select<string>
            allowClear
            style={{ width: 200 }}
            placeholder={t('crosscheck.conflict.allItems')}
            value={filter.itemId}
            onChange={(itemId) => onFilter({ itemId })}
            data-testid="conflict-filter-item"
            options={run.results.map((r) => ({ value: r.itemId, label: r.itemName }))}
            optionRender={(o) => (
              <span data-testid={`conflict-filter-item-option-${String(o.label)}`}>{o.label}</span>
            )}
          />
          <Select<string>
            allowClear
            style={{ width: 320 }}
            placeholder={t('crosscheck.conflict.allSources')}
            value={filter.sourceId}
            onChange={(sourceId) => onFilter({ itemId: filter.itemId, sourceId })}
            data-testid="conflict-filter-source"
            options={sourceOptions}
            optionRender={(o) => (
              <span data-testid={`conflict-filter-source-option-${String(o.value)}`}>{o.label}</span>
            )}
          />
        </Space>
      }
    >
      {conflicts.error && <ErrorAlert error={conflicts.error} style={{ marginBottom: 16 }} />}
      <Table<Conflict>
        rowKey="id"
        size="small"
        loading={conflicts.isPending}
        dataSource={rows}
        columns={columns}
        pagination={false}
        sticky
        scroll={{ y: 560 }}
        locale={{ emptyText: t('crosscheck.conflict.none') }}
        data-testid="conflict-table"
        onRow={(c) =>
          ({
            'data-testid': 'conflict-row',
            'data-id': String(c.id),
            'data-item': c.itemName,
            'data-source': c.sourceId,
            'data-key': c.subjectKey,
            'data-objection': c.objectionId ?? raised.get(c.id) ?? '',
          }) as HTMLAttributes<HTMLElement>
        }
      />
      <div style={{ textAlign: 'center', marginTop: 12 }}>
        {conflicts.hasNextPage ? (
          <Button
            loading={conflicts.isFetchingNextPage}
            onClick={() => void conflicts.fetchNextPage()}
            data-testid="conflict-more"
          >
            {t('common.loadMore')}
          </Button>
        ) : (
          rows.length > 0 && (
            <Typography.Text type="secondary" data-testid="conflict-end">
              {t('crosscheck.conflict.shown', { n: rows.length })}
            </Typography.Text>
          )
        )}
      </div>
      {raising && (
        <ConflictObjectionModal
          key={raising.id}
          runId={run.id}
          conflict={raising}
          providerOrgId={providerOf(raising).id}
          providerOrgName={providerOf(raising).name}
          onClose={() => setRaising(null)}
          onRaised={(o) => setRaised((m) => new Map(m).set(raising.id, o.id))}
        />
      )}
    </Card>
  );
}
