import { useState } from 'react';
import { Button, Card, Empty, Space, Statistic, Tabs, Typography } from 'antd';
import { ArrowLeftOutlined, CloudUploadOutlined } from '@ant-design/icons';
import { Link, useParams } from 'react-router';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Forbidden } from '../../layout/RequirePermission';
import { useCan } from '../auth/session';
import { useEntry } from '../catalog/api';
import { useDataset } from './api';
import { BatchDrawer } from './BatchDrawer';
import { BatchesTab } from './BatchesTab';
import { formatCount } from './labels';
import { OpenTab } from './OpenTab';
import { PreviewTab } from './PreviewTab';
import { PullsTab } from './PullsTab';
import { QualityTab } from './QualityTab';
import { UploadWizard, type WizardField } from './UploadWizard';
import { VersionsTab } from './VersionsTab';

type TabKey = 'preview' | 'versions' | 'batches' | 'pulls' | 'quality' | 'open';

/** /catalog/:id/data — the dataset of a published table entry: preview, 版本, 批次, 拉取源, 质量, 开放, upload. */
export default function DatasetPage() {
  const { t, lang } = useLang();
  const can = useCan();
  const { id = '' } = useParams();
  const entry = useEntry(id);
  const dataset = useDataset(id);
  const [tab, setTab] = useState<TabKey>('preview');
  const [batchId, setBatchId] = useState<number | null>(null);
  const [uploading, setUploading] = useState(false);

  if (!can('dataset.read')) return <Forbidden />;
  if (entry.error) return <ErrorAlert error={entry.error} />;

  const e = entry.data;
  const ds = dataset.data;
  const empty = isApiError(dataset.error) && dataset.error.code === 'dataset_not_found';
  // Only a published table entry holds data (the server answers 409 dataset_not_loadable otherwise).
  const canLoad = can('dataset.load') && !!e && e.publishedVersion !== null && e.resourceKind === 'table';
  const current = ds?.versions.find((v) => v.version === ds.currentVersion);
  const required = new Map((e?.fields ?? []).map((f) => [f.code, f.required || f.key]));
  const fields: WizardField[] = ds
    ? ds.columns.map((c) => ({
        code: c.code,
        name: c.name,
        required: c.key || (required.get(c.code) ?? false),
      }))
    : (e?.fields ?? []).map((f) => ({ code: f.code, name: f.name, required: f.required || f.key }));
  const lastBatchId = ds?.batches.reduce((max, b) => Math.max(max, b.id), 0) ?? 0;

  const openBatch = (bid: number) => {
    setTab('batches');
    setBatchId(bid);
  };
  const uploadButton = canLoad && (
    <Button
      type="primary"
      icon={<CloudUploadOutlined />}
      onClick={() => setUploading(true)}
      disabled={!e}
      data-testid="dataset-upload"
    >
      {t('upload.open')}
    </Button>
  );

  return (
    <Card
      loading={entry.isPending}
      data-testid="dataset-page"
      data-state={ds ? 'loaded' : empty ? 'empty' : dataset.isPending ? 'loading' : 'error'}
      title={
        e && (
          <Space wrap>
            <Link to={`/catalog/${id}`} data-testid="dataset-back" title={t('dataset.back')}>
              <ArrowLeftOutlined />
            </Link>
            <span data-testid="dataset-entry-name">{e.name}</span>
            <Typography.Text type="secondary" code>
              {e.code}
            </Typography.Text>
            <Typography.Text type="secondary">{t('dataset.title')}</Typography.Text>
          </Space>
        )
      }
      extra={ds && uploadButton}
    >
      {dataset.error && !empty && <ErrorAlert error={dataset.error} />}
      {empty && (
        <>
          <Empty
            data-testid="dataset-empty"
            description={
              <Space orientation="vertical" size={4}>
                <Typography.Text strong>{t('dataset.empty')}</Typography.Text>
                <Typography.Text type="secondary">{t('dataset.emptyHint')}</Typography.Text>
              </Space>
            }
            style={{ margin: '32px 0' }}
          >
            {uploadButton}
          </Empty>
          <Typography.Title level={5}>{t('dataset.tab.pulls')}</Typography.Title>
          <PullsTab entryId={id} canLoad={canLoad} onOpenBatch={openBatch} />
        </>
      )}
      {ds && (
        <>
          <Space size={48} wrap style={{ marginBottom: 16 }}>
            <Statistic
              title={t('dataset.rowCount')}
              value={current ? formatCount(lang, current.rowCount) : '—'}
              valueRender={(node) => (
                <span data-testid="dataset-row-count" data-count={current?.rowCount ?? ''}>
                  {node}
                </span>
              )}
            />
            <Statistic
              title={t('dataset.currentVersion')}
              value={ds.currentVersion}
              valueRender={(node) => (
                <span data-testid="dataset-version" data-version={ds.currentVersion}>
                  {node}
                </span>
              )}
            />
            <Statistic
              title={t('dataset.view')}
              value={`ds.${ds.name}`}
              styles={{ content: { fontSize: 16, fontFamily: 'monospace' } }}
            />
          </Space>
          <Tabs
            activeKey={tab}
            onChange={(k) => setTab(k as TabKey)}
            items={[
              {
                key: 'preview',
                label: <span data-testid="dataset-tab-preview">{t('dataset.tab.preview')}</span>,
                children: <PreviewTab entryId={id} dataset={ds} />,
              },
              {
                key: 'versions',
                label: <span data-testid="dataset-tab-versions">{t('dataset.tab.versions')}</span>,
                children: <VersionsTab entryId={id} dataset={ds} canLoad={canLoad} onOpenBatch={openBatch} />,
              },
              {
                key: 'batches',
                label: <span data-testid="dataset-tab-batches">{t('dataset.tab.batches')}</span>,
                children: <BatchesTab batches={ds.batches} onOpen={setBatchId} />,
              },
              {
                key: 'pulls',
                label: <span data-testid="dataset-tab-pulls">{t('dataset.tab.pulls')}</span>,
                children: <PullsTab entryId={id} canLoad={canLoad} onOpenBatch={openBatch} />,
              },
              {
                key: 'quality',
                label: <span data-testid="dataset-tab-quality">{t('quality.tab')}</span>,
                children: <QualityTab entryId={id} dataset={ds} canLoad={canLoad} />,
              },
              {
                key: 'open',
                label: <span data-testid="dataset-tab-open">{t('publish.tab')}</span>,
                children: <OpenTab entryId={id} dataset={ds} canLoad={canLoad} />,
              },
            ]}
          />
        </>
      )}
      {batchId !== null && (
        <BatchDrawer
          batchId={batchId}
          fieldNames={new Map(fields.map((f) => [f.code, f.name]))}
          onClose={() => setBatchId(null)}
        />
      )}
      {uploading && e && (
        <UploadWizard
          entryId={id}
          fields={fields}
          savedMapping={ds?.mapping ?? {}}
          lastBatchId={lastBatchId}
          onClose={() => setUploading(false)}
          onViewBatch={(bid) => {
            setUploading(false);
            openBatch(bid);
          }}
        />
      )}
    </Card>
  );
}
