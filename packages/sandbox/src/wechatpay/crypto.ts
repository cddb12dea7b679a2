import { createCipheriv, createHash, createSign, createVerify, generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

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

/**
 * Uppercase hex like WeChat's certificate serials (40 hex digits). The first byte is kept in 0x10–0x7f so the
 * DER INTEGER of a certificate serial needs no sign or padding byte and reads back as exactly these digits.
 */
export function hexSerial(): string {
  const b = randomBytes(20);
  b[0] = 0x10 + (b[0] % 0x70);
  return b.toString('hex').toUpperCase();
}

/** A platform certificate lasts five years at WeChat; merchants must fetch the next one before it ends. */
const CERT_YEARS = 5;

/**
 * A real X.509 platform certificate for the sandbox's platform key, self-signed, whose serial number is the
 * `Wechatpay-Serial` the sandbox signs with, so merchant SDKs that load certificates accept it as they would
 * WeChat's (Tenpay's CA is not something a sandbox can sign with).
 */
export function platformCertificate(serial: string, privateKeyPem: string, publicKeyPem: string, mchId: string, notBefore = new Date(Date.now() - 60_000)): string {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serial.toLowerCase();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.validity.notBefore = notBefore;
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + CERT_YEARS);
  cert.validity.notAfter = notAfter;
  const name = [
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: 'Siyu Sandbox' },
    { shortName: 'OU', value: 'WeChat Pay Sandbox Platform' },
    { shortName: 'CN', value: `Sandbox Platform Certificate ${mchId}` },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A UUID-shaped id derived from a name: the same event always gets the same notification id. */
export function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
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
