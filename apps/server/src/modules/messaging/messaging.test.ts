import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../platform/db/index.js';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture } from '../../testing/commerce.js';
import { Dispatcher } from './dispatcher.js';
import { shopMinute } from './budget.js';

/**
 * Marketing SMS go only 08:00–20:00 shop time, so the dispatchers here run on a clock moved forward to
 * the next 12:00 in Shanghai: the tests mean the same at any hour CI runs them.
 */
const noon = () => {
  const now = new Date();
  return new Date(now.getTime() + ((720 - shopMinute(now) + 1440) % 1440) * 60_000);
};
const atNoon = (d: Dispatcher) => {
  d.clock = noon;
  return d;
};

let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let promoTemplate: string;

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const inbox = async (phone: string) => ((await t.call('GET', `/sandbox/sms/messages?phone=${phone}`)).body.items as { text: string; templateId: string }[]).filter((m) => m.templateId !== '1000001');
const deliveries = (customerId: string) =>
  rows<{ status: string; reason: string | null; channel: string | null; topic: string; vendor_msg_id: string | null }>(t.platform.db, sql`SELECT * FROM deliveries WHERE customer_id = ${customerId} ORDER BY created_at`);
const dispatch = () => t.services.dispatcher.drain();

async function promote(c: CustomerFixture, n: number, tag: string) {
  await t.platform.database.transaction((tx) =>
    t.services.messaging.send(
      tx,
      Array.from({ length: n }, (_, i) => ({ shopId: shop.shopId, customerId: c.customerId, topic: 'promotion' as const, key: `${tag}:${c.customerId}:${i}`, channels: ['sms' as const], vars: { activity: '年终大促', link: 'https://s.example.com/a' } })),
    ),
  );
}

async function consent(c: CustomerFixture) {
  const r = await t.call('PUT', `/api/store/${shop.slug}/messages/preferences`, { headers: bearer(c), body: { refusedTopics: [], refusedChannels: [], smsMarketing: true } });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  atNoon(t.services.dispatcher);
  expect((await admin('PUT', '/messaging/channels/sms', { vendor: 'tencent', accessKeyId: 'AKIDsandbox', accessKeySecret: 'sandbox-secret-key', sdkAppId: '1400000001', signName: '思域商城', region: 'ap-guangzhou' })).status).toBe(200);
  // Quiet hours off for the shop, so the tests do not depend on the time of day they run at.
  expect((await admin('PUT', '/messaging/budget', { daily: { total: 2, mini_subscribe: null, oa_template: 1, sms: 1, wecom: 1 }, weekly: { total: 5, mini_subscribe: null, oa_template: 3, sms: 3, wecom: 3 }, quietStart: 0, quietEnd: 0 })).status).toBe(200);
  const shipped = await admin('POST', '/messaging/templates', {
    name: '发货短信', topic: 'order_shipped', channel: 'sms', vendorTemplateId: '1000002', content: '您的订单{1}已发货,{2}运单号{3},请注意查收。',
    fields: [{ key: '1', value: '{{orderNo}}' }, { key: '2', value: '{{carrier}}' }, { key: '3', value: '{{trackingNo}}' }],
  });
  expect(shipped.status).toBe(201);
  const promo = await admin('POST', '/messaging/templates', {
    name: '活动短信', topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中,点击{2}查看详情,拒收请回复R',
    fields: [{ key: '1', value: '{{activity}}' }, { key: '2', value: '{{link}}' }],
  });
  expect(promo.status).toBe(201);
  promoTemplate = promo.body.id;
}, 120_000);
afterAll(() => t?.close());

describe('templates', () => {
  it('refuses a marketing SMS without 拒收请回复R and an unknown variable, naming the field', async () => {
    const noOptOut = await admin('POST', '/messaging/templates', { name: 'x', topic: 'promotion', channel: 'sms', vendorTemplateId: '1000010', content: '{1}火热进行中', fields: [{ key: '1', value: '{{activity}}' }] });
    expect(noOptOut.status).toBe(400);
    expect(noOptOut.body.error.details.field).toBe('content');
    const unknown = await admin('POST', '/messaging/templates', { name: 'x', topic: 'order_shipped', channel: 'sms', vendorTemplateId: '1000002', content: '{1}', fields: [{ key: '1', value: '{{price}}' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'TEMPLATE_VARIABLE_UNKNOWN', details: { field: 'fields.0.value' } });
    const preview = await admin('POST', `/messaging/templates/${promoTemplate}/preview`, { vars: { activity: '双12' } });
    expect(preview.body.text).toBe('双12火热进行中,点击https://example.com/r/abc查看详情,拒收请回复R');
  });
});

describe('transactional messages', () => {
  it('an order shipped reaches the phone once, and its receipt marks it delivered', async () => {
    const c = await signInCustomer(t, shop.slug);
    const product = await createProduct(t, shop.owner, { priceFen: 1000, stock: 5 });
    const addressId = await addAddress(t, shop.slug, c);
    const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(c), body: { items: [{ skuId: product.skus[0]!.id, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(placed.status).toBe(201);
    const order = placed.body.orders?.[0] ?? placed.body;
    await payOrder(t, shop.slug, c, order.id);
    expect((await admin('POST', `/orders/${order.id}/ship`, { carrier: 'SF', trackingNo: 'SF1234567890' })).status).toBe(200);
    await t.drain();
    await dispatch();
    const got = await inbox(c.phone);
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain('SF1234567890');
    // The event again (a redelivery) finds its delivery: nothing more is sent.
    await t.platform.database.transaction((tx) => t.services.messaging.send(tx, [{ shopId: shop.shopId, customerId: c.customerId, topic: 'order_shipped', key: `order_shipped:${order.id}`, vars: {} }]));
    await dispatch();
    expect(await inbox(c.phone)).toHaveLength(1);
    await waitFor(async () => (await deliveries(c.customerId)).find((d) => d.status === 'delivered'), 'the delivery receipt');
  });
});

describe('the contact budget', () => {
  it('sends marketing SMS only with consent, and counts them against the caps', async () => {
    const c = await signInCustomer(t, shop.slug);
    await promote(c, 1, 'no-consent');
    await dispatch();
    expect((await deliveries(c.customerId))[0]).toMatchObject({ status: 'opted_out', reason: expect.stringContaining('no marketing consent') });
    await consent(c);
    await promote(c, 3, 'consented');
    await dispatch();
    const list = (await deliveries(c.customerId)).slice(1);
    expect(list.map((d) => d.status).sort()).toEqual(['capped', 'capped', 'sent']);
    expect(list.find((d) => d.status === 'capped')!.reason).toContain('daily.sms');
    expect(await inbox(c.phone)).toHaveLength(1);
  });

  it('no customer passes a cap when dispatchers race (3 at once)', async () => {
    const people: CustomerFixture[] = [];
    for (let i = 0; i < 12; i++) people.push(await signInCustomer(t, shop.slug));
    for (const c of people) {
      await consent(c);
      await promote(c, 5, 'race');
    }
    const extra = [1, 2].map(() => atNoon(new Dispatcher(t.platform, t.services.channelAccounts, t.services.customers, t.services.tenancy)));
    // Small batches, so the racers interleave on the same customers.
    const race = (d: Dispatcher) => (async () => {
      while ((await d.runBatch(7)) > 0);
    })();
    await Promise.all([race(t.services.dispatcher), race(extra[0]!), race(extra[1]!)]);
    for (const c of people) {
      const list = await deliveries(c.customerId);
      expect(list.filter((d) => d.status === 'sent' || d.status === 'delivered')).toHaveLength(1);
      expect(list.filter((d) => d.status === 'capped')).toHaveLength(4);
      expect(await inbox(c.phone)).toHaveLength(1);
    }
    const [over] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM contact_counters WHERE shop_id = ${shop.shopId} AND channel = 'sms' AND n > 1`);
    expect(over!.n).toBe(0);
  });

  it('holds marketing in quiet hours and sends transactional messages anyway', async () => {
    const c = await signInCustomer(t, shop.slug);
    await consent(c);
    const minute = shopMinute(noon());
    const budget = (await admin('GET', '/messaging/budget')).body;
    expect((await admin('PUT', '/messaging/budget', { ...budget, quietStart: (minute + 1430) % 1440, quietEnd: (minute + 30) % 1440 })).status).toBe(200);
    try {
      await promote(c, 1, 'quiet');
      await t.platform.database.transaction((tx) => t.services.messaging.send(tx, [{ shopId: shop.shopId, customerId: c.customerId, topic: 'order_shipped', key: `quiet-ship:${c.customerId}`, vars: { orderNo: 'SY1', carrier: '顺丰', trackingNo: 'SF9' } }]));
      await dispatch();
      const list = await deliveries(c.customerId);
      expect(list.find((d) => d.topic === 'promotion')).toMatchObject({ status: 'pending', reason: expect.stringContaining('quiet hours') });
      expect(list.find((d) => d.topic === 'order_shipped')!.status).toMatch(/sent|delivered/);
      expect(await inbox(c.phone)).toHaveLength(1);
    } finally {
      await admin('PUT', '/messaging/budget', budget);
    }
  });
});

describe('opting out', () => {
  it('an R reply suppresses the number; a refused topic is logged as opted out', async () => {
    const c = await signInCustomer(t, shop.slug);
    await consent(c);
    await t.call('POST', '/sandbox/sms/__sim/reply', { body: { phone: c.phone, text: 'R', signName: '思域商城', vendor: 'tencent' } });
    await waitFor(async () => (await rows(t.platform.db, sql`SELECT 1 FROM sms_suppressions WHERE shop_id = ${shop.shopId} AND phone = ${c.phone}`)).length > 0, 'the reply to arrive');
    await promote(c, 1, 'after-r');
    await dispatch();
    expect((await deliveries(c.customerId))[0]).toMatchObject({ status: 'opted_out', reason: expect.stringContaining('suppressed') });

    const d = await signInCustomer(t, shop.slug);
    const prefs = await t.call('PUT', `/api/store/${shop.slug}/messages/preferences`, { headers: bearer(d), body: { refusedTopics: ['promotion'], refusedChannels: [], smsMarketing: true } });
    expect(prefs.body).toMatchObject({ refusedTopics: ['promotion'], smsMarketing: true });
    await promote(d, 1, 'refused');
    await dispatch();
    expect((await deliveries(d.customerId))[0]).toMatchObject({ status: 'opted_out', reason: 'topic promotion refused' });
    expect(await inbox(d.phone)).toHaveLength(0);
  });
});

describe('a worker that dies mid-send', () => {
  it('never sends an SMS twice: the row is failed as uncertain', async () => {
    const c = await signInCustomer(t, shop.slug);
    await consent(c);
    await promote(c, 1, 'crash');
    // The admit step commits (counters raised, row `sending`), then the worker is gone before sending.
    const d = t.services.dispatcher as unknown as { admit(tx: unknown, limit: number, now: Date): Promise<unknown> };
    await t.platform.database.transaction((tx) => d.admit(tx, 100, noon()));
    await t.platform.db.execute(sql`UPDATE deliveries SET lease_until = ${new Date(noon().getTime() - 1000).toISOString()}::timestamptz WHERE customer_id = ${c.customerId}`);
    expect(await t.services.dispatcher.recoverStale()).toBeGreaterThanOrEqual(1);
    await dispatch();
    expect((await deliveries(c.customerId))[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('UNCERTAIN') });
    expect(await inbox(c.phone)).toHaveLength(0);
  });
});

describe('channel settings', () => {
  it('tests the SMS credentials without sending, on both vendors', async () => {
    expect((await admin('POST', '/messaging/channels/sms/test')).body).toEqual({ ok: true });
    const other = await t.createShop();
    const put = (body: unknown) => t.call('PUT', '/api/admin/messaging/channels/sms', { session: other.owner, body });
    await put({ vendor: 'aliyun', accessKeyId: 'LTAIsandbox', accessKeySecret: 'sandbox-aliyun-secret', sdkAppId: null, signName: '思域商城' });
    expect((await t.call('POST', '/api/admin/messaging/channels/sms/test', { session: other.owner })).body).toEqual({ ok: true });
    await put({ vendor: 'aliyun', accessKeyId: 'LTAIsandbox', accessKeySecret: 'wrong-secret', sdkAppId: null, signName: '思域商城' });
    const bad = await t.call('POST', '/api/admin/messaging/channels/sms/test', { session: other.owner });
    expect(bad.body.ok).toBe(false);
    expect(bad.body.error).toContain('SignatureDoesNotMatch');
    const channels = await t.call('GET', '/api/admin/messaging/channels', { session: other.owner });
    expect(channels.body.sms.accessKeySecret).not.toContain('wrong-secret');
  });
});

describe('mini-program one-time subscriptions', () => {
  it('one accept allows exactly one subscribe message; the next one takes the next channel of the chain', async () => {
    const mini = await admin('PUT', '/messaging/channels/mini', { name: '小程序', appId: 'wxsandboxmini00001', appSecret: 'sandbox-mini-secret', state: 'formal' });
    expect(mini.status).toBe(200);
    expect((await admin('POST', '/messaging/channels/mini/test')).body.ok).toBe(true);
    const imported = await admin('POST', '/messaging/templates/import', { channel: 'mini_subscribe' });
    expect(imported.body.imported.map((x: { topic: string }) => x.topic)).toContain('order_shipped');
    const c = await signInCustomer(t, shop.slug);
    const config = await t.call('GET', `/api/store/${shop.slug}/messages/subscribe-config`, { headers: bearer(c) });
    expect(config.body.miniAppId).toBe('wxsandboxmini00001');
    const granted = await t.call('POST', `/api/store/${shop.slug}/messages/subscriptions`, { headers: bearer(c), body: { topics: ['order_shipped'], results: ['accept'], code: `h5:${c.customerId}` } });
    expect(granted.status).toBe(200);
    expect(granted.body.granted).toEqual([{ topic: 'order_shipped', left: 1 }]);
    const forged = await t.call('POST', `/api/store/${shop.slug}/messages/subscriptions`, { headers: bearer(c), body: { topics: ['order_shipped'], results: ['accept'], code: 'h5:someone-else' } });
    expect(forged.body.error).toMatchObject({ code: 'SUBSCRIBE_CODE_INVALID', details: { field: 'code' } });

    const ship = (n: number) =>
      t.platform.database.transaction((tx) => t.services.messaging.send(tx, [{ shopId: shop.shopId, customerId: c.customerId, topic: 'order_shipped', key: `mini:${c.customerId}:${n}`, vars: { goods: '面霜', orderNo: `SY${n}`, carrier: '顺丰', trackingNo: `SF${n}`, time: '2026-12-04 10:00' } }]));
    await ship(1);
    await ship(2);
    await dispatch();
    const list = await deliveries(c.customerId);
    expect(list.map((d) => d.channel), JSON.stringify(list.map((d) => d.reason))).toEqual(['mini_subscribe', 'sms']);
    const phoneView = await t.call('GET', `/sandbox/mp/__sim/messages?appid=wxsandboxmini00001&key=h5-${c.customerId}`);
    expect(phoneView.body.items.filter((m: { type: string }) => m.type === 'subscribe')).toHaveLength(1);
    expect((await t.call('GET', `/api/store/${shop.slug}/messages/preferences`, { headers: bearer(c) })).body.subscriptions).toEqual([{ topic: 'order_shipped', left: 0 }]);
  });
});
