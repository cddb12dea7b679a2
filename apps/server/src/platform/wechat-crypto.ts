import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The message encryption WeChat's official accounts (安全模式) and WeCom (回调加解密) share, written on
 * node:crypto so that what we accept does not rest on a third-party package: AES-256-CBC under
 * base64(EncodingAESKey + '='), IV = the key's first 16 bytes, PKCS#7 padded to 32-byte blocks, the
 * plaintext being 16 random bytes, a 4-byte big-endian length, the XML and the receiver id (the AppID or
 * the corp id); signatures are SHA-1 of the sorted token, timestamp, nonce (and ciphertext). Used by the
 * messaging module (official account) and the wecom module; tested against @wecom/crypto.
 */

export class CallbackCryptoError extends Error {}

const BLOCK = 32;

function keyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new CallbackCryptoError('the EncodingAESKey must be 43 characters of base64');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new CallbackCryptoError('the EncodingAESKey does not decode to 32 bytes');
  return key;
}

export function signature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

/** Constant-time so a forger learns nothing from how fast a guess is refused. */
export function signatureMatches(expected: string, given: string | undefined): boolean {
  if (!given || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

export function encrypt(encodingAesKey: string, message: string, receiveId: string, random: Buffer = randomBytes(16)): string {
  const key = keyOf(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const plain = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export function decrypt(encodingAesKey: string, encrypted: string): { message: string; receiveId: string } {
  const key = keyOf(encodingAesKey);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  } catch {
    throw new CallbackCryptoError('not decryptable with this key');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || plain.length < 20 + pad) throw new CallbackCryptoError('bad padding');
  const body = plain.subarray(16, plain.length - pad);
  const len = body.readUInt32BE(0);
  if (len > body.length - 4) throw new CallbackCryptoError('bad length');
  return { message: body.subarray(4, 4 + len).toString('utf8'), receiveId: body.subarray(4 + len).toString('utf8') };
}

/** The fields of a message XML, one level deep (what WeChat and WeCom send is flat). */
export function parseXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /<([A-Za-z_][A-Za-z0-9_]*)>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/\1>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) if (m[1] !== 'xml') out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}
