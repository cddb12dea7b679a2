import { createHash, randomBytes } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

/**
 * Pushes to the merchant's server (服务器配置) the way WeChat does in safe mode (安全模式): the message
 * XML encrypted with the account's EncodingAESKey (WXBizMsgCrypt: AES-256-CBC, random(16) + length +
 * message + appid), wrapped in `<xml><ToUserName/><Encrypt/></xml>`, with signature, timestamp, nonce,
 * openid, encrypt_type=aes and msg_signature in the query. The merchant has 5 s to answer; an answer
 * other than 2xx, or none, is tried again, up to 3 attempts in all, with the same message (same
 * CreateTime and MsgId, which is what the merchant dedupes on).
 */
export interface ServerConfig {
  url: string;
  token: string;
  encodingAESKey: string;
}

/** A field of the message; numbers are written bare, strings in CDATA, nested values as XML. */
export type XmlValue = string | number | { xml: string };

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export function xmlInner(fields: Array<[string, XmlValue | undefined]>): string {
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? String(v) : typeof v === 'string' ? cdata(v) : v!.xml}</${k}>`)
    .join('\n');
}

export const toXml = (fields: Array<[string, XmlValue | undefined]>) => `<xml>${xmlInner(fields)}</xml>`;

/** The text of `<name>` (CDATA or plain) at the top level of a small XML document; undefined when absent. */
export function xmlField(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!m) return undefined;
  return unwrap(m[1]);
}

function unwrap(s: string): string {
  const trimmed = s.trim();
  if (trimmed.startsWith('<![CDATA[')) {
    return [...trimmed.matchAll(/<!\[CDATA\[([\s\S]*?)]]>/g)].map((m) => m[1]).join('');
  }
  return trimmed.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export const urlSignature = (token: string, timestamp: string, nonce: string) => createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');

export const nonce = () => String(randomBytes(5).readUIntBE(0, 5));

const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;
export const TOKEN_RULE = /^[A-Za-z0-9]{3,32}$/;

export function validEncodingAESKey(k: unknown): k is string {
  return typeof k === 'string' && ENCODING_AES_KEY.test(k) && Buffer.from(`${k}=`, 'base64').length === 32;
}

export interface AttemptResult {
  status: number | null;
  ms: number;
  body?: string;
  error?: string;
}

export interface PassiveReply {
  msgType: string;
  content?: string;
  articles?: Array<{ title: string; description: string; picUrl: string; url: string }>;
  mediaId?: string;
  xml: string;
}

export interface PushOutcome {
  /** False when the account has no server configured: nothing was sent. */
  configured: boolean;
  delivered: boolean;
  attempts: AttemptResult[];
  reply?: PassiveReply;
  /** The merchant answered, but not with something WeChat can show (the user sees 该公众号暂时无法提供服务). */
  replyError?: string;
}

export interface PushTarget {
  appid: string;
  ghId: string;
  openid: string;
  server: ServerConfig;
}

export interface PushOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** One POST of an event or message; the encryption and query are made fresh, the message stays the same. */
export async function attempt(target: PushTarget, innerXml: string, opts: PushOptions): Promise<AttemptResult> {
  const { server } = target;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const encrypted = encrypt(server.encodingAESKey, innerXml, target.appid);
  const url = new URL(server.url);
  url.searchParams.set('signature', urlSignature(server.token, timestamp, n));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', n);
  url.searchParams.set('openid', target.openid);
  url.searchParams.set('encrypt_type', 'aes');
  url.searchParams.set('msg_signature', getSignature(server.token, timestamp, n, encrypted));
  const body = `<xml>\n<ToUserName>${cdata(target.ghId)}</ToUserName>\n<Encrypt>${cdata(encrypted)}</Encrypt>\n</xml>`;
  const started = Date.now();
  try {
    const res = await opts.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml', 'User-Agent': 'Mozilla/4.0', Accept: '*/*', Pragma: 'no-cache' },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - started, body: text.slice(0, 4096) };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { status: null, ms: Date.now() - started, error: timedOut ? `no answer within ${opts.timeoutMs} ms` : err instanceof Error ? err.message : String(err) };
  }
}

export const acknowledged = (a: AttemptResult) => a.status !== null && a.status >= 200 && a.status < 300;

/** What an acknowledged answer means: nothing to show, a passive reply to show, or an unusable reply. */
export function readAnswer(target: PushTarget, body: string | undefined): { reply?: PassiveReply; replyError?: string } {
  const text = (body ?? '').trim();
  if (text === '' || text === 'success') return {};
  if (!text.startsWith('<xml')) return { replyError: `回复不是 XML: ${text.slice(0, 80)}` };
  const enc = xmlField(text, 'Encrypt');
  const sig = xmlField(text, 'MsgSignature');
  const ts = xmlField(text, 'TimeStamp');
  const nc = xmlField(text, 'Nonce');
  if (!enc) return { replyError: '安全模式下回复必须加密(缺少 Encrypt)' };
  if (!sig || !ts || !nc) return { replyError: '加密回复缺少 MsgSignature / TimeStamp / Nonce' };
  if (getSignature(target.server.token, ts, nc, enc) !== sig) return { replyError: 'MsgSignature 校验失败' };
  let inner: string;
  try {
    const d = decrypt(target.server.encodingAESKey, enc);
    if (d.id !== target.appid) return { replyError: `解密后的 AppID 不符: ${d.id}` };
    inner = d.message;
  } catch {
    return { replyError: '回复解密失败' };
  }
  const msgType = xmlField(inner, 'MsgType') ?? '';
  if (xmlField(inner, 'ToUserName') !== target.openid) return { replyError: '回复的 ToUserName 不是该用户的 OpenID' };
  if (xmlField(inner, 'FromUserName') !== target.ghId) return { replyError: '回复的 FromUserName 不是公众号原始 ID' };
  const reply: PassiveReply = { msgType, xml: inner };
  if (msgType === 'text') {
    reply.content = xmlField(inner, 'Content') ?? '';
  } else if (msgType === 'news') {
    reply.articles = [...inner.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => ({
      title: xmlField(m[1], 'Title') ?? '',
      description: xmlField(m[1], 'Description') ?? '',
      picUrl: xmlField(m[1], 'PicUrl') ?? '',
      url: xmlField(m[1], 'Url') ?? '',
    }));
  } else if (['image', 'voice', 'video', 'music'].includes(msgType)) {
    reply.mediaId = xmlField(inner, 'MediaId');
  } else if (msgType !== 'transfer_customer_service') {
    return { replyError: `不支持的回复类型: ${msgType || '(空)'}` };
  }
  return { reply };
}

/** Up to 3 attempts right after one another (each waits up to the timeout), as WeChat retries. */
export async function push(target: PushTarget, innerXml: string, opts: PushOptions, attempts = 3): Promise<PushOutcome> {
  const results: AttemptResult[] = [];
  for (let i = 0; i < attempts; i++) {
    const r = await attempt(target, innerXml, opts);
    results.push(r);
    if (acknowledged(r)) return { configured: true, delivered: true, attempts: results, ...readAnswer(target, r.body) };
  }
  return { configured: true, delivered: false, attempts: results };
}

/** WeChat's URL check when the server configuration is saved: the echostr must come back verbatim. */
export async function urlCheck(server: ServerConfig, opts: PushOptions): Promise<{ ok: boolean; status: number | null; body?: string; error?: string }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const echostr = String(randomBytes(8).readBigUInt64BE() >> 1n);
  const url = new URL(server.url);
  url.searchParams.set('signature', urlSignature(server.token, timestamp, n));
  url.searchParams.set('echostr', echostr);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', n);
  try {
    const res = await opts.fetch(url, { headers: { 'User-Agent': 'Mozilla/4.0' }, signal: AbortSignal.timeout(opts.timeoutMs) });
    const body = (await res.text()).slice(0, 1024);
    return { ok: res.status === 200 && body === echostr, status: res.status, body };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
}
