import type { ReactNode } from 'react';
import { Button, Layout, Space, Typography } from 'antd';
import { LoginOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { LangSwitch } from '../../layout/LangSwitch';
import { useMe } from '../auth/session';

/** The public portal's frame: no session needed; signed-in staff get a way back to the console. */
export function PortalLayout({ children }: { children: ReactNode }) {
  const { t } = useLang();
  // Answers null for visitors (a 401 is not an error here), so nothing on the portal depends on it.
  const me = useMe().data;
  return (
    <Layout style={{ minHeight: '100vh' }} data-testid="portal">
      <Layout.Header
        style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#b71c1c', paddingInline: 24 }}
      >
        <Link to="/portal" style={{ color: '#fff', fontSize: 18, fontWeight: 600 }} data-testid="portal-home">
          {t('portal.title')}
        </Link>
        <Typography.Text style={{ color: '#ffcdd2', flex: 1 }}>{t('portal.tagline')}</Typography.Text>
        <Space>
          <span style={{ filter: 'invert(1)' }}>
            <LangSwitch />
          </span>
          <Link to={me ? '/' : '/login'} data-testid="portal-login">
            <Button icon={<LoginOutlined />}>{me ? t('nav.home') : t('portal.login')}</Button>
          </Link>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>{children}</Layout.Content>
      <Layout.Footer data-testid="portal-interfaces">
        <Space wrap split="·">
          <Typography.Text strong>{t('portal.interfaces')}</Typography.Text>
          <a href="/data.json" data-testid="portal-data-json">
            {t('portal.dataJson')}
          </a>
          <a href="/catalog.ttl" data-testid="portal-dcat">
            {t('portal.dcat')}
          </a>
          <a href="/api/3/action/package_search" data-testid="portal-ckan">
            {t('portal.ckan')}
          </a>
        </Space>
      </Layout.Footer>
    </Layout>
  );
}
