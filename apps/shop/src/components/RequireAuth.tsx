import { DotLoading } from 'antd-mobile';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useSession } from '../lib/session';

/** Pages that need a signed-in customer send everyone else to sign in and back. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { token, checking } = useSession();
  const loc = useLocation();
  if (!token) return <Navigate to={`/login?redirect=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (checking) {
    return (
      <div className="center-pad" aria-busy="true">
        <DotLoading color="primary" />
        <span className="sr-only">加载中</span>
      </div>
    );
  }
  return <>{children}</>;
}
