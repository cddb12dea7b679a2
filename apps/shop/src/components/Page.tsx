import { LeftOutline } from 'antd-mobile-icons';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useDocumentTitle } from '../lib/hooks';
import { inWechat } from '../lib/shop';

interface Props {
  title: string;
  /** Show a back arrow (sub-pages). Tab pages have none. */
  back?: boolean | string;
  /** Pages above the tab bar leave room for it. */
  tabbar?: boolean;
  /** A sticky bottom action bar rendered by the page. */
  actionbar?: boolean;
  /** Hide the navigation bar (home page uses its own header). */
  bare?: boolean;
  right?: ReactNode;
  children: ReactNode;
  testId?: string;
}

/**
 * One storefront screen. The WeChat browser and the mini-program web-view draw their own title bar,
 * so there only the document title is set; elsewhere a NavBar with a back arrow is shown.
 */
export function Page({ title, back, tabbar, actionbar, bare, right, children, testId }: Props) {
  const navigate = useNavigate();
  useDocumentTitle(title);
  const cls = ['page', tabbar && 'with-tabbar', actionbar && 'with-actionbar'].filter(Boolean).join(' ');
  const goBack = () => {
    if (typeof back === 'string') navigate(back);
    else if (window.history.state && (window.history.state as { idx?: number }).idx) navigate(-1);
    else navigate('/');
  };
  return (
    <div className={cls} data-testid={testId}>
      {!bare && !inWechat && (
        <header className="fixed-top navbar">
          <div className="navbar-side">
            {back ? (
              <button type="button" className="nav-back" aria-label="返回" onClick={goBack} data-testid="nav-back">
                <LeftOutline fontSize={22} aria-hidden />
              </button>
            ) : null}
          </div>
          <h1 className="navbar-title ellipsis">{title}</h1>
          <div className="navbar-side right">{right}</div>
        </header>
      )}
      <main>{children}</main>
    </div>
  );
}
