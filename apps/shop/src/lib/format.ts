import type { RefundStatus } from './types';

/** Integer fen → "12.34" (no sign; the ¥ is rendered smaller next to it). */
export function yuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Integer fen → "¥12.34". */
export function money(fen: number): string {
  return fen < 0 ? `-¥${yuan(-fen)}` : `¥${yuan(fen)}`;
}

export const REFUND_STATUS_TEXT: Record<RefundStatus, string> = {
  requested: '等待商家处理',
  awaiting_return: '商家已同意,请寄回商品',
  returned: '商品已寄回,等待商家收货',
  processing: '退款处理中',
  refunded: '退款成功',
  rejected: '商家已拒绝',
  cancelled: '已撤销',
};

/** A request's state in a few words, for an order card. */
export const REFUND_STATUS_SHORT: Record<RefundStatus, string> = {
  requested: '待商家处理',
  awaiting_return: '待寄回商品',
  returned: '待商家收货',
  processing: '退款中',
  refunded: '退款成功',
  rejected: '商家已拒绝',
  cancelled: '已撤销',
};

export const REFUND_TYPE_TEXT = { refund_only: '仅退款', return_refund: '退货退款' } as const;

const pad = (n: number) => String(n).padStart(2, '0');
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "138****8000" for showing a phone number on screen. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone;
}

export function fullAddress(a: { province: string; city: string; district: string; detail: string }): string {
  return [a.province, a.city === a.province ? '' : a.city, a.district, a.detail].filter(Boolean).join(' ');
}

/** What an order history action reads as on the timeline. */
export const HISTORY_TEXT: Record<string, string> = {
  create: '提交订单',
  pay: '支付成功',
  cancel: '订单已取消',
  ship: '商家已发货',
  complete: '确认收货',
  verify_pickup: '到店自提已核销',
  request_refund: '申请售后',
  refund_full: '全额退款',
  refund_closed: '售后结束',
  refund_started: '商家发起退款',
  refund_approved: '商家同意售后',
  return_shipped: '买家已寄回商品',
  return_received: '商家已收到退货',
  refund_abnormal: '退款异常',
  refunded: '退款成功',
};
