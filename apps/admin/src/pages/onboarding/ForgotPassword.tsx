import { useState } from 'react';
import { Alert, Button, Form, Input, Result, Space } from 'antd';
import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { NewPassword } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { applyApiError, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { AuthCard, AuthLink, useCooldown } from './shared';

interface Values {
  login: string;
  code: string;
  password: string;
  confirm: string;
}

/**
 * 忘记密码: a code goes to the phone on record of the login or phone typed (or to the e-mail address an
 * account signs in with). The page says the same thing whether or not the account exists.
 */
export default function ForgotPassword() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string[] | null>(null);
  const cooldown = useCooldown();

  const sendCode = async () => {
    setError(null);
    try {
      await form.validateFields(['login']);
    } catch {
      return;
    }
    setSending(true);
    try {
      const res = await api.post<{ resendAfterSeconds: number }>('/auth/password-reset/code', { login: String(form.getFieldValue('login')).trim() });
      cooldown.start(res.resendAfterSeconds);
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && typeof err.details?.retryAfterSeconds === 'number') cooldown.start(err.details.retryAfterSeconds);
      if (!applyApiError(form, err)) setError((err as Error).message);
    } finally {
      setSending(false);
    }
  };

  const onFinish = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ logins: string[] }>('/auth/password-reset', { login: v.login.trim(), code: v.code.trim(), password: v.password });
      setDone(res.logins);
    } catch (err) {
      if (!applyApiError(form, err)) setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <AuthCard title={t('reset.title')}>
        <Result
          status="success"
          title={t('reset.done')}
          subTitle={t('reset.doneHint', { logins: done.join('、') })}
          extra={
            <AuthLink to="/sign-in" testId="reset-to-signin">
              {t('reset.goSignIn')}
            </AuthLink>
          }
          data-testid="reset-done"
        />
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('reset.title')} subtitle={t('reset.subtitle')} footer={<AuthLink to="/sign-in">{t('reset.backToSignIn')}</AuthLink>}>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" data-testid="reset-error" />}
      {sent && !error && <Alert type="info" showIcon title={t('reset.sent')} style={{ marginBottom: 16 }} data-testid="reset-sent" />}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="reset" data-testid="reset-form">
        <Form.Item name="login" label={t('reset.login')} rules={[{ required: true, message: t('common.required') }, { min: 3, message: t('reset.loginShort') }]}>
          <Input prefix={<UserOutlined />} autoComplete="username" placeholder={t('reset.loginPlaceholder')} data-testid="reset-login" size="large" />
        </Form.Item>
        <Form.Item label={t('onb.code')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }, { pattern: /^\d{6}$/, message: t('onb.codeInvalid') }]}>
              <Input prefix={<SafetyOutlined />} inputMode="numeric" maxLength={6} autoComplete="one-time-code" aria-label={t('onb.code')} data-testid="reset-code" size="large" />
            </Form.Item>
            <Button size="large" onClick={sendCode} loading={sending} disabled={cooldown.left > 0} data-testid="reset-send-code">
              {cooldown.left > 0 ? t('onb.resendIn', { n: cooldown.left }) : t('onb.sendCode')}
            </Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item name="password" label={t('reset.newPassword')} extra={t('reset.passwordHint')} rules={[{ required: true, message: t('common.required') }, zodRule(NewPassword)]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="reset-password" size="large" />
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
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="reset-confirm" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="reset-submit">
          {t('reset.submit')}
        </Button>
      </Form>
    </AuthCard>
  );
}
