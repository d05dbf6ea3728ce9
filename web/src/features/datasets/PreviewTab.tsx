import { useState, type HTMLAttributes } from 'react';
import { Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { EyeInvisibleOutlined, KeyOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { usePreview } from './api';
import { formatCount } from './labels';
import type { Dataset } from './model';

const LIMITS = [20, 50, 100] as const;

/** 数据预览: the first rows of the current version in key order; masked columns are marked. */
export function PreviewTab({ entryId, dataset }: { entryId: string; dataset: Dataset }) {
  const { t, lang } = useLang();
  const [limit, setLimit] = useState<number>(20);
  const preview = usePreview(entryId, limit, true);
  const keys = new Set(dataset.columns.filter((c) => c.key).map((c) => c.code));
  const p = preview.data;
  const anyMasked = p?.columns.some((c) => c.masked) ?? false;

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
      <Table<Record<string, string | null>>
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
        columns={(p?.columns ?? []).map((c) => ({
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
        }))}
      />
    </div>
  );
}
