import { api, uuid } from './api';
import { openPayment, type PayOutcome } from './pay';
import { shopSlug, storefrontUrl } from './shop';
import type { PayStart } from './types';

/** 会员储值 and 付费会员卡 on the storefront: shapes, and paying for a top-up or a card. */

export interface Account {
  principalFen: number;
  bonusFen: number;
  balanceFen: number;
  toppedUpFen?: number;
  spentFen?: number;
}

export interface TopupPlan {
  id: string;
  name: string;
  amountFen: number;
  bonusFen: number;
  /** "充100.00送20.00". */
  label: string;
}

export interface StoredValueOffer {
  enabled: boolean;
  customAmount: { minFen: number; maxFen: number } | null;
  terms: string;
  plans: TopupPlan[];
  account: Account | null;
}

export interface BalancePosting {
  id: number;
  kind: 'topup' | 'spend' | 'refund' | 'cancel' | 'adjust';
  kindLabel: string;
  orderId: string | null;
  principalDeltaFen: number;
  bonusDeltaFen: number;
  deltaFen: number;
  balanceAfterFen: number;
  note: string | null;
  createdAt: string;
}

export type PayStatus = 'pending' | 'paid' | 'closed';

export interface Topup {
  id: string;
  topupNo: string;
  amountFen: number;
  bonusFen: number;
  status: PayStatus;
  createdAt: string;
  paidAt: string | null;
}

export type CardPeriodKind = 'month' | 'quarter' | 'year' | 'days';

export interface CardPlan {
  id: string;
  name: string;
  periodKind: CardPeriodKind;
  days: number;
  priceFen: number;
  percentPaid: number | null;
  freeShipping: boolean;
  monthlyCouponTemplateId: string | null;
  description: string;
}

export interface MyCard {
  planId: string;
  name: string;
  startsAt: string;
  expiresAt: string;
  active: boolean;
  daysLeft: number;
}

export interface CardPurchase {
  id: string;
  status: PayStatus;
  priceFen: number;
  days: number;
  planId: string;
}

type Payment = Pick<PayStart, 'payParams' | 'cashierUrl'> | null;

/** What was last sent to the cashier, so the page it returns to knows which top-up or card purchase to check. */
export interface Pending {
  id: string;
  /** The Idempotency-Key: paying again with it resumes the same top-up rather than starting a second one. */
  key: string;
  body: Record<string, unknown>;
}

const pendingKey = (what: 'topup' | 'card') => `siyu:shop:${shopSlug}:pending-${what}`;

export const pending = {
  get(what: 'topup' | 'card'): Pending | null {
    try {
      return JSON.parse(sessionStorage.getItem(pendingKey(what)) ?? 'null') as Pending | null;
    } catch {
      return null;
    }
  },
  set(what: 'topup' | 'card', p: Pending) {
    try {
      sessionStorage.setItem(pendingKey(what), JSON.stringify(p));
    } catch {
      /* without storage the result page falls back to the newest top-up */
    }
  },
};

export const TOPUP_RESULT_PATH = '/me/balance/top-up/result';
export const CARD_RESULT_PATH = '/me/card/result';

/**
 * Starts (or, with the same key, resumes) paying for a top-up or a card and opens WeChat Pay. The cashier
 * comes back to the result path with ?id=…&result=… (the server fills in the id); sessionStorage keeps the
 * request too, so a retry after a lost answer resumes the same top-up.
 */
export async function payFor(what: 'topup' | 'card', body: Record<string, unknown>, key = uuid()): Promise<{ id: string; outcome: PayOutcome | null }> {
  const resultPath = what === 'topup' ? TOPUP_RESULT_PATH : CARD_RESULT_PATH;
  // `{id}` is filled in by the server with the new top-up's or purchase's id.
  const returnUrl = `${storefrontUrl(resultPath)}?id={id}`;
  const path = what === 'topup' ? '/me/stored-value/topups' : '/me/member-card/purchases';
  const res = await api<{ topup?: { id: string }; purchase?: { id: string }; payment: Payment }>('POST', path, { body: { ...body, returnUrl }, headers: { 'Idempotency-Key': key } });
  const id = (res.topup ?? res.purchase)!.id;
  pending.set(what, { id, key, body });
  // Already paid or closed (a retry after the money went through): straight to the result.
  if (!res.payment) return { id, outcome: null };
  return { id, outcome: await openPayment(res.payment) };
}

/** Where to go after payFor: nowhere while the browser is on its way to the cashier. */
export function resultPathOf(what: 'topup' | 'card', r: { id: string; outcome: PayOutcome | null }): string | null {
  if (r.outcome?.kind === 'redirecting') return null;
  const base = what === 'topup' ? TOPUP_RESULT_PATH : CARD_RESULT_PATH;
  return `${base}?id=${encodeURIComponent(r.id)}${r.outcome?.kind === 'returned' ? `&result=${r.outcome.result}` : ''}`;
}

export const PERIOD_TEXT: Record<CardPeriodKind, string> = { month: '月卡', quarter: '季卡', year: '年卡', days: '' };

/** "月卡 · 30天" / "45天". */
export function periodText(p: { periodKind: CardPeriodKind; days: number }): string {
  return p.periodKind === 'days' ? `${p.days}天` : `${PERIOD_TEXT[p.periodKind]} · ${p.days}天`;
}

/** "9.5折" from 95. */
export const zhe = (percentPaid: number) => `${percentPaid % 10 === 0 ? percentPaid / 10 : (percentPaid / 10).toFixed(1)}折`;

export function cardBenefits(p: Pick<CardPlan, 'percentPaid' | 'freeShipping' | 'monthlyCouponTemplateId'>): string[] {
  return [p.percentPaid ? `购物享${zhe(p.percentPaid)}` : '', p.freeShipping ? '下单包邮' : '', p.monthlyCouponTemplateId ? '每月领无门槛券' : ''].filter(Boolean);
}

export const getTopup = (id: string) => api<Topup & { account: Account }>('GET', `/me/stored-value/topups/${id}`, { query: { sync: true } });
export const getPurchase = (id: string) => api<CardPurchase & { card: MyCard | null }>('GET', `/me/member-card/purchases/${id}`, { query: { sync: true } });
