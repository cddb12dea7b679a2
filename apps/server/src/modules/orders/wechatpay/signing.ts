import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/** WeChat Pay API v3 signatures (SHA256withRSA, PKCS#1 v1.5, base64) as documented in 签名认证/验签. */

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat rejects requests, and we reject answers and notifications, whose timestamp is off by more than this. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export function nonceStr(): string {
  // 32 uppercase hex characters, the shape WeChat's own SDKs use.
  return randomBytes(16).toString('hex').toUpperCase();
}

export function unixSeconds(now = Date.now()): string {
  return String(Math.floor(now / 1000));
}

export function sign(message: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64');
}

export function verify(message: string, signatureB64: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKey, signatureB64, 'base64');
  } catch {
    return false;
  }
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** A platform key may be configured as an X.509 platform certificate or as a bare public key (public-key mode). */
export function loadVerificationKey(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

/** `Authorization` header value; the message binds method, path+query, time, nonce and the exact body bytes. */
export function authorization(opts: {
  mchId: string;
  serialNo: string;
  privateKey: KeyObject;
  method: string;
  pathWithQuery: string;
  body: string;
  timestamp?: string;
  nonce?: string;
}): string {
  const timestamp = opts.timestamp ?? unixSeconds();
  const nonce = opts.nonce ?? nonceStr();
  const signature = sign(`${opts.method}\n${opts.pathWithQuery}\n${timestamp}\n${nonce}\n${opts.body}\n`, opts.privateKey);
  return `${AUTH_SCHEME} mchid="${opts.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${opts.serialNo}"`;
}

export interface SignedHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
  serial: string;
}

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** Reads the Wechatpay-* headers case-insensitively from fetch Headers or Node/Fastify header objects. */
export function wechatpayHeaders(headers: HeaderBag): Partial<SignedHeaders> {
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const bag = headers as Record<string, string | string[] | undefined>;
    const key = Object.keys(bag).find((k) => k.toLowerCase() === name.toLowerCase());
    const v = key === undefined ? undefined : bag[key];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    timestamp: get('wechatpay-timestamp'),
    nonce: get('wechatpay-nonce'),
    signature: get('wechatpay-signature'),
    serial: get('wechatpay-serial'),
  };
}

export type VerifyOutcome = 'ok' | 'missing' | 'unknown_serial' | 'bad_signature' | 'stale';

/**
 * Verifies a WeChat-signed payload (response or notification) over the raw body. The key is chosen by
 * `Wechatpay-Serial`: a platform certificate serial or a `PUB_KEY_ID_…` id, both looked up in the configured keys.
 * The signature is checked before freshness so a forged message is reported as forged, not merely old.
 */
export function verifyWechatpaySignature(
  h: Partial<SignedHeaders>,
  rawBody: string,
  keys: ReadonlyMap<string, KeyObject>,
  now = Date.now(),
): VerifyOutcome {
  if (!h.timestamp || !h.nonce || !h.signature || !h.serial) return 'missing';
  const key = keys.get(h.serial);
  if (!key) return 'unknown_serial';
  if (!verify(`${h.timestamp}\n${h.nonce}\n${rawBody}\n`, h.signature, key)) return 'bad_signature';
  const ts = Number(h.timestamp);
  if (!/^\d+$/.test(h.timestamp) || Math.abs(now / 1000 - ts) > MAX_CLOCK_SKEW_SECONDS) return 'stale';
  return 'ok';
}

/** `paySign` for `WeixinJSBridge.invoke('getBrandWCPayRequest')` / `wx.requestPayment`. */
export function jsapiPaySign(appId: string, timeStamp: string, nonce: string, pkg: string, privateKey: KeyObject): string {
  return sign(`${appId}\n${timeStamp}\n${nonce}\n${pkg}\n`, privateKey);
}
