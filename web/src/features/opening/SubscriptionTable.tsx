import { useState, type HTMLAttributes } from 'react';
import { Button, Form, Modal, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ReasonModal } from '../sharing/ReasonModal';
import { useProducts, useSubscriptionStep, type SubscriptionStep } from './api';
import { KindTag, SubscriptionStatusTag } from './labels';
import type { Subscription } from './model';

type Action = 'approve' | 'refuse' | 'revoke';

/**
 * Subscriptions as a table: the provider's (with approve / refuse / revoke) or the consumer's
 * own (with this month's use against the tier).
 */
export function SubscriptionTable({
  list,
  provider,
}: {
  list: { data?: { items: Subscription[] } | undefined; error: Error | null; isPending: boolean };
  provider: boolean;
}) {
  const { t, time } = useLang();
  const [dialog, setDialog] = useState<{ kind: Action; sub: Subscription } | null>(null);
  const actions = (s: Subscription): Action[] =>
    !provider
      ? []
      : s.status === 'applied'
        ? ['approve', 'refuse']
        : s.status === 'approved'
          ? ['revoke']
          : [];
  const columns: ColumnsType<Subscription> = [
    {
      title: t('product.col.product'),
      key: 'product',
      render: (_, s) => (
        <Space orientation="vertical" size={0}>
          <span>
            {s.productName} <KindTag value={s.productKind} />
          </span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {s.entryName} · {s.providerOrgName}
          </Typography.Text>
        </Space>
      ),
    },
    ...(provider
      ? [
          {
            title: t('product.col.subscriber'),
            key: 'who',
            render: (_: unknown, s: Subscription) => (
              <Space orientation="vertical" size={0}>
                {s.companyName ?? s.subscriberName}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {s.companyUscc ? `${s.companyUscc} · ${s.subscriberName}` : t('product.usage.person')}
                </Typography.Text>
              </Space>
            ),
          },
          { title: t('opening.col.purpose'), dataIndex: 'purpose', ellipsis: true },
        ]
      : []),
    { title: t('product.col.tier'), dataIndex: 'tier' },
    {
      title: t('product.col.status'),
      key: 'status',
      render: (_, s) => <SubscriptionStatusTag value={s.status} />,
    },
    {
      title: t('product.col.usage'),
      key: 'usage',
      render: (_, s) => (
        <span data-testid="product-sub-usage">
          {s.usage.calls} / {s.usage.callsPerMonth ?? '—'}
        </span>
      ),
    },
    { title: t('opening.col.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
    ...(provider
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, s: Subscription) => (
              <Space size={4}>
                {actions(s).map((kind) => (
                  <Button
                    key={kind}
                    size="small"
                    type={kind === 'approve' ? 'primary' : undefined}
                    danger={kind !== 'approve'}
                    data-testid={`product-sub-${kind}`}
                    onClick={() => setDialog({ kind, sub: s })}
                  >
                    {t(`product.action.${kind}`)}
                  </Button>
                ))}
              </Space>
            ),
          },
        ]
      : []),
  ];
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<Subscription>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('product.noSubscriptions') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid={provider ? 'product-sub-table' : 'product-my-sub-table'}
        onRow={(s) =>
          ({
            'data-testid': 'product-sub-row',
            'data-id': s.id,
            'data-product': s.productName,
            'data-status': s.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {dialog && <Decision kind={dialog.kind} sub={dialog.sub} onClose={() => setDialog(null)} />}
    </>
  );
}

function Decision({ kind, sub, onClose }: { kind: Action; sub: Subscription; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const step = useSubscriptionStep();
  const products = useProducts('provider');
  const [form] = Form.useForm<{ tier: string }>();
  const run = (s: SubscriptionStep) =>
    step.mutate(s, {
      onSuccess: () => {
        notify.success(t('product.done'));
        onClose();
      },
      onError: (err) => notify.error(err),
    });
  if (kind !== 'approve') {
    return (
      <ReasonModal
        title={`${t(`product.action.${kind}`)} · ${sub.productName}`}
        required
        pending={step.isPending}
        onClose={onClose}
        onSubmit={({ reason }) => run({ step: kind, id: sub.id, reason: reason ?? '' })}
      />
    );
  }
  const tiers = products.data?.items.find((p) => p.id === sub.productId)?.tiers ?? [];
  return (
    <Modal
      open
      title={`${t('product.action.approve')} · ${sub.productName}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={step.isPending}
      okButtonProps={{ 'data-testid': 'product-sub-approve-submit' }}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ tier: sub.tier }}
        onFinish={(v) => run({ step: 'approve', id: sub.id, tier: v.tier })}
      >
        <Form.Item name="tier" label={t('product.col.tier')}>
          <Select
            options={(tiers.length ? tiers : [{ name: sub.tier, callsPerMonth: 0, ratePerMinute: 0 }]).map(
              (x) => ({
                value: x.name,
                label: x.callsPerMonth
                  ? t('product.subscribe.tierLine', {
                      name: x.name,
                      calls: x.callsPerMonth,
                      rate: x.ratePerMinute,
                    })
                  : x.name,
              }),
            )}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
