import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import LangSwitch from '../../components/LangSwitch';

/** The card the sign-in, sign-up, create-shop and reset pages sit in (the sign-in page's look). */
export function AuthCard({ title, subtitle, children, wide, footer }: { title: string; subtitle?: string; children: ReactNode; wide?: boolean; footer?: ReactNode }) {
  return (
    <main className="sign-in-page">
      <div className="sign-in-card" style={wide ? { width: 480 } : undefined}>
        <div style={{ display: 'flex', justifyContent: 'flex-end', marginTop: -16, marginBottom: 8 }}>
          <LangSwitch />
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="sub">{subtitle}</p>}
        {children}
        {footer && <div className="auth-card-footer">{footer}</div>}
      </div>
    </main>
  );
}

export function AuthLink({ to, children, testId }: { to: string; children: ReactNode; testId?: string }) {
  return (
    <Link to={to} data-testid={testId}>
      {children}
    </Link>
  );
}

/** Seconds left before another code may be asked for; `start(n)` begins the countdown. */
export function useCooldown() {
  const [left, setLeft] = useState(0);
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(timer);
  }, [left]);
  return { left, start: (seconds: number) => setLeft(seconds) };
}

/** The proven phone / e-mail between the sign-up and create-shop pages (this tab only). */
export interface SignUpTicket {
  ticket: string;
  login: string;
  expiresAt: string;
}
const TICKET_KEY = 'siyu.admin.signUpTicket';

export const signUpTicket = {
  get(): SignUpTicket | null {
    try {
      const t = JSON.parse(sessionStorage.getItem(TICKET_KEY) ?? 'null') as SignUpTicket | null;
      return t && new Date(t.expiresAt).getTime() > Date.now() ? t : null;
    } catch {
      return null;
    }
  },
  set(t: SignUpTicket | null) {
    if (t) sessionStorage.setItem(TICKET_KEY, JSON.stringify(t));
    else sessionStorage.removeItem(TICKET_KEY);
  },
};
