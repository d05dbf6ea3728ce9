import { useState } from 'react';
import { Button, Card, List, Space, Tag, Typography } from 'antd';
import { ApiOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { useMe } from '../auth/session';
import { useProducts } from '../opening/api';
import { KindTag } from '../opening/labels';
import { SubscribeProductModal } from '../opening/SubscribeProductModal';

/**
 * 数据产品 of a dataset in the portal: the data services its provider publishes over it (query,
 * verify, statistics) with their tiers; a signed-in public user applies (申请开通) with the terms,
 * anyone else is asked to sign in. Shown only when the dataset has published products.
 */
export function ProductsPanel({ entryId }: { entryId: string }) {
  const { t } = useLang();
  const me = useMe().data;
  const products = useProducts('published', entryId);
  const [subscribing, setSubscribing] = useState<string | null>(null);
  const items = products.data?.items ?? [];
  if (!items.length) return null;
  const canApply = me?.permissions.includes('open.apply') ?? false;
  return (
    <Card
      size="small"
      style={{ marginTop: 12 }}
      title={
        <Space>
          <ApiOutlined />
          {t('portal.products.title')}
        </Space>
      }
      data-testid="portal-products"
    >
      <List
        dataSource={items}
        renderItem={(p) => (
          <List.Item
            data-testid="portal-product"
            data-id={p.id}
            data-name={p.name}
            actions={[
              canApply ? (
                <Button
                  key="subscribe"
                  type="primary"
                  size="small"
                  onClick={() => setSubscribing(p.id)}
                  data-testid="portal-product-subscribe"
                >
                  {t('product.action.subscribe')}
                </Button>
              ) : me ? (
                <Typography.Text key="public" type="secondary">
                  {t('portal.apply.publicOnly')}
                </Typography.Text>
              ) : (
                <Link key="login" to="/login" state={{ from: `/portal/${entryId}` }}>
                  {t('portal.apply.signIn')}
                </Link>
              ),
            ]}
          >
            <List.Item.Meta
              title={
                <Space wrap>
                  {p.name}
                  <KindTag value={p.kind} />
                </Space>
              }
              description={
                <Space orientation="vertical" size={4}>
                  <span>{p.description}</span>
                  <Space wrap size={4}>
                    {p.tiers.map((tier) => (
                      <Tag key={tier.name}>
                        {t('portal.products.tier', { name: tier.name, calls: tier.callsPerMonth })}
                      </Tag>
                    ))}
                  </Space>
                </Space>
              }
            />
          </List.Item>
        )}
      />
      {subscribing && <SubscribeProductModal productId={subscribing} onClose={() => setSubscribing(null)} />}
    </Card>
  );
}
