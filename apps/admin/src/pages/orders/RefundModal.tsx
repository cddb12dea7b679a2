import { useEffect, useMemo, useState } from 'react';
import { Alert, Checkbox, Form, Input, InputNumber, Modal, Table } from 'antd';
import { StaffRefundBody, quoteRefund } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import type { OrderDetail, OrderItem } from '../../lib/types';

interface Values {
  qty: Record<string, number | null>;
  reason?: string;
  restock?: boolean;
}

/** 主动退款 by line: choose lines and quantities (full or partial), a reason, and whether stock comes back. */
export default function RefundModal({ order, open, onClose, onDone }: { order: OrderDetail; open: boolean; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [selected, setSelected] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [linesError, setLinesError] = useState<string | null>(null);
  // One key per opening: a retried submit (double click, timeout) cannot refund twice.
  const [requestKey, setRequestKey] = useState('');
  const refundable = useMemo(() => order.items.filter((i) => i.quantity - i.refundedQty > 0), [order.items]);
  const qty = Form.useWatch('qty', form) as Values['qty'] | undefined;
  // The amount the server will book, worked out with the same function it uses.
  const quote = quoteRefund(
    { ...order, balanceFen: order.balanceFen ?? 0, notShipped: order.status === 'paid' },
    order.items,
    refundable.filter((i) => selected.includes(i.id) && (qty?.[i.id] ?? 0) > 0).map((i) => ({ orderItemId: i.id, quantity: qty?.[i.id] ?? 0 })),
    order.refunds.filter((r) => r.status === 'refunded').reduce((n, r) => n + (r.balanceFen ?? 0), 0),
  );

  useEffect(() => {
    if (!open) return;
    setRequestKey(crypto.randomUUID());
    setSelected(refundable.map((i) => i.id));
    setLinesError(null);
    form.resetFields();
    form.setFieldsValue({ qty: Object.fromEntries(refundable.map((i) => [i.id, i.quantity - i.refundedQty])), reason: '', restock: order.status === 'paid' });
  }, [open, refundable, form, order.status]);

  const submit = async () => {
    setLinesError(null);
    const v = form.getFieldsValue(true) as Values;
    const chosen = refundable.filter((i) => selected.includes(i.id));
    const body = { items: chosen.map((i) => ({ orderItemId: i.id, quantity: v.qty?.[i.id] ?? 0 })), reason: v.reason ?? '', restock: !!v.restock };
    const fieldMap: Record<string, string> = {};
    chosen.forEach((i, k) => {
      fieldMap[`items.${k}.quantity`] = `qty.${i.id}`;
      fieldMap[`items.${k}.orderItemId`] = `qty.${i.id}`;
    });
    if (!chosen.length) {
      setLinesError(t('order.chooseLines'));
      return;
    }
    if (!validateBody(form, StaffRefundBody, body, fieldMap)) return;
    setSaving(true);
    try {
      await api.post(`/orders/${order.id}/refunds`, body, { headers: { 'Idempotency-Key': requestKey } });
      feedback.message.success(t('order.refundCreated'));
      onDone();
    } catch (err) {
      if (!applyApiError(form, err, fieldMap)) showError(err);
      else setLinesError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      width={760}
      title={t('order.refundTitle')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('order.refund')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, 'data-testid': 'refund-submit' } as never}
      forceRender
    >
      <Form form={form} layout="vertical" name="refund">
        {linesError && <Alert type="error" showIcon title={linesError} style={{ marginBottom: 12 }} />}
        <Table<OrderItem>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={refundable}
          rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]), getCheckboxProps: (i) => ({ 'aria-label': i.title }) as never }}
          columns={[
            { title: t('order.goods'), key: 'g', render: (_, i) => <div>{i.title}<div className="muted" style={{ fontSize: 12 }}>{i.specText}</div></div> },
            { title: t('order.paid'), dataIndex: 'payableFen', width: 100, render: (v: number) => formatFen(v) },
            { title: t('order.refundable'), key: 'r', width: 80, render: (_, i) => i.quantity - i.refundedQty },
            {
              title: t('order.refundQty'),
              key: 'q',
              width: 150,
              render: (_, i, idx) => (
                <Form.Item name={['qty', i.id]} style={{ margin: 0 }}>
                  <InputNumber
                    min={1}
                    max={i.quantity - i.refundedQty}
                    precision={0}
                    disabled={!selected.includes(i.id)}
                    aria-label={`${t('order.refundQty')} ${i.title}`}
                    data-testid={`refund-qty-${idx}`}
                  />
                </Form.Item>
              ),
            },
          ]}
        />
        <div style={{ margin: '8px 0 16px' }} data-testid="refund-expected">
          {t('order.expectedRefundExact', { amount: formatFen(quote.amountFen) })}
          {quote.shippingFen > 0 && <span className="muted">{` ${t('order.includesShipping', { amount: formatFen(quote.shippingFen) })}`}</span>}
          {quote.balanceFen > 0 && <span className="muted">{` ${t('refund.balancePart', { amount: formatFen(quote.balanceFen) })}`}</span>}
        </div>
        <Form.Item name="reason" label={t('common.reason')} required>
          <Input.TextArea rows={2} maxLength={200} data-testid="refund-reason" />
        </Form.Item>
        <Form.Item name="restock" valuePropName="checked" style={{ marginBottom: 0 }}>
          <Checkbox data-testid="refund-restock">{t('order.restock')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
