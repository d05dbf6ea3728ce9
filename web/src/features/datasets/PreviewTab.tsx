import { useState, type HTMLAttributes } from 'react';
import { Button, Dropdown, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { EyeInvisibleOutlined, FlagOutlined, KeyOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { RaiseObjectionModal } from '../governance/RaiseObjectionModal';
import { usePreview } from './api';
import { formatCount } from './labels';
import type { Dataset } from './model';

const LIMITS = [20, 50, 100] as const;

type Row = Record<string, string | null>;

/**
 * 数据预览: the first rows of the current version in key order; masked columns are marked. Each
 * row can be objected to (提出异议), as a whole or one field; the server decides who may (the
 * provider's staff, the platform, a consumer holding a grant covering the record).
 */
export function PreviewTab({ entryId, dataset }: { entryId: string; dataset: Dataset }) {
  const { t, lang } = useLang();
  const [limit, setLimit] = useState<number>(20);
  const preview = usePreview(entryId, limit, true);
  const keys = new Set(dataset.columns.filter((c) => c.key).map((c) => c.code));
  const p = preview.data;
  const anyMasked = p?.columns.some((c) => c.masked) ?? false;
  // A record is named by its key: with a masked key column the caller cannot name it.
  const keyMasked = p?.columns.some((c) => keys.has(c.code) && c.masked) ?? false;
  const [objecting, setObjecting] = useState<{ row: Row; field?: string } | null>(null);
  const keyOf = (row: Row) => Object.fromEntries([...keys].map((k) => [k, row[k] ?? '']));
  const objectColumn = {
    key: '__objection',
    title: t('dataset.preview.objectCol'),
    fixed: 'right' as const,
    width: 96,
    render: (_: unknown, row: Row) => (
      <Dropdown
        trigger={['click']}
        menu={{
          items: [
            { key: '', label: t('dataset.preview.objectWhole') },
            ...(p?.columns ?? [])
              .filter((c) => !keys.has(c.code))
              .map((c) => ({ key: c.code, label: `${c.name}（${c.code}）` })),
          ],
          onClick: ({ key }) => setObjecting(key ? { row, field: key } : { row }),
        }}
      >
        <Button size="small" type="link" icon={<FlagOutlined />} data-testid="preview-object">
          {t('dataset.preview.object')}
        </Button>
      </Dropdown>
    ),
  };

  return (
    <div data-testid="preview">
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Text>{t('dataset.preview.limit')}</Typography.Text>
        <Select<number>
          value={limit}
          onChange={setLimit}
          style={{ width: 90 }}
          options={LIMITS.map((n) => ({ value: n, label: String(n) }))}
          data-testid="preview-limit"
        />
        {p && (
          <Typography.Text type="secondary" data-testid="preview-total" data-count={p.rowCount}>
            {t('dataset.preview.showing', { total: formatCount(lang, p.rowCount), n: p.rows.length })}
          </Typography.Text>
        )}
        {anyMasked && (
          <Typography.Text type="secondary">
            <EyeInvisibleOutlined /> {t('dataset.preview.maskedHint')}
          </Typography.Text>
        )}
      </Space>
      {preview.error && <ErrorAlert error={preview.error} />}
      <Table<Row>
        size="small"
        bordered
        loading={preview.isFetching}
        dataSource={p?.rows ?? []}
        rowKey={(row) => JSON.stringify([...keys].map((k) => row[k]))}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="preview-table"
        data-rows={p?.rows.length ?? 0}
        onRow={(row) =>
          ({
            'data-testid': 'preview-row',
            'data-key': [...keys].map((k) => row[k] ?? '').join('|'),
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          ...(p?.columns ?? []).map((c) => ({
            key: c.code,
            dataIndex: c.code,
            title: (
              <Space size={4} data-testid="preview-column" data-code={c.code} data-masked={c.masked}>
                {keys.has(c.code) && (
                  <Tooltip title={t('dataset.preview.key')}>
                    <KeyOutlined />
                  </Tooltip>
                )}
                <span>{c.name}</span>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {c.code}
                </Typography.Text>
                {c.masked && (
                  <Tag color="orange" icon={<EyeInvisibleOutlined />} style={{ marginInlineEnd: 0 }}>
                    {t('dataset.preview.masked')}
                  </Tag>
                )}
              </Space>
            ),
            render: (v: string | null) =>
              v === null ? <Typography.Text type="secondary">NULL</Typography.Text> : v,
          })),
          ...(keys.size && !keyMasked ? [objectColumn] : []),
        ]}
      />
      {objecting && (
        <RaiseObjectionModal
          entryId={entryId}
          recordKey={keyOf(objecting.row)}
          field={objecting.field}
          fieldName={p?.columns.find((c) => c.code === objecting.field)?.name}
          currentValue={objecting.field ? (objecting.row[objecting.field] ?? null) : undefined}
          onClose={() => setObjecting(null)}
        />
      )}
    </div>
  );
}
