/** Shapes of WeChat Pay API v3 objects, field names as WeChat documents them. Amounts are integer fen. */

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/** From 商户订单号查询订单 and the decrypted TRANSACTION.SUCCESS resource. */
export interface WechatPayTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  trade_state: TradeState;
  trade_state_desc: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid: string };
  amount?: { total: number; payer_total?: number; currency: string; payer_currency?: string };
}

/** From 申请退款 and 查询单笔退款. */
export interface WechatPayRefund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel: string;
  user_received_account: string;
  success_time?: string;
  create_time: string;
  status: RefundStatus;
  funds_account?: string;
  amount: {
    total: number;
    refund: number;
    payer_total: number;
    payer_refund: number;
    settlement_refund?: number;
    settlement_total?: number;
    discount_refund?: number;
    currency: string;
  };
}

/** The decrypted REFUND.* resource (flatter than the query API). */
export interface WechatPayRefundNotification {
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: RefundStatus;
  success_time?: string;
  user_received_account: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

export type WechatPayEventType = 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED' | (string & {});

export interface WechatPayNotification<R = WechatPayTransaction | WechatPayRefundNotification> {
  /** Same id on every retry of one notification: the idempotency key for processing. */
  id: string;
  eventType: WechatPayEventType;
  createTime: string;
  summary: string;
  /** `transaction` or `refund`. */
  originalType: string;
  resource: R;
}

/** Parameters for `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` / `wx.requestPayment(…)`. */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}
