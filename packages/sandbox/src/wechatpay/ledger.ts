import { randomUUID } from 'node:crypto';
import type { SandboxStore } from '../store.js';
import { digits, rfc3339Cst } from './crypto.js';
import type { Merchant } from './merchants.js';

/** An error WeChat Pay would answer: `{ code, message, detail? }` with this HTTP status. */
export class WxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
export type RefundStatus = 'PROCESSING' | 'SUCCESS';

export interface Transaction {
  mchId: string;
  appId: string;
  outTradeNo: string;
  description: string;
  notifyUrl: string;
  timeExpire?: string;
  attach?: string;
  total: number;
  currency: string;
  openid: string;
  prepayId: string;
  tradeState: TradeState;
  transactionId?: string;
  successTime?: string;
  /** Prepay parameters WeChat compares when the same out_trade_no is submitted again. */
  fingerprint: string;
  /** Refunds taken against the order, so over-refunding is refused in the same atomic step that records one. */
  refunds: Array<{ outRefundNo: string; amount: number }>;
}

export interface Refund {
  mchId: string;
  refundId: string;
  outRefundNo: string;
  outTradeNo: string;
  transactionId: string;
  reason?: string;
  notifyUrl?: string;
  refund: number;
  total: number;
  currency: string;
  status: RefundStatus;
  createTime: string;
  successTime?: string;
}

export interface PrepayInput {
  appid: string;
  description: string;
  out_trade_no: string;
  time_expire?: string;
  attach?: string;
  notify_url: string;
  amount: { total: number; currency?: string };
  payer: { openid: string };
}

export interface RefundInput {
  /** One of the two names the order; WeChat prefers transaction_id when both are given. */
  out_trade_no?: string;
  transaction_id?: string;
  out_refund_no: string;
  reason?: string;
  notify_url?: string;
  amount: { refund: number; total: number; currency: string };
}

const STATE_DESC: Record<TradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '订单发生过退款',
};

export const TRANSACTION = 'wxpay.transaction';
export const REFUND = 'wxpay.refund';
const BY_PREPAY = 'wxpay.prepay-id';
const BY_TRANSACTION_ID = 'wxpay.transaction-id';

const key = (mchId: string, no: string) => `${mchId}:${no}`;
const paid = (s: TradeState) => s === 'SUCCESS' || s === 'REFUND';

/** Orders and refunds of every merchant, keyed the way WeChat scopes them: per mchid. */
export class Ledger {
  constructor(
    private readonly store: SandboxStore,
    /** How long a refund stays PROCESSING before it settles. */
    private readonly refundDelayMs: number,
  ) {}

  async prepay(merchant: Merchant, input: PrepayInput): Promise<Transaction> {
    if (input.appid !== merchant.appId) throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    const fingerprint = JSON.stringify([input.appid, input.description, input.amount.total, input.amount.currency ?? 'CNY', input.payer.openid, input.time_expire ?? null, input.attach ?? null]);
    const fresh: Transaction = {
      mchId: merchant.mchId,
      appId: input.appid,
      outTradeNo: input.out_trade_no,
      description: input.description,
      notifyUrl: input.notify_url,
      timeExpire: input.time_expire,
      attach: input.attach,
      total: input.amount.total,
      currency: input.amount.currency ?? 'CNY',
      openid: input.payer.openid,
      prepayId: `wx${Date.now().toString().slice(0, 12)}${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      tradeState: 'NOTPAY',
      fingerprint,
      refunds: [],
    };
    const tx = (await this.store.update<Transaction>(TRANSACTION, key(merchant.mchId, input.out_trade_no), (existing) => {
      if (!existing) return { value: fresh, ref: merchant.mchId };
      if (paid(existing.tradeState)) throw new WxError(400, 'ORDERPAID', '该订单已支付');
      if (existing.tradeState === 'CLOSED') throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
      if (existing.fingerprint !== fingerprint) throw new WxError(400, 'INVALID_REQUEST', '201 商户订单号重复');
      // WeChat hands back the same prepay session for an identical retry, so merchants may retry safely.
      return undefined;
    }))!;
    // Written on every call, so a crash between the two writes heals on the merchant's retry.
    await this.store.put(BY_PREPAY, tx.prepayId, { key: key(tx.mchId, tx.outTradeNo) });
    return tx;
  }

  async get(mchId: string, outTradeNo: string): Promise<Transaction> {
    const tx = await this.store.get<Transaction>(TRANSACTION, key(mchId, outTradeNo));
    if (!tx) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return tx;
  }

  /** Only paid orders have a transaction_id, as at WeChat. */
  async getByTransactionId(mchId: string, transactionId: string): Promise<Transaction> {
    const ref = await this.store.get<{ mchId: string; outTradeNo: string }>(BY_TRANSACTION_ID, transactionId);
    if (!ref || ref.mchId !== mchId) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return this.get(ref.mchId, ref.outTradeNo);
  }

  async byPrepayId(prepayId: string): Promise<Transaction> {
    const ref = await this.store.get<{ key: string }>(BY_PREPAY, prepayId);
    const tx = ref && (await this.store.get<Transaction>(TRANSACTION, ref.key));
    if (!tx) throw new WxError(404, 'ORDER_NOT_EXIST', '预支付交易会话不存在');
    return tx;
  }

  isExpired(tx: Transaction, now = Date.now()): boolean {
    return !!tx.timeExpire && Date.parse(tx.timeExpire) <= now;
  }

  /** `changed` is true only on the transition to SUCCESS, however many taps race for it. */
  async pay(tx: Transaction): Promise<{ tx: Transaction; changed: boolean }> {
    let changed = false;
    const transactionId = `4200${digits(24)}`;
    const after = (await this.store.update<Transaction>(TRANSACTION, key(tx.mchId, tx.outTradeNo), (cur) => {
      if (!cur) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      changed = false;
      if (paid(cur.tradeState)) return undefined;
      if (cur.tradeState === 'CLOSED') throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
      if (this.isExpired(cur)) throw new WxError(400, 'ORDER_CLOSED', '订单已过支付期限');
      changed = true;
      return { value: { ...cur, tradeState: 'SUCCESS', transactionId, successTime: rfc3339Cst() } };
    }))!;
    await this.store.put(BY_TRANSACTION_ID, after.transactionId!, { mchId: after.mchId, outTradeNo: after.outTradeNo });
    return { tx: after, changed };
  }

  async close(tx: Transaction): Promise<void> {
    await this.store.update<Transaction>(TRANSACTION, key(tx.mchId, tx.outTradeNo), (cur) => {
      if (!cur) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (paid(cur.tradeState)) throw new WxError(400, 'ORDERPAID', '订单已支付');
      return { value: { ...cur, tradeState: 'CLOSED' } };
    });
  }

  /** Returns the refund and whether it was newly created (an existing out_refund_no is answered as-is). */
  async refund(merchant: Merchant, input: RefundInput): Promise<{ refund: Refund; created: boolean; settlesAt: Date }> {
    const refundKey = key(merchant.mchId, input.out_refund_no);
    const existing = await this.store.get<Refund>(REFUND, refundKey);
    if (existing) return { refund: existing, created: false, settlesAt: new Date() };
    const found = input.transaction_id
      ? await this.getByTransactionId(merchant.mchId, input.transaction_id).catch(() => null)
      : await this.store.get<Transaction>(TRANSACTION, key(merchant.mchId, input.out_trade_no!));
    if (!found) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    // The order's refund list and the refund record are two writes; the list is the gate (atomic per order),
    // and a retry after a crash between them finds its out_refund_no on the list and writes the record.
    const tx = (await this.store.update<Transaction>(TRANSACTION, key(found.mchId, found.outTradeNo), (cur) => {
      if (!cur) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      if (!paid(cur.tradeState)) throw new WxError(400, 'INVALID_REQUEST', '订单未支付,不能退款');
      if (input.amount.total !== cur.total) throw new WxError(400, 'INVALID_REQUEST', '订单金额与原订单金额不一致', { field: 'amount.total' });
      if (input.amount.currency !== cur.currency) throw new WxError(400, 'PARAM_ERROR', '退款币种与订单币种不一致', { field: 'amount.currency' });
      if (cur.refunds.some((r) => r.outRefundNo === input.out_refund_no)) return undefined;
      const refunded = cur.refunds.reduce((s, r) => s + r.amount, 0);
      if (refunded + input.amount.refund > cur.total) {
        // WeChat reserves NOT_ENOUGH for the merchant's own balance; over-refunding the order is a business-rule error.
        throw new WxError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额', { field: 'amount.refund', refundable: cur.total - refunded });
      }
      return { value: { ...cur, refunds: [...cur.refunds, { outRefundNo: input.out_refund_no, amount: input.amount.refund }] } };
    }))!;
    const now = new Date();
    const settlesAt = new Date(now.getTime() + this.refundDelayMs);
    const fresh: Refund = {
      mchId: merchant.mchId,
      refundId: `5030${digits(25)}`,
      outRefundNo: input.out_refund_no,
      outTradeNo: tx.outTradeNo,
      transactionId: tx.transactionId!,
      reason: input.reason,
      notifyUrl: input.notify_url,
      refund: input.amount.refund,
      total: tx.total,
      currency: tx.currency,
      status: 'PROCESSING',
      createTime: rfc3339Cst(now),
    };
    let created = false;
    const refund = (await this.store.update<Refund>(REFUND, refundKey, (cur) => {
      created = !cur;
      // Refunds settle asynchronously at WeChat; merchants must cope with PROCESSING and the later notification.
      return cur ? undefined : { value: fresh, ref: merchant.mchId, dueAt: settlesAt };
    }))!;
    return { refund, created, settlesAt };
  }

  /** The refund settles: SUCCESS, and the order shows REFUND. Idempotent. */
  async settleRefund(refundKey: string): Promise<Refund | undefined> {
    const refund = await this.store.update<Refund>(REFUND, refundKey, (cur) =>
      cur && cur.status === 'PROCESSING' ? { value: { ...cur, status: 'SUCCESS', successTime: rfc3339Cst() } } : undefined,
    );
    if (!refund) return undefined;
    await this.store.update<Transaction>(TRANSACTION, key(refund.mchId, refund.outTradeNo), (cur) =>
      cur && cur.tradeState === 'SUCCESS' ? { value: { ...cur, tradeState: 'REFUND' } } : undefined,
    );
    return refund;
  }

  async refundSettled(refundKey: string): Promise<void> {
    await this.store.update<Refund>(REFUND, refundKey, (cur) => (cur ? { value: cur, dueAt: null } : undefined));
  }

  async getRefund(mchId: string, outRefundNo: string): Promise<Refund> {
    const r = await this.store.get<Refund>(REFUND, key(mchId, outRefundNo));
    if (!r) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return r;
  }

  recentTransactions(limit = 20): Promise<Transaction[]> {
    return this.store.list<Transaction>(TRANSACTION, { limit });
  }
}

/** The transaction object of the query API and of TRANSACTION.SUCCESS notifications. */
export function transactionView(tx: Transaction) {
  const isPaid = paid(tx.tradeState);
  return {
    appid: tx.appId,
    mchid: tx.mchId,
    out_trade_no: tx.outTradeNo,
    ...(isPaid ? { transaction_id: tx.transactionId, trade_type: 'JSAPI', bank_type: 'OTHERS', success_time: tx.successTime } : {}),
    trade_state: tx.tradeState,
    trade_state_desc: STATE_DESC[tx.tradeState],
    attach: tx.attach ?? '',
    payer: { openid: tx.openid },
    amount: isPaid
      ? { total: tx.total, payer_total: tx.total, currency: tx.currency, payer_currency: tx.currency }
      : { total: tx.total, currency: tx.currency, payer_currency: tx.currency },
  };
}

export function refundView(r: Refund) {
  return {
    refund_id: r.refundId,
    out_refund_no: r.outRefundNo,
    transaction_id: r.transactionId,
    out_trade_no: r.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.successTime ? { success_time: r.successTime } : {}),
    create_time: r.createTime,
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.total,
      refund: r.refund,
      from: [],
      payer_total: r.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: r.total,
      discount_refund: 0,
      currency: r.currency,
    },
    promotion_detail: [],
  };
}

/** The decrypted resource of a REFUND.SUCCESS notification (a flatter shape than the query API). */
export function refundNotificationView(r: Refund) {
  return {
    mchid: r.mchId,
    out_trade_no: r.outTradeNo,
    transaction_id: r.transactionId,
    out_refund_no: r.outRefundNo,
    refund_id: r.refundId,
    refund_status: r.status,
    success_time: r.successTime,
    user_received_account: '支付用户零钱',
    amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund },
  };
}
