import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Table, Tabs, Space } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../auth/session';
import { useProducts, useProductStep, useSubscriptions } from './api';
import { CreateProductModal } from './CreateProductModal';
import { KindTag, ProductStatusTag } from './labels';
import type { DataProduct } from './model';
import { SubscriptionTable } from './SubscriptionTable';
import { UsageDrawer } from './UsageDrawer';

function ProductTable({ onUsage }: { onUsage: (p: DataProduct) => void }) {
  const { t, time } = useLang();
  const can = useCan();
  const notify = useNotify();
  const list = useProducts('provider');
  const step = useProductStep();
  const run = (id: string, s: 'publish' | 'retire') =>
    step.mutate(
      { id, step: s },
      { onSuccess: () => notify.success(t('product.done')), onError: notify.error },
    );
  const columns: ColumnsType<DataProduct> = [
    { title: t('product.col.name'), dataIndex: 'name' },
    { title: t('product.col.kind'), key: 'kind', render: (_, p) => <KindTag value={p.kind} /> },
    { title: t('product.col.entry'), key: 'entry', render: (_, p) => `${p.entryName} (${p.entryCode})` },
    {
      title: t('product.col.tiers'),
      key: 'tiers',
      render: (_, p) => p.tiers.map((x) => `${x.name} ${x.callsPerMonth}/${x.ratePerMinute}`).join('；'),
    },
    {
      title: t('product.col.status'),
      key: 'status',
      render: (_, p) => <ProductStatusTag value={p.status} />,
    },
    { title: t('opening.col.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, p) => (
        <Space size={4}>
          {p.status === 'draft' && can('dataset.load') && (
            <Button
              size="small"
              type="primary"
              data-testid="product-publish"
              onClick={() => run(p.id, 'publish')}
            >
              {t('product.action.publish')}
            </Button>
          )}
          {p.status === 'published' && can('dataset.load') && (
            <Button size="small" danger data-testid="product-retire" onClick={() => run(p.id, 'retire')}>
              {t('product.action.retire')}
            </Button>
          )}
          {p.status !== 'draft' && (
            <Button size="small" data-testid="product-usage" onClick={() => onUsage(p)}>
              {t('product.action.usage')}
            </Button>
          )}
        </Space>
      ),
    },
  ];
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<DataProduct>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('product.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="product-table"
        expandable={{
          expandedRowRender: (p) => <div style={{ whiteSpace: 'pre-line' }}>{p.description}</div>,
        }}
        onRow={(p) =>
          ({
            'data-testid': 'product-row',
            'data-id': p.id,
            'data-name': p.name,
            'data-status': p.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </>
  );
}

/** 数据产品: the provider's products (create, publish, retire, usage) and their subscriptions. */
export default function ProductsPage() {
  const { t } = useLang();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [usage, setUsage] = useState<DataProduct | null>(null);
  const subscriptions = useSubscriptions();
  const tab = search.get('tab') === 'subscriptions' ? 'subscriptions' : 'products';
  return (
    <Card
      title={t('product.title')}
      data-testid="products-page"
      extra={
        can('dataset.load') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="product-create"
            onClick={() => setCreating(true)}
          >
            {t('product.create')}
          </Button>
        )
      }
    >
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={[
          {
            key: 'products',
            label: <span data-testid="product-tab-products">{t('product.tab.products')}</span>,
            children: <ProductTable onUsage={setUsage} />,
          },
          {
            key: 'subscriptions',
            label: <span data-testid="product-tab-subscriptions">{t('product.tab.subscriptions')}</span>,
            children: <SubscriptionTable list={subscriptions} provider={can('share.approve')} />,
          },
        ]}
      />
      {creating && <CreateProductModal onClose={() => setCreating(false)} />}
      {usage && <UsageDrawer product={usage} onClose={() => setUsage(null)} />}
    </Card>
  );
}
