import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onUnauthorized, tokenStore } from './api';
import { checkoutDraft } from './checkout-draft';
import { identify, resetTracking } from './tracking';
import type { Cart, Customer } from './types';

interface Session {
  token: string | null;
  customer: Customer | null;
  /** True until the stored token has been checked against /me. */
  checking: boolean;
  signIn(token: string, customer: Customer): void;
  signOut(): Promise<void>;
  setCustomer(c: Customer): void;
  /** Items in the cart, for the tab badge; refreshed after every cart change. */
  cartCount: number;
  setCart(cart: Cart | null): void;
  refreshCart(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [checking, setChecking] = useState<boolean>(() => !!tokenStore.get());
  const [cartCount, setCartCount] = useState(0);

  useEffect(() => onUnauthorized(() => {
    setToken(null);
    setCustomer(null);
    setCartCount(0);
  }), []);

  // Runs for a sign-in and for a customer already signed in when the app starts (after /me), and again
  // when the nickname changes. A 401 (session expired) does not reset: the same person is asked to sign
  // in again, and the SDK gives a different person signing in a new anonymous id itself.
  const customerId = customer?.id;
  const nickname = customer?.nickname;
  useEffect(() => {
    if (customerId) identify(customerId, { nickname });
  }, [customerId, nickname]);

  const setCart = useCallback((cart: Cart | null) => {
    setCartCount(cart ? cart.items.reduce((n, i) => n + i.quantity, 0) : 0);
  }, []);

  const refreshCart = useCallback(async () => {
    if (!tokenStore.get()) return setCartCount(0);
    try {
      setCart(await api<Cart>('GET', '/cart'));
    } catch {
      /* the badge is a hint; the cart page shows errors */
    }
  }, [setCart]);

  useEffect(() => {
    if (!token) {
      setChecking(false);
      return;
    }
    let live = true;
    api<Customer>('GET', '/me')
      .then((c) => live && setCustomer(c))
      .catch(() => {
        /* 401 clears the token through onUnauthorized; other errors keep it for a retry */
      })
      .finally(() => live && setChecking(false));
    void refreshCart();
    return () => {
      live = false;
    };
  }, [token, refreshCart]);

  const value = useMemo<Session>(
    () => ({
      token,
      customer,
      checking,
      cartCount,
      setCart,
      refreshCart,
      setCustomer,
      signIn(t, c) {
        tokenStore.set(t);
        setCustomer(c);
        setToken(t);
      },
      async signOut() {
        try {
          await api('POST', '/auth/sign-out', { body: {} });
        } catch {
          /* signing out locally is what matters */
        }
        tokenStore.set(null);
        checkoutDraft.forget();
        resetTracking();
        setToken(null);
        setCustomer(null);
        setCartCount(0);
      },
    }),
    [token, customer, checking, cartCount, setCart, refreshCart],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('SessionProvider missing');
  return s;
}
