import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Table, Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useMyApplications, useMySubscriptions, useProducts } from './api';
import { ApplicationTable } from './ApplicationParts';
import { KindTag } from './labels';
import type { DataProduct } from './model';
import { SubscribeProductModal } from './SubscribeProductModal';
import { SubscriptionTable } from './SubscriptionTable';

function ProductCatalog() {
  const { t } = useLang();
  const list = useProducts('published');
  const [subscribing, setSubscribing] = useState<string | null>(null);
  return (
    <>
      {list.error && <ErrorAlert error={list.error} />}
      <Table<DataProduct>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('product.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(p) =>
          ({
            'data-testid': 'product-row',
            'data-id': p.id,
            'data-name': p.name,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('product.col.name'), dataIndex: 'name' },
          { title: t('product.col.kind'), key: 'kind', render: (_, p) => <KindTag value={p.kind} /> },
          {
            title: t('product.col.entry'),
            key: 'entry',
            render: (_, p) => `${p.entryName} · ${p.providerOrgName}`,
          },
          { title: t('product.form.description'), dataIndex: 'description', ellipsis: true },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, p) => (
              <Button
                size="small"
                type="primary"
                data-testid="product-subscribe"
                onClick={() => setSubscribing(p.id)}
              >
                {t('product.action.subscribe')}
              </Button>
            ),
          },
        ]}
      />
      {subscribing && <SubscribeProductModal productId={subscribing} onClose={() => setSubscribing(null)} />}
    </>
  );
}

/** 我的申请与订阅: a public user's conditional-open applications and data-product subscriptions. */
export default function MyOpeningPage() {
  const { t } = useLang();
  const [search, setSearch] = useSearchParams();
  const applications = useMyApplications();
  const subscriptions = useMySubscriptions();
  const tab = search.get('tab') ?? 'applications';
  return (
    <Card title={t('opening.mine.title')} data-testid="my-opening-page">
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={[
          {
            key: 'applications',
            label: <span data-testid="my-tab-applications">{t('opening.mine.applications')}</span>,
            children: (
              <ApplicationTable
                list={applications}
                showApplicant={false}
                testId="open-my-app-table"
                actions={(a) =>
                  a.status === 'submitted' || a.status === 'provider_approved' ? ['withdraw'] : []
                }
              />
            ),
          },
          {
            key: 'subscriptions',
            label: <span data-testid="my-tab-subscriptions">{t('opening.mine.subscriptions')}</span>,
            children: <SubscriptionTable list={subscriptions} provider={false} />,
          },
          {
            key: 'products',
            label: <span data-testid="my-tab-products">{t('product.title')}</span>,
            children: <ProductCatalog />,
          },
        ]}
      />
    </Card>
  );
}
