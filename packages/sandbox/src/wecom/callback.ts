import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';

/**
 * Callbacks to the merchant's server as WeCom sends them (接收事件服务器, always encrypted): the event XML
 * encrypted with the corp's EncodingAESKey by the official @wecom/crypto (random(16) + length + xml +
 * corpid, AES-256-CBC), in `<xml><ToUserName/><Encrypt/><AgentID/></xml>`, with msg_signature,
 * timestamp and nonce in the query. Using the official library here means the server's own
 * implementation is checked against it rather than against a copy of itself.
 */
export interface CallbackConfig {
  url: string;
  token: string;
  encodingAesKey: string;
  corpId: string;
  agentId: number;
}

export type XmlValue = string | number | { xml: string };

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export const toXml = (fields: Array<[string, XmlValue | undefined]>) =>
  `<xml>${fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? String(v) : typeof v === 'string' ? cdata(v) : v!.xml}</${k}>`)
    .join('')}</xml>`;

export const nonce = () => String(randomBytes(5).readUIntBE(0, 5));

export interface AttemptResult {
  status: number | null;
  ms: number;
  body?: string;
  error?: string;
  at: string;
}

/** WeCom counts a push as received on HTTP 200 with an empty body or "success"; anything else is retried. */
export const acknowledged = (a: AttemptResult) => a.status === 200 && ['', 'success'].includes((a.body ?? '').trim());

export function envelope(cfg: CallbackConfig, innerXml: string, timestamp: string, n: string) {
  const encrypted = encrypt(cfg.encodingAesKey, innerXml, cfg.corpId);
  const body = `<xml><ToUserName>${cdata(cfg.corpId)}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt><AgentID>${cdata(String(cfg.agentId))}</AgentID></xml>`;
  return { body, signature: getSignature(cfg.token, timestamp, n, encrypted) };
}

/** One POST of an event; encryption, timestamp and nonce are fresh per attempt, the event stays the same. */
export async function attempt(cfg: CallbackConfig, innerXml: string, opts: { fetch: typeof fetch; timeoutMs: number }): Promise<AttemptResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const { body, signature } = envelope(cfg, innerXml, timestamp, n);
  const url = new URL(cfg.url);
  url.searchParams.set('msg_signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', n);
  const started = Date.now();
  const at = new Date().toISOString();
  try {
    const res = await opts.fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body, signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - started, body: text.slice(0, 1024), at };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { status: null, ms: Date.now() - started, error: timedOut ? `no answer within ${opts.timeoutMs} ms` : err instanceof Error ? err.message : String(err), at };
  }
}

/**
 * The check WeCom makes when the admin saves the callback URL: a GET with an encrypted echostr whose
 * plaintext must come back verbatim.
 */
export async function verifyUrl(cfg: CallbackConfig, opts: { fetch: typeof fetch; timeoutMs: number }) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const plain = String(randomBytes(8).readBigUInt64BE() >> 1n);
  const echostr = encrypt(cfg.encodingAesKey, plain, cfg.corpId);
  const url = new URL(cfg.url);
  url.searchParams.set('msg_signature', getSignature(cfg.token, timestamp, n, echostr));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', n);
  url.searchParams.set('echostr', echostr);
  try {
    const res = await opts.fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    const body = (await res.text()).slice(0, 1024);
    return { ok: res.status === 200 && body.trim() === plain, status: res.status as number | null, body, expected: plain };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err), expected: plain };
  }
}
