import { createDecipheriv, createPrivateKey, createSign, createVerify, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatPaySandbox } from './index.js';

/**
 * Protocol-level checks of the simulator with hand-rolled signing (no merchant client), so a shared bug in the
 * client cannot hide a sandbox bug. End-to-end flows live in apps/server/src/modules/orders/wechatpay.
 */
interface Merchant {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  platformKeys: Record<string, string>;
}

let app: FastifyInstance;
let base: string;
let origin: string;
const inbox: Array<{ url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  app = Fastify();
  await app.register(async (r) => {
    r.removeContentTypeParser('application/json');
    r.addContentTypeParser('application/json', { parseAs: 'string' }, (_q, b, done) => done(null, b));
    r.post('/hook/*', async (req, reply) => {
      inbox.push({ url: req.url, headers: req.headers, body: req.body as string });
      return reply.status(204).send();
    });
  });
  await app.register(wechatPaySandbox, { prefix: '/sandbox/wechatpay', baseUrl: () => base, refundDelayMs: 20, notifyRetryDelaysMs: [20] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  base = `${origin}/sandbox/wechatpay`;
});
afterAll(() => app.close());

async function newMerchant(body: object = {}): Promise<Merchant> {
  const res = await fetch(`${base}/sandbox/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as Merchant;
}

function rsa(keyPem: string, message: string) {
  return createSign('RSA-SHA256').update(message).sign(createPrivateKey(keyPem), 'base64');
}

async function signed(m: Merchant, method: string, path: string, body?: object, over: { ts?: number; serial?: string; sendBody?: string } = {}) {
  const raw = body ? JSON.stringify(body) : '';
  const ts = String(over.ts ?? Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  const url = new URL(base + path);
  const sig = rsa(m.privateKeyPem, `${method}\n${url.pathname}${url.search}\n${ts}\n${nonce}\n${raw}\n`);
  const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${m.mchId}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${over.serial ?? m.serialNo}"`;
  const res = await fetch(url, { method, headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) }, body: over.sendBody ?? (body ? raw : undefined) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

function platformVerifies(m: Merchant, headers: Headers | Record<string, unknown>, body: string): boolean {
  const get = (k: string) => (headers instanceof Headers ? headers.get(k) : (headers[k] as string)) ?? '';
  const key = m.platformKeys[get('wechatpay-serial')];
  if (!key) return false;
  return createVerify('RSA-SHA256').update(`${get('wechatpay-timestamp')}\n${get('wechatpay-nonce')}\n${body}\n`).verify(key, get('wechatpay-signature'), 'base64');
}

const prepayBody = (m: Merchant, outTradeNo: string, extra: object = {}) => ({
  appid: m.appId, mchid: m.mchId, description: '测试商品', out_trade_no: outTradeNo, notify_url: `${origin}/hook/${outTradeNo}`,
  amount: { total: 1234, currency: 'CNY' }, payer: { openid: 'o_test' }, ...extra,
});

describe('WeChat Pay sandbox protocol', () => {
  it('creates merchants with 32-char APIv3 keys and certificate or public-key platform serials', async () => {
    const cert = await newMerchant();
    expect(cert.apiV3Key).toHaveLength(32);
    expect(Object.keys(cert.platformKeys)[0]).toMatch(/^[0-9A-F]{40}$/);
    expect(cert.serialNo).toMatch(/^[0-9A-F]{40}$/);
    const pk = await newMerchant({ verifyMode: 'public_key', appId: 'wxabc123' });
    expect(pk.appId).toBe('wxabc123');
    expect(Object.keys(pk.platformKeys)[0]).toMatch(/^PUB_KEY_ID_\d+$/);
  });

  it('rejects unsigned, stale, tampered and wrongly-serialled requests with 401 SIGN_ERROR, unsigned', async () => {
    const m = await newMerchant();
    const body = prepayBody(m, `A${Date.now()}`);
    const noAuth = await fetch(`${base}/v3/pay/transactions/jsapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { code: string }).code).toBe('SIGN_ERROR');
    expect(noAuth.headers.get('wechatpay-signature')).toBeNull();
    for (const over of [{ ts: Math.floor(Date.now() / 1000) - 301 }, { sendBody: JSON.stringify({ ...body, amount: { total: 1, currency: 'CNY' } }) }, { serial: 'ABCDEF' }]) {
      const r = await signed(m, 'POST', '/v3/pay/transactions/jsapi', body, over);
      expect({ status: r.status, code: r.json.code }).toEqual({ status: 401, code: 'SIGN_ERROR' });
    }
    const ok = await signed(m, 'POST', '/v3/pay/transactions/jsapi', body);
    expect(ok.status).toBe(200);
    expect(platformVerifies(m, ok.headers, ok.text)).toBe(true);
    expect(platformVerifies(m, ok.headers, ok.text.replace('wx', 'wy'))).toBe(false);
  });

  it('validates bodies like WeChat (PARAM_ERROR with detail.field) and signs 204 answers over an empty body', async () => {
    const m = await newMerchant();
    const bad = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, `B${Date.now()}`, { amount: { total: 12.5 } }));
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'amount.total' } });
    const otherApp = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, `B${Date.now()}`, { appid: 'wxsomeoneelse' }));
    expect(otherApp.json.code).toBe('APPID_MCHID_NOT_MATCH');

    const no = `C${Date.now()}`;
    await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, no));
    const closed = await signed(m, 'POST', `/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: m.mchId });
    expect(closed.status).toBe(204);
    expect(platformVerifies(m, closed.headers, '')).toBe(true);
    const q = await signed(m, 'GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${m.mchId}`);
    expect(q.json).toMatchObject({ trade_state: 'CLOSED', amount: { total: 1234 } });
  });

  it('renders an accessible zh-CN cashier; cancel leaves the order unpaid, confirm pays and notifies once', async () => {
    const m = await newMerchant();
    const no = `D${Date.now()}`;
    const { json } = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, no));
    const page = await fetch(`${base}/pay?prepay_id=${json.prepay_id}&redirect=${encodeURIComponent('/s/demo/orders/9?tab=1')}`);
    const html = await page.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('¥12.34');
    expect(html).toContain('aria-label="支付金额 12.34 元"');
    expect(html).toMatch(/<button[^>]*value="confirm">确认支付<\/button>/);
    expect(html).toMatch(/<button[^>]*value="cancel">取消支付<\/button>/);
    expect(html).not.toMatch(/<script|onclick=|https?:\/\/[^"]*\.(css|js)/);

    const post = (action: string, redirect: string) =>
      fetch(`${base}/pay`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ prepay_id: json.prepay_id, redirect, action }) });
    const cancel = await post('cancel', '/s/demo/orders/9?tab=1');
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe('/s/demo/orders/9?tab=1&result=cancel');
    expect((await signed(m, 'GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${m.mchId}`)).json.trade_state).toBe('NOTPAY');

    const forged = await fetch(`${base}/pay`, { method: 'POST', body: new URLSearchParams({ prepay_id: json.prepay_id, action: 'confirm', timeStamp: '1', nonceStr: 'x', paySign: 'AAAA' }) });
    expect(forged.status).toBe(400);

    // A javascript: redirect is never followed; the page answers in place instead.
    const first = await post('confirm', 'javascript:alert(1)');
    expect(first.status).toBe(200);
    const second = await post('confirm', 'https://shop.example/done');
    expect(second.headers.get('location')).toBe('https://shop.example/done?result=success');
    await new Promise((r) => setTimeout(r, 100));
    expect(inbox.filter((n) => n.url.endsWith(no))).toHaveLength(1);
  });

  it('sends notifications in the v3 envelope, encrypted with the APIv3 key and signed by the platform key', async () => {
    const m = await newMerchant({ verifyMode: 'public_key' });
    const no = `E${Date.now()}`;
    const { json } = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, no));
    const paid = await fetch(`${base}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prepay_id: json.prepay_id }) });
    expect(((await paid.json()) as { trade_state: string }).trade_state).toBe('SUCCESS');
    await expect.poll(() => inbox.some((n) => n.url.endsWith(no))).toBe(true);
    const n = inbox.find((x) => x.url.endsWith(no))!;
    expect(platformVerifies(m, n.headers, n.body)).toBe(true);
    const env = JSON.parse(n.body);
    expect(env).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', summary: '支付成功' });
    expect(env.resource).toMatchObject({ algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction', associated_data: 'transaction' });
    const ct = Buffer.from(env.resource.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', Buffer.from(m.apiV3Key), Buffer.from(env.resource.nonce));
    d.setAuthTag(ct.subarray(-16));
    d.setAAD(Buffer.from(env.resource.associated_data));
    const resource = JSON.parse(Buffer.concat([d.update(ct.subarray(0, -16)), d.final()]).toString());
    expect(resource).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS', amount: { total: 1234, payer_total: 1234 } });
  });

  it('refuses a time_expire already past at prepay, and payment once time_expire passes', async () => {
    const m = await newMerchant();
    const past = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, `F${Date.now()}`, { time_expire: '2020-01-01T00:00:00+08:00' }));
    expect(past.status).toBe(400);
    expect(past.json).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'time_expire' } });

    const no = `F${Date.now()}`;
    const soon = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    const { json } = await signed(m, 'POST', '/v3/pay/transactions/jsapi', prepayBody(m, no, { time_expire: soon.toISOString().replace(/\.\d{3}Z$/, 'Z') }));
    await new Promise((r) => setTimeout(r, soon.getTime() - Date.now() + 50));
    const res = await fetch(`${base}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prepay_id: json.prepay_id }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('ORDER_CLOSED');
  });
});

describe('WeChat Pay sandbox shutdown', () => {
  it('stops retrying notifications once the Fastify instance closes', async () => {
    let calls = 0;
    const countingFetch: typeof fetch = async () => {
      calls++;
      return new Response('no', { status: 500 });
    };
    const local = Fastify();
    let localBase = '';
    await local.register(wechatPaySandbox, { prefix: '/wp', baseUrl: () => localBase, notifyRetryDelaysMs: [40, 40, 40, 40], fetch: countingFetch });
    await local.listen({ host: '127.0.0.1', port: 0 });
    localBase = `http://127.0.0.1:${(local.server.address() as { port: number }).port}/wp`;
    const m = (await (await fetch(`${localBase}/sandbox/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as Merchant;
    const saved = base;
    base = localBase;
    try {
      const { json } = await signed(m, 'POST', '/v3/pay/transactions/jsapi', { ...prepayBody(m, `G${Date.now()}`), notify_url: 'http://127.0.0.1:9/nowhere' });
      await fetch(`${localBase}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prepay_id: json.prepay_id }) });
    } finally {
      base = saved;
    }
    await expect.poll(() => calls).toBeGreaterThanOrEqual(1);
    await local.close();
    const afterClose = calls;
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(afterClose);
    expect(afterClose).toBeLessThan(5);
  });
});
