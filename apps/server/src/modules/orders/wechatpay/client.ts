import { X509Certificate, type KeyObject } from 'node:crypto';
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
import {
  encryptSensitive,
  encryptionKey,
  toCreatedTransferBill,
  toTransferBill,
  transferBillBody,
  type CancelledTransferBill,
  type CreateTransferBillInput,
  type CreatedTransferBill,
  type TransferBill,
} from './transfer.js';
import type { JsapiPayParams, WechatPayNotification, WechatPayRefund, WechatPayRefundNotification, WechatPayTransaction } from './types.js';

export * from './types.js';
export * from './transfer.js';

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
  /** Up to 128 characters WeChat keeps with the order and returns in queries and the notification. */
  attach?: string;
}

/** The order is named by our out_trade_no or by WeChat's transaction_id (WeChat prefers the latter). */
export type RefundInput = ({ outTradeNo: string; transactionId?: undefined } | { transactionId: string; outTradeNo?: undefined }) & {
  outRefundNo: string;
  reason?: string;
  refundFen: number;
  totalFen: number;
  notifyUrl?: string;
};

/** One entry of 下载平台证书, decrypted and checked. */
export interface PlatformCertificate {
  serialNo: string;
  pem: string;
  effectiveTime: string;
  expireTime: string;
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
  /** Grows when downloadPlatformCertificates finds a new certificate. */
  private readonly platformKeys: Map<string, KeyObject>;
  /** The same keys as PEM: certificates carry the validity that decides which one encrypts sensitive fields. */
  private readonly platformPems: Map<string, string>;
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
    this.platformPems = new Map(Object.entries(opts.platformKeys));
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
      ...(input.attach !== undefined ? { attach: input.attach } : {}),
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

  /** 微信支付订单号查询订单: only paid orders have a transaction_id. */
  async queryByTransactionId(transactionId: string): Promise<WechatPayTransaction> {
    const path = `/v3/pay/transactions/id/${encodeURIComponent(transactionId)}?mchid=${encodeURIComponent(this.mchId)}`;
    return (await this.call<WechatPayTransaction>('GET', path))!;
  }

  /** 关闭订单 (204). Closing a paid order throws with vendorCode `ORDERPAID`. */
  async close(outTradeNo: string): Promise<void> {
    await this.call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: this.mchId });
  }

  /** 申请退款. Usually answers PROCESSING; the final state comes by REFUND.* notification or queryRefund. */
  async refund(input: RefundInput): Promise<WechatPayRefund> {
    return (await this.call<WechatPayRefund>('POST', '/v3/refund/domestic/refunds', {
      ...(input.transactionId ? { transaction_id: input.transactionId } : { out_trade_no: input.outTradeNo }),
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
   * 商家转账 发起转账. Answers WAIT_USER_CONFIRM with the packageInfo the payee confirms with. Submitting the same
   * outBillNo again returns the same bill (never a second one); after an error or timeout, retry with the same
   * outBillNo and content or query it. userName is encrypted with the platform key named in Wechatpay-Serial.
   */
  async createTransferBill(input: CreateTransferBillInput): Promise<CreatedTransferBill> {
    let encrypted: string | undefined;
    let serial: string | undefined;
    if (input.userName) {
      const k = encryptionKey(this.platformPems);
      encrypted = encryptSensitive(input.userName, k.key);
      serial = k.serial;
    }
    const body = transferBillBody(input, this.appId, encrypted);
    const data = await this.call<Parameters<typeof toCreatedTransferBill>[0]>('POST', '/v3/fund-app/mch-transfer/transfer-bills', body, serial ? { 'Wechatpay-Serial': serial } : undefined);
    return toCreatedTransferBill(data!);
  }

  /** 商户单号查询转账单. An unknown bill throws WECHATPAY_ERROR with details.vendorCode `NOT_FOUND`. */
  async getTransferBill(outBillNo: string): Promise<TransferBill> {
    const data = await this.call<Parameters<typeof toTransferBill>[0]>('GET', `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${encodeURIComponent(outBillNo)}`);
    return toTransferBill(data!, this.privateKey);
  }

  /** 撤销转账: only before the payee confirmed. Usually CANCELING; CANCELLED follows (query, or the notification). */
  async cancelTransferBill(outBillNo: string): Promise<CancelledTransferBill> {
    const data = await this.call<{ out_bill_no: string; transfer_bill_no: string; state: 'CANCELING' | 'CANCELLED'; update_time: string }>(
      'POST',
      `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${encodeURIComponent(outBillNo)}/cancel`,
    );
    return { outBillNo: data!.out_bill_no, transferBillNo: data!.transfer_bill_no, state: data!.state, updatedAt: new Date(data!.update_time) };
  }

  /**
   * 下载平台证书: fetches WeChat's current platform certificates (certificate mode; public-key mode merchants
   * get RESOURCE_NOT_EXISTS), and trusts them from then on. Each certificate comes encrypted with the APIv3
   * key, which only WeChat and the merchant hold; the answer's signature is checked with a certificate
   * already trusted or, on a first download, with one of those just decrypted — as WeChat's own downloader does.
   */
  async downloadPlatformCertificates(): Promise<PlatformCertificate[]> {
    const { text, headers } = await this.send('GET', '/v3/certificates', undefined, { acceptUnverified: true });
    let body: { data?: Array<{ serial_no?: string; effective_time?: string; expire_time?: string; encrypt_certificate?: { algorithm?: string; nonce?: string; associated_data?: string; ciphertext?: string } }> };
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError(502, 'WECHATPAY_ERROR', 'WeChat Pay answered with a body that is not JSON', { vendorCode: 'INVALID_RESPONSE', path: '/v3/certificates' });
    }
    const certs: PlatformCertificate[] = [];
    for (const item of body.data ?? []) {
      const enc = item.encrypt_certificate;
      if (!enc || enc.algorithm !== 'AEAD_AES_256_GCM' || !enc.ciphertext || !enc.nonce) throw certificateError('unknown encryption');
      const pem = decryptResource(this.apiV3Key, { ciphertext: enc.ciphertext, nonce: enc.nonce, associated_data: enc.associated_data ?? '' });
      if (pem === null) throw certificateError('could not be decrypted with the APIv3 key');
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        throw certificateError('is not an X.509 certificate');
      }
      if (cert.serialNumber.toUpperCase() !== String(item.serial_no).toUpperCase()) throw certificateError('serial_no does not match the certificate');
      const now = Date.now();
      if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) <= now) continue;
      certs.push({ serialNo: cert.serialNumber.toUpperCase(), pem, effectiveTime: String(item.effective_time ?? ''), expireTime: String(item.expire_time ?? '') });
    }
    const keys = new Map(this.platformKeys);
    for (const c of certs) if (!keys.has(c.serialNo)) keys.set(c.serialNo, loadVerificationKey(c.pem));
    const outcome = verifyWechatpaySignature(wechatpayHeaders(headers), text, keys);
    if (outcome !== 'ok') throw new AppError(502, 'PAYMENT_SIGNATURE_INVALID', 'WeChat Pay response signature is invalid', { reason: outcome, path: '/v3/certificates' });
    for (const c of certs) {
      this.platformKeys.set(c.serialNo, loadVerificationKey(c.pem));
      this.platformPems.set(c.serialNo, c.pem);
    }
    return certs;
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

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<T | undefined> {
    const { res, text, url } = await this.send(method, path, body, { acceptUnverified: false, headers: extraHeaders });
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AppError(502, 'WECHATPAY_ERROR', 'WeChat Pay answered with a body that is not JSON', { vendorCode: 'INVALID_RESPONSE', vendorStatus: res.status, path: url.pathname });
    }
  }

  /**
   * One signed request; a non-2xx answer throws WECHATPAY_ERROR. Unless `acceptUnverified`, an answer WeChat
   * signed is verified before anything reads it; with it, a 2xx answer is handed back for the caller to
   * verify (the certificate download, whose first answer no known certificate can check).
   */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, opts: { acceptUnverified: boolean; headers?: Record<string, string> }) {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'siyu-wechatpay/0.1',
      Authorization: authorization({ mchId: this.mchId, serialNo: this.serialNo, privateKey: this.privateKey, method, pathWithQuery: url.pathname + url.search, body: payload }),
      ...opts.headers,
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
    if (opts.acceptUnverified && res.ok) return { res, text, url, headers: res.headers };
    // WeChat signs every answer to a request it authenticated; an unsigned error (e.g. SIGN_ERROR) cannot be checked.
    if (res.ok || signed.signature) {
      const outcome = verifyWechatpaySignature(signed, text, this.platformKeys);
      if (outcome !== 'ok') {
        throw new AppError(502, 'PAYMENT_SIGNATURE_INVALID', 'WeChat Pay response signature is invalid', { reason: outcome, path: url.pathname, status: res.status });
      }
    }
    if (!res.ok) throw vendorError(res, text, url);
    return { res, text, url, headers: res.headers };
  }
}

function vendorError(res: Response, text: string, url: URL): AppError {
  let vendor: { code?: string; message?: string; detail?: unknown } = {};
  try {
    vendor = JSON.parse(text);
  } catch {
    vendor = { message: text.slice(0, 200) };
  }
  return new AppError(502, 'WECHATPAY_ERROR', `WeChat Pay: ${vendor.message ?? `HTTP ${res.status}`}`, {
    vendorCode: vendor.code ?? `HTTP_${res.status}`,
    vendorMessage: vendor.message,
    vendorStatus: res.status,
    ...(vendor.detail ? { vendorDetail: vendor.detail } : {}),
    path: url.pathname,
  });
}

function certificateError(what: string): AppError {
  return new AppError(502, 'WECHATPAY_CERTIFICATE_INVALID', `WeChat Pay platform certificate ${what}`, { path: '/v3/certificates' });
}

/** WeChat's RFC 3339 timestamps carry the China Standard Time offset. */
export function rfc3339Cst(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

export interface SandboxMerchant extends WechatPayMerchantConfig {
  verifyMode: 'certificate' | 'public_key';
  /**
   * The sandbox's own record of the merchant (base64url JSON, platform signing key included): lets tests
   * forge validly signed notifications. The sandbox keeps merchants in the database, so nothing needs it
   * to re-register them.
   */
  restoreToken: string;
}

/** Creates a merchant in the bundled WeChat Pay sandbox (seeding and tests). `sandboxBaseUrl` is the API base URL. */
export async function createSandboxMerchant(
  sandboxBaseUrl: string,
  opts: { appId?: string; verifyMode?: 'certificate' | 'public_key'; fetch?: typeof fetch } = {},
): Promise<SandboxMerchant> {
  return sandboxAdmin<SandboxMerchant>(sandboxBaseUrl, { appId: opts.appId, verifyMode: opts.verifyMode }, opts.fetch);
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
