import { createCipheriv, createSign, createVerify, generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';

/**
 * The WeChat Pay v3 primitives as seen from WeChat's side. Deliberately independent of the merchant
 * client in apps/server: if both shared one implementation, a bug in it would cancel out in tests.
 */

export interface RsaPair {
  publicKeyPem: string;
  privateKey: KeyObject;
  privateKeyPem: string;
}

export function generateRsaPair(): RsaPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function signSha256Rsa(message: string, key: KeyObject | string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
}

export function verifySha256Rsa(message: string, signatureB64: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKeyPem, signatureB64, 'base64');
  } catch {
    return false;
  }
}

/** Uppercase hex like WeChat's certificate serials (40 hex digits). */
export function hexSerial(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

export function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(0, 10));
  return s;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Alphanumeric; used for nonces and the APIv3 key (which WeChat requires to be 32 characters). */
export function alnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(0, ALNUM.length)];
  return s;
}

/** AEAD_AES_256_GCM as WeChat uses it: key = APIv3 key bytes, 12-char nonce, ciphertext||tag in base64. */
export function encryptResource(apiV3Key: string, plaintext: string, associatedData: string) {
  const nonce = alnum(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext: body.toString('base64') };
}

/** The headers WeChat attaches to every signed response and notification. */
export function platformSignatureHeaders(body: string, serial: string, key: KeyObject): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = alnum(32);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signSha256Rsa(`${timestamp}\n${nonce}\n${body}\n`, key),
    'Wechatpay-Serial': serial,
  };
}

/** WeChat's RFC 3339 timestamps are in China Standard Time with an explicit offset. */
export function rfc3339Cst(d = new Date()): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${t}+08:00`;
}
