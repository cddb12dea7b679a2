import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, csrfToken, setUnauthorizedHandler } from './api';

export interface Me {
  actor: { shopId: string; type: string; id: string; name: string; role: string };
  shop: { id: string; slug: string; name: string; logoUrl: string | null };
  staff: { id: string; login: string; displayName: string; role: string } | null;
  permissions: string[];
}

interface Auth {
  me: Me | null;
  /** true until the first /auth/me answer (or its 401). */
  checking: boolean;
  can: (permission: string) => boolean;
  refresh: () => Promise<Me | null>;
  signIn: (login: string, password: string) => Promise<Me | null>;
  signOut: () => Promise<void>;
  setShopName: (name: string, logoUrl: string | null) => void;
}

const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children, onExpired }: { children: ReactNode; onExpired: () => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);

  const refresh = useCallback(async () => {
    // The readable CSRF cookie lives exactly as long as the session cookie: without it there is no session,
    // and asking would only log a 401 in the console.
    if (!csrfToken()) {
      setMe(null);
      setChecking(false);
      return null;
    }
    try {
      const m = await api.get<Me>('/auth/me');
      setMe(m);
      return m;
    } catch {
      setMe(null);
      return null;
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      onExpired();
    });
    return () => setUnauthorizedHandler(null);
  }, [onExpired]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo<Auth>(
    () => ({
      me,
      checking,
      can: (p) => !!me?.permissions.includes(p),
      refresh,
      signIn: async (login, password) => {
        await api.post('/auth/sign-in', { login, password });
        return refresh();
      },
      signOut: async () => {
        try {
          await api.post('/auth/sign-out');
        } finally {
          setMe(null);
        }
      },
      setShopName: (name, logoUrl) => setMe((m) => (m ? { ...m, shop: { ...m.shop, name, logoUrl } } : m)),
    }),
    [me, checking, refresh],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
