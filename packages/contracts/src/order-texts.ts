import { formatFen } from './common.js';

/**
 * Texts the server makes about orders (timeline notes, refund and cancel reasons, where a line's savings
 * came from), kept as stable codes with parameters and rendered here in Chinese or English. The server
 * stores the code and parameters beside a Chinese rendering (for exports and older clients); the console
 * and the storefront render the code in the reader's language. Entries written before codes existed
 * have only their Chinese text, which stays as it was.
 */
export type TextLang = 'zh' | 'en';
type Labels<K extends string> = Record<K, { zh: string; en: string }>;

export const REFUND_REASON_CODES = ['unwanted', 'not_as_described', 'quality', 'missing_items', 'damaged', 'wrong_item', 'other'] as const;
export type RefundReasonCode = (typeof REFUND_REASON_CODES)[number];
/** The reasons a customer picks from when asking for after-sales (售后原因). */
export const REFUND_REASON_LABELS: Labels<RefundReasonCode> = {
  unwanted: { zh: '不想要了', en: 'No longer wanted' },
  not_as_described: { zh: '商品与描述不符', en: 'Not as described' },
  quality: { zh: '质量问题', en: 'Quality problem' },
  missing_items: { zh: '少件/漏发', en: 'Items missing' },
  damaged: { zh: '商品破损', en: 'Arrived damaged' },
  wrong_item: { zh: '发错货', en: 'Wrong item sent' },
  other: { zh: '其他', en: 'Other' },
};

export const CANCEL_REASON_CODES = ['unwanted', 'wrong_info', 'duplicate', 'other'] as const;
export type CancelReasonCode = (typeof CANCEL_REASON_CODES)[number];
/** The reasons a customer picks from when cancelling an unpaid order. */
export const CANCEL_REASON_LABELS: Labels<CancelReasonCode> = {
  unwanted: { zh: '不想要了', en: 'No longer wanted' },
  wrong_info: { zh: '信息填写错误', en: 'Wrong details entered' },
  duplicate: { zh: '重复下单', en: 'Ordered twice' },
  other: { zh: '其他原因', en: 'Other reason' },
};

export const REFUND_TYPE_LABELS: Labels<'refund_only' | 'return_refund'> = {
  refund_only: { zh: '仅退款', en: 'Refund only' },
  return_refund: { zh: '退货退款', en: 'Return and refund' },
};

/** Carriers' English names; the server's carrier list has the Chinese ones. */
export const CARRIER_NAMES_EN: Record<string, string> = {
  SF: 'SF Express',
  ZTO: 'ZTO Express',
  YTO: 'YTO Express',
  STO: 'STO Express',
  YD: 'Yunda Express',
  JD: 'JD Logistics',
  EMS: 'China Post EMS',
  JT: 'J&T Express',
  DBL: 'Deppon Express',
};

const pick = <K extends string>(labels: Labels<K>, code: unknown, lang: TextLang): string | null =>
  typeof code === 'string' && code in labels ? labels[code as K][lang] : null;

/** A reason with an optional code: the code's label, then the customer's own words (free text stays as typed). */
function codedReason(labels: Labels<string>, code: unknown, text: unknown, lang: TextLang): string {
  const label = pick(labels, code, lang);
  const words = typeof text === 'string' ? text.trim() : '';
  if (!label) return words;
  return words ? `${label}${lang === 'zh' ? ':' : ': '}${words}` : label;
}

export function refundReasonText(r: { reasonCode?: string | null; reason?: string | null }, lang: TextLang): string {
  return codedReason(REFUND_REASON_LABELS, r.reasonCode, r.reason, lang);
}

export function cancelReasonText(r: { reasonCode?: string | null; reason?: string | null }, lang: TextLang): string {
  return codedReason(CANCEL_REASON_LABELS, r.reasonCode, r.reason, lang);
}

export const ORDER_NOTE_CODES = [
  'paid',
  'cancelled',
  'cancelled_timeout',
  'shipped',
  'pickup_verified',
  'refund_requested',
  'refund_started',
  'refund_approved',
  'refund_rejected',
  'refund_withdrawn',
  'return_shipped',
  'return_received',
  'refund_failed',
  'refunded_full',
  'refunded_partial',
  'refunded_after_cancel',
] as const;
export type OrderNoteCode = (typeof ORDER_NOTE_CODES)[number];

/** What a timeline entry says, as stored: a code and its parameters (money in fen, carriers by code). */
export interface OrderNote {
  code: OrderNoteCode;
  params?: Record<string, unknown>;
}

const fen = (v: unknown) => formatFen(typeof v === 'number' ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const carrier = (p: Record<string, unknown>, lang: TextLang) => (lang === 'en' ? (CARRIER_NAMES_EN[str(p.carrier)] ?? str(p.carrierName)) : str(p.carrierName) || str(p.carrier));

/** How the money goes (or went) back: "微信支付 ¥8.00,余额 ¥2.00"; empty when it is all one way and the caller says the total. */
function split(p: Record<string, unknown>, lang: TextLang): string {
  const balance = typeof p.balanceFen === 'number' ? p.balanceFen : 0;
  const total = typeof p.amountFen === 'number' ? p.amountFen : 0;
  if (balance <= 0) return '';
  const parts = lang === 'zh' ? [total - balance > 0 ? `微信支付 ${fen(total - balance)}` : '', `余额 ${fen(balance)}`] : [total - balance > 0 ? `WeChat Pay ${fen(total - balance)}` : '', `balance ${fen(balance)}`];
  const text = parts.filter(Boolean).join(lang === 'zh' ? ',' : ', ');
  return lang === 'zh' ? `(${text})` : ` (${text})`;
}

/** One timeline note in the reader's language. */
export function orderNoteText(note: OrderNote, lang: TextLang): string {
  const p = note.params ?? {};
  const zh = lang === 'zh';
  switch (note.code) {
    case 'paid': {
      const balance = typeof p.balanceFen === 'number' ? p.balanceFen : 0;
      const cash = typeof p.cashFen === 'number' ? p.cashFen : 0;
      if (balance + cash === 0) return zh ? '实付 ¥0.00,无需支付' : 'Nothing to pay';
      const parts = zh ? [balance > 0 ? `余额支付 ${fen(balance)}` : '', cash > 0 ? `微信支付 ${fen(cash)}` : ''] : [balance > 0 ? `Balance ${fen(balance)}` : '', cash > 0 ? `WeChat Pay ${fen(cash)}` : ''];
      return parts.filter(Boolean).join(zh ? ',' : ', ');
    }
    case 'cancelled': {
      const reason = cancelReasonText({ reasonCode: str(p.reasonCode) || null, reason: str(p.reason) }, lang);
      if (reason) return reason;
      if (p.by === 'staff') return zh ? '商家取消' : 'Cancelled by the merchant';
      return zh ? '买家取消' : 'Cancelled by the buyer';
    }
    case 'cancelled_timeout':
      return zh ? '超时未支付,系统自动取消' : 'Not paid in time, cancelled automatically';
    case 'shipped':
      return `${carrier(p, lang)} ${str(p.trackingNo)}`;
    case 'pickup_verified':
      return zh ? '到店自提核销' : 'Pickup code verified in store';
    case 'refund_requested': {
      const type = pick(REFUND_TYPE_LABELS, p.type, lang) ?? '';
      const reason = refundReasonText({ reasonCode: str(p.reasonCode) || null, reason: str(p.reason) }, lang);
      return zh ? `${type} ${fen(p.amountFen)}:${reason}` : `${type} ${fen(p.amountFen)}: ${reason}`;
    }
    case 'refund_started':
      return zh ? `退款 ${fen(p.amountFen)}:${str(p.reason)}` : `Refund ${fen(p.amountFen)}: ${str(p.reason)}`;
    case 'refund_approved':
      return p.type === 'return_refund' ? (zh ? '同意退货,等待买家寄回' : 'Return approved, waiting for the goods') : zh ? '同意退款' : 'Refund approved';
    case 'refund_rejected':
      return zh ? `拒绝售后:${str(p.reason)}` : `Rejected: ${str(p.reason)}`;
    case 'refund_withdrawn':
      return zh ? '买家撤销售后' : 'The buyer withdrew the request';
    case 'return_shipped':
      return zh ? `退货单号 ${carrier(p, lang)} ${str(p.trackingNo)}` : `Return shipment ${carrier(p, lang)} ${str(p.trackingNo)}`;
    case 'return_received':
      return zh ? '已收到退货,开始退款' : 'Return received, refunding';
    case 'refund_failed':
      return zh ? `微信退款异常:${str(p.status)}` : `WeChat Pay refund problem: ${str(p.status)}`;
    case 'refunded_full':
      return zh ? `全额退款 ${fen(p.amountFen)}${split(p, lang)}` : `Full refund ${fen(p.amountFen)}${split(p, lang)}`;
    case 'refunded_partial':
      return zh ? `部分退款 ${fen(p.amountFen)}${split(p, lang)}` : `Partial refund ${fen(p.amountFen)}${split(p, lang)}`;
    case 'refunded_after_cancel':
      return zh ? `已退回 ${fen(p.amountFen)}` : `Returned ${fen(p.amountFen)}`;
  }
}

/** A timeline entry's note: rendered from its code, or the stored text of an entry written before codes. */
export function historyNoteText(h: { code?: string | null; params?: Record<string, unknown> | null; note?: string | null }, lang: TextLang): string {
  if (h.code && (ORDER_NOTE_CODES as readonly string[]).includes(h.code)) return orderNoteText({ code: h.code as OrderNoteCode, params: h.params ?? {} }, lang);
  return h.note ?? '';
}

/** Where a line's savings came from (the pricing step's code). */
export const SAVING_LABELS: Labels<'limited_discount' | 'presale_deposit' | 'member_price' | 'bundle' | 'full_reduction' | 'coupon' | 'points' | 'points_mall' | 'gift'> = {
  limited_discount: { zh: '限时折扣', en: 'Limited-time price' },
  presale_deposit: { zh: '定金抵扣', en: 'Deposit' },
  member_price: { zh: '会员价', en: 'Member price' },
  bundle: { zh: '组合套餐', en: 'Bundle' },
  full_reduction: { zh: '满减', en: 'Spend-and-save' },
  coupon: { zh: '优惠券', en: 'Coupon' },
  points: { zh: '积分抵扣', en: 'Points' },
  points_mall: { zh: '积分兑换', en: 'Points redemption' },
  gift: { zh: '赠品', en: 'Free gift' },
};
/** Savings made on the whole order and shared out over its lines, as opposed to a line's own price cut. */
const SHARED = new Set(['bundle', 'full_reduction', 'coupon', 'points']);

export interface LineSaving {
  code: string;
  amountFen: number;
}

/** "含优惠券分摊 −¥10.77、积分抵扣分摊 −¥2.00": what took a line from its price to what it paid. */
export function lineSavingsText(savings: LineSaving[], lang: TextLang): string {
  const parts = savings
    .filter((s) => s.amountFen > 0)
    .map((s) => {
      const name = pick(SAVING_LABELS, s.code, lang) ?? (lang === 'zh' ? '优惠' : 'Discount');
      const shared = SHARED.has(s.code);
      return lang === 'zh' ? `${name}${shared ? '分摊' : ''} −${formatFen(s.amountFen)}` : `${name.toLowerCase()}${shared ? ' share' : ''} −${formatFen(s.amountFen)}`;
    });
  if (!parts.length) return '';
  return lang === 'zh' ? `含${parts.join('、')}` : `incl. ${parts.join(', ')}`;
}
