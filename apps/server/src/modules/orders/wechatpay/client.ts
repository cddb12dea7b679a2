import type { KeyObject } from 'node:crypto';
import { AppError } from '../../../platform/errors.js';
import type { WechatPayMerchantConfig } from '../../../platform/tenancy/schema.js';
import { decryptResource } from './crypto.js';
import {
  authorization,
  jsapiPaySign,
  loadPrivateKey,
  loadVerificationKey,
  nonceStr,
  unixSeconds,
  verifyWechatpaySignature,
  wechatpayHeaders,
  type HeaderBag,
} from './signing.js';
import type { JsapiPayParams, WechatPayNotification, WechatPayRefund, WechatPayRefundNotification, WechatPayTransaction } from './types.js';

export * from './types.js';

export interface WechatPayClientOptions extends WechatPayMerchantConfig {
  /** `https://api.mch.weixin.qq.com` in production; the sandbox's `/sandbox/wechatpay` URL otherwise. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per-request timeout; a timed-out write is ambiguous, so callers must query before retrying with new numbers. */
  timeoutMs?: number;
}

export interface JsapiPrepayInput {
  description: string;
  outTradeNo: string;
  amountFen: number;
  payerOpenid: string;
  notifyUrl: string;
  /** When the order stops being payable; sent as RFC 3339 in China Standard Time. */
  timeExpire?: Date;
}

export interface RefundInput {
  outTradeNo: string;
  outRefundNo: string;
  reason?: string;
  refundFen: number;
  totalFen: number;
  notifyUrl?: string;
}

/**
 * Merchant-side WeChat Pay API v3 client for JSAPI payments. Every request is signed with the merchant key,
 * every answer and notification is verified against the configured platform keys before it is believed.
 */
export class WechatPayClient {
  readonly mchId: string;
  readonly appId: string;
  private readonly baseUrl: string;
  private readonly serialNo: string;
  private readonly privateKey: KeyObject;
  private readonly apiV3Key: string;
  private readonly platformKeys: Map<string, KeyObject>;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: WechatPayClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.mchId = opts.mchId;
    this.appId = opts.appId;
    this.serialNo = opts.serialNo;
    this.privateKey = loadPrivateKey(opts.privateKeyPem);
    if (Buffer.byteLength(opts.apiV3Key, 'utf8') !== 32) throw new AppError(500, 'WECHATPAY_CONFIG_INVALID', 'APIv3 key must be 32 bytes', { field: 'apiV3Key' });
    this.apiV3Key = opts.apiV3Key;
    this.platformKeys = new Map(Object.entries(opts.platformKeys).map(([serial, pem]) => [serial, loadVerificationKey(pem)]));
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** JSAPI下单. Resubmitting the same outTradeNo with the same parameters returns the same prepay id. */
  async jsapiPrepay(input: JsapiPrepayInput): Promise<{ prepayId: string }> {
    const data = await this.call<{ prepay_id: string }>('POST', '/v3/pay/transactions/jsapi', {
      appid: this.appId,
      mchid: this.mchId,
      description: input.description,
      out_trade_no: input.outTradeNo,
      ...(input.timeExpire ? { time_expire: rfc3339Cst(input.timeExpire) } : {}),
      notify_url: input.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
      payer: { openid: input.payerOpenid },
    });
    return { prepayId: data!.prepay_id };
  }

  /** Parameters the storefront passes to the WeChat in-app pay sheet; signed with the merchant key. */
  jsapiPayParams(prepayId: string): JsapiPayParams {
    const timeStamp = unixSeconds();
    const nonce = nonceStr();
    const pkg = `prepay_id=${prepayId}`;
    return { appId: this.appId, timeStamp, nonceStr: nonce, package: pkg, signType: 'RSA', paySign: jsapiPaySign(this.appId, timeStamp, nonce, pkg, this.privateKey) };
  }

  /** 商户订单号查询订单. An unknown order throws WECHATPAY_ERROR with details.vendorCode `ORDER_NOT_EXIST`. */
  async queryByOutTradeNo(outTradeNo: string): Promise<WechatPayTransaction> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(this.mchId)}`;
    return (await this.call<WechatPayTransaction>('GET', path))!;
  }

  /** 关闭订单 (204). Closing a paid order throws with vendorCode `ORDERPAID`. */
  async close(outTradeNo: string): Promise<void> {
    await this.call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: this.mchId });
  }

  /** 申请退款. Usually answers PROCESSING; the final state comes by REFUND.* notification or queryRefund. */
  async refund(input: RefundInput): Promise<WechatPayRefund> {
    return (await this.call<WechatPayRefund>('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: input.outTradeNo,
      out_refund_no: input.outRefundNo,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.notifyUrl ? { notify_url: input.notifyUrl } : {}),
      amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' },
    }))!;
  }

  /** 查询单笔退款(通过商户退款单号). */
  async queryRefund(outRefundNo: string): Promise<WechatPayRefund> {
    return (await this.call<WechatPayRefund>('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`))!;
  }

  /**
   * Verifies and decrypts a payment or refund notification. `rawBody` must be the request body exactly as
   * received: re-serialising parsed JSON changes bytes and breaks the signature.
   */
  parseNotification<R = WechatPayTransaction | WechatPayRefundNotification>(headers: HeaderBag, rawBody: string): WechatPayNotification<R> {
    const outcome = verifyWechatpaySignature(wechatpayHeaders(headers), rawBody, this.platformKeys);
    if (outcome === 'stale') throw new AppError(401, 'PAYMENT_NOTIFICATION_EXPIRED', 'WeChat Pay notification timestamp is outside the 5-minute window');
    if (outcome !== 'ok') throw new AppError(401, 'PAYMENT_SIGNATURE_INVALID', 'WeChat Pay notification signature is invalid', { reason: outcome });
    let n: { id?: unknown; create_time?: unknown; event_type?: unknown; summary?: unknown; resource?: Record<string, unknown> };
    try {
      n = JSON.parse(rawBody);
    } catch {
      throw new AppError(400, 'PAYMENT_DECRYPT_FAILED', 'WeChat Pay notification body is not JSON');
    }
    const r = n.resource;
    if (!r || r.algorithm !== 'AEAD_AES_256_GCM' || typeof r.ciphertext !== 'string' || typeof r.nonce !== 'string') {
      throw new AppError(400, 'PAYMENT_DECRYPT_FAILED', 'WeChat Pay notification resource is missing or uses an unknown algorithm');
    }
    const plain = decryptResource(this.apiV3Key, { ciphertext: r.ciphertext, nonce: r.nonce, associated_data: typeof r.associated_data === 'string' ? r.associated_data : '' });
    if (plain === null) throw new AppError(400, 'PAYMENT_DECRYPT_FAILED', 'WeChat Pay notification resource could not be decrypted');
    let resource: R;
    try {
      resource = JSON.parse(plain) as R;
    } catch {
      throw new AppError(400, 'PAYMENT_DECRYPT_FAILED', 'WeChat Pay notification resource is not JSON');
    }
    return {
      id: String(n.id),
      eventType: String(n.event_type),
      createTime: String(n.create_time),
      summary: String(n.summary ?? ''),
      originalType: String(r.original_type ?? ''),
      resource,
    };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'siyu-wechatpay/0.1',
      Authorization: authorization({ mchId: this.mchId, serialNo: this.serialNo, privateKey: this.privateKey, method, pathWithQuery: url.pathname + url.search, body: payload }),
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : payload, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      // The request may or may not have reached WeChat; callers must treat writes as "unknown" and query.
      throw new AppError(502, 'WECHATPAY_UNREACHABLE', 'WeChat Pay could not be reached', { path: url.pathname, cause: err instanceof Error ? err.message : String(err) });
    }
    const signed = wechatpayHeaders(res.headers);
    // WeChat signs every answer to a request it authenticated; an unsigned error (e.g. SIGN_ERROR) cannot be checked.
    if (res.ok || signed.signature) {
      const outcome = verifyWechatpaySignature(signed, text, this.platformKeys);
      if (outcome !== 'ok') {
        throw new AppError(502, 'PAYMENT_SIGNATURE_INVALID', 'WeChat Pay response signature is invalid', { reason: outcome, path: url.pathname, status: res.status });
      }
    }
    if (res.ok) {
      if (text === '') return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new AppError(502, 'WECHATPAY_ERROR', 'WeChat Pay answered with a body that is not JSON', { vendorCode: 'INVALID_RESPONSE', vendorStatus: res.status, path: url.pathname });
      }
    }
    let vendor: { code?: string; message?: string; detail?: unknown } = {};
    try {
      vendor = JSON.parse(text);
    } catch {
      vendor = { message: text.slice(0, 200) };
    }
    throw new AppError(502, 'WECHATPAY_ERROR', `WeChat Pay: ${vendor.message ?? `HTTP ${res.status}`}`, {
      vendorCode: vendor.code ?? `HTTP_${res.status}`,
      vendorMessage: vendor.message,
      vendorStatus: res.status,
      ...(vendor.detail ? { vendorDetail: vendor.detail } : {}),
      path: url.pathname,
    });
  }
}

/** WeChat's RFC 3339 timestamps carry the China Standard Time offset. */
export function rfc3339Cst(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

export interface SandboxMerchant extends WechatPayMerchantConfig {
  verifyMode: 'certificate' | 'public_key';
  /** Re-registers this merchant with a restarted sandbox (its state is in memory); see restoreSandboxMerchant. */
  restoreToken: string;
}

/** Creates a merchant in the bundled WeChat Pay sandbox (seeding and tests). `sandboxBaseUrl` is the API base URL. */
export async function createSandboxMerchant(
  sandboxBaseUrl: string,
  opts: { appId?: string; verifyMode?: 'certificate' | 'public_key'; fetch?: typeof fetch } = {},
): Promise<SandboxMerchant> {
  return sandboxAdmin<SandboxMerchant>(sandboxBaseUrl, { appId: opts.appId, verifyMode: opts.verifyMode }, opts.fetch);
}

/** Makes a restarted sandbox know a merchant created earlier, so stored shop configs keep working. */
export async function restoreSandboxMerchant(sandboxBaseUrl: string, restoreToken: string, f?: typeof fetch): Promise<void> {
  await sandboxAdmin(sandboxBaseUrl, { restoreToken }, f);
}

async function sandboxAdmin<T>(sandboxBaseUrl: string, body: object, f: typeof fetch = globalThis.fetch): Promise<T> {
  const res = await f(`${sandboxBaseUrl.replace(/\/+$/, '')}/sandbox/merchants`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new AppError(502, 'WECHATPAY_ERROR', `WeChat Pay sandbox: ${data.message}`, { vendorCode: data.code, vendorStatus: res.status });
  return data;
}

/** Sandbox only: the cashier page that stands in for WeChat's pay sheet, carrying the signed JSAPI parameters. */
export function sandboxCashierUrl(sandboxBaseUrl: string, params: JsapiPayParams, redirect: string): string {
  const prepayId = params.package.replace(/^prepay_id=/, '');
  const q = new URLSearchParams({ prepay_id: prepayId, timeStamp: params.timeStamp, nonceStr: params.nonceStr, paySign: params.paySign, redirect });
  return `${sandboxBaseUrl.replace(/\/+$/, '')}/pay?${q}`;
}
