import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Descriptions, Form, Input, Result, Space, Table } from 'antd';
import { PickupCodeBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { OrderStatusTag } from '../../components/StatusTag';
import type { OrderDetail, OrderItem } from '../../lib/types';

/** 自提核销: look the code up, check the goods, then verify (the order completes). */
export default function PickupVerify() {
  const { t } = useI18n();
  const [form] = Form.useForm<{ code: string }>();
  const [order, setOrder] = useState<OrderDetail | null>(null);
  const [busy, setBusy] = useState<'lookup' | 'verify' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const code = () => {
    const body = validateBody(form, PickupCodeBody, { code: (form.getFieldValue('code') ?? '').trim() });
    return body?.code ?? null;
  };

  const lookup = async () => {
    const c = code();
    if (!c) return;
    setBusy('lookup');
    setError(null);
    setDone(null);
    setOrder(null);
    try {
      setOrder(await api.post<OrderDetail>('/orders/pickup/lookup', { code: c }));
    } catch (err) {
      applyApiError(form, err);
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const verify = async () => {
    const c = code();
    if (!c) return;
    setBusy('verify');
    setError(null);
    try {
      const after = await api.post<{ orderNo: string }>('/orders/pickup/verify', { code: c });
      setDone(after.orderNo);
      setOrder(null);
      form.resetFields();
      feedback.message.success(t('pickup.verified'));
    } catch (err) {
      applyApiError(form, err);
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <Card title={t('pickup.title')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form form={form} layout="inline" name="pickup" onFinish={lookup}>
          <Form.Item name="code" label={t('pickup.code')} rules={[zodRule(PickupCodeBody.shape.code, asText)]}>
            <Input
              size="large"
              maxLength={8}
              inputMode="numeric"
              autoComplete="off"
              placeholder={t('pickup.codePlaceholder')}
              style={{ width: 280, letterSpacing: 2 }}
              onChange={() => {
                setOrder(null);
                setDone(null);
              }}
              data-testid="pickup-code-input"
            />
          </Form.Item>
          <Form.Item>
            <Button size="large" htmlType="submit" loading={busy === 'lookup'} data-testid="pickup-lookup">
              {t('pickup.lookup')}
            </Button>
          </Form.Item>
        </Form>
        <div className="muted" style={{ marginTop: 8 }}>{t('pickup.hint')}</div>
        {error && <Alert type="error" showIcon title={error} style={{ marginTop: 16 }} data-testid="pickup-error" />}
      </Card>

      {done && (
        <Card variant="borderless">
          <Result status="success" title={t('pickup.verified')} subTitle={`${t('order.no')}:${done}`} data-testid="pickup-done" />
        </Card>
      )}

      {order && (
        <Card
          variant="borderless"
          title={
            <Space>
              <Link to={`/orders/${order.id}`}>{order.orderNo}</Link>
              <OrderStatusTag status={order.status} fulfilment={order.fulfilment} />
            </Space>
          }
          extra={
            <Button type="primary" size="large" disabled={order.status !== 'paid'} loading={busy === 'verify'} onClick={verify} data-testid="pickup-verify">
              {t('pickup.verify')}
            </Button>
          }
          data-testid="pickup-result"
        >
          <Descriptions
            size="small"
            column={{ xs: 1, md: 2 }}
            items={[
              { key: 'c', label: t('order.customer'), children: order.customer?.nickname ?? order.customer?.phone ?? '-' },
              { key: 'p', label: t('common.phone'), children: order.customer?.phone ?? '-' },
              { key: 'pp', label: t('order.pickupPoint'), children: order.pickupPoint?.name ?? '-' },
              { key: 'paid', label: t('order.paid'), children: formatFen(order.paidFen) },
              { key: 'time', label: t('order.paidAt'), children: fmtTime(order.paidAt) },
              { key: 'remark', label: t('order.remark'), children: order.remark || '-' },
            ]}
          />
          <Table<OrderItem>
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={order.items}
            style={{ marginTop: 12 }}
            columns={[
              { title: t('order.goods'), dataIndex: 'title' },
              { title: t('product.skuSpec'), dataIndex: 'specText' },
              { title: t('order.quantity'), dataIndex: 'quantity', width: 80 },
            ]}
          />
        </Card>
      )}
    </div>
  );
}
