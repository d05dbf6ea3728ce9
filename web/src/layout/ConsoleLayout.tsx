import type { ReactNode } from 'react';
import { Button, Layout, Menu, Space, Typography, type MenuProps } from 'antd';
import {
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BarChartOutlined,
  CheckSquareOutlined,
  DatabaseOutlined,
  ExceptionOutlined,
  EyeOutlined,
  FileExcelOutlined,
  FileSearchOutlined,
  FileProtectOutlined,
  ShopOutlined,
  ProfileOutlined,
  HomeOutlined,
  LogoutOutlined,
  NodeIndexOutlined,
  SafetyCertificateOutlined,
  ShareAltOutlined,
  SolutionOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { Link, useLocation, useNavigate } from 'react-router';
import { useCurrentUser, useLogout } from '../features/auth/session';
import { navFor, type NavEntry } from '../navigation';
import { useLang } from '../lang';
import { LangSwitch } from './LangSwitch';

const icons: Record<NavEntry['key'], ReactNode> = {
  home: <HomeOutlined />,
  catalog: <FileSearchOutlined />,
  catalogReview: <CheckSquareOutlined />,
  catalogImport: <FileExcelOutlined />,
  standards: <DatabaseOutlined />,
  orgs: <ApartmentOutlined />,
  users: <TeamOutlined />,
  apps: <AppstoreOutlined />,
  share: <ShareAltOutlined />,
  demands: <SolutionOutlined />,
  objections: <ExceptionOutlined />,
  scorecards: <BarChartOutlined />,
  registry: <SafetyCertificateOutlined />,
  crosschecks: <NodeIndexOutlined />,
  audit: <AuditOutlined />,
  myAccesses: <EyeOutlined />,
  openApplications: <FileProtectOutlined />,
  products: <ShopOutlined />,
  myOpening: <ProfileOutlined />,
  profile: <UserOutlined />,
};

type MenuItem = NonNullable<MenuProps['items']>[number];

/** The menu's items: the entries in NAV order, each group's entries under its heading. */
function menuItems(
  entries: NavEntry[],
  t: (key: `nav.group.${NonNullable<NavEntry['group']>}` | `nav.${NavEntry['key']}`) => string,
): MenuItem[] {
  const items: MenuItem[] = [];
  const groups = new Map<string, MenuItem[]>();
  for (const e of entries) {
    const item: MenuItem = {
      key: e.key,
      icon: icons[e.key],
      label: (
        <Link to={e.path} data-testid={e.testId}>
          {t(`nav.${e.key}`)}
        </Link>
      ),
    };
    if (!e.group) {
      items.push(item);
      continue;
    }
    let children = groups.get(e.group);
    if (!children) {
      children = [];
      groups.set(e.group, children);
      items.push({ type: 'group', key: `group-${e.group}`, label: t(`nav.group.${e.group}`), children });
    }
    children.push(item);
  }
  return items;
}

function selectedKey(pathname: string, entries: NavEntry[]): string {
  const match = entries
    .filter((e) => (e.path === '/' ? pathname === '/' : pathname.startsWith(e.path)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return match?.key ?? '';
}

export function ConsoleLayout({ children }: { children: ReactNode }) {
  const me = useCurrentUser();
  const { t } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const logout = useLogout();
  const entries = navFor(me.permissions);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={216} data-testid="sider">
        <div style={{ color: '#fff', padding: '18px 20px', fontWeight: 600, fontSize: 16 }}>
          {t('app.name')}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[selectedKey(location.pathname, entries)]}
          data-testid="nav"
          items={menuItems(entries, t)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24 }}
        >
          <Typography.Text strong style={{ flex: 1 }}>
            {t('app.tagline')}
          </Typography.Text>
          <Space size="middle">
            <span data-testid="header-user">{me.displayName}</span>
            <Typography.Text type="secondary" data-testid="header-org">
              {me.orgName}
            </Typography.Text>
            <LangSwitch />
            <Button
              icon={<LogoutOutlined />}
              data-testid="logout"
              loading={logout.isPending}
              onClick={() => logout.mutate(undefined, { onSettled: () => void navigate('/login') })}
            >
              {t('header.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>{children}</Layout.Content>
      </Layout>
    </Layout>
  );
}
