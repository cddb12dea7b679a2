import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, parseXml, signature as getSignature } from '../../../platform/wechat-crypto.js';

/**
 * The official account's message encryption (safe mode, 安全模式): AES-256-CBC under the EncodingAESKey,
 * the plaintext carrying the AppID, and SHA-1 signatures over the sorted token, timestamp, nonce (and
 * ciphertext): the scheme WeCom uses too (platform/wechat-crypto.ts).
 */
export interface CallbackQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  msg_signature?: string;
  openid?: string;
}

export class CallbackRejected extends Error {}

/** The URL check WeChat makes when the server address is saved: `signature` over token, timestamp, nonce. */
export function verifyUrlSignature(token: string, q: CallbackQuery): boolean {
  if (!q.signature || !q.timestamp || !q.nonce) return false;
  return getSignature(token, q.timestamp, q.nonce, '') === q.signature;
}

const tag = (xml: string, name: string): string | null => {
  const m = new RegExp(`<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2] ?? '') : null;
};


/** Verifies and decrypts a POSTed callback body; a plaintext body is refused when the account is in safe mode. */
export function openCallback(input: { token: string; aesKey: string; appId: string; query: CallbackQuery; body: string }): Record<string, string> {
  const q = input.query;
  if (!verifyUrlSignature(input.token, q)) throw new CallbackRejected('signature');
  if (q.encrypt_type !== 'aes') throw new CallbackRejected('plaintext callbacks are refused: set the account to safe mode (安全模式)');
  const cipher = tag(input.body, 'Encrypt');
  if (!cipher || !q.msg_signature) throw new CallbackRejected('no Encrypt');
  if (getSignature(input.token, q.timestamp!, q.nonce!, cipher) !== q.msg_signature) throw new CallbackRejected('msg_signature');
  let opened: { message: string; receiveId: string };
  try {
    opened = decrypt(input.aesKey, cipher);
  } catch {
    throw new CallbackRejected('decrypt');
  }
  if (opened.receiveId !== input.appId) throw new CallbackRejected('appid');
  return parseXml(opened.message);
}

const cdata = (s: string) => `<![CDATA[${s.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`;

/** A passive text reply, encrypted for the account (the reply to the callback request itself). */
export function sealTextReply(input: { token: string; aesKey: string; appId: string; to: string; from: string; content: string; now: Date }): string {
  const createTime = Math.floor(input.now.getTime() / 1000);
  const inner = `<xml><ToUserName>${cdata(input.to)}</ToUserName><FromUserName>${cdata(input.from)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(input.content)}</Content></xml>`;
  const cipher = encrypt(input.aesKey, inner, input.appId, randomBytes(16));
  const timestamp = String(createTime);
  const nonce = randomBytes(8).toString('hex');
  const sig = getSignature(input.token, timestamp, nonce, cipher);
  return `<xml><Encrypt>${cdata(cipher)}</Encrypt><MsgSignature>${cdata(sig)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
