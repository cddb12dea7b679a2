import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useI18n } from '../../lib/i18n';
import { platformApi } from '../../lib/platform-api';
import { AuthCard } from '../onboarding/shared';
import { useOperator, type Operator } from './PlatformApp';

/** The platform operator's sign-in: another account and session than any shop's. */
export default function PlatformSignIn() {
  const { t } = useI18n();
  const { setOperator } = useOperator();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onFinish = async (v: { login: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const res = await platformApi.post<{ operator: Operator }>('/auth/sign-in', { login: v.login.trim(), password: v.password });
      setOperator(res.operator);
      navigate('/platform', { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title={t('platform.signInTitle')} subtitle={t('platform.signInSubtitle')}>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" data-testid="platform-signin-error" />}
      <Form layout="vertical" onFinish={onFinish} requiredMark={false} name="platform-signin" data-testid="platform-signin-form">
        <Form.Item name="login" label={t('signIn.login')} rules={[{ required: true, message: t('common.required') }]}>
          <Input prefix={<UserOutlined />} autoComplete="username" data-testid="platform-signin-login" size="large" />
        </Form.Item>
        <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="platform-signin-password" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="platform-signin-submit">
          {t('signIn.submit')}
        </Button>
      </Form>
    </AuthCard>
  );
}
