import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseXml } from '../../messaging/clients/mp-crypto.js';

/**
 * WeCom's callback encryption (回调加解密), written on node:crypto so that what we accept does not rest
 * on a third-party package: AES-256-CBC under base64(EncodingAESKey + '='), IV = the key's first 16
 * bytes, PKCS#7 padded to 32-byte blocks, the plaintext being 16 random bytes, a 4-byte big-endian
 * length, the XML and the receiver id (the corp id); `msg_signature` is SHA-1 of the sorted token,
 * timestamp, nonce and ciphertext. The official account's safe mode is the same scheme with the AppID as
 * receiver id, so the XML reading is shared with messaging/clients/mp-crypto.ts.
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

export interface CallbackQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
}

export interface CallbackKeys {
  token: string;
  encodingAesKey: string;
  corpId: string;
}

/** GET URL verification: `echostr` is itself encrypted; the plaintext is the answer. */
export function openEcho(keys: CallbackKeys, q: CallbackQuery): string {
  if (!q.echostr || !q.timestamp || !q.nonce) throw new CallbackCryptoError('missing parameters');
  if (!signatureMatches(signature(keys.token, q.timestamp, q.nonce, q.echostr), q.msg_signature)) throw new CallbackCryptoError('msg_signature');
  const opened = decrypt(keys.encodingAesKey, q.echostr);
  if (opened.receiveId !== keys.corpId) throw new CallbackCryptoError('receiveid');
  return opened.message;
}

const encryptedOf = (xml: string) => /<Encrypt>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/Encrypt>/.exec(xml);

/** POST: the decrypted XML and its fields, after the signature and the receiver id are checked. */
export function openCallback(keys: CallbackKeys, q: CallbackQuery, body: string): { xml: string; fields: Record<string, string> } {
  const m = encryptedOf(body);
  const cipher = m ? (m[1] ?? m[2] ?? '') : '';
  if (!cipher || !q.timestamp || !q.nonce) throw new CallbackCryptoError('no Encrypt');
  if (!signatureMatches(signature(keys.token, q.timestamp, q.nonce, cipher), q.msg_signature)) throw new CallbackCryptoError('msg_signature');
  const opened = decrypt(keys.encodingAesKey, cipher);
  if (opened.receiveId !== keys.corpId) throw new CallbackCryptoError('receiveid');
  return { xml: opened.message, fields: parseXml(opened.message) };
}

/** What WeCom itself sends: used by the tests (and usable by a simulator) to play the vendor's side. */
export function sealCallback(keys: CallbackKeys, xml: string, opts: { timestamp?: string; nonce?: string; agentId?: number } = {}) {
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(8).toString('hex');
  const enc = encrypt(keys.encodingAesKey, xml, keys.corpId);
  const query = { msg_signature: signature(keys.token, timestamp, nonce, enc), timestamp, nonce };
  const body = `<xml><ToUserName><![CDATA[${keys.corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt>${opts.agentId ? `<AgentID><![CDATA[${opts.agentId}]]></AgentID>` : ''}</xml>`;
  return { query, body, encrypted: enc };
}
