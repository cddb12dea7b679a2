import { useEffect, useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Skeleton, Tag } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import ImageUpload from '../../components/ImageUpload';
import { LoadError } from '../../components/Results';
import { ShopPatch } from './schemas';

interface Shop {
  id: string;
  slug: string;
  name: string;
  logoUrl: string | null;
  settings: { unpaidTimeoutMinutes: number; autoCompleteDays: number; servicePhone?: string; wechatPayConfigured: boolean; wechatConfigured: boolean };
}
interface Values {
  name: string;
  logo: string[];
  settings: { unpaidTimeoutMinutes?: number; autoCompleteDays?: number; servicePhone?: string };
}

export default function ShopSettings() {
  const { t } = useI18n();
  const { can, setShopName } = useAuth();
  const { data, error, reload } = useApi<Shop>('/shop');
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const writable = can('settings:write');

  useEffect(() => {
    if (data) form.setFieldsValue({ name: data.name, logo: data.logoUrl ? [data.logoUrl] : [], settings: { unpaidTimeoutMinutes: data.settings.unpaidTimeoutMinutes, autoCompleteDays: data.settings.autoCompleteDays, servicePhone: data.settings.servicePhone ?? '' } });
  }, [data, form]);

  if (error) return <LoadError error={error} onRetry={reload} />;

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = {
      name: v.name,
      logoUrl: v.logo?.[0] ?? null,
      settings: { unpaidTimeoutMinutes: v.settings.unpaidTimeoutMinutes ?? undefined, autoCompleteDays: v.settings.autoCompleteDays ?? undefined, servicePhone: v.settings.servicePhone ?? '' },
    };
    if (!validateBody(form, ShopPatch, body, { logoUrl: 'logo' })) return;
    setSaving(true);
    try {
      const after = await api.patch<Shop>('/shop', body);
      setShopName(after.name, after.logoUrl);
      feedback.message.success(t('common.saved'));
      reload();
    } catch (err) {
      if (!applyApiError(form, err, { logoUrl: 'logo' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const s = ShopPatch.shape.settings.unwrap().shape;
  return (
    <Card title={t('shop.title')} variant="borderless">
      {!data ? (
        <Skeleton active />
      ) : (
        <Form form={form} name="shop" labelCol={{ flex: '240px' }} style={{ maxWidth: 760 }} disabled={!writable}>
          <Form.Item label={t('shop.slug')}>
            <code>{data.slug}</code>
          </Form.Item>
          <Form.Item name="name" label={t('shop.name')} required rules={[zodRule(ShopPatch.shape.name.unwrap(), asText)]}>
            <Input maxLength={60} data-testid="shop-name-input" />
          </Form.Item>
          <Form.Item name="logo" label={t('shop.logo')}>
            <ImageUpload max={1} testId="shop-logo-upload" />
          </Form.Item>
          <Form.Item name={['settings', 'unpaidTimeoutMinutes']} label={t('shop.unpaidTimeout')} rules={[zodRule(s.unpaidTimeoutMinutes)]}>
            <InputNumber min={5} max={10080} precision={0} style={{ width: 200 }} data-testid="shop-unpaid-timeout" />
          </Form.Item>
          <Form.Item name={['settings', 'autoCompleteDays']} label={t('shop.autoComplete')} rules={[zodRule(s.autoCompleteDays)]}>
            <InputNumber min={1} max={60} precision={0} style={{ width: 200 }} data-testid="shop-auto-complete" />
          </Form.Item>
          <Form.Item name={['settings', 'servicePhone']} label={t('shop.servicePhone')} rules={[zodRule(s.servicePhone)]}>
            <Input maxLength={30} style={{ width: 240 }} data-testid="shop-service-phone" />
          </Form.Item>
          <Form.Item label={t('shop.wechatPay')}>
            {data.settings.wechatPayConfigured ? <Tag color="green">{t('shop.configured')}</Tag> : <Tag>{t('shop.notConfigured')}</Tag>}
          </Form.Item>
          {writable && (
            <Form.Item label=" " colon={false}>
              <Button type="primary" loading={saving} onClick={save} data-testid="shop-save">
                {t('common.save')}
              </Button>
            </Form.Item>
          )}
        </Form>
      )}
    </Card>
  );
}
