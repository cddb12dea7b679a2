import { AppOutline, AppstoreOutline, ShopbagOutline, UserOutline } from 'antd-mobile-icons';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../lib/session';

const TABS = [
  { key: '/', title: '首页', icon: AppOutline },
  { key: '/category', title: '分类', icon: AppstoreOutline },
  { key: '/cart', title: '购物车', icon: ShopbagOutline },
  { key: '/me', title: '我的', icon: UserOutline },
];

/** 首页 / 分类 / 购物车 / 我的, fixed at the bottom of the column; real links, so they work without JS gestures. */
export function TabLayout() {
  const { pathname } = useLocation();
  const { cartCount } = useSession();
  const active = TABS.find((t) => t.key !== '/' && pathname.startsWith(t.key))?.key ?? '/';
  return (
    <>
      <Outlet />
      <nav className="fixed-bottom tabbar" aria-label="主导航" data-testid="tabbar">
        <ul className="tabs">
          {TABS.map((t) => {
            const Icon = t.icon;
            const on = t.key === active;
            const badge = t.key === '/cart' && cartCount ? (cartCount > 99 ? '99+' : String(cartCount)) : null;
            return (
              <li key={t.key}>
                <Link to={t.key} className={on ? 'tab on' : 'tab'} aria-current={on ? 'page' : undefined} data-testid={`tab-${t.key === '/' ? 'home' : t.key.slice(1)}`}>
                  <span className="tab-icon">
                    <Icon fontSize={22} aria-hidden />
                    {badge && (
                      <span className="dot-badge" aria-hidden="true" data-testid="cart-badge">
                        {badge}
                      </span>
                    )}
                  </span>
                  <span>{t.title}</span>
                  {badge && <span className="sr-only">,{badge} 件商品</span>}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </>
  );
}
