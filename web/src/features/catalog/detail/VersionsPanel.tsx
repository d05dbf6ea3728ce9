import { useState, type HTMLAttributes } from 'react';
import { Card, Empty, Select, Space, Table, Typography } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useDiff, useVersions } from '../api';
import { StatusTag } from '../labels';
import type { EntryDiff, EntryVersion, Field } from '../model';
import { typeText } from './FieldTable';

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fieldLine(f: Field): string {
  return `${f.code} ${f.name} ${typeText(f)}`;
}

function DiffView({ diff }: { diff: EntryDiff }) {
  const { t } = useLang();
  const { added, removed, changed } = diff.fields;
  if (diff.metadata.length + added.length + removed.length + changed.length === 0) {
    return <Empty description={t('diff.none')} data-testid="diff-none" />;
  }
  const rows = [
    ...diff.metadata.map((m) => ({ key: `m${m.path}`, path: m.path, before: m.before, after: m.after })),
    ...changed.flatMap((c) =>
      c.changes.map((ch) => ({
        key: `f${c.code}.${ch.property}`,
        path: `${c.code}.${ch.property}`,
        before: ch.before,
        after: ch.after,
      })),
    ),
  ];
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="diff">
      {rows.length > 0 && (
        <Table
          size="small"
          pagination={false}
          dataSource={rows}
          data-testid="diff-changes"
          columns={[
            {
              title: t('diff.path'),
              dataIndex: 'path',
              render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
            },
            { title: t('diff.before'), dataIndex: 'before', render: (v: unknown) => <del>{show(v)}</del> },
            { title: t('diff.after'), dataIndex: 'after', render: (v: unknown) => <ins>{show(v)}</ins> },
          ]}
        />
      )}
      {added.length > 0 && (
        <Card size="small" title={t('diff.added')} data-testid="diff-added">
          {added.map((f) => (
            <div key={f.code} style={{ color: '#389e0d' }}>
              + {fieldLine(f)}
            </div>
          ))}
        </Card>
      )}
      {removed.length > 0 && (
        <Card size="small" title={t('diff.removed')} data-testid="diff-removed">
          {removed.map((f) => (
            <div key={f.code} style={{ color: '#cf1322' }}>
              − {fieldLine(f)}
            </div>
          ))}
        </Card>
      )}
    </Space>
  );
}

/** The versions of an entry, and a diff between any two of them. */
export function VersionsPanel({ id, base }: { id: string; base: string }) {
  const { t, time } = useLang();
  const versions = useVersions(id);
  const list = versions.data ?? [];
  const latest = list.reduce((m, v) => Math.max(m, v.version), 0);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  // Until the user picks, compare the latest version with the one before it.
  const toV = to ?? (latest || null);
  const fromV = from ?? (latest > 1 ? latest - 1 : null);
  const diff = useDiff(id, fromV, toV);
  const options = list.map((v) => ({ value: v.version, label: `v${v.version}` }));

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {versions.error && <ErrorAlert error={versions.error} />}
      <Table<EntryVersion>
        rowKey="version"
        size="small"
        pagination={false}
        loading={versions.isPending}
        dataSource={list}
        data-testid="entry-versions"
        onRow={(v) =>
          ({ 'data-testid': 'version-row', 'data-version': v.version }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('catalog.version'),
            dataIndex: 'version',
            render: (v: number) => <Link to={`${base}/${id}?version=${v}`}>v{v}</Link>,
          },
          {
            title: t('catalog.status'),
            dataIndex: 'status',
            render: (s: EntryVersion['status']) => <StatusTag value={s} />,
          },
          { title: t('catalog.updatedAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
          {
            title: t('catalog.publishedAt'),
            dataIndex: 'publishedAt',
            render: (v: string | null) => time(v),
          },
        ]}
      />
      <Card size="small" title={t('diff.title')}>
        <Space style={{ marginBottom: 12 }}>
          {t('diff.from')}
          <Select
            value={fromV}
            options={options}
            style={{ width: 90 }}
            onChange={setFrom}
            data-testid="diff-from"
          />
          {t('diff.to')}
          <Select
            value={toV}
            options={options}
            style={{ width: 90 }}
            onChange={setTo}
            data-testid="diff-to"
          />
        </Space>
        {fromV === null || toV === null || fromV === toV ? (
          <Typography.Text type="secondary">{t('diff.pick')}</Typography.Text>
        ) : diff.error ? (
          <ErrorAlert error={diff.error} />
        ) : diff.data ? (
          <DiffView diff={diff.data} />
        ) : null}
      </Card>
    </Space>
  );
}
