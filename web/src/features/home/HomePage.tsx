import { Card, Col, Descriptions, Row, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api';
import { useLang } from '../../lang';
import { navFor } from '../../navigation';
import type { NodeInfo } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { RoleTags } from '../../components/RoleTags';
import { useCurrentUser } from '../auth/session';

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

export default function HomePage() {
  const me = useCurrentUser();
  const { t } = useLang();
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
