import { createHash } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';
import { mountForTest } from '../test-harness.js';
import { wechatMpSandbox, type WechatMpSandboxOptions } from './index.js';

/** Test harness: the sandbox on a real port, and a merchant's server that decrypts and checks every push. */
export interface Sandbox {
  app: FastifyInstance;
  origin: string;
  base: string;
  store: SandboxStore;
  get(path: string, query?: Record<string, string>): Promise<any>;
  post(path: string, body: unknown, query?: Record<string, string>): Promise<any>;
  sim(path: string, body?: unknown, method?: string): Promise<{ status: number; body: any }>;
  token(appid: string, secret: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSandbox(opts: Partial<WechatMpSandboxOptions> = {}, store: SandboxStore = new MemorySandboxStore()): Promise<Sandbox> {
  const h = await mountForTest(wechatMpSandbox, '/sandbox/mp', store, (baseUrl) => ({ baseUrl, store, pollMs: 100, ...opts }));
  const s: Sandbox = {
    ...h,
    token: async (appid, secret) => {
      const r = await s.get('/cgi-bin/token', { grant_type: 'client_credential', appid, secret });
      if (!r.access_token) throw new Error(JSON.stringify(r));
      return r.access_token as string;
    },
  };
  return s;
}

export interface Push {
  query: Record<string, string>;
  /** The decrypted message. */
  inner: string;
  fields: Record<string, string>;
  appid: string;
}

export type Answer = { status?: number; body?: string; delayMs?: number } | ((push: Push, n: number) => { status?: number; body?: string; delayMs?: number });

export interface Receiver {
  url: string;
  token: string;
  encodingAESKey: string;
  pushes: Push[];
  /** Problems the receiver found in a push (bad signature …); a test expects none. */
  problems: string[];
  /** How the next pushes are answered (default: 200 "success"). */
  answer: Answer;
  echo: 'verbatim' | 'wrong';
  waitFor(pred: (p: Push) => boolean, timeoutMs?: number): Promise<Push>;
  /** An encrypted passive reply as the merchant would build it. */
  reply(toOpenid: string, fromGhId: string, appid: string, innerFields: string): string;
  close(): Promise<void>;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** Top-level fields of a WeChat XML message (CDATA or plain). */
export function fieldsOf(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<([A-Za-z]+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) out[m[1]] = m[2] ?? m[3];
  return out;
}

export async function startReceiver(token = 'siyuToken123', encodingAESKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'): Promise<Receiver> {
  const app = Fastify();
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const r: Receiver = {
    url: '',
    token,
    encodingAESKey,
    pushes: [],
    problems: [],
    answer: { status: 200, body: 'success' },
    echo: 'verbatim',
    async waitFor(pred, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = r.pushes.find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no matching push within ${timeoutMs} ms; got ${JSON.stringify(r.pushes.map((p) => p.fields))}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    reply(toOpenid, fromGhId, appid, innerFields) {
      const inner = `<xml><ToUserName><![CDATA[${toOpenid}]]></ToUserName><FromUserName><![CDATA[${fromGhId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>${innerFields}</xml>`;
      const enc = encrypt(encodingAESKey, inner, appid);
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = '1320562132';
      return `<xml><Encrypt><![CDATA[${enc}]]></Encrypt><MsgSignature><![CDATA[${getSignature(token, ts, nonce, enc)}]]></MsgSignature><TimeStamp>${ts}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
    },
    close: () => app.close(),
  };
  app.get('/wx', async (req) => {
    const q = req.query as Record<string, string>;
    if (q.signature !== sha1([token, q.timestamp, q.nonce].sort().join(''))) return 'bad signature';
    return r.echo === 'verbatim' ? q.echostr : `${q.echostr}-nope`;
  });
  app.post('/wx', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const body = String(req.body);
    const encrypted = /<Encrypt><!\[CDATA\[([\s\S]*?)\]\]><\/Encrypt>/.exec(body)?.[1] ?? '';
    if (q.signature !== sha1([token, q.timestamp, q.nonce].sort().join(''))) r.problems.push('signature');
    if (q.encrypt_type !== 'aes') r.problems.push('encrypt_type');
    if (q.msg_signature !== getSignature(token, q.timestamp, q.nonce, encrypted)) r.problems.push('msg_signature');
    const d = decrypt(encodingAESKey, encrypted);
    const push: Push = { query: q, inner: d.message, fields: fieldsOf(d.message), appid: d.id };
    if (push.fields.FromUserName !== q.openid) r.problems.push('openid');
    if (fieldsOf(body).ToUserName !== push.fields.ToUserName) r.problems.push('outer ToUserName');
    r.pushes.push(push);
    const n = r.pushes.length;
    const a = typeof r.answer === 'function' ? r.answer(push, n) : r.answer;
    if (a.delayMs) await new Promise((res) => setTimeout(res, a.delayMs));
    return reply.code(a.status ?? 200).type('text/plain').send(a.body ?? 'success');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  r.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/wx`;
  return r;
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
