import { randomUUID } from 'node:crypto';
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
  total: number;
  currency: string;
  openid: string;
  prepayId: string;
  tradeState: TradeState;
  transactionId?: string;
  successTime?: string;
  /** Prepay parameters WeChat compares when the same out_trade_no is submitted again. */
  fingerprint: string;
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
  notify_url: string;
  amount: { total: number; currency?: string };
  payer: { openid: string };
}

export interface RefundInput {
  out_trade_no: string;
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

/** Orders and refunds of every merchant, keyed the way WeChat scopes them: per mchid. */
export class Ledger {
  private readonly transactions = new Map<string, Transaction>();
  private readonly byPrepay = new Map<string, Transaction>();
  private readonly refunds = new Map<string, Refund>();

  prepay(merchant: Merchant, input: PrepayInput): Transaction {
    if (input.appid !== merchant.appId) throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    const fingerprint = JSON.stringify([input.appid, input.description, input.amount.total, input.amount.currency ?? 'CNY', input.payer.openid, input.time_expire ?? null]);
    const existing = this.transactions.get(key(merchant.mchId, input.out_trade_no));
    if (existing) {
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') throw new WxError(400, 'ORDERPAID', '该订单已支付');
      if (existing.tradeState === 'CLOSED') throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
      if (existing.fingerprint !== fingerprint) throw new WxError(400, 'INVALID_REQUEST', '201 商户订单号重复');
      // WeChat hands back the same prepay session for an identical retry, so merchants may retry safely.
      return existing;
    }
    const tx: Transaction = {
      mchId: merchant.mchId,
      appId: input.appid,
      outTradeNo: input.out_trade_no,
      description: input.description,
      notifyUrl: input.notify_url,
      timeExpire: input.time_expire,
      total: input.amount.total,
      currency: input.amount.currency ?? 'CNY',
      openid: input.payer.openid,
      prepayId: `wx${Date.now().toString().slice(0, 12)}${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      tradeState: 'NOTPAY',
      fingerprint,
    };
    this.transactions.set(key(merchant.mchId, tx.outTradeNo), tx);
    this.byPrepay.set(tx.prepayId, tx);
    return tx;
  }

  get(mchId: string, outTradeNo: string): Transaction {
    const tx = this.transactions.get(key(mchId, outTradeNo));
    if (!tx) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return tx;
  }

  byPrepayId(prepayId: string): Transaction {
    const tx = this.byPrepay.get(prepayId);
    if (!tx) throw new WxError(404, 'ORDER_NOT_EXIST', '预支付交易会话不存在');
    return tx;
  }

  isExpired(tx: Transaction, now = Date.now()): boolean {
    return !!tx.timeExpire && Date.parse(tx.timeExpire) <= now;
  }

  /** Returns true only on the transition to SUCCESS, so a double-submitted cashier notifies once. */
  pay(tx: Transaction): boolean {
    if (tx.tradeState === 'SUCCESS' || tx.tradeState === 'REFUND') return false;
    if (tx.tradeState === 'CLOSED') throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
    if (this.isExpired(tx)) throw new WxError(400, 'ORDER_CLOSED', '订单已过支付期限');
    tx.tradeState = 'SUCCESS';
    tx.transactionId = `4200${digits(24)}`;
    tx.successTime = rfc3339Cst();
    return true;
  }

  close(tx: Transaction): void {
    if (tx.tradeState === 'SUCCESS' || tx.tradeState === 'REFUND') throw new WxError(400, 'ORDERPAID', '订单已支付');
    tx.tradeState = 'CLOSED';
  }

  /** Returns the refund and whether it was newly created (an existing out_refund_no is answered as-is). */
  refund(merchant: Merchant, input: RefundInput): { refund: Refund; created: boolean } {
    const existing = this.refunds.get(key(merchant.mchId, input.out_refund_no));
    if (existing) return { refund: existing, created: false };
    const tx = this.transactions.get(key(merchant.mchId, input.out_trade_no));
    if (!tx) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (tx.tradeState !== 'SUCCESS' && tx.tradeState !== 'REFUND') throw new WxError(400, 'INVALID_REQUEST', '订单未支付,不能退款');
    if (input.amount.total !== tx.total) throw new WxError(400, 'INVALID_REQUEST', '订单金额与原订单金额不一致', { field: 'amount.total' });
    if (input.amount.currency !== tx.currency) throw new WxError(400, 'PARAM_ERROR', '退款币种与订单币种不一致', { field: 'amount.currency' });
    const refunded = this.refundsOf(merchant.mchId, tx.outTradeNo).reduce((s, r) => s + r.refund, 0);
    if (refunded + input.amount.refund > tx.total) {
      // WeChat reserves NOT_ENOUGH for the merchant's own balance; over-refunding the order is a business-rule error.
      throw new WxError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额', { field: 'amount.refund', refundable: tx.total - refunded });
    }
    const refund: Refund = {
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
      createTime: rfc3339Cst(),
    };
    this.refunds.set(key(merchant.mchId, refund.outRefundNo), refund);
    return { refund, created: true };
  }

  completeRefund(refund: Refund): void {
    refund.status = 'SUCCESS';
    refund.successTime = rfc3339Cst();
    const tx = this.transactions.get(key(refund.mchId, refund.outTradeNo));
    if (tx) tx.tradeState = 'REFUND';
  }

  getRefund(mchId: string, outRefundNo: string): Refund {
    const r = this.refunds.get(key(mchId, outRefundNo));
    if (!r) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return r;
  }

  private refundsOf(mchId: string, outTradeNo: string): Refund[] {
    return [...this.refunds.values()].filter((r) => r.mchId === mchId && r.outTradeNo === outTradeNo);
  }

  recentTransactions(limit = 20): Transaction[] {
    return [...this.transactions.values()].slice(-limit).reverse();
  }
}

function key(mchId: string, no: string) {
  return `${mchId}\u0000${no}`;
}

/** The transaction object of the query API and of TRANSACTION.SUCCESS notifications. */
export function transactionView(tx: Transaction) {
  const paid = tx.tradeState === 'SUCCESS' || tx.tradeState === 'REFUND';
  return {
    appid: tx.appId,
    mchid: tx.mchId,
    out_trade_no: tx.outTradeNo,
    ...(paid ? { transaction_id: tx.transactionId, trade_type: 'JSAPI', bank_type: 'OTHERS', success_time: tx.successTime } : {}),
    trade_state: tx.tradeState,
    trade_state_desc: STATE_DESC[tx.tradeState],
    attach: '',
    payer: { openid: tx.openid },
    amount: paid
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
