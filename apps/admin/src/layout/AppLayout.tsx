import { Suspense, useMemo, useState } from 'react';
import { Link, Outlet, matchPath, useLocation, useNavigate } from 'react-router-dom';
import { Avatar, Breadcrumb, Button, Dropdown, Layout, Menu, Spin, type MenuProps } from 'antd';
import {
  AppstoreOutlined,
  BarChartOutlined,
  CrownOutlined,
  DashboardOutlined,
  GiftOutlined,
  ShareAltOutlined,
  LogoutOutlined,
  MenuFoldOutlined,
  MenuUnfoldOutlined,
  NotificationOutlined,
  ProfileOutlined,
  SettingOutlined,
  ShopOutlined,
  TeamOutlined,
  UserOutlined,
  WechatWorkOutlined,
} from '@ant-design/icons';
import { useAuth } from '../lib/auth';
import { useI18n } from '../lib/i18n';
import { feedback } from '../lib/feedback';
import LangSwitch from '../components/LangSwitch';
import { MENU, PAGES } from '../routes';
import SuspendedBanner from '../pages/onboarding/SuspendedBanner';
import Checklist from '../pages/onboarding/Checklist';

const ICONS: Record<string, React.ReactNode> = {
  dashboard: <DashboardOutlined />,
  goods: <AppstoreOutlined />,
  orders: <ProfileOutlined />,
  customers: <TeamOutlined />,
  marketing: <GiftOutlined />,
  fission: <ShareAltOutlined />,
  members: <CrownOutlined />,
  settings: <SettingOutlined />,
  analytics: <BarChartOutlined />,
  reach: <NotificationOutlined />,
  wecom: <WechatWorkOutlined />,
};

/** Console frame: left menu (only what the role may open), header with shop, language and account, breadcrumb. */
export default function AppLayout() {
  const { t } = useI18n();
  const { me, can, signOut } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const [collapsed, setCollapsed] = useState(false);

  const page = useMemo(() => {
    // Static paths first so /products/new is not read as /products/:id.
    const sorted = [...PAGES].sort((a, b) => Number(a.path.includes(':')) - Number(b.path.includes(':')));
    return sorted.find((p) => matchPath({ path: p.path, end: true }, location.pathname));
  }, [location.pathname]);

  const pageOf = (path: string) => PAGES.find((p) => p.path === path)!;
  type Item = NonNullable<MenuProps['items']>[number];
  const items: MenuProps['items'] = MENU.flatMap((m): Item[] => {
    if (!m.children) {
      const p = pageOf(m.key);
      return can(p.permission) ? [{ key: m.key, icon: ICONS[m.icon], label: <Link to={m.key}>{t(m.title)}</Link> }] : [];
    }
    const children = m.children.filter((c) => can(pageOf(c).permission)).map((c) => ({ key: c, label: <Link to={c} data-testid={`nav-${c.slice(1).replace(/\//g, '-')}`}>{t(pageOf(c).title)}</Link> }));
    return children.length ? [{ key: m.key, icon: ICONS[m.icon], label: t(m.title), children }] : [];
  });

  // The menu entry to highlight: the page itself, or the list page a detail page belongs to.
  const selected = page ? (page.crumbs.find((c) => c.path)?.path ?? page.path) : location.pathname;
  const openGroup = MENU.find((m) => m.children?.includes(selected))?.key;
  const [openKeys, setOpenKeys] = useState<string[]>(() => (openGroup ? [openGroup] : []));

  const crumbs = [
    { title: <Link to="/">{t('nav.home')}</Link> },
    ...(page && page.path !== '/' ? [...page.crumbs.map((c) => ({ title: c.path ? <Link to={c.path}>{t(c.title)}</Link> : t(c.title) })), { title: t(page.title) }] : []),
  ];

  const onSignOut = async () => {
    await signOut().catch(() => undefined);
    feedback.message.success(t('header.signedOut'));
    navigate('/sign-in', { replace: true });
  };

  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Sider collapsible collapsed={collapsed} trigger={null} width={208} theme="dark" aria-label="main navigation">
        <div className="app-logo">
          <span className="app-logo-mark" aria-hidden>
            <ShopOutlined />
          </span>
          {!collapsed && <span>{t('app.name')}</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          items={items}
          selectedKeys={[selected]}
          openKeys={collapsed ? undefined : [...new Set([...openKeys, ...(openGroup ? [openGroup] : [])])]}
          onOpenChange={(keys) => setOpenKeys(keys as string[])}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="app-header">
          <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
            <Button
              type="text"
              aria-label={collapsed ? 'expand menu' : 'collapse menu'}
              icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
              onClick={() => setCollapsed(!collapsed)}
            />
            <span style={{ fontWeight: 600, fontSize: 15 }} data-testid="shop-name">
              {me?.shop.logoUrl ? <Avatar size="small" src={me.shop.logoUrl} alt="" style={{ marginRight: 8 }} /> : null}
              {me?.shop.name}
            </span>
          </div>
          <div className="app-header-right">
            <LangSwitch />
            <Dropdown
              menu={{
                items: [{ key: 'signout', icon: <LogoutOutlined />, label: <span data-testid="sign-out">{t('header.signOut')}</span>, onClick: onSignOut }],
              }}
            >
              <Button type="text" data-testid="account-menu" icon={<UserOutlined />}>
                {me?.staff?.displayName ?? me?.actor.name} · {t(`role.${me?.actor.role ?? 'owner'}` as 'role.owner')}
              </Button>
            </Dropdown>
          </div>
        </Layout.Header>
        <Layout.Content className="app-content">
          <SuspendedBanner />
          <Breadcrumb items={crumbs} style={{ marginBottom: 12 }} />
          {page?.path === '/' && <Checklist />}
          <Suspense fallback={<div className="page-loading"><Spin /></div>}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
