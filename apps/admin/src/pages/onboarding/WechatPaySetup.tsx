import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Form, Input, Skeleton, Tag } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';

interface Values {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  platformKeyId: string;
  platformKeyPem: string;
}

/**
 * 接入微信支付: the shop's own WeChat Pay v3 merchant account (商户号, API certificate serial and key,
 * APIv3 key, the platform certificate or public key). Secrets are written, never shown back.
 */
export default function WechatPaySetup() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const { data } = useApi<{ settings: { wechatPayConfigured: boolean } }>('/shop');

  const save = async () => {
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    try {
      await api.put('/shop/wechat-pay', {
        mchId: v.mchId.trim(),
        appId: v.appId.trim(),
        serialNo: v.serialNo.trim(),
        privateKeyPem: v.privateKeyPem.trim(),
        apiV3Key: v.apiV3Key,
        platformKeys: { [v.platformKeyId.trim()]: v.platformKeyPem.trim() },
      });
      feedback.message.success(t('wxpay.saved'));
      navigate('/');
    } catch (err) {
      if (!applyApiError(form, err, { 'platformKeys': 'platformKeyPem' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const required = { required: true, message: t('common.required') };
  return (
    <Card title={t('wxpay.title')} variant="borderless">
      {!data ? (
        <Skeleton active />
      ) : (
        <>
          <Alert
            type={data.settings.wechatPayConfigured ? 'success' : 'info'}
            showIcon
            title={data.settings.wechatPayConfigured ? t('wxpay.configured') : t('wxpay.intro')}
            style={{ marginBottom: 16, maxWidth: 760 }}
          />
          <Form form={form} name="wechat-pay" labelCol={{ flex: '200px' }} style={{ maxWidth: 760 }} requiredMark={false}>
            <Form.Item name="mchId" label={t('wxpay.mchId')} rules={[required, { pattern: /^\d{8,12}$/, message: t('wxpay.mchIdInvalid') }]}>
              <Input maxLength={12} style={{ width: 240 }} data-testid="wxpay-mchid" />
            </Form.Item>
            <Form.Item name="appId" label={t('wxpay.appId')} extra={t('wxpay.appIdHint')} rules={[required, { pattern: /^wx[0-9a-zA-Z]{16}$/, message: t('wxpay.appIdInvalid') }]}>
              <Input maxLength={18} style={{ width: 240 }} data-testid="wxpay-appid" />
            </Form.Item>
            <Form.Item name="serialNo" label={t('wxpay.serialNo')} rules={[required, { pattern: /^[0-9A-Fa-f]{8,64}$/, message: t('wxpay.serialInvalid') }]}>
              <Input maxLength={64} data-testid="wxpay-serial" />
            </Form.Item>
            <Form.Item name="privateKeyPem" label={t('wxpay.privateKey')} extra={t('wxpay.privateKeyHint')} rules={[required, { validator: async (_r, v) => (v && !String(v).includes('PRIVATE KEY') ? Promise.reject(new Error(t('wxpay.pemInvalid'))) : undefined) }]}>
              <Input.TextArea rows={4} spellCheck={false} data-testid="wxpay-private-key" />
            </Form.Item>
            <Form.Item name="apiV3Key" label={t('wxpay.apiV3Key')} rules={[required, { len: 32, message: t('wxpay.apiV3KeyInvalid') }]}>
              <Input.Password maxLength={32} autoComplete="off" data-testid="wxpay-apiv3" />
            </Form.Item>
            <Form.Item name="platformKeyId" label={t('wxpay.platformKeyId')} extra={t('wxpay.platformKeyIdHint')} rules={[required, { min: 8, max: 80 }]}>
              <Input maxLength={80} data-testid="wxpay-platform-id" />
            </Form.Item>
            <Form.Item
              name="platformKeyPem"
              label={t('wxpay.platformKey')}
              rules={[required, { validator: async (_r, v) => (v && !/PUBLIC KEY|CERTIFICATE/.test(String(v)) ? Promise.reject(new Error(t('wxpay.pemInvalid'))) : undefined) }]}
            >
              <Input.TextArea rows={4} spellCheck={false} data-testid="wxpay-platform-key" />
            </Form.Item>
            <Form.Item label=" " colon={false}>
              <Button type="primary" loading={saving} onClick={save} data-testid="wxpay-save">
                {t('common.save')}
              </Button>{' '}
              {data.settings.wechatPayConfigured && <Tag color="green">{t('shop.configured')}</Tag>}
            </Form.Item>
          </Form>
        </>
      )}
    </Card>
  );
}
