import { useMemo, useState, type FormEvent, type HTMLAttributes } from 'react';
import { Button, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useOpenRows } from './api';
import { formatNumber } from './format';
import { isNumeric, type OpenColumn, type OpenDataset } from './model';

export const PREVIEW_LIMIT = 100;

/** The preview's filter: words over the text columns, and optionally one field equal to a value. */
export interface PreviewFilter {
  q: string;
  field: string | null;
  value: string;
}

export const NO_FILTER: PreviewFilter = { q: '', field: null, value: '' };

/** The rows route's `filters` JSON of a preview filter, typed as the column is (or undefined). */
export function filtersParam(filter: PreviewFilter, columns: OpenColumn[]): string | undefined {
  const column = columns.find((c) => c.code === filter.field);
  const raw = filter.value.trim();
  if (!column || raw === '') return undefined;
  let value: string | number | boolean = raw;
  if (isNumeric(column)) value = Number(raw);
  else if (column.type === 'boolean') value = /^(true|1|是|yes)$/i.test(raw);
  return JSON.stringify({ [column.code]: value });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** 数据预览: the first 100 rows of the open version, with a simple filter. */
export function PreviewTab({
  dataset,
  filter,
  onFilter,
}: {
  dataset: OpenDataset;
  filter: PreviewFilter;
  onFilter: (f: PreviewFilter) => void;
}) {
  const { t, lang } = useLang();
  const [draft, setDraft] = useState<PreviewFilter>(filter);
  const column = dataset.columns.find((c) => c.code === draft.field);
  const badNumber =
    column !== undefined &&
    isNumeric(column) &&
    draft.value.trim() !== '' &&
    !Number.isFinite(Number(draft.value));
  const rows = useOpenRows(dataset.entryId, {
    q: filter.q.trim() || undefined,
    filters: filtersParam(filter, dataset.columns),
    limit: PREVIEW_LIMIT,
  });
  const columns = useMemo(
    () =>
      dataset.columns.map((c) => ({
        key: c.code,
        dataIndex: ['values', c.code],
        title: (
          <span title={c.code}>
            {c.name}
            <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block', fontWeight: 400 }}>
              {c.code}
            </Typography.Text>
          </span>
        ),
        align: isNumeric(c) ? ('right' as const) : undefined,
        ellipsis: true,
        width: 160,
        render: (v: unknown) => cell(v),
      })),
    [dataset.columns],
  );

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!badNumber) onFilter(draft);
  };
  const clear = () => {
    setDraft(NO_FILTER);
    onFilter(NO_FILTER);
  };

  const data = rows.data;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <form onSubmit={submit} aria-label={t('portal.preview.q')}>
        <Space wrap>
          <Input
            allowClear
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
            placeholder={t('portal.preview.q')}
            aria-label={t('portal.preview.q')}
            maxLength={200}
            style={{ width: 240, maxWidth: '100%' }}
            data-testid="portal-preview-q"
          />
          <Space.Compact>
            <Select
              allowClear
              value={draft.field}
              onChange={(v: string | undefined) => setDraft({ ...draft, field: v ?? null })}
              placeholder={t('portal.preview.field')}
              aria-label={t('portal.preview.field')}
              style={{ width: 160 }}
              options={dataset.columns.map((c) => ({ value: c.code, label: c.name }))}
              data-testid="portal-preview-field"
              showSearch={{ optionFilterProp: 'label' }}
            />
            <Form.Item
              noStyle
              validateStatus={badNumber ? 'error' : undefined}
              help={badNumber ? t('portal.preview.badNumber') : undefined}
            >
              <Input
                value={draft.value}
                onChange={(e) => setDraft({ ...draft, value: e.target.value })}
                placeholder={t('portal.preview.value')}
                aria-label={t('portal.preview.value')}
                disabled={!draft.field}
                status={badNumber ? 'error' : undefined}
                style={{ width: 140 }}
                data-testid="portal-preview-value"
              />
            </Form.Item>
          </Space.Compact>
          <Button type="primary" htmlType="submit" disabled={badNumber} data-testid="portal-preview-apply">
            {t('portal.preview.apply')}
          </Button>
          <Button onClick={clear}>{t('portal.preview.clear')}</Button>
        </Space>
      </form>
      {rows.error && <ErrorAlert error={rows.error} />}
      {data && (
        <Typography.Text type="secondary" data-testid="portal-preview-total" data-total={data.total}>
          {t('portal.preview.shown', {
            shown: formatNumber(lang, data.rows.length),
            total: formatNumber(lang, data.total),
          })}
        </Typography.Text>
      )}
      <Table<{ key: number; values: Record<string, unknown> }>
        size="small"
        bordered
        loading={rows.isFetching}
        columns={columns}
        dataSource={(data?.rows ?? []).map((values, key) => ({ key, values }))}
        pagination={false}
        scroll={{ x: 'max-content', y: 520 }}
        onRow={() => ({ 'data-testid': 'portal-preview-row' }) as HTMLAttributes<HTMLTableRowElement>}
        data-testid="portal-preview"
      />
    </Space>
  );
}
