import type { ReactNode } from 'react';
import { Button, Grid, Layout, Space, Typography } from 'antd';
import { LoginOutlined, UserAddOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { LangSwitch } from '../../layout/LangSwitch';
import { useMe } from '../auth/session';

/** The public portal's frame: no session needed; signed-in staff get a way back to the console. */
export function PortalLayout({ children }: { children: ReactNode }) {
  const { t } = useLang();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.sm;
  // Answers null for visitors (a 401 is not an error here), so nothing on the portal depends on it.
  const me = useMe().data;
  return (
    <Layout style={{ minHeight: '100vh' }} data-testid="portal">
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: narrow ? 4 : 16,
          background: '#b71c1c',
          paddingInline: narrow ? 12 : 24,
        }}
      >
        <Link
          to="/portal"
          style={{
            color: '#fff',
            fontSize: narrow ? 16 : 18,
            fontWeight: 600,
            whiteSpace: 'nowrap',
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            minWidth: 0,
            flexShrink: 1,
          }}
          data-testid="portal-home"
        >
          {t('portal.title')}
        </Link>
        <Typography.Text
          style={{ color: '#ffcdd2', flex: 1, minWidth: 0, display: screens.md ? undefined : 'none' }}
          ellipsis
        >
          {t('portal.tagline')}
        </Typography.Text>
        {!screens.md && <span style={{ flex: 1 }} />}
        <nav aria-label={t('portal.nav')} style={{ flexShrink: 0 }}>
          <Space size={narrow ? 0 : 'small'}>
            <span style={{ filter: 'invert(1)' }}>
              <LangSwitch />
            </span>
            {!me && (
              <Link to="/register" data-testid="portal-register" aria-label={t('register.link')}>
                <Button type="text" style={{ color: '#fff' }} icon={narrow ? <UserAddOutlined /> : undefined}>
                  {narrow ? null : t('register.link')}
                </Button>
              </Link>
            )}
            <Link
              to={me ? '/' : '/login'}
              data-testid="portal-login"
              aria-label={me ? t('nav.home') : t('portal.login')}
            >
              <Button icon={<LoginOutlined />}>
                {narrow ? null : me ? t('nav.home') : t('portal.login')}
              </Button>
            </Link>
          </Space>
        </nav>
      </Layout.Header>
      <Layout.Content style={{ padding: narrow ? 12 : 24, maxWidth: 1280, width: '100%', margin: '0 auto' }}>
        {children}
      </Layout.Content>
      <Layout.Footer data-testid="portal-interfaces" style={{ paddingInline: narrow ? 12 : 50 }}>
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
          <a href="/api/docs" data-testid="portal-api-docs">
            {t('portal.api.docs')}
          </a>
        </Space>
      </Layout.Footer>
    </Layout>
  );
}
