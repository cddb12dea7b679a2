import { useState } from 'react';
import { Checkbox, Form, Input, Modal } from 'antd';
import { useI18n } from '../../lib/i18n';
import { platformApi } from '../../lib/platform-api';
import { showError } from '../../lib/feedback';
import { applyApiError } from '../../lib/form';
import type { PlatformShop } from './types';

/** Suspend (with a reason, public or not) or resume (with a reason) one shop. */
export default function StatusModal({ shop, onClose, onDone }: { shop: PlatformShop; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reason: string; reasonPublic: boolean }>();
  const [busy, setBusy] = useState(false);
  const suspending = shop.status === 'active';

  const submit = async () => {
    let v: { reason: string; reasonPublic?: boolean };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    try {
      if (suspending) await platformApi.post(`/shops/${shop.id}/suspend`, { reason: v.reason.trim(), reasonPublic: !!v.reasonPublic });
      else await platformApi.post(`/shops/${shop.id}/resume`, { reason: v.reason.trim() });
      onDone();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t(suspending ? 'platform.suspendTitle' : 'platform.resumeTitle', { name: shop.name })}
      okText={t(suspending ? 'platform.suspend' : 'platform.resume')}
      okButtonProps={{ danger: suspending, loading: busy, 'data-testid': 'platform-status-confirm' }}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <p className="muted">{t(suspending ? 'platform.suspendHint' : 'platform.resumeHint')}</p>
      <Form form={form} layout="vertical" name="shop-status" initialValues={{ reasonPublic: false }}>
        <Form.Item name="reason" label={t('platform.reason')} rules={[{ required: true, message: t('common.required') }, { min: 2, max: 200 }]}>
          <Input.TextArea rows={3} maxLength={200} showCount data-testid="platform-status-reason" />
        </Form.Item>
        {suspending && (
          <Form.Item name="reasonPublic" valuePropName="checked">
            <Checkbox data-testid="platform-status-public">{t('platform.reasonPublic')}</Checkbox>
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
