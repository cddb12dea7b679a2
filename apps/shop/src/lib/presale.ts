import { api, uuid } from './api';
import { openPayment, type PayOutcome } from './pay';
import { shopSlug, storefrontUrl } from './shop';
import type { PayStart } from './types';

/** 定金预售 on the storefront: shapes, paying a deposit and the texts of its phases and statuses. */

export type PresalePhase = 'upcoming' | 'deposit' | 'waiting' | 'balance' | 'ended';
export type PresaleOrderStatus = 'pending_deposit' | 'deposit_paid' | 'balance_ordered' | 'completed' | 'closed' | 'forfeited' | 'refunding' | 'refunded';

export interface PresaleItem {
  skuId: string;
  depositFen: number;
  deductFen: number;
  /** "定金¥50抵¥100". */
  label: string;
}

export interface Presale {
  id: string;
  name: string;
  productId: string;
  phase: PresalePhase;
  depositStartsAt: string;
  depositEndsAt: string;
  balanceStartsAt: string;
  balanceEndsAt: string;
  depositRefundable: boolean;
  perCustomerLimit: number;
  items: PresaleItem[];
}

export interface PresaleOrder {
  id: string;
  status: PresaleOrderStatus;
  skuId: string;
  quantity: number;
  depositFen: number;
  deductFen: number;
  label: string;
  balanceOrderId: string | null;
  /** Whether the units are still set aside; false on a paid deposit means it was given up (refund on its way). */
  unitsHeld?: boolean;
  payExpiresAt?: string;
  depositPaidAt?: string | null;
  createdAt?: string;
  activity?: { id: string; name: string; productId: string; balanceStartsAt: string; balanceEndsAt: string; depositRefundable: boolean; phase: PresalePhase };
  canPayBalance?: boolean;
}

export const PRESALE_STATUS_TEXT: Record<PresaleOrderStatus, string> = {
  pending_deposit: '待付定金',
  deposit_paid: '已付定金',
  balance_ordered: '尾款待支付',
  completed: '已完成',
  closed: '已关闭',
  forfeited: '定金不退',
  refunding: '定金退款中',
  refunded: '定金已退',
};

const pad = (n: number) => String(n).padStart(2, '0');
/** "5月20日 20:00". */
export function monthDay(iso: string, withTime = true): string {
  const d = new Date(iso);
  return `${d.getMonth() + 1}月${d.getDate()}日${withTime ? ` ${pad(d.getHours())}:${pad(d.getMinutes())}` : ''}`;
}

/** The boundary the product page counts down to, and what it says. */
export function nextBoundary(p: Presale): { to: string; text: string } | null {
  switch (p.phase) {
    case 'upcoming':
      return { to: p.depositStartsAt, text: '距开始付定金' };
    case 'deposit':
      return { to: p.depositEndsAt, text: '距定金结束' };
    case 'waiting':
      return { to: p.balanceStartsAt, text: '距开始付尾款' };
    case 'balance':
      return { to: p.balanceEndsAt, text: '距尾款结束' };
    default:
      return null;
  }
}

const pendingKey = `siyu:shop:${shopSlug}:pending-deposit`;
export interface PendingDeposit {
  id: string;
  key: string;
  activityId: string;
  body: { skuId: string; quantity: number };
}

export const pendingDeposit = {
  get(): PendingDeposit | null {
    try {
      return JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null') as PendingDeposit | null;
    } catch {
      return null;
    }
  },
  set(p: PendingDeposit) {
    try {
      sessionStorage.setItem(pendingKey, JSON.stringify(p));
    } catch {
      /* the result page then finds the deposit by the id in its address */
    }
  },
};

export const DEPOSIT_RESULT_PATH = '/me/presales/result';

/**
 * Pays (or, with the same key, resumes paying) a deposit and opens WeChat Pay. The cashier returns to the
 * result page with ?id=…; sessionStorage keeps the key so 重新支付 resumes the same deposit.
 */
export async function payDeposit(activityId: string, body: { skuId: string; quantity: number }, key = uuid()): Promise<{ id: string; outcome: PayOutcome | null }> {
  const returnUrl = `${storefrontUrl(DEPOSIT_RESULT_PATH)}?id={id}`;
  const res = await api<{ presaleOrder: PresaleOrder; payment: Pick<PayStart, 'payParams' | 'cashierUrl'> | null }>('POST', `/presales/${activityId}/deposits`, {
    body: { ...body, returnUrl },
    headers: { 'Idempotency-Key': key },
  });
  const id = res.presaleOrder.id;
  pendingDeposit.set({ id, key, activityId, body });
  if (!res.payment) return { id, outcome: null };
  return { id, outcome: await openPayment(res.payment) };
}

export function depositResultPath(r: { id: string; outcome: PayOutcome | null }): string | null {
  if (r.outcome?.kind === 'redirecting') return null;
  return `${DEPOSIT_RESULT_PATH}?id=${encodeURIComponent(r.id)}${r.outcome?.kind === 'returned' ? `&result=${r.outcome.result}` : ''}`;
}

/** Chinese for the pre-sale refusals the storefront can meet. */
export function presaleErrorText(code: string, fallback: string): string {
  const texts: Record<string, string> = {
    PRESALE_NOT_IN_DEPOSIT: '当前不在付定金时间内',
    PRESALE_LIMIT_REACHED: '已达到每人限购数量',
    STOCK_INSUFFICIENT: '库存不足,已被抢光',
    PRESALE_STATE_INVALID: '该预售订单当前不能进行此操作',
    PRESALE_DEPOSIT_NOT_REFUNDABLE: '该预售定金不支持退还',
    PRESALE_BALANCE_NOT_OPEN: '尾款支付尚未开始',
    PRESALE_BALANCE_CLOSED: '尾款支付已结束',
    PRESALE_ITEMS_MISMATCH: '尾款订单的商品须与定金一致',
  };
  return texts[code] ?? fallback;
}
