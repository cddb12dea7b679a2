import { createDecipheriv, createHash } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { MemorySandboxStore, type SandboxStore } from '../store.js';
import { mountForTest } from '../test-harness.js';
import { wecomSandbox, type WecomSandboxOptions } from './index.js';
import { WECOM_SANDBOX } from './state.js';

/** Test harness: the simulator on a real port, and a merchant's callback server that checks every push. */
export interface Sandbox {
  app: FastifyInstance;
  base: string;
  store: SandboxStore;
  get(path: string, query?: Record<string, string>): Promise<any>;
  post(path: string, body: unknown, query?: Record<string, string>): Promise<any>;
  sim(path: string, body?: unknown, method?: string): Promise<{ status: number; body: any }>;
  token(corpId: string, secret?: string): Promise<string>;
  /** A fresh corp, so limits one test runs into do not carry into another. */
  newCorp(): Promise<string>;
  close(): Promise<void>;
}

export async function startSandbox(opts: Partial<WecomSandboxOptions> = {}, store: SandboxStore = new MemorySandboxStore()): Promise<Sandbox> {
  const h = await mountForTest(wecomSandbox, '/sandbox/wecom', store, (baseUrl) => ({ baseUrl, store, pollMs: 100, ...opts }));
  const s: Sandbox = {
    ...h,
    token: async (corpId, secret = WECOM_SANDBOX.contactSecret) => {
      const r = await s.get('/cgi-bin/gettoken', { corpid: corpId, corpsecret: secret });
      if (!r.access_token) throw new Error(JSON.stringify(r));
      return r.access_token as string;
    },
    newCorp: async () => {
      const r = await s.sim('/corps', {});
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
      return r.body.corpId as string;
    },
  };
  return s;
}

/**
 * WXBizMsgCrypt decryption written from the published description (not from @wecom/crypto), so a push is
 * checked by two implementations: base64 → AES-256-CBC with key = base64(EncodingAESKey + '='), IV = the
 * key's first 16 bytes, PKCS#7 padding to 32 → random(16) + length(4, big-endian) + message + receiveid.
 */
export function independentDecrypt(encodingAesKey: string, encrypted: string) {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = padded[padded.length - 1];
  if (pad < 1 || pad > 32 || padded.length % 32 !== 0) throw new Error('bad padding');
  const plain = padded.subarray(0, padded.length - pad);
  const len = plain.readUInt32BE(16);
  return { message: plain.subarray(20, 20 + len).toString('utf8'), receiveId: plain.subarray(20 + len).toString('utf8') };
}

export const independentSignature = (token: string, timestamp: string, nonce: string, encrypted: string) =>
  createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');

/** Top-level fields of the event XML (CDATA or plain). */
export function fieldsOf(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<([A-Za-z]+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) out[m[1]] = m[2] ?? m[3];
  return out;
}

export interface Push {
  query: Record<string, string>;
  outer: Record<string, string>;
  inner: string;
  fields: Record<string, string>;
  receiveId: string;
}

export type Answer = { status?: number; body?: string; delayMs?: number } | ((p: Push, n: number) => { status?: number; body?: string; delayMs?: number });

export interface Receiver {
  url: string;
  pushes: Push[];
  /** Problems found in a push (signature, the two decryptions disagreeing …); a test expects none. */
  problems: string[];
  answer: Answer;
  waitFor(pred: (p: Push) => boolean, timeoutMs?: number): Promise<Push>;
  close(): Promise<void>;
}

export async function startReceiver(token: string = WECOM_SANDBOX.token, encodingAesKey: string = WECOM_SANDBOX.encodingAesKey): Promise<Receiver> {
  // Connections the sandbox keeps alive would otherwise hold close() open.
  const app = Fastify({ forceCloseConnections: true });
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const r: Receiver = {
    url: '',
    pushes: [],
    problems: [],
    answer: { status: 200, body: 'success' },
    async waitFor(pred, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = r.pushes.find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no matching push within ${timeoutMs} ms; got ${JSON.stringify(r.pushes.map((p) => p.fields))}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    close: () => app.close(),
  };
  // URL verification: the echostr is encrypted; its plaintext goes back.
  app.get('/cb', async (req, reply) => {
    const q = req.query as Record<string, string>;
    if (q.msg_signature !== getSignature(token, q.timestamp, q.nonce, q.echostr)) return reply.code(403).send('bad signature');
    return decrypt(encodingAesKey, q.echostr).message;
  });
  app.post('/cb', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const body = String(req.body);
    const outer = fieldsOf(body);
    const encrypted = outer.Encrypt ?? '';
    if (q.msg_signature !== getSignature(token, q.timestamp, q.nonce, encrypted)) r.problems.push('msg_signature (@wecom/crypto)');
    if (q.msg_signature !== independentSignature(token, q.timestamp, q.nonce, encrypted)) r.problems.push('msg_signature (independent)');
    const official = decrypt(encodingAesKey, encrypted);
    const mine = independentDecrypt(encodingAesKey, encrypted);
    if (official.message !== mine.message || official.id !== mine.receiveId) r.problems.push('the two decryptions disagree');
    const push: Push = { query: q, outer, inner: mine.message, fields: fieldsOf(mine.message), receiveId: mine.receiveId };
    if (push.receiveId !== outer.ToUserName || push.fields.ToUserName !== outer.ToUserName) r.problems.push('corpid');
    r.pushes.push(push);
    const a = typeof r.answer === 'function' ? r.answer(push, r.pushes.length) : r.answer;
    if (a.delayMs) await new Promise((res) => setTimeout(res, a.delayMs));
    return reply.code(a.status ?? 200).type('text/plain').send(a.body ?? 'success');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  r.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/cb`;
  return r;
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
