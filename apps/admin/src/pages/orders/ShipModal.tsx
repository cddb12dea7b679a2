import { useEffect, useState } from 'react';
import { Form, Input, Modal, Select } from 'antd';
import { ShipBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Order } from '../../lib/types';

/** 发货: carrier from the server's list and a tracking number, validated with the API's ShipBody. */
export default function ShipModal({ order, onClose, onShipped }: { order: Pick<Order, 'id' | 'orderNo'> | null; onClose: () => void; onShipped: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ carrier?: string; trackingNo?: string }>();
  const [saving, setSaving] = useState(false);
  const carriers = useApi<{ items: { code: string; name: string }[] }>(order ? '/carriers' : null);

  useEffect(() => {
    if (order) form.resetFields();
  }, [order, form]);

  const submit = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue();
    const body = validateBody(form, ShipBody, { carrier: v.carrier ?? '', trackingNo: v.trackingNo ?? '' });
    if (!body || !order) return;
    setSaving(true);
    try {
      await api.post(`/orders/${order.id}/ship`, body);
      feedback.message.success(t('order.shipped'));
      onShipped();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={!!order}
      title={`${t('order.ship')} · ${order?.orderNo ?? ''}`}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('order.ship')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'ship-submit' } as never}
      forceRender
    >
      <Form form={form} layout="vertical" name="ship">
        <Form.Item name="carrier" label={t('order.carrier')} required rules={[zodRule(ShipBody.shape.carrier, asText)]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={carriers.loading}
            options={(carriers.data?.items ?? []).map((c) => ({ value: c.code, label: c.name }))}
            data-testid="ship-carrier"
          />
        </Form.Item>
        <Form.Item name="trackingNo" label={t('order.trackingNo')} required rules={[zodRule(ShipBody.shape.trackingNo, asText)]}>
          <Input maxLength={32} data-testid="ship-tracking-no" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
