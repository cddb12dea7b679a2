import { StrictMode, Suspense, useCallback, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { I18nProvider, t, useI18n } from './lib/i18n';
import { AuthProvider, useAuth } from './lib/auth';
import { bindFeedback, feedback } from './lib/feedback';
import { PAGES, PUBLIC_PAGES } from './routes';
import AppLayout from './layout/AppLayout';
import SignIn from './pages/SignIn';
import { Forbidden, NotFound } from './components/Results';
import PageGate from './components/PageGate';
import './styles.css';

function FeedbackBinder() {
  const { message, modal, notification } = AntApp.useApp();
  bindFeedback({ message, modal, notification });
  return null;
}

function PageLoading() {
  return (
    <div className="page-loading">
      <Spin />
    </div>
  );
}

/** A page behind its loading gate; a new path (another order's detail) is a new page with its own first load. */
function GatedPage({ page: Page }: { page: React.ComponentType }) {
  const { pathname } = useLocation();
  return (
    <PageGate key={pathname}>
      <Page />
    </PageGate>
  );
}

function Guard({ permission, children }: { permission: string; children: React.ReactNode }) {
  const { can } = useAuth();
  return can(permission) ? <>{children}</> : <Forbidden />;
}

function RequireAuth({ children }: { children: React.ReactNode }) {
  const { me, checking } = useAuth();
  const location = useLocation();
  if (checking) return <PageLoading />;
  if (!me) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function AppRoutes() {
  const navigate = useNavigate();
  const location = useLocation();
  const onExpired = useCallback(() => {
    if (window.location.pathname.endsWith('/sign-in')) return;
    feedback.message?.warning(t('signIn.expired'));
    navigate('/sign-in', { replace: true, state: { from: location.pathname + location.search } });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [navigate]);
  return (
    <AuthProvider onExpired={onExpired}>
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        {PUBLIC_PAGES.map((p) => (
          <Route key={p.path} path={p.path} element={<Suspense fallback={<PageLoading />}><p.component /></Suspense>} />
        ))}
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          {PAGES.map((p) => (
            <Route
              key={p.path}
              path={p.path}
              element={
                <Guard permission={p.permission}>
                  <Suspense fallback={<PageLoading />}>
                    <GatedPage page={p.component} />
                  </Suspense>
                </Guard>
              }
            />
          ))}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </AuthProvider>
  );
}

function Root() {
  const { lang } = useI18n();
  useEffect(() => {
    document.title = t('app.name');
  }, [lang]);
  return (
    <ConfigProvider
      locale={lang === 'zh-CN' ? zhCN : enUS}
      theme={{
        // Secondary text darker than antd's default so it meets WCAG AA contrast (4.5:1) on white.
        token: { colorPrimary: '#155bd4', colorLink: '#155bd4', colorError: '#d4380d', borderRadius: 4, colorTextDescription: '#646566', colorTextPlaceholder: '#767676', colorTextTertiary: '#646566' },
      }}
    >
      <AntApp>
        <FeedbackBinder />
        <BrowserRouter basename="/admin">
          <AppRoutes />
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <Root />
    </I18nProvider>
  </StrictMode>,
);
