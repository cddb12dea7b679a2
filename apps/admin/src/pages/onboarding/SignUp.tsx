import { useState } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import { Alert, Button, Form, Input, Segmented } from 'antd';
import { MailOutlined, MobileOutlined, UserOutlined } from '@ant-design/icons';
import { Email, Phone } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { applyApiError, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { AuthCard, AuthLink, CodeField, NewPasswordFields, signUpTicket, useCodeSender, type SignUpTicket } from './shared';

type Channel = 'sms' | 'email';
interface Values {
  phone?: string;
  email?: string;
  code: string;
  password: string;
  confirm: string;
  displayName?: string;
}

/** 商家注册: prove a phone (SMS code) or an e-mail address, choose a password; the shop comes next. */
export default function SignUp() {
  const { t } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [channel, setChannel] = useState<Channel>('sms');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { sending, cooldown, send } = useCodeSender(form, setError);

  if (me) return <Navigate to="/" replace />;

  const target = () => (channel === 'sms' ? { channel, phone: String(form.getFieldValue('phone') ?? '').trim() } : { channel, email: String(form.getFieldValue('email') ?? '').trim() });

  const sendCode = () => {
    setNotice(null);
    return send(channel === 'sms' ? 'phone' : 'email', () => api.post<{ resendAfterSeconds: number }>('/sign-up/codes', target()), () =>
      setNotice(t(channel === 'sms' ? 'onb.codeSentSms' : 'onb.codeSentEmail')),
    );
  };

  const onFinish = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<SignUpTicket>('/sign-up/verify', { ...target(), code: v.code.trim(), password: v.password, displayName: v.displayName?.trim() || undefined });
      signUpTicket.set(res);
      navigate('/onboarding/create-shop');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'LOGIN_TAKEN') setError(t('onb.loginTaken'));
      else if (!applyApiError(form, err)) setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title={t('onb.signUpTitle')}
      subtitle={t('onb.signUpSubtitle')}
      footer={
        <>
          {t('onb.haveAccount')} <AuthLink to="/sign-in" testId="signup-to-signin">{t('onb.goSignIn')}</AuthLink>
        </>
      }
    >
      <div className="onb-steps" aria-label={t('onb.stepsLabel')}>
        <span className="onb-step onb-step-current">1 {t('onb.stepAccount')}</span>
        <span className="onb-step">2 {t('onb.stepShop')}</span>
      </div>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" data-testid="signup-error" />}
      {notice && !error && <Alert type="success" showIcon title={notice} style={{ marginBottom: 16 }} data-testid="signup-notice" />}
      <Segmented<Channel>
        block
        value={channel}
        onChange={(c) => {
          setChannel(c);
          setError(null);
          setNotice(null);
        }}
        options={[
          { label: t('onb.byPhone'), value: 'sms', icon: <MobileOutlined /> },
          { label: t('onb.byEmail'), value: 'email', icon: <MailOutlined /> },
        ]}
        style={{ marginBottom: 16 }}
        data-testid="signup-channel"
        aria-label={t('onb.channel')}
      />
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="signup" data-testid="signup-form">
        {channel === 'sms' ? (
          <Form.Item name="phone" label={t('onb.phone')} rules={[{ required: true, message: t('common.required') }, zodRule(Phone)]}>
            <Input prefix={<MobileOutlined />} autoComplete="tel" inputMode="numeric" maxLength={11} data-testid="signup-phone" size="large" />
          </Form.Item>
        ) : (
          <Form.Item name="email" label={t('onb.email')} rules={[{ required: true, message: t('common.required') }, zodRule(Email)]}>
            <Input prefix={<MailOutlined />} autoComplete="email" maxLength={254} data-testid="signup-email" size="large" />
          </Form.Item>
        )}
        <CodeField testId="signup" onSend={sendCode} sending={sending} cooldown={cooldown} />
        <NewPasswordFields testId="signup" label={t('onb.password')} hint={t('onb.passwordHint')} />
        <Form.Item name="displayName" label={t('onb.displayName')} rules={[{ max: 30 }]}>
          <Input prefix={<UserOutlined />} placeholder={t('onb.displayNamePlaceholder')} maxLength={30} data-testid="signup-name" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="signup-submit">
          {t('onb.next')}
        </Button>
      </Form>
    </AuthCard>
  );
}
