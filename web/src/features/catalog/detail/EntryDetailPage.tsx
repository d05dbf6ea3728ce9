import { useState } from 'react';
import { Button, Card, Space, Tabs, Tag, Tooltip, Typography } from 'antd';
import { DatabaseOutlined, ShareAltOutlined } from '@ant-design/icons';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useCan, useCurrentUser } from '../../auth/session';
import { RequestWizard } from '../../sharing/RequestWizard';
import { CATALOG_KEY, useEntry } from '../api';
import { StatusTag } from '../labels';
import { EntryActions } from './EntryActions';
import { EntryMetadata } from './EntryMetadata';
import { FieldTable } from './FieldTable';
import { HistoryTimeline } from './HistoryTimeline';
import { VersionsPanel } from './VersionsPanel';

/** /catalog/:id — metadata, 信息项, versions with diff, history, and the lifecycle actions. */
export default function EntryDetailPage() {
  const { t } = useLang();
  const can = useCan();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const version = Number(search.get('version')) || undefined;
  const entry = useEntry(id, version);
  const me = useCurrentUser();
  const [requesting, setRequesting] = useState(false);

  if (entry.error) return <ErrorAlert error={entry.error} />;
  const e = entry.data;
  return (
    <Card
      loading={entry.isPending}
      data-testid="entry-detail"
      data-status={e?.status}
      title={
        e && (
          <Space>
            <span data-testid="entry-name">{e.name}</span>
            <Typography.Text type="secondary" code data-testid="entry-code">
              {e.code}
            </Typography.Text>
            <StatusTag value={e.status} />
            <Typography.Text type="secondary">v{e.version}</Typography.Text>
          </Space>
        )
      }
      extra={
        e && (
          <Space wrap>
            {/* 数据: the dataset of a published table entry (归集). */}
            {e.publishedVersion !== null &&
              e.resourceKind === 'table' &&
              !e.restricted &&
              can('dataset.read') && (
                <Button
                  icon={<DatabaseOutlined />}
                  onClick={() => void navigate(`/catalog/${id}/data`)}
                  data-testid="entry-data"
                >
                  {t('dataset.open')}
                </Button>
              )}
            {/* 共享: another organisation's published entry may be requested; 不予共享 shows its basis. */}
            {e.status === 'published' &&
              e.providerOrgId !== me.orgId &&
              can('share.request') &&
              (e.shareType === 'none' ? (
                <Tooltip title={t('share.request.notSharedBasis', { basis: e.shareCondition ?? '—' })}>
                  <Tag color="default" data-testid="entry-not-shared">
                    {t('share.request.notShared')}：{e.shareCondition ?? '—'}
                  </Tag>
                </Tooltip>
              ) : (
                <Button
                  type="primary"
                  icon={<ShareAltOutlined />}
                  onClick={() => setRequesting(true)}
                  data-testid="entry-request"
                >
                  {t('share.request.button')}
                </Button>
              ))}
            <EntryActions entry={e} onDone={() => void qc.invalidateQueries({ queryKey: CATALOG_KEY })} />
          </Space>
        )
      }
    >
      {e && (
        <Tabs
          items={[
            { key: 'metadata', label: t('catalog.tab.metadata'), children: <EntryMetadata entry={e} /> },
            ...(e.restricted
              ? []
              : [
                  {
                    key: 'fields',
                    label: `${t('catalog.tab.fields')} (${e.fields.length})`,
                    children: <FieldTable fields={e.fields} standards={can('standards.read')} />,
                  },
                ]),
            {
              key: 'versions',
              label: t('catalog.tab.versions'),
              children: <VersionsPanel id={id} base="/catalog" />,
            },
            { key: 'history', label: t('catalog.tab.history'), children: <HistoryTimeline id={id} /> },
          ]}
        />
      )}
      {e && requesting && <RequestWizard entry={e} onClose={() => setRequesting(false)} />}
    </Card>
  );
}
