import { Dialog, Toast } from 'antd-mobile';
import { CANCEL_REASON_CODES, CANCEL_REASON_LABELS, type CancelReasonCode } from '@siyu/contracts';
import { api } from './api';
import { toastError } from './hooks';
import { startPayment } from './pay';
import type { OrderDetail } from './types';


/** 取消订单: asks why, then cancels. Resolves with the updated order, or null if the customer backed out. */
export async function cancelOrder(id: string): Promise<OrderDetail | null> {
  let reason: CancelReasonCode | null = null;
  await new Promise<void>((resolve) => {
    const handler = Dialog.show({
      title: '取消订单',
      content: '订单取消后无法恢复,请选择取消原因',
      closeOnAction: true,
      onClose: resolve,
      actions: [
        ...CANCEL_REASON_CODES.map((r) => ({ key: r, text: CANCEL_REASON_LABELS[r].zh, onClick: () => void (reason = r) })),
        { key: 'back', text: '暂不取消', bold: true },
      ],
    });
    void handler;
  });
  if (!reason) return null;
  try {
    const o = await api<OrderDetail>('POST', `/orders/${id}/cancel`, { body: { reasonCode: reason } });
    Toast.show({ icon: 'success', content: '订单已取消' });
    return o;
  } catch (err) {
    toastError(err);
    return null;
  }
}

/** 确认收货. */
export async function confirmReceipt(id: string): Promise<boolean> {
  const ok = await Dialog.confirm({ title: '确认收货', content: '请确认已收到商品,确认后订单将完成', confirmText: '确认收货', cancelText: '再等等' });
  if (!ok) return false;
  try {
    await api('POST', `/orders/${id}/confirm-receipt`, { body: {} });
    Toast.show({ icon: 'success', content: '已确认收货' });
    return true;
  } catch (err) {
    toastError(err);
    return false;
  }
}

/** 去支付: opens WeChat Pay; returns the outcome when the pay sheet answered in place (inside WeChat). */
export async function payOrder(id: string, go: (path: string) => void) {
  try {
    const outcome = await startPayment(id);
    if (outcome.kind === 'returned') go(`/pay/result/${id}?result=${outcome.result}`);
  } catch (err) {
    toastError(err);
  }
}
