import { randomBytes } from 'node:crypto';
import { CallbackCryptoError, decrypt, encrypt, parseXml, signature, signatureMatches } from '../../../platform/wechat-crypto.js';

/** WeCom's callbacks (回调) on the shared WeChat message encryption (platform/wechat-crypto.ts). */
export { CallbackCryptoError, decrypt, encrypt, signature, signatureMatches };

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
