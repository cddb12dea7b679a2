import { useState } from 'react';
import { Alert, Button, Form, Input, Result } from 'antd';
import { UserOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { applyApiError } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { AuthCard, AuthLink, CodeField, NewPasswordFields, useCodeSender } from './shared';

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
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string[] | null>(null);
  const { sending, cooldown, send } = useCodeSender(form, setError);

  const sendCode = () =>
    send('login', () => api.post<{ resendAfterSeconds: number }>('/auth/password-reset/code', { login: String(form.getFieldValue('login')).trim() }), () => setSent(true));

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
        <CodeField testId="reset" onSend={sendCode} sending={sending} cooldown={cooldown} />
        <NewPasswordFields testId="reset" label={t('reset.newPassword')} hint={t('reset.passwordHint')} />
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="reset-submit">
          {t('reset.submit')}
        </Button>
      </Form>
    </AuthCard>
  );
}
