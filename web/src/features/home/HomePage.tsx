import { Button, Card, Col, Descriptions, List, Row, Space, Statistic, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api';
import { useLang } from '../../lang';
import { navFor } from '../../navigation';
import type { NodeInfo } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { RoleTags } from '../../components/RoleTags';
import { useCan, useCurrentUser } from '../auth/session';
import {
  useMarkNotificationRead,
  useShareSummary,
  useUnreadNotifications,
  type AppNotification,
} from '../sharing/api';

function text(value: unknown): string {
  return value === undefined || value === null ? '—' : String(value);
}

function NodeCard() {
  const { t } = useLang();
  const node = useQuery({
    queryKey: ['node-info'],
    queryFn: () => api.get<NodeInfo>('/.well-known/datong-node.json'),
    staleTime: Infinity,
  });
  return (
    <Card title={t('home.node')} loading={node.isPending} data-testid="node-info">
      {node.error ? (
        <ErrorAlert error={node.error} />
      ) : (
        <Descriptions
          column={1}
          size="small"
          items={[
            { key: 'code', label: t('home.node.code'), children: text(node.data?.code) },
            { key: 'name', label: t('home.node.name'), children: text(node.data?.name) },
            { key: 'level', label: t('home.node.level'), children: text(node.data?.level) },
            { key: 'suite', label: t('home.node.suite'), children: text(node.data?.suite) },
            {
              key: 'publicKey',
              label: t('home.node.publicKey'),
              children: (
                <Typography.Text code copyable ellipsis style={{ maxWidth: 360 }}>
                  {text(node.data?.publicKey)}
                </Typography.Text>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

/** One notification as a sentence of its kind (share.overdue, share.review_overdue, demand.overdue). */
function noticeText(
  t: ReturnType<typeof useLang>['t'],
  time: ReturnType<typeof useLang>['time'],
  n: AppNotification,
): string {
  const p = n.payload;
  const due = time(typeof p.dueAt === 'string' ? p.dueAt : null);
  switch (n.kind) {
    case 'share.overdue':
    case 'share.review_overdue':
      return t(`share.notice.${n.kind}`, {
        entry: text(p.entryName),
        org: text(p.consumerOrgName),
        due,
      });
    case 'demand.overdue':
      return t('share.notice.demand.overdue', { title: text(p.title), org: text(p.requesterOrgName), due });
    default:
      return t('share.notice.other', { kind: n.kind });
  }
}

/** Where a notification leads: the box holding its request (demands have no page yet). */
function noticeLink(n: AppNotification): string | null {
  if (n.kind === 'share.overdue') return '/share?tab=inbox';
  if (n.kind === 'share.review_overdue') return '/share?tab=review';
  return null;
}

/** A count with its overdue part in red, linking to the box it counts. */
function Count({
  label,
  open,
  overdue,
  to,
  testId,
}: {
  label: string;
  open: number;
  overdue?: number;
  to?: string;
  testId: string;
}) {
  const { t } = useLang();
  const value = (
    <Statistic
      title={label}
      value={open}
      formatter={() => (
        <Space size="small" align="baseline">
          <span data-testid={`${testId}-open`}>{t('share.home.open', { n: open })}</span>
          {overdue !== undefined && (
            <Typography.Text
              type={overdue > 0 ? 'danger' : 'secondary'}
              strong={overdue > 0}
              data-testid={`${testId}-overdue`}
            >
              {t('share.home.overdue', { n: overdue })}
            </Typography.Text>
          )}
        </Space>
      )}
    />
  );
  return (
    <Col xs={12} md={6} data-testid={testId}>
      {to ? <Link to={to}>{value}</Link> : value}
    </Col>
  );
}

/** 共享待办: the sharing counts and the latest unread notifications, each markable read. */
function ShareCard() {
  const { t, time } = useLang();
  const summary = useShareSummary();
  const notes = useUnreadNotifications(5);
  const markRead = useMarkNotificationRead();
  const s = summary.data;
  return (
    <Card title={t('share.home.title')} loading={summary.isPending} data-testid="home-share-summary">
      {summary.error ? (
        <ErrorAlert error={summary.error} />
      ) : (
        s && (
          <Row gutter={[16, 16]}>
            <Count
              label={t('share.home.inbox')}
              open={s.inbox.open}
              overdue={s.inbox.overdue}
              to="/share?tab=inbox"
              testId="home-share-inbox"
            />
            <Count
              label={t('share.home.outbox')}
              open={s.outbox.open}
              to="/share?tab=outbox"
              testId="home-share-outbox"
            />
            {s.review && (
              <Count
                label={t('share.home.review')}
                open={s.review.open}
                overdue={s.review.overdue}
                to="/share?tab=review"
                testId="home-share-review"
              />
            )}
            <Count
              label={t('share.home.demands')}
              open={s.demands.assigned}
              overdue={s.demands.overdue}
              testId="home-share-demands"
            />
          </Row>
        )
      )}
      <Typography.Title level={5}>
        {t('share.home.notifications', { n: notes.data?.unread ?? 0 })}
      </Typography.Title>
      {notes.error && <ErrorAlert error={notes.error} />}
      {markRead.error && <ErrorAlert error={markRead.error} />}
      <List
        size="small"
        loading={notes.isPending}
        dataSource={notes.data?.items ?? []}
        locale={{ emptyText: t('share.home.noNotifications') }}
        renderItem={(n) => {
          const link = noticeLink(n);
          const sentence = noticeText(t, time, n);
          return (
            <List.Item
              key={n.id}
              data-testid="home-notification"
              data-kind={n.kind}
              actions={[
                <Button
                  key="read"
                  size="small"
                  loading={markRead.isPending && markRead.variables === n.id}
                  onClick={() => markRead.mutate(n.id)}
                  data-testid="home-notification-read"
                >
                  {t('share.home.markRead')}
                </Button>,
              ]}
            >
              <List.Item.Meta
                title={link ? <Link to={link}>{sentence}</Link> : sentence}
                description={time(n.createdAt)}
              />
            </List.Item>
          );
        }}
      />
    </Card>
  );
}

export default function HomePage() {
  const me = useCurrentUser();
  const { t } = useLang();
  const can = useCan();
  const shortcuts = navFor(me.permissions).filter((e) => e.key !== 'home');
  return (
    <Row gutter={[24, 24]}>
      <Col span={24}>
        <Card data-testid="home-welcome">
          <Typography.Title level={3} style={{ marginTop: 0 }}>
            {t('home.welcome', { name: me.displayName })}
          </Typography.Title>
          <Descriptions
            column={1}
            items={[
              { key: 'org', label: t('home.org'), children: me.orgName },
              {
                key: 'roles',
                label: t('home.roles'),
                children: (
                  <span data-testid="home-roles">
                    <RoleTags roles={me.roles} />
                  </span>
                ),
              },
            ]}
          />
        </Card>
      </Col>
      {can('share.read') && (
        <Col span={24}>
          <ShareCard />
        </Col>
      )}
      <Col xs={24} lg={12}>
        <Card title={t('home.quick')}>
          <Row gutter={[12, 12]}>
            {shortcuts.map((e) => (
              <Col key={e.key} span={12}>
                <Link to={e.path}>
                  <Card size="small" hoverable>
                    {t(`nav.${e.key}`)}
                  </Card>
                </Link>
              </Col>
            ))}
          </Row>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <NodeCard />
      </Col>
    </Row>
  );
}
