import { Button, Toast } from 'antd-mobile';
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { TextInput } from '../components/TextInput';
import { ApiError, api, errorMessage } from '../lib/api';
import { useCountdown } from '../lib/hooks';
import { useSession } from '../lib/session';
import { inWechat, isLocalHost, shopSlug, storefrontUrl } from '../lib/shop';
import { useShop } from '../lib/shop-info';
import type { SignInResult } from '../lib/types';

const PHONE = /^1[3-9]\d{9}$/;
const STATE_KEY = `siyu:shop:${shopSlug}:wx-state`;

/** Only paths inside this storefront: never an absolute URL from the query string. */
function safeRedirect(r: string | null) {
  return r && r.startsWith('/') && !r.startsWith('//') ? r : '/me';
}

export default function Login() {
  const [params, setParams] = useSearchParams();
  const redirect = safeRedirect(params.get('redirect'));
  const navigate = useNavigate();
  const session = useSession();
  const shop = useShop();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<{ phone?: string; code?: string }>({});
  const [sending, setSending] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [wechatBusy, setWechatBusy] = useState(false);
  const countdown = useCountdown();
  const codeRef = useRef<HTMLInputElement>(null);
  const wxCode = params.get('code');
  const handled = useRef(false);

  const done = (r: SignInResult) => {
    session.signIn(r.token, r.customer);
    Toast.show({ icon: 'success', content: '登录成功' });
    navigate(redirect, { replace: true });
  };

  // Back from WeChat's authorization page with ?code=&state=.
  useEffect(() => {
    if (!wxCode || handled.current) return;
    handled.current = true;
    const state = params.get('state') ?? sessionStorage.getItem(STATE_KEY) ?? undefined;
    setWechatBusy(true);
    api<SignInResult>('POST', '/auth/sign-in/wechat', { body: { code: wxCode, ...(state ? { state } : {}) } })
      .then((r) => {
        sessionStorage.removeItem(STATE_KEY);
        done(r);
      })
      .catch((err) => {
        Toast.show({ icon: 'fail', content: errorMessage(err) });
        setParams({ redirect }, { replace: true });
      })
      .finally(() => setWechatBusy(false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wxCode]);

  const fieldError = (err: unknown) => {
    if (err instanceof ApiError && (err.field === 'phone' || err.field === 'code')) setErrors({ [err.field]: err.message });
    else Toast.show({ icon: 'fail', content: errorMessage(err) });
  };

  const sendCode = async () => {
    if (!PHONE.test(phone)) return setErrors({ phone: '请输入正确的 11 位手机号' });
    setErrors({});
    setSending(true);
    try {
      await api('POST', '/auth/sms-code', { body: { phone, purpose: 'sign_in' } });
      countdown.start(60);
      Toast.show({ content: '验证码已发送' });
      codeRef.current?.focus();
    } catch (err) {
      const retry = err instanceof ApiError ? Number(err.details?.retryAfterSeconds) : NaN;
      if (Number.isFinite(retry) && retry > 0) countdown.start(Math.ceil(retry));
      fieldError(err);
    } finally {
      setSending(false);
    }
  };

  const signIn = async (e: React.FormEvent) => {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!PHONE.test(phone)) errs.phone = '请输入正确的 11 位手机号';
    if (!/^\d{6}$/.test(code)) errs.code = '请输入 6 位验证码';
    setErrors(errs);
    if (errs.phone || errs.code) return;
    setSigningIn(true);
    try {
      done(await api<SignInResult>('POST', '/auth/sign-in/sms', { body: { phone, code } }));
    } catch (err) {
      fieldError(err);
    } finally {
      setSigningIn(false);
    }
  };

  const wechat = async () => {
    setWechatBusy(true);
    try {
      const back = storefrontUrl(`/login?redirect=${encodeURIComponent(redirect)}`);
      const r = await api<{ url: string; state: string }>('GET', '/auth/wechat/authorize-url', { query: { scope: 'snsapi_userinfo', redirect: back } });
      sessionStorage.setItem(STATE_KEY, r.state);
      window.location.assign(r.url);
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
      setWechatBusy(false);
    }
  };

  return (
    <Page title="登录" back testId="page-login">
      <div className="login">
        <h2 className="login-title">手机号登录</h2>
        <p className="muted" style={{ marginTop: 0 }}>
          欢迎来到{shop.name},未注册的手机号验证后将自动注册
        </p>
        <form onSubmit={signIn} noValidate aria-label="手机号验证码登录">
          <div className="login-field">
            <label htmlFor="login-phone">手机号</label>
            <TextInput
              id="login-phone"
              type="tel"
              inputMode="numeric"
              autoComplete="tel"
              maxLength={11}
              placeholder="请输入手机号"
              value={phone}
              onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))}
              aria-invalid={!!errors.phone}
              aria-describedby={errors.phone ? 'phone-error' : undefined}
              data-testid="login-phone"
            />
          </div>
          {errors.phone && (
            <p id="phone-error" className="problem" role="alert" data-testid="login-phone-error">
              {errors.phone}
            </p>
          )}
          <div className="login-field">
            <label htmlFor="login-code">验证码</label>
            <TextInput
              id="login-code"
              ref={codeRef}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              placeholder="请输入验证码"
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              aria-invalid={!!errors.code}
              aria-describedby={errors.code ? 'code-error' : undefined}
              data-testid="login-code"
            />
            <Button size="small" fill="none" color="primary" disabled={countdown.left > 0 || sending} loading={sending} onClick={sendCode} data-testid="send-code" style={{ whiteSpace: 'nowrap', color: countdown.left > 0 ? '#595959' : undefined }}>
              {countdown.left > 0 ? `${countdown.left} 秒后重发` : '获取验证码'}
            </Button>
          </div>
          {errors.code && (
            <p id="code-error" className="problem" role="alert" data-testid="login-code-error">
              {errors.code}
            </p>
          )}
          {isLocalHost && (
            <p className="small" style={{ margin: '10px 0 0' }}>
              演示环境:验证码可在
              <a href="/sandbox/sms/inbox" target="_blank" rel="noreferrer" className="link-btn" style={{ padding: 0 }} data-testid="sandbox-sms-inbox">
                沙箱短信收件箱
              </a>
              查看
            </p>
          )}
          <Button block type="submit" color="primary" size="large" className="btn-round" style={{ marginTop: 28 }} loading={signingIn} data-testid="sign-in">
            登录
          </Button>
        </form>
        <div className="or">其他登录方式</div>
        <Button block size="large" className="btn-round wechat-btn" onClick={wechat} loading={wechatBusy} data-testid="wechat-sign-in">
          {inWechat ? '微信一键登录' : '微信登录'}
        </Button>
        <p className="small muted" style={{ textAlign: 'center', marginTop: 24 }}>
          登录即表示您同意《用户服务协议》和《隐私政策》
        </p>
      </div>
    </Page>
  );
}
