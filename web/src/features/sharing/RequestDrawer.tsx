import { Descriptions, Drawer, Spin, Tag, Timeline, Typography } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import type { MessageKey } from '../../i18n';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useRequest } from './api';
import { Countdown, currentDue, dayOf, RequestStatusTag } from './labels';
import type { ShareEvent } from './model';

const EVENT_KEYS = new Set([
  'submit',
  'approve',
  'refuse',
  'review_approve',
  'review_refuse',
  'withdraw',
  'grant',
  'overdue',
  'review_overdue',
]);

function eventLabel(t: (k: MessageKey) => string, e: ShareEvent): string {
  return EVENT_KEYS.has(e.action) ? t(`share.event.${e.action}` as MessageKey) : e.action;
}

/** One request with its events (who did what, when). */
export function RequestDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, time } = useLang();
  const q = useRequest(id);
  const r = q.data;
  return (
    <Drawer open size={640} title={t('share.detail.title')} onClose={onClose}>
      {q.error && <ErrorAlert error={q.error} />}
      {q.isPending && <Spin />}
      {r && (
        <div data-testid="share-detail" data-status={r.status}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('share.col.entry')}>
              <Link to={`/catalog/${r.entryId}`}>{r.entryName}</Link>{' '}
              <Typography.Text type="secondary" code>
                {r.entryCode}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('share.col.status')}>
              <RequestStatusTag value={r.status} />
              {r.needsReview && <Tag>{t('share.detail.needsReview')}</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.detail.shareType')}>
              {t(`share.shareType.${r.shareType}`)}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.col.consumer')}>
              {r.consumerOrgName} · {r.appName}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.col.provider')}>{r.providerOrgName}</Descriptions.Item>
            <Descriptions.Item label={t('share.col.scenario')}>{r.scenario.name}</Descriptions.Item>
            <Descriptions.Item label={t('share.detail.description')}>
              {r.scenario.description}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.detail.basis')}>{r.scenario.basis}</Descriptions.Item>
            <Descriptions.Item label={t('share.col.fields')}>
              {r.fields.map((f) => (
                <Tag key={f}>{f}</Tag>
              ))}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.detail.volume')}>
              {t('share.detail.perDay', { n: r.expectedVolume.perDay })}
            </Descriptions.Item>
            <Descriptions.Item label={t('share.col.validity')}>
              {r.validFrom} ~ {r.validTo}
            </Descriptions.Item>
            {r.rowScope !== null && r.rowScope !== undefined && (
              <Descriptions.Item label={t('share.detail.rowScope')}>
                <code>{JSON.stringify(r.rowScope)}</code>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('share.col.due')}>
              {dayOf(currentDue(r))} <Countdown request={r} />
            </Descriptions.Item>
            <Descriptions.Item label={t('share.detail.createdBy')}>
              {r.createdByName} · {time(r.createdAt)}
            </Descriptions.Item>
            {r.decidedByName && (
              <Descriptions.Item label={t('share.detail.decidedBy')}>
                {r.decidedByName} · {time(r.decidedAt)}
              </Descriptions.Item>
            )}
            {r.reviewedByName && (
              <Descriptions.Item label={t('share.detail.reviewedBy')}>
                {r.reviewedByName} · {time(r.reviewedAt)}
              </Descriptions.Item>
            )}
            {r.reason && <Descriptions.Item label={t('share.detail.reason')}>{r.reason}</Descriptions.Item>}
            {r.grantId && (
              <Descriptions.Item label={t('share.detail.grant')}>
                <Link to="/share/grants" data-testid="share-detail-grant">
                  {r.grantId}
                </Link>
              </Descriptions.Item>
            )}
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('share.detail.events')}
          </Typography.Title>
          <Timeline
            data-testid="share-events"
            items={(r.events ?? []).map((e, i) => ({
              key: i,
              content: (
                <div data-testid="share-event" data-action={e.action}>
                  <Typography.Text strong>{eventLabel(t, e)}</Typography.Text>{' '}
                  <Typography.Text type="secondary">
                    {e.actorName ?? '—'} · {time(e.at)}
                  </Typography.Text>
                  {e.fromStatus !== e.toStatus && (
                    <div>
                      <Typography.Text type="secondary">
                        {e.fromStatus ?? '∅'} → {e.toStatus}
                      </Typography.Text>
                    </div>
                  )}
                  {e.comment && <div>{e.comment}</div>}
                </div>
              ),
            }))}
          />
        </div>
      )}
    </Drawer>
  );
}
