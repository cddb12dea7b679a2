import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECHAT_MP_SANDBOX } from '@siyu/sandbox';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { addAddress, createProduct, payOrder, waitFor } from '../../testing/commerce.js';
import { customerHelpers } from '../customers/test-helpers.js';
import { shopMinute } from './budget.js';

/**
 * The official account end to end against the sandbox: URL check, encrypted callbacks, a source QR code
 * that tags its followers, a template message with its receipt, token expiry, and a worker that dies.
 */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let accountId: string;
const OA = WECHAT_MP_SANDBOX.officialAccount;
const token = 'siyuTest01';
const aesKey = randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 43);

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const sim = (path: string, body?: unknown) => t.call(body === undefined ? 'GET' : 'POST', `/sandbox/mp/__sim${path}`, { body });
const phone = async (key: string) => (await sim(`/messages?appid=${OA.appid}&key=${key}&all=1`)).body.items as { type: string; direction: string; title?: string; text?: string; status?: string; clientMsgId?: string }[];
const templates = async (key: string) => (await phone(key)).filter((m) => m.type === 'template');

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  t.services.dispatcher.clock = () => new Date(Date.now() + ((720 - shopMinute(new Date()) + 1440) % 1440) * 60_000);
  const connected = await admin('PUT', '/messaging/channels/oa', { name: '思域示例商城', appId: OA.appid, appSecret: OA.secret, token, encodingAesKey: aesKey });
  expect(connected.status).toBe(200);
  accountId = connected.body.id;
  expect(connected.body.appSecret).not.toContain('secret');
  // What the merchant pastes into WeChat's console; WeChat checks the URL first (echostr).
  const configured = await sim(`/accounts/${OA.appid}/server`, { url: connected.body.callbackUrl, token, encodingAESKey: aesKey });
  expect(configured.status).toBe(200);
  const ids = WECHAT_MP_SANDBOX.templateIds[OA.appid]!;
  const shipped = await admin('POST', '/messaging/templates', {
    name: '订单发货通知', topic: 'order_shipped', channel: 'oa_template', vendorTemplateId: ids.ORDER_SHIPPED, content: '商品名称{{thing1.DATA}}快递单号{{character_string2.DATA}}快递公司{{thing3.DATA}}发货时间{{time4.DATA}}',
    fields: [{ key: 'thing1', value: '{{goods}}' }, { key: 'character_string2', value: '{{trackingNo}}' }, { key: 'thing3', value: '{{carrier}}' }, { key: 'time4', value: '{{time}}' }],
    link: '/orders/{{orderId}}',
  });
  expect(shipped.status).toBe(201);
}, 120_000);
afterAll(() => t?.close());

describe('the official account', () => {
  it('passes the test button and refuses a forged callback', async () => {
    const test = await admin('POST', '/messaging/channels/oa/test');
    expect(test.body).toMatchObject({ ok: true });
    expect(test.body.templates).toBeGreaterThan(0);
    const forged = await fetch(`${t.url}/api/hooks/wechat-mp/${accountId}?signature=x&timestamp=1&nonce=2&encrypt_type=aes&msg_signature=y`, { method: 'POST', body: '<xml><Encrypt>abc</Encrypt></xml>' });
    expect(forged.status).toBe(401);
    const badEcho = await fetch(`${t.url}/api/hooks/wechat-mp/${accountId}?signature=x&timestamp=1&nonce=2&echostr=hello`);
    expect(badEcho.status).toBe(401);
  });

  it('a follow through a source QR code is counted, answered, and tags the customer once known; the shipped order arrives as a template message', async () => {
    const tag = await admin('POST', '/tags', { name: '门店扫码', kind: 'manual' });
    await admin('POST', '/messaging/auto-replies', { kind: 'keyword', keyword: '营业时间', reply: '每天 10:00–22:00' });
    const qr = await admin('POST', '/messaging/qr-codes', { name: '万象城门店', kind: 'permanent', tagIds: [tag.body.id], welcome: '欢迎关注,回复「营业时间」查看门店信息' });
    expect(qr.status).toBe(201);
    const png = await fetch(`${t.url}${qr.body.imageUrl}`, { headers: { cookie: shop.owner.cookie } });
    expect(png.headers.get('content-type')).toBe('image/png');
    const ticket = new URL(qr.body.url).pathname.split('/').pop();
    expect(ticket).toBeTruthy();

    const key = `fan-${randomBytes(4).toString('hex')}`;
    const [row] = await rows<{ ticket: string }>(t.platform.db, sql`SELECT ticket FROM mp_qr_codes WHERE id = ${qr.body.id}`);
    const followed = await sim(`/users/${key}/follow`, { appid: OA.appid, ticket: row!.ticket });
    expect(followed.status).toBe(200);
    await waitFor(async () => (await phone(key)).find((m) => m.direction === 'out' && m.text?.includes('欢迎关注')), 'the follow reply');
    const replied = await sim(`/users/${key}/text`, { appid: OA.appid, content: '营业时间' });
    expect(replied.status).toBe(200);
    await waitFor(async () => (await phone(key)).find((m) => m.text?.includes('10:00–22:00')), 'the keyword reply');
    const codes = await admin('GET', '/messaging/qr-codes');
    expect(codes.body.items.find((c: { id: string }) => c.id === qr.body.id)).toMatchObject({ scans: 1, follows: 1 });

    // The follower becomes a customer when they sign in with WeChat (same person, same unionid).
    const h = customerHelpers(t);
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: '扫码粉丝' });
    await t.drain();
    await waitFor(async () => {
      const tags = await admin('GET', `/customers/${signed.customer.id}/tags`);
      return tags.body.items.some((x: { id: string }) => x.id === tag.body.id);
    }, 'the source tag');
    const followers = await admin('GET', '/messaging/followers');
    expect(followers.body.items.find((f: { customerId: string }) => f.customerId === signed.customer.id)).toMatchObject({ subscribed: true, sourceQr: '万象城门店' });

    // Buy, ship: the order-shipped template message reaches the follower's phone, and WeChat's receipt marks it delivered.
    const product = await createProduct(t, shop.owner, { priceFen: 2000, stock: 5, title: '保湿面霜' });
    const c = { token: signed.token, customerId: signed.customer.id, phone: '13800138000' };
    const addressId = await addAddress(t, shop.slug, c);
    const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: { authorization: `Bearer ${c.token}` }, body: { items: [{ skuId: product.skus[0]!.id, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(placed.status).toBe(201);
    const order = placed.body.orders?.[0] ?? placed.body;
    await payOrder(t, shop.slug, c, order.id);
    // An expired token on the way: the client fetches a new one and sends.
    await sim(`/accounts/${OA.appid}/expire-token`, {});
    expect((await admin('POST', `/orders/${order.id}/ship`, { carrier: 'SF', trackingNo: 'SF7654321098' })).status).toBe(200);
    await t.drain();
    await t.services.dispatcher.drain();
    const got = await templates(key);
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain('SF7654321098');
    await waitFor(async () => {
      const [d] = await rows<{ status: string }>(t.platform.db, sql`SELECT status FROM deliveries WHERE customer_id = ${c.customerId} AND topic = 'order_shipped'`);
      return d?.status === 'delivered';
    }, 'TEMPLATESENDJOBFINISH');
  });

  it('a worker killed after admitting resends a template message with the same client_msg_id: one message arrives', async () => {
    const key = `crash-${randomBytes(4).toString('hex')}`;
    await sim(`/users/${key}/follow`, { appid: OA.appid });
    const h = customerHelpers(t);
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: '宕机' });
    await t.drain();
    await waitFor(async () => (await rows(t.platform.db, sql`SELECT 1 FROM mp_followers WHERE customer_id = ${signed.customer.id}`)).length > 0, 'the follower link');
    await t.platform.database.transaction((tx) =>
      t.services.messaging.send(tx, [{ shopId: shop.shopId, customerId: signed.customer.id, topic: 'order_shipped', key: `crash:${key}`, vars: { goods: '面霜', trackingNo: 'SF1', carrier: '顺丰', time: '2026-12-04 10:00' } }]),
    );
    const d = t.services.dispatcher as unknown as { admit(tx: unknown, limit: number, now: Date): Promise<{ outgoing: unknown[]; contexts: unknown }>; send(list: unknown[], contexts: unknown): Promise<unknown> };
    const admitted = await t.platform.database.transaction((tx) => d.admit(tx, 100, t.services.dispatcher.clock()));
    // The vendor call went out, then the worker died before recording it.
    await d.send(admitted.outgoing, admitted.contexts);
    await t.platform.db.execute(sql`UPDATE deliveries SET lease_until = now() - interval '1 hour' WHERE customer_id = ${signed.customer.id}`);
    await t.services.dispatcher.recoverStale();
    await t.services.dispatcher.drain();
    const [row] = await rows<{ status: string; vendor_msg_id: string }>(t.platform.db, sql`SELECT status, vendor_msg_id, reason FROM deliveries WHERE customer_id = ${signed.customer.id}`);
    expect(row, JSON.stringify(row)).toMatchObject({ status: expect.stringMatching(/sent|delivered/) });
    expect(await templates(key)).toHaveLength(1);
    const stats = (await sim(`/stats?appid=${OA.appid}`)).body;
    expect(JSON.stringify(stats)).toMatch(/dedup/i);
  });

  it('syncs followers page by page and links them by unionid', async () => {
    await sim('/settings', { followerPageSize: 2 });
    const res = await admin('POST', '/messaging/channels/oa/sync-followers');
    expect(res.status).toBe(200);
    expect(res.body.synced).toBeGreaterThanOrEqual(2);
    expect(res.body.linked).toBeGreaterThanOrEqual(2);
    await sim('/settings', { followerPageSize: null });
  });
});

describe('faults at WeChat', () => {
  it('retries a 5xx and a quota refusal later with the same client_msg_id, and fails a refusal of the customer for good', async () => {
    const key = `fault-${randomBytes(4).toString('hex')}`;
    await sim(`/users/${key}/follow`, { appid: OA.appid });
    const signed = await customerHelpers(t).wechatSignIn(shop.slug, { key, nickname: '故障' });
    await t.drain();
    await waitFor(async () => (await rows(t.platform.db, sql`SELECT 1 FROM mp_followers WHERE customer_id = ${signed.customer.id}`)).length > 0, 'the follower link');
    const d = t.services.dispatcher;
    const base = d.clock;
    const send = (n: number) =>
      t.platform.database.transaction((tx) =>
        t.services.messaging.send(tx, [{ shopId: shop.shopId, customerId: signed.customer.id, topic: 'order_shipped', key: `fault:${key}:${n}`, vars: { goods: '面霜', trackingNo: `SF${n}`, carrier: '顺丰', time: '2026-12-04 10:00' } }]),
      );
    const status = async (n: number) => (await rows<{ status: string; reason: string | null; attempts: number }>(t.platform.db, sql`SELECT status, reason, attempts FROM deliveries WHERE idempotency_key = ${`fault:${key}:${n}`}`))[0]!;
    try {
      await sim('/faults', { api: '/cgi-bin/message/template/send', kind: 'http500', count: 1 });
      await send(1);
      await d.drain();
      expect(await status(1)).toMatchObject({ status: 'pending', reason: expect.stringContaining('500') });
      await sim('/faults', { api: '/cgi-bin/message/template/send', kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit', count: 1 });
      d.clock = () => new Date(base().getTime() + 10_000);
      await d.drain();
      expect(await status(1)).toMatchObject({ status: 'pending', reason: expect.stringContaining('45009'), attempts: 2 });
      d.clock = () => new Date(base().getTime() + 60_000);
      await d.drain();
      expect((await status(1)).status).toMatch(/sent|delivered/);
      expect((await templates(key)).filter((m) => m.text?.includes('SF1'))).toHaveLength(1);

      await sim(`/users/${key}/block-template`, { appid: OA.appid, templateId: WECHAT_MP_SANDBOX.templateIds[OA.appid]!.ORDER_SHIPPED });
      await send(2);
      await d.drain();
      // Refused by the customer at WeChat: the chain moves on (this shop has no SMS template for it), the reason stays.
      expect(await status(2)).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/oa_template: 43101.*; sms: /) });
    } finally {
      d.clock = base;
      await t.call('DELETE', '/sandbox/mp/__sim/faults');
    }
  });
});
