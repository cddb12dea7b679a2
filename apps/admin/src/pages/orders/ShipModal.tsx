import { useEffect, useState } from 'react';
import { Descriptions, Form, Input, Modal, Select } from 'antd';
import { ShipBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fullAddress } from '../../lib/format';
import type { Order } from '../../lib/types';

/**
 * 发货: who and where it goes and what goes in the parcel (lines with SKU code and units, less any
 * already refunded), then the carrier from the server's list and a tracking number (the API's ShipBody).
 */
export default function ShipModal({ order, onClose, onShipped }: { order: Pick<Order, 'id' | 'orderNo' | 'address' | 'items' | 'remark'> | null; onClose: () => void; onShipped: () => void }) {
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
      width={640}
      forceRender
    >
      {order && (
        <div data-testid="ship-details">
          {order.address && (
            <Descriptions
              size="small"
              column={1}
              style={{ marginBottom: 12 }}
              items={[
                { key: 'to', label: t('order.receiver'), children: <span data-testid="ship-receiver">{`${order.address.contactName} ${order.address.phone}`}</span> },
                { key: 'addr', label: t('order.address'), children: <span data-testid="ship-address">{fullAddress(order.address)}</span> },
                ...(order.remark ? [{ key: 'remark', label: t('order.remark'), children: order.remark }] : []),
              ]}
            />
          )}
          <div style={{ fontWeight: 500, marginBottom: 4 }}>{t('order.shipLines')}</div>
          <ul className="summary-lines" style={{ marginBottom: 16 }}>
            {order.items.map((i) => {
              const toShip = i.quantity - i.refundedQty;
              return (
                <li key={i.id} data-testid="ship-line" style={toShip === 0 ? { opacity: 0.6 } : undefined}>
                  {i.imageUrl ? <img src={i.imageUrl} alt="" /> : <span className="img-placeholder" />}
                  <div className="grow">
                    <div>{i.title}</div>
                    <div className="muted" style={{ fontSize: 12 }}>
                      {[i.specText, i.skuCode ? `${t('order.skuCode')} ${i.skuCode}` : ''].filter(Boolean).join(' · ')}
                      {i.refundedQty > 0 && ` · ${t('order.refundedNotShipped', { n: i.refundedQty })}`}
                    </div>
                  </div>
                  <strong className="nowrap">× {toShip}</strong>
                </li>
              );
            })}
          </ul>
        </div>
      )}
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
