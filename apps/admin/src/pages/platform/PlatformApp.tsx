import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { Button, Layout, Menu, Spin } from 'antd';
import { AuditOutlined, LogoutOutlined, SafetyCertificateOutlined, ShopOutlined } from '@ant-design/icons';
import LangSwitch from '../../components/LangSwitch';
import { useI18n } from '../../lib/i18n';
import { operatorCsrf, platformApi, setPlatformLanguage } from '../../lib/platform-api';
import { feedback } from '../../lib/feedback';

const PlatformSignIn = lazy(() => import('./PlatformSignIn'));
const ShopList = lazy(() => import('./ShopList'));
const ShopDetail = lazy(() => import('./ShopDetail'));
const AuditLog = lazy(() => import('./AuditLog'));

export interface Operator {
  id: string;
  login: string;
  displayName: string;
}

interface OperatorAuth {
  operator: Operator | null;
  setOperator: (o: Operator | null) => void;
}
const Ctx = createContext<OperatorAuth | null>(null);
export function useOperator(): OperatorAuth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useOperator outside PlatformApp');
  return v;
}

function Loading() {
  return (
    <div className="page-loading">
      <Spin />
    </div>
  );
}

/**
 * 平台运营: the deployment operator's own area under /admin/platform/ — its own sign-in and session,
 * not a shop's. Lists every shop and suspends or resumes them.
 */
export default function PlatformApp() {
  const { lang } = useI18n();
  const [operator, setOperator] = useState<Operator | null>(null);
  const [checking, setChecking] = useState(true);

  useEffect(() => setPlatformLanguage(lang), [lang]);
  useEffect(() => {
    // Without the readable CSRF cookie there is no operator session: asking would only log a 401.
    if (!operatorCsrf()) return setChecking(false);
    platformApi
      .get<{ operator: Operator }>('/auth/me')
      .then((r) => setOperator(r.operator))
      .catch(() => setOperator(null))
      .finally(() => setChecking(false));
  }, []);

  const value = useMemo(() => ({ operator, setOperator }), [operator]);
  if (checking) return <Loading />;
  return (
    <Ctx.Provider value={value}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="sign-in" element={operator ? <Navigate to="/platform" replace /> : <PlatformSignIn />} />
          <Route
            path="*"
            element={
              operator ? (
                <PlatformFrame>
                  <Routes>
                    <Route index element={<ShopList />} />
                    <Route path="shops/:id" element={<ShopDetail />} />
                    <Route path="audit-log" element={<AuditLog />} />
                    <Route path="*" element={<Navigate to="/platform" replace />} />
                  </Routes>
                </PlatformFrame>
              ) : (
                <Navigate to="/platform/sign-in" replace />
              )
            }
          />
        </Routes>
      </Suspense>
    </Ctx.Provider>
  );
}

function PlatformFrame({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { operator, setOperator } = useOperator();
  const location = useLocation();
  const navigate = useNavigate();
  const selected = location.pathname.startsWith('/platform/audit-log') ? 'audit' : 'shops';

  const signOut = useCallback(async () => {
    await platformApi.post('/auth/sign-out').catch(() => undefined);
    setOperator(null);
    feedback.message?.success(t('header.signedOut'));
    navigate('/platform/sign-in', { replace: true });
  }, [navigate, setOperator, t]);

  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Sider width={208} theme="dark" aria-label={t('platform.nav')}>
        <div className="app-logo">
          <span className="app-logo-mark" aria-hidden>
            <SafetyCertificateOutlined />
          </span>
          <span>{t('platform.title')}</span>
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[selected]}
          items={[
            { key: 'shops', icon: <ShopOutlined />, label: <Link to="/platform" data-testid="platform-nav-shops">{t('platform.shops')}</Link> },
            { key: 'audit', icon: <AuditOutlined />, label: <Link to="/platform/audit-log" data-testid="platform-nav-audit">{t('platform.auditLog')}</Link> },
          ]}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="app-header">
          <span style={{ fontWeight: 600, fontSize: 15 }}>{t('platform.headline')}</span>
          <div className="app-header-right">
            <LangSwitch />
            <span data-testid="platform-operator">{operator?.displayName} ({operator?.login})</span>
            <Button type="text" icon={<LogoutOutlined />} onClick={signOut} data-testid="platform-sign-out">
              {t('header.signOut')}
            </Button>
          </div>
        </Layout.Header>
        <Layout.Content className="app-content">
          <Suspense fallback={<Loading />}>{children}</Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
