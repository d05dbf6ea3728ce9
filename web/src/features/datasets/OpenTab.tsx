import { useMemo, useRef, useState } from 'react';
import { Alert, Card, Empty, Spin, Tag } from 'antd';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan, useCurrentUser } from '../auth/session';
import { useEntry } from '../catalog/api';
import type { Dataset } from './model';
import { OpenConfig } from './OpenConfig';
import { OpenReport } from './OpenReport';
import { OpenVersions } from './OpenVersions';
import { OpenWorkflow } from './OpenWorkflow';
import { useHierarchies, usePublication } from './open-api';
import {
  configKey,
  defaultConfig,
  openFieldsOf,
  toConfigInput,
  type PublishConfig,
  type Report,
} from './open-model';

/**
 * 开放: the publishing pipeline of the dataset (docs/OPENING.md "Publishing pipeline"). Maintainers
 * of the provider organisation configure the open version and request it; its approvers sign it
 * off or refuse it; either withdraws it. Who maintains the provider is the server's answer: its
 * custom hierarchies answer 403 publish_out_of_scope to anyone else. The grade rules are checked
 * against the entry's published catalog version, as on the server.
 */
export function OpenTab({
  entryId,
  dataset,
  canLoad,
}: {
  entryId: string;
  dataset: Dataset;
  /** dataset.load on a published table entry, as the upload button decides. */
  canLoad: boolean;
}) {
  const { t } = useLang();
  const me = useCurrentUser();
  const can = useCan();
  const current = useEntry(entryId);
  const entry = useEntry(entryId, current.data?.publishedVersion ?? undefined);
  const publication = usePublication(entryId);
  const provider = entry.data?.providerOrgId;
  const hierarchies = useHierarchies(provider);
  const inScope = hierarchies.isSuccess;
  const maintainer = canLoad && inScope;
  const approver =
    can('share.approve') &&
    ((me.roles.includes('approver') && me.orgId === provider) || (me.roles.includes('org_admin') && inScope));

  const fields = useMemo(
    () => openFieldsOf(dataset.columns, entry.data?.fields ?? []),
    [dataset.columns, entry.data?.fields],
  );
  const p = publication.data ?? null;
  const saved = p?.config ?? null;
  const baseKey = p?.updatedAt ?? 'new';
  const initial = useMemo(() => saved ?? defaultConfig(fields), [saved, fields]);
  const [draft, setDraft] = useState<{ key: string; config: PublishConfig } | null>(null);
  const config = draft?.key === baseKey ? draft.config : initial;
  const dirty = !saved || configKey(toConfigInput(config)) !== configKey(toConfigInput(saved));
  const [preview, setPreview] = useState<{ report: Report; of: string } | null>(null);
  const reportRef = useRef<HTMLDivElement>(null);

  if (current.error) return <ErrorAlert error={current.error} />;
  if (entry.error) return <ErrorAlert error={entry.error} />;
  if (publication.error) return <ErrorAlert error={publication.error} />;
  if (hierarchies.error && !(isApiError(hierarchies.error) && hierarchies.error.status === 403))
    return <ErrorAlert error={hierarchies.error} />;
  const e = entry.data;
  if (!e || publication.isPending || (provider && hierarchies.isPending)) {
    return <Spin data-testid="open-loading" style={{ display: 'block', margin: '32px auto' }} />;
  }
  if (e.openType === 'none' || e.core) {
    return (
      <div data-testid="open-tab" data-openable="false">
        <Alert
          type="info"
          showIcon
          title={e.core ? t('publish.notOpenable.core') : t('publish.notOpenable.none')}
          description={t('publish.notOpenable.hint')}
        />
      </div>
    );
  }

  const editable = maintainer && p?.status !== 'published';
  const lockedReason = maintainer && p?.status === 'published' ? t('publish.locked.published') : undefined;
  const shownReport = preview?.report ?? p?.report ?? null;
  const stale = preview !== null && preview.of !== configKey(toConfigInput(config));

  return (
    <div
      data-testid="open-tab"
      data-openable="true"
      data-maintainer={String(maintainer)}
      data-approver={String(approver)}
    >
      <Card size="small" title={t('publish.workflow')} style={{ marginBottom: 16 }}>
        <OpenWorkflow
          entryId={entryId}
          publication={p}
          maintainer={maintainer}
          approver={approver}
          meId={me.id}
          dirty={dirty}
        />
      </Card>

      {!p && !maintainer ? (
        <Empty data-testid="open-none" description={t('publish.none')} style={{ margin: '24px 0' }} />
      ) : (
        <Card size="small" title={t('publish.config')} style={{ marginBottom: 16 }}>
          {maintainer && p?.status === 'pending' && (
            <Alert type="info" showIcon title={t('publish.pendingEdit')} style={{ marginBottom: 12 }} />
          )}
          <OpenConfig
            entryId={entryId}
            orgId={e.providerOrgId}
            fields={fields}
            config={config}
            onChange={(c) => setDraft({ key: baseKey, config: c })}
            publication={p}
            hierarchies={hierarchies.data ?? []}
            editable={editable}
            lockedReason={lockedReason}
            dirty={dirty}
            onPreviewed={(report) => {
              setPreview({ report, of: configKey(toConfigInput(config)) });
              window.setTimeout(() => reportRef.current?.scrollIntoView({ behavior: 'smooth' }), 50);
            }}
          />
        </Card>
      )}

      {shownReport && (
        <div ref={reportRef}>
          <Card
            size="small"
            title={t('publish.report')}
            extra={stale && <Tag color="warning">{t('publish.report.stale')}</Tag>}
            style={{ marginBottom: 16 }}
          >
            <OpenReport report={shownReport} source={preview ? 'preview' : 'request'} />
          </Card>
        </div>
      )}

      {p && (
        <Card size="small" title={t('publish.versions')}>
          <OpenVersions versions={p.versions} current={p.currentVersion} />
        </Card>
      )}
    </div>
  );
}
