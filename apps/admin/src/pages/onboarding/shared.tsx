import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Button, Form, Input, Space, type FormInstance } from 'antd';
import { LockOutlined, SafetyOutlined } from '@ant-design/icons';
import { NewPassword } from '@siyu/contracts';
import LangSwitch from '../../components/LangSwitch';
import { ApiError } from '../../lib/api';
import { applyApiError, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';

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

/**
 * Asks for a verification code: checks the address field first, counts the resend interval down (also when
 * the server says to wait), and hands an error the form cannot place next to a field to `onError`.
 */
export function useCodeSender(form: FormInstance, onError: (message: string | null) => void) {
  const [sending, setSending] = useState(false);
  const cooldown = useCooldown();
  const send = async (field: string, request: () => Promise<{ resendAfterSeconds: number }>, onSent: () => void) => {
    onError(null);
    try {
      await form.validateFields([field]);
    } catch {
      return;
    }
    setSending(true);
    try {
      const res = await request();
      cooldown.start(res.resendAfterSeconds);
      onSent();
    } catch (err) {
      if (err instanceof ApiError && typeof err.details?.retryAfterSeconds === 'number') cooldown.start(err.details.retryAfterSeconds);
      if (!applyApiError(form, err)) onError((err as Error).message);
    } finally {
      setSending(false);
    }
  };
  return { sending, cooldown, send };
}

/** The 6-digit code field with its send button, which counts down until another code may be asked for. */
export function CodeField({ testId, onSend, sending, cooldown }: { testId: string; onSend: () => void; sending: boolean; cooldown: { left: number } }) {
  const { t } = useI18n();
  return (
    <Form.Item label={t('onb.code')} required>
      <Space.Compact style={{ width: '100%' }}>
        <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }, { pattern: /^\d{6}$/, message: t('onb.codeInvalid') }]}>
          <Input prefix={<SafetyOutlined />} inputMode="numeric" maxLength={6} autoComplete="one-time-code" aria-label={t('onb.code')} data-testid={`${testId}-code`} size="large" />
        </Form.Item>
        <Button size="large" onClick={onSend} loading={sending} disabled={cooldown.left > 0} data-testid={`${testId}-send-code`}>
          {cooldown.left > 0 ? t('onb.resendIn', { n: cooldown.left }) : t('onb.sendCode')}
        </Button>
      </Space.Compact>
    </Form.Item>
  );
}

/** A new password and its confirmation, held to the server's password rule. */
export function NewPasswordFields({ testId, label, hint }: { testId: string; label: string; hint: string }) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="password" label={label} extra={hint} rules={[{ required: true, message: t('common.required') }, zodRule(NewPassword)]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid={`${testId}-password`} size="large" />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('onb.confirmPassword')}
        dependencies={['password']}
        rules={[
          { required: true, message: t('common.required') },
          ({ getFieldValue }) => ({ validator: async (_r, v) => (v && v !== getFieldValue('password') ? Promise.reject(new Error(t('onb.passwordMismatch'))) : undefined) }),
        ]}
      >
        <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid={`${testId}-confirm`} size="large" />
      </Form.Item>
    </>
  );
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
