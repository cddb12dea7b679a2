import { X509Certificate, createDecipheriv, createPrivateKey, createSign, createVerify, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySandboxStore } from '../store.js';
import { wechatPaySandbox } from './index.js';

/**
 * What third-party merchant code relies on beyond the happy path: platform certificates, attach,
 * transaction_id lookups, WeChat's error shape and headers, and state that outlives the process.
 * Signing is hand-rolled here so a bug shared with the server's client cannot hide.
 */
interface Merchant {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  platformKeys: Record<string, string>;
  verifyMode: string;
}

interface Sandbox {
  app: FastifyInstance;
  origin: string;
  base: string;
}

const received: Array<{ url: string; headers: Record<string, unknown>; body: string }> = [];
let answer = 204;

/** A merchant server recording notifications, with the WeChat Pay sandbox mounted beside it. */
async function startSandbox(store: MemorySandboxStore, port = 0): Promise<Sandbox> {
  const app = Fastify();
  await app.register(async (r) => {
    r.removeContentTypeParser('application/json');
    r.addContentTypeParser('application/json', { parseAs: 'string' }, (_q, b, done) => done(null, b));
    r.post('/hook/*', async (req, reply) => {
      received.push({ url: req.url, headers: req.headers, body: req.body as string });
      return reply.status(answer).send();
    });
  });
  let base = '';
  await app.register(wechatPaySandbox, { prefix: '/sandbox/wechatpay', baseUrl: () => base, store, refundDelayMs: 20, notifyRetryDelaysMs: [100, 100, 100], pollMs: 50 });
  await app.listen({ host: '127.0.0.1', port });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  base = `${origin}/sandbox/wechatpay`;
  return { app, origin, base };
}

let sb: Sandbox;
const store = new MemorySandboxStore();
beforeAll(async () => {
  sb = await startSandbox(store);
});
afterAll(() => sb.app.close());

async function newMerchant(s: Sandbox, body: object = {}): Promise<Merchant> {
  const res = await fetch(`${s.base}/sandbox/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as Merchant;
}

async function signed(s: Sandbox, m: Merchant, method: string, path: string, body?: object) {
  const raw = body ? JSON.stringify(body) : '';
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  const url = new URL(s.base + path);
  const sig = createSign('RSA-SHA256').update(`${method}\n${url.pathname}${url.search}\n${ts}\n${nonce}\n${raw}\n`).sign(createPrivateKey(m.privateKeyPem), 'base64');
  const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${m.mchId}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${m.serialNo}"`;
  const res = await fetch(url, { method, headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? raw : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

function verifiesWith(keyPem: string, headers: Headers | Record<string, unknown>, body: string): boolean {
  const get = (k: string) => (headers instanceof Headers ? headers.get(k) : (headers[k] as string)) ?? '';
  return createVerify('RSA-SHA256').update(`${get('wechatpay-timestamp')}\n${get('wechatpay-nonce')}\n${body}\n`).verify(keyPem, get('wechatpay-signature'), 'base64');
}

function decrypt(apiV3Key: string, r: { ciphertext: string; nonce: string; associated_data: string }): string {
  const ct = Buffer.from(r.ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(r.nonce));
  d.setAuthTag(ct.subarray(-16));
  d.setAAD(Buffer.from(r.associated_data));
  return Buffer.concat([d.update(ct.subarray(0, -16)), d.final()]).toString();
}

const prepayBody = (s: Sandbox, m: Merchant, no: string, extra: object = {}) => ({
  appid: m.appId, mchid: m.mchId, description: '测试商品', out_trade_no: no, notify_url: `${s.origin}/hook/${no}`,
  amount: { total: 880, currency: 'CNY' }, payer: { openid: 'o_fidelity' }, ...extra,
});

const payAtCashier = (s: Sandbox, prepayId: string) =>
  fetch(`${s.base}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prepay_id: prepayId }) });

/** Polls; a probe that throws counts as "not yet" (a pooled connection to a server just restarted on its port). */
async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let last: unknown;
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw last ?? new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('platform certificates', () => {
  it('issues a real X.509 certificate whose serial is the Wechatpay-Serial it signs with', async () => {
    const m = await newMerchant(sb);
    const [[serial, pem]] = Object.entries(m.platformKeys);
    const cert = new X509Certificate(pem);
    expect(cert.serialNumber).toBe(serial);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(4 * 365 * 86400_000);

    const no = `C${Date.now()}`;
    const r = await signed(sb, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(sb, m, no));
    expect(r.headers.get('wechatpay-serial')).toBe(serial);
    expect(verifiesWith(pem, r.headers, r.text)).toBe(true);
  });

  it('serves GET /v3/certificates to signed requests only, encrypted with the APIv3 key and signed', async () => {
    const m = await newMerchant(sb);
    const [[serial, pem]] = Object.entries(m.platformKeys);
    const unsigned = await fetch(`${sb.base}/v3/certificates`, { headers: { accept: 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { code: string }).code).toBe('SIGN_ERROR');

    const r = await signed(sb, m, 'GET', '/v3/certificates');
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(1);
    const [item] = r.json.data;
    expect(item).toMatchObject({
      serial_no: serial,
      effective_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
      expire_time: expect.stringMatching(/\+08:00$/),
      encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'certificate', nonce: expect.any(String), ciphertext: expect.any(String) },
    });
    const downloaded = decrypt(m.apiV3Key, item.encrypt_certificate);
    expect(downloaded).toBe(pem);
    expect(new X509Certificate(downloaded).serialNumber).toBe(item.serial_no);
    expect(r.headers.get('wechatpay-serial')).toBe(serial);
    expect(verifiesWith(downloaded, r.headers, r.text)).toBe(true);
  });

  it('has no certificate for a public-key merchant, answered as WeChat does', async () => {
    const m = await newMerchant(sb, { verifyMode: 'public_key' });
    const r = await signed(sb, m, 'GET', '/v3/certificates');
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('RESOURCE_NOT_EXISTS');
  });
});

describe('orders beyond out_trade_no', () => {
  it('keeps attach and returns it in queries and in the notification; finds the order by transaction_id', async () => {
    const m = await newMerchant(sb);
    const no = `A${Date.now()}`;
    const attach = JSON.stringify({ purpose: 'topup', ref: 'T-1' });
    const { json } = await signed(sb, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(sb, m, no, { attach }));
    expect((await signed(sb, m, 'GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${m.mchId}`)).json.attach).toBe(attach);
    await payAtCashier(sb, json.prepay_id);
    const note = await until(() => received.find((n) => n.url.endsWith(no)));
    const env = JSON.parse(note.body);
    const resource = JSON.parse(decrypt(m.apiV3Key, env.resource));
    expect(resource).toMatchObject({ out_trade_no: no, attach, trade_state: 'SUCCESS' });

    const byId = await signed(sb, m, 'GET', `/v3/pay/transactions/id/${resource.transaction_id}?mchid=${m.mchId}`);
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ out_trade_no: no, transaction_id: resource.transaction_id, attach, trade_state: 'SUCCESS' });
    const other = await newMerchant(sb);
    const foreign = await signed(sb, other, 'GET', `/v3/pay/transactions/id/${resource.transaction_id}?mchid=${other.mchId}`);
    expect({ status: foreign.status, code: foreign.json.code }).toEqual({ status: 404, code: 'ORDER_NOT_EXIST' });
  });

  it('refunds by transaction_id instead of out_trade_no', async () => {
    const m = await newMerchant(sb);
    const no = `R${Date.now()}`;
    const { json } = await signed(sb, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(sb, m, no));
    const paid = (await (await payAtCashier(sb, json.prepay_id)).json()) as { transaction_id: string };
    const refund = await signed(sb, m, 'POST', '/v3/refund/domestic/refunds', {
      transaction_id: paid.transaction_id, out_refund_no: `${no}-1`, notify_url: `${sb.origin}/hook/refund-${no}`, amount: { refund: 300, total: 880, currency: 'CNY' },
    });
    expect(refund.status).toBe(200);
    expect(refund.json).toMatchObject({ status: 'PROCESSING', out_trade_no: no, transaction_id: paid.transaction_id, amount: { refund: 300 } });
    const neither = await signed(sb, m, 'POST', '/v3/refund/domestic/refunds', { out_refund_no: `${no}-2`, amount: { refund: 1, total: 880, currency: 'CNY' } });
    expect(neither.json.code).toBe('PARAM_ERROR');
    const note = await until(() => received.find((n) => n.url.endsWith(`refund-${no}`)));
    expect(JSON.parse(decrypt(m.apiV3Key, JSON.parse(note.body).resource))).toMatchObject({ refund_status: 'SUCCESS', transaction_id: paid.transaction_id, out_refund_no: `${no}-1` });
  });

  it('refuses a notify_url with a query string', async () => {
    const m = await newMerchant(sb);
    const r = await signed(sb, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(sb, m, `Q${Date.now()}`, { notify_url: `${sb.origin}/hook/q?shop=1` }));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'notify_url' } });
  });
});

describe('WeChat-shaped answers', () => {
  it('answers unknown paths with 404 {code, message}, and every answer carries Request-ID and the signature type', async () => {
    const m = await newMerchant(sb);
    const unknown = await signed(sb, m, 'GET', '/v3/pay/transactions/nowhere/at/all');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    const unsigned = await fetch(`${sb.base}/v3/pay/transactions/out-trade-no/X123456?mchid=1`);
    const ok = await signed(sb, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(sb, m, `H${Date.now()}`));
    for (const h of [unknown.headers, unsigned.headers, ok.headers]) {
      expect(h.get('request-id')).toMatch(/^\w+$/);
      expect(h.get('wechatpay-signature-type')).toBe('WECHATPAY2-SHA256-RSA2048');
    }
    expect(unsigned.status).toBe(401);
  });
});

describe('state that outlives the process', () => {
  /** Pays an order whose notify endpoint is down, then stops the sandbox: the notification is left pending. */
  async function payAndStop(shared: MemorySandboxStore) {
    const first = await startSandbox(shared);
    const m = await newMerchant(first);
    const no = `S${Date.now()}${Math.floor(Math.random() * 1000)}`;
    answer = 500;
    try {
      const { json } = await signed(first, m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(first, m, no));
      await payAtCashier(first, json.prepay_id);
      await until(() => received.some((n) => n.url.endsWith(no)));
    } finally {
      await first.app.close();
      answer = 204;
    }
    return { m, no, port: Number(new URL(first.origin).port) };
  }

  const deliveriesOf = async (s: Sandbox, mchId: string) =>
    ((await (await fetch(`${s.base}/sandbox/notifications?mchid=${mchId}`)).json()) as { notifications: Array<{ id: string; acknowledged: boolean; attempts: number }> }).notifications;

  it('delivers after a restart a notification that was still pending when the first process stopped', async () => {
    const shared = new MemorySandboxStore();
    const { m, no, port } = await payAndStop(shared);
    const failedAttempts = received.filter((n) => n.url.endsWith(no)).length;
    expect(failedAttempts).toBeGreaterThanOrEqual(1);

    // Same store, same address: the merchant's config and the order's notify_url stay valid.
    const second = await startSandbox(shared, port);
    try {
      const d = await until(async () => (await deliveriesOf(second, m.mchId)).find((x) => x.acknowledged));
      expect(d.attempts).toBe(received.filter((n) => n.url.endsWith(no)).length);
      const ids = received.filter((n) => n.url.endsWith(no)).map((n) => JSON.parse(n.body).id);
      expect(new Set(ids)).toEqual(new Set([d.id]));
      // The merchant, its keys and the paid order are all still known.
      const q = await signed(second, m, 'GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${m.mchId}`);
      expect(q.json.trade_state).toBe('SUCCESS');
      expect(verifiesWith(Object.values(m.platformKeys)[0], q.headers, q.text)).toBe(true);
    } finally {
      await second.app.close();
    }
  });

  it('leaves a delivery claimed by a process that died mid-attempt alone until its lease ends, then delivers it', async () => {
    const shared = new MemorySandboxStore();
    const { m, no, port } = await payAndStop(shared);
    // A process that took the delivery and died before recording the outcome.
    const leaseEnd = Date.now() + 800;
    const claimed = await shared.claimDue(['wxpay.notification'], new Date(Date.now() + 3_600_000), new Date(leaseEnd), 10);
    expect(claimed.map((c) => (c.value as { url: string }).url)).toEqual([expect.stringMatching(new RegExp(`/hook/${no}$`))]);
    const before = received.filter((n) => n.url.endsWith(no)).length;

    const second = await startSandbox(shared, port);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(received.filter((n) => n.url.endsWith(no)).length).toBe(before);
      await until(async () => (await deliveriesOf(second, m.mchId)).find((x) => x.acknowledged));
      expect(Date.now()).toBeGreaterThanOrEqual(leaseEnd);
      const last = received.filter((n) => n.url.endsWith(no)).at(-1)!;
      expect(JSON.parse(decrypt(m.apiV3Key, JSON.parse(last.body).resource))).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS' });
    } finally {
      await second.app.close();
    }
  });
});
