import { useEffect, useRef, useState } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import { Alert, Button, Form, Input, Space, Upload } from 'antd';
import { DeleteOutlined, PlusOutlined, ShopOutlined } from '@ant-design/icons';
import { ContactPhone, CreateShopBody, isReservedSlug, ShopSlug } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback } from '../../lib/feedback';
import { applyApiError, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { AuthCard, AuthLink, signUpTicket } from './shared';

interface Values {
  name: string;
  slug: string;
  contactPhone: string;
}
type SlugState = { state: 'idle' | 'checking' } | { state: 'free' } | { state: 'taken' | 'reserved' | 'invalid' };

/** 创建店铺: name, storefront address, logo and contact phone; the merchant becomes the owner and is signed in. */
export default function CreateShop() {
  const { t } = useI18n();
  const { me, refresh } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [ticket] = useState(() => signUpTicket.get());
  const [logo, setLogo] = useState<{ file: File; preview: string } | null>(null);
  const [slugState, setSlugState] = useState<SlugState>({ state: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const slugValue = Form.useWatch('slug', form);
  const lastCheck = useRef(0);

  // Say whether the address is free as the merchant types (the server decides on submit).
  useEffect(() => {
    const raw = String(slugValue ?? '').trim().toLowerCase();
    if (!raw || !ShopSlug.safeParse(raw).success) return setSlugState({ state: 'idle' });
    if (isReservedSlug(raw)) return setSlugState({ state: 'reserved' });
    const mine = ++lastCheck.current;
    setSlugState({ state: 'checking' });
    const timer = setTimeout(() => {
      api
        .get<{ available: boolean; reason?: 'taken' | 'reserved' | 'invalid' }>('/sign-up/slug', { slug: raw })
        .then((r) => mine === lastCheck.current && setSlugState(r.available ? { state: 'free' } : { state: r.reason ?? 'taken' }))
        .catch(() => mine === lastCheck.current && setSlugState({ state: 'idle' }));
    }, 350);
    return () => clearTimeout(timer);
  }, [slugValue]);

  useEffect(() => () => {
    if (logo) URL.revokeObjectURL(logo.preview);
  }, [logo]);

  if (me) return <Navigate to="/" replace />;
  if (!ticket) return <Navigate to="/sign-up" replace />;

  const onFinish = async (v: Values) => {
    setBusy(true);
    setError(null);
    const body = { ticket: ticket.ticket, name: v.name.trim(), slug: v.slug.trim().toLowerCase(), contactPhone: v.contactPhone.trim() };
    try {
      await api.post('/sign-up/shop', body);
      signUpTicket.set(null);
      // The answer set the session cookie: the new owner is signed in. The logo goes up as the owner.
      if (logo) {
        try {
          const media = await api.upload<{ url: string }>('/media', logo.file);
          await api.patch('/shop', { logoUrl: media.url });
        } catch {
          feedback.message?.warning(t('onb.logoLater'));
        }
      }
      await refresh();
      feedback.message?.success(t('onb.shopCreated'));
      navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SIGN_UP_EXPIRED') {
        signUpTicket.set(null);
        setError(err.message);
      } else if (!applyApiError(form, err)) setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const slugHelp: Record<SlugState['state'], string | undefined> = {
    idle: t('onb.slugHint'),
    checking: t('onb.slugChecking'),
    free: t('onb.slugFree'),
    taken: t('onb.slugTaken'),
    reserved: t('onb.slugReserved'),
    invalid: t('onb.slugHint'),
  };
  const slugBad = slugState.state === 'taken' || slugState.state === 'reserved';

  return (
    <AuthCard
      wide
      title={t('onb.createShopTitle')}
      subtitle={t('onb.createShopSubtitle', { login: ticket.login })}
      footer={<AuthLink to="/sign-up">{t('onb.backToAccount')}</AuthLink>}
    >
      <div className="onb-steps" aria-label={t('onb.stepsLabel')}>
        <span className="onb-step onb-step-done">1 {t('onb.stepAccount')}</span>
        <span className="onb-step onb-step-current">2 {t('onb.stepShop')}</span>
      </div>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" data-testid="create-shop-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="create-shop" data-testid="create-shop-form">
        <Form.Item name="name" label={t('onb.shopName')} rules={[{ required: true, message: t('common.required') }, zodRule(CreateShopBody.shape.name)]}>
          <Input prefix={<ShopOutlined />} maxLength={30} placeholder={t('onb.shopNamePlaceholder')} data-testid="create-shop-name" size="large" />
        </Form.Item>
        <Form.Item
          name="slug"
          label={t('onb.slug')}
          help={slugHelp[slugState.state]}
          validateStatus={slugBad ? 'error' : slugState.state === 'free' ? 'success' : undefined}
          rules={[{ required: true, message: t('common.required') }, zodRule(ShopSlug), { validator: async (_r, v) => (v && isReservedSlug(String(v)) ? Promise.reject(new Error(t('onb.slugReserved'))) : undefined) }]}
        >
          <SlugInput />
        </Form.Item>
        <Form.Item label={t('onb.logo')} extra={t('onb.logoHint')}>
          {logo ? (
            <div className="onb-logo">
              <img src={logo.preview} alt={t('onb.logo')} width={72} height={72} />
              <Button icon={<DeleteOutlined />} onClick={() => setLogo(null)} aria-label={t('common.delete')} />
            </div>
          ) : (
            <Upload
              accept="image/png,image/jpeg,image/webp,image/gif"
              showUploadList={false}
              beforeUpload={(file) => {
                setLogo({ file, preview: URL.createObjectURL(file) });
                return false;
              }}
            >
              <Button icon={<PlusOutlined />} data-testid="create-shop-logo">
                {t('onb.chooseLogo')}
              </Button>
            </Upload>
          )}
        </Form.Item>
        <Form.Item name="contactPhone" label={t('onb.contactPhone')} extra={t('onb.contactPhoneHint')} rules={[{ required: true, message: t('common.required') }, zodRule(ContactPhone)]}>
          <Input maxLength={20} autoComplete="tel" data-testid="create-shop-phone" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="create-shop-submit">
          {t('onb.createShop')}
        </Button>
      </Form>
    </AuthCard>
  );
}

/** The address field with the storefront's host in front of it (a controlled input for Form.Item). */
function SlugInput({ value, onChange, id }: { value?: string; onChange?: (v: string) => void; id?: string }) {
  return (
    <Space.Compact block size="large">
      <Space.Addon>{`${window.location.host}/s/`}</Space.Addon>
      <Input id={id} value={value} onChange={(e) => onChange?.(e.target.value)} maxLength={32} placeholder="my-tea-shop" autoCapitalize="none" spellCheck={false} data-testid="create-shop-slug" />
    </Space.Compact>
  );
}
