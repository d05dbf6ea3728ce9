import { useState, type HTMLAttributes } from 'react';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Result,
  Skeleton,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { ArrowLeftOutlined, FileProtectOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, isApiError } from '../../api';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useMe } from '../auth/session';
import type { Entry } from '../catalog/model';
import { OpenTag } from '../catalog/labels';
import { ApplyOpenModal } from '../opening/ApplyOpenModal';
import { ProductsPanel } from './ProductsPanel';
import { OPEN_KEY, useOpenDataset } from './api';
import { ApiTab } from './ApiTab';
import { ChartTab } from './ChartTab';
import { DownloadTab } from './DownloadTab';
import { formatDay, formatNumber } from './format';
import type { OpenDataset } from './model';
import { PortalLayout } from './PortalLayout';
import { NO_FILTER, PreviewTab, type PreviewFilter } from './PreviewTab';

interface FieldRow {
  code: string;
  name: string;
  type: string;
  description: string | null;
}

/** The catalog's fields, for an entry whose open data cannot be read (its dictionary still can). */
function useCatalogFields(entryId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...OPEN_KEY, 'catalog-fields', entryId],
    queryFn: () => api.get<Entry>(`/api/catalog/entries/${encodeURIComponent(entryId)}`),
    enabled,
    retry: false,
    select: (e): FieldRow[] =>
      e.fields.map((f) => ({ code: f.code, name: f.name, type: f.type, description: f.description ?? null })),
  });
}

function FieldsTable({ fields, loading }: { fields: FieldRow[]; loading?: boolean }) {
  const { t } = useLang();
  return (
    <Table<FieldRow>
      size="small"
      rowKey="code"
      loading={loading}
      dataSource={fields}
      pagination={false}
      scroll={{ x: 'max-content' }}
      data-testid="portal-fields"
      onRow={(f) => ({ 'data-code': f.code }) as HTMLAttributes<HTMLTableRowElement>}
      columns={[
        { key: 'name', dataIndex: 'name', title: t('portal.fields.name') },
        {
          key: 'code',
          dataIndex: 'code',
          title: t('portal.fields.code'),
          render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
        },
        {
          key: 'type',
          dataIndex: 'type',
          title: t('portal.fields.type'),
          render: (v: string) => <Tag>{v}</Tag>,
        },
        {
          key: 'description',
          dataIndex: 'description',
          title: t('portal.fields.description'),
          render: (v: string | null) => v ?? '',
        },
      ]}
    />
  );
}

/** 有条件开放: what it means, and 申请使用 for a signed-in public user (else sign in or register). */
function ConditionalPanel({ dataset }: { dataset: OpenDataset }) {
  const { t } = useLang();
  const me = useMe().data;
  const [applying, setApplying] = useState(false);
  const canApply = me?.permissions.includes('open.apply') ?? false;
  return (
    <Alert
      type="warning"
      showIcon
      icon={<FileProtectOutlined />}
      title={t('portal.conditional.title')}
      style={{ marginTop: 12 }}
      data-testid="portal-conditional"
      description={
        <Space orientation="vertical" size="small">
          <span>{t('portal.conditional.text')}</span>
          {!me && (
            <Space wrap>
              <Link to="/login" state={{ from: `/portal/${dataset.entryId}` }}>
                <Button type="primary" data-testid="portal-apply">
                  {t('portal.apply.signIn')}
                </Button>
              </Link>
              <Link to="/register" data-testid="portal-apply-register">
                {t('portal.apply.register')}
              </Link>
            </Space>
          )}
          {me && canApply && (
            <Button type="primary" onClick={() => setApplying(true)} data-testid="portal-apply">
              {t('portal.apply')}
            </Button>
          )}
          {me && !canApply && (
            <Space wrap>
              <Button type="primary" disabled data-testid="portal-apply">
                {t('portal.apply')}
              </Button>
              <Typography.Text type="secondary">{t('portal.apply.publicOnly')}</Typography.Text>
            </Space>
          )}
          {applying && (
            <ApplyOpenModal
              entryId={dataset.entryId}
              entryName={dataset.name}
              onClose={() => setApplying(false)}
            />
          )}
        </Space>
      }
    />
  );
}

function Metadata({ dataset: d }: { dataset: OpenDataset }) {
  const { t, lang } = useLang();
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, sm: 2, lg: 3 }}
      data-testid="portal-metadata"
      items={[
        { key: 'provider', label: t('portal.meta.provider'), children: d.providerOrgName },
        { key: 'category', label: t('portal.meta.category'), children: t(`catalog.category.${d.category}`) },
        { key: 'code', label: t('catalog.code'), children: <Typography.Text code>{d.code}</Typography.Text> },
        {
          key: 'cycle',
          label: t('catalog.updateCycle'),
          children: t(`catalog.updateCycle.${d.updateCycle}`),
        },
        { key: 'published', label: t('portal.meta.publishedAt'), children: formatDay(lang, d.publishedAt) },
        ...(d.dataAvailable
          ? [
              {
                key: 'refreshed',
                label: t('portal.meta.refreshedAt'),
                children: formatDay(lang, d.refreshedAt),
              },
              {
                key: 'rows',
                label: t('portal.meta.rows'),
                children: t('portal.card.rows', { n: formatNumber(lang, d.rowCount ?? 0) }),
              },
              {
                key: 'version',
                label: t('portal.meta.version'),
                children: t('portal.meta.version.n', { n: d.version }),
              },
            ]
          : []),
        { key: 'downloads', label: t('portal.meta.downloads'), children: formatNumber(lang, d.downloads) },
        { key: 'licence', label: t('catalog.licence'), children: d.licence ?? t('common.none') },
        {
          key: 'tags',
          label: t('catalog.tags'),
          children: d.tags.length ? d.tags.map((tag) => <Tag key={tag}>{tag}</Tag>) : t('common.none'),
        },
      ]}
    />
  );
}

const tabLabel = (testId: string, text: string) => <span data-testid={testId}>{text}</span>;

/**
 * /portal/:id: an open dataset — metadata and field dictionary, then (when its open data is
 * published) a preview of the first 100 rows, a chart builder, downloads and API examples; for a
 * conditionally open one, what that means and how to apply.
 */
export default function PortalEntryPage() {
  const { t } = useLang();
  const { id = '' } = useParams();
  const dataset = useOpenDataset(id);
  const d = dataset.data;
  const hasData = d !== undefined && d.dataAvailable && d.columns.length > 0;
  const catalogFields = useCatalogFields(id, d !== undefined && !hasData);
  const [filter, setFilter] = useState<PreviewFilter>(NO_FILTER);
  const [tab, setTab] = useState<string | null>(null);

  const back = (
    <Link to="/portal" data-testid="portal-back">
      <ArrowLeftOutlined /> {t('portal.back')}
    </Link>
  );

  if (dataset.error) {
    return (
      <PortalLayout>
        {back}
        {isApiError(dataset.error) && dataset.error.status === 404 ? (
          <Result status="404" title="404" subTitle={t('portal.notFound')} data-testid="portal-not-found" />
        ) : (
          <ErrorAlert error={dataset.error} style={{ marginTop: 16 }} />
        )}
      </PortalLayout>
    );
  }

  const fieldsTab = {
    key: 'fields',
    label: tabLabel('portal-tab-fields', t('portal.tab.fields')),
    children: hasData ? (
      <FieldsTable fields={d.columns} />
    ) : (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('portal.fields.catalog')}</Typography.Text>
        {catalogFields.error && <ErrorAlert error={catalogFields.error} />}
        <FieldsTable fields={catalogFields.data ?? []} loading={catalogFields.isPending} />
      </Space>
    ),
  };

  return (
    <PortalLayout>
      {back}
      <Card style={{ marginTop: 16 }} styles={{ body: { padding: 'clamp(12px, 3vw, 24px)' } }}>
        {!d ? (
          <Skeleton active />
        ) : (
          <article
            data-testid="portal-dataset"
            data-id={d.entryId}
            data-name={d.name}
            data-open-type={d.openType}
            data-data-available={String(d.dataAvailable)}
            aria-labelledby="portal-dataset-name"
          >
            <Space wrap align="center" style={{ marginBottom: 8 }}>
              <Typography.Title level={3} id="portal-dataset-name" style={{ margin: 0 }}>
                {d.name}
              </Typography.Title>
              <OpenTag value={d.openType} />
            </Space>
            <Typography.Paragraph type="secondary">{d.summary}</Typography.Paragraph>
            <Metadata dataset={d} />
            {d.openType === 'conditional' && <ConditionalPanel dataset={d} />}
            <ProductsPanel entryId={d.entryId} />
            {d.openType === 'unconditional' && !hasData && (
              <Alert
                type="info"
                showIcon
                title={t('portal.noData')}
                style={{ marginTop: 12 }}
                data-testid="portal-no-data"
              />
            )}
            <Tabs
              style={{ marginTop: 16 }}
              activeKey={tab ?? (hasData ? 'preview' : 'fields')}
              onChange={setTab}
              items={
                hasData
                  ? [
                      {
                        key: 'preview',
                        label: tabLabel('portal-tab-preview', t('portal.tab.preview')),
                        children: <PreviewTab dataset={d} filter={filter} onFilter={setFilter} />,
                      },
                      {
                        key: 'chart',
                        label: tabLabel('portal-tab-chart', t('portal.tab.chart')),
                        children: <ChartTab dataset={d} />,
                      },
                      {
                        key: 'download',
                        label: tabLabel('portal-tab-download', t('portal.tab.download')),
                        children: <DownloadTab dataset={d} />,
                      },
                      {
                        key: 'api',
                        label: tabLabel('portal-tab-api', t('portal.tab.api')),
                        children: <ApiTab dataset={d} filter={filter} />,
                      },
                      fieldsTab,
                    ]
                  : [fieldsTab]
              }
            />
          </article>
        )}
      </Card>
    </PortalLayout>
  );
}
