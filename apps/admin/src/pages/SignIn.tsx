import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { Alert, Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useAuth } from '../lib/auth';
import { useI18n } from '../lib/i18n';
import { ApiError } from '../lib/api';
import LangSwitch from '../components/LangSwitch';

export default function SignIn() {
  const { t } = useI18n();
  const { me, signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (me) return <Navigate to={from === '/sign-in' ? '/' : from} replace />;

  const onFinish = async (v: { login: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(v.login.trim(), v.password);
      navigate(from === '/sign-in' ? '/' : from, { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in-page">
      <div className="sign-in-card">
        <div style={{ display: 'flex', justifyContent: 'flex-end', marginTop: -16, marginBottom: 8 }}>
          <LangSwitch />
        </div>
        <h1>{t('signIn.title')}</h1>
        <p className="sub">{t('signIn.subtitle')}</p>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="signin-error" role="alert" />}
        <Form layout="vertical" onFinish={onFinish} requiredMark={false} data-testid="signin-form" name="signin">
          <Form.Item name="login" label={t('signIn.login')} rules={[{ required: true, message: t('common.required') }]}>
            <Input prefix={<UserOutlined />} placeholder={t('signIn.loginPlaceholder')} autoComplete="username" data-testid="signin-login" size="large" />
          </Form.Item>
          <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('common.required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="signin-password" size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="signin-submit">
            {t('signIn.submit')}
          </Button>
        </Form>
        <div className="auth-card-footer auth-card-links">
          <Link to="/forgot-password" data-testid="signin-forgot">{t('signIn.forgot')}</Link>
          <span>
            {t('signIn.noAccount')} <Link to="/sign-up" data-testid="signin-sign-up">{t('signIn.signUp')}</Link>
          </span>
        </div>
      </div>
    </main>
  );
}
