import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let storeKey: string;
let pickupPointId: string;
let mug: string;
let vip: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

/** Loads what was accepted, then lets the segment jobs the loading queued run. */
const settle = async () => {
  await t.drain();
  await t.services.cdp.drain();
  await t.drain();
};
const track = (customerId: string, event: string, daysAgo = 0, properties: Record<string, unknown> = {}) =>
  t.call('POST', '/v1/batch', {
    headers: { authorization: `Basic ${Buffer.from(`${storeKey}:`).toString('base64')}` },
    body: { batch: [{ type: 'track', messageId: randomUUID(), userId: customerId, event, properties, timestamp: new Date(Date.now() - daysAgo * 86_400_000 - 60_000).toISOString() }] },
  });
const buy = async (c: CustomerFixture, skuId: string) => {
  const o = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  await payOrder(t, shop.slug, c, o.body.id);
  await t.drain();
};
const memberIds = async (groupId: string) =>
  (await t.call('GET', `/api/admin/groups/${groupId}/members?pageSize=100`, { session: shop.owner })).body.items.map((m: { id: string }) => m.id).sort();
const changes = async (groupId: string) => (await t.call('GET', `/api/admin/groups/${groupId}/changes`, { session: shop.owner })).body.items as { customerId: string; change: string }[];

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  storeKey = (await t.call('GET', store('/analytics/config'))).body.writeKey;
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  mug = (await createProduct(t, shop.owner, { title: '马克杯', priceFen: 5_000, stock: 100 })).skus[0]!.id;
  vip = (await t.call('POST', '/api/admin/tags', { session: shop.owner, body: { name: 'VIP', kind: 'manual' } })).body.id;
});
afterAll(() => t?.close());

describe('segments', () => {
  it('estimates nested AND / OR rules live, keeps members as customers act, and records who entered and left', async () => {
    const [a, b, c] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    await settle();
    // (added to cart in the last 7 days AND never paid) OR carries VIP — the abandoned-cart audience plus VIPs.
    const rule = {
      op: 'or',
      items: [
        { op: 'and', items: [{ type: 'event', event: 'product_added', withinDays: 7 }, { type: 'last_order', never: true }] },
        { type: 'tag', tagIds: [vip] },
      ],
    };
    const empty = await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule } });
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    expect(empty.body.count).toBe(0);
    expect(empty.body.total).toBeGreaterThanOrEqual(3);

    await track(a.customerId, 'product_added', 1);
    await track(b.customerId, 'product_added', 10); // outside the window
    await settle();
    expect((await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule } })).body.count).toBe(1);

    const g = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '加购未付', kind: 'dynamic', conditions: rule } });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body.count).toBe(1);
    expect(g.body.conditions).toEqual(expect.objectContaining({ op: 'or' }));
    expect(await memberIds(g.body.id)).toEqual([a.customerId]);

    // Incrementally: c adds to cart (an SDK event, through the loader), b becomes VIP (a staff action).
    await track(c.customerId, 'product_added', 0);
    await t.call('PUT', `/api/admin/customers/${b.customerId}/tags`, { session: shop.owner, body: { tagIds: [vip] } });
    await settle();
    expect(await memberIds(g.body.id)).toEqual([a.customerId, b.customerId, c.customerId].sort());
    // a pays: no longer "never ordered", leaves.
    await buy(a, mug);
    await settle();
    expect(await memberIds(g.body.id)).toEqual([b.customerId, c.customerId].sort());
    expect((await t.call('GET', `/api/admin/groups/${g.body.id}`, { session: shop.owner })).body.count).toBe(2);
    const history = await changes(g.body.id);
    expect(history.filter((h) => h.customerId === a.customerId).map((h) => h.change)).toEqual(['left', 'entered']);
    expect(history.filter((h) => h.change === 'entered').map((h) => h.customerId).sort()).toEqual([a.customerId, b.customerId, c.customerId].sort());

    // Every entry and exit was announced for journeys, in the outbox.
    const announced = await rows<{ payload: { groupId: string; entered: string[]; left: string[] } }>(t.platform.db, sql`SELECT payload FROM outbox_events WHERE type = 'segment.changed' AND shop_id = ${shop.shopId}`);
    const mine = announced.map((r) => r.payload).filter((p) => p.groupId === g.body.id);
    expect(mine.flatMap((p) => p.entered).sort()).toEqual([a.customerId, b.customerId, c.customerId].sort());
    expect(mine.flatMap((p) => p.left)).toEqual([a.customerId]);

    // The customer 360 lists the segment for its members only.
    const groupsOf = async (x: CustomerFixture) => (await t.call('GET', `/api/admin/customers/${x.customerId}/groups`, { session: shop.owner })).body.items.map((i: { id: string }) => i.id);
    expect(await groupsOf(b)).toContain(g.body.id);
    expect(await groupsOf(a)).not.toContain(g.body.id);
  });

  it('"did not" and "at most" include people with no events; property filters narrow an event; traits; the sweep lets windows pass', async () => {
    const [x, y] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    await track(x.customerId, 'product_viewed', 2, { category: '眼镜' });
    await track(x.customerId, 'product_viewed', 2, { category: '眼镜' });
    await track(y.customerId, 'product_viewed', 2, { category: '杯子' });
    await t.call('POST', '/v1/batch', {
      headers: { authorization: `Basic ${Buffer.from(`${storeKey}:`).toString('base64')}` },
      body: { batch: [{ type: 'identify', messageId: randomUUID(), userId: y.customerId, traits: { city: '杭州', age: 31 } }] },
    });
    await settle();
    const count = async (items: unknown[]) => {
      const r = await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule: { op: 'and', items } } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.count as number;
    };
    const total = (await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule: { op: 'and', items: [{ type: 'registered', withinDays: 365 }] } } })).body.total;
    const glasses = { type: 'event', event: 'product_viewed', withinDays: 7, where: [{ property: 'category', op: 'eq', value: '眼镜' }] };
    expect(await count([{ ...glasses, op: 'gte', count: 2 }])).toBe(1);
    expect(await count([{ ...glasses, op: 'eq', count: 1 }])).toBe(0);
    expect(await count([{ ...glasses, did: false }])).toBe(total - 1);
    expect(await count([{ ...glasses, op: 'lte', count: 1 }])).toBe(total - 1);
    expect(await count([{ type: 'trait', filter: { property: 'city', op: 'eq', value: '杭州' } }])).toBe(1);
    expect(await count([{ type: 'trait', filter: { property: 'age', op: 'gt', value: 30 } }])).toBe(1);

    // Viewed glasses within 3 days: x now; after the clock moves 2 days on, the sweep takes x out.
    const g = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '近3天看眼镜', kind: 'dynamic', conditions: { op: 'and', items: [{ ...glasses, withinDays: 3 }] } } });
    expect(g.body.count).toBe(1);
    const realNow = t.platform.now;
    try {
      t.platform.now = () => new Date(Date.now() + 2 * 86_400_000);
      const due = await t.services.segments.dueForSweep(10 * 60_000);
      expect(due.map((d) => d.id)).toContain(g.body.id);
      await t.services.segments.refresh(shop.shopId, g.body.id);
    } finally {
      t.platform.now = realNow;
    }
    expect(await memberIds(g.body.id)).toEqual([]);
    expect((await changes(g.body.id)).map((h) => h.change)).toEqual(['left', 'entered']);
  });

  it('asks who owns a customer on WeCom, as the wecom module announces it, and keeps a segment by owner', async () => {
    const [a, b] = [await signInCustomer(t, shop.slug), await signInCustomer(t, shop.slug)];
    await settle();
    const owners = (customerId: string, list: string[]) =>
      t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'wecom.owners_changed', payload: { customerId, owners: list } }));
    await owners(a.customerId, ['zhangsan', 'lisi']);
    await owners(b.customerId, ['wangwu']);
    await settle();
    const estimate = async (rule: unknown) => (await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule } })).body;
    const byZhang = { op: 'and', items: [{ type: 'wecom_owner', userIds: ['zhangsan'] }] };
    expect((await estimate(byZhang)).count).toBe(1);
    expect((await estimate({ op: 'and', items: [{ type: 'wecom_owner' }] })).count).toBe(2);
    const nobody = await estimate({ op: 'and', items: [{ type: 'wecom_owner', has: false }] });
    expect(nobody.count).toBe(nobody.total - 2);
    const g = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '张三的客户', kind: 'dynamic', conditions: byZhang } });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    await settle();
    expect(await memberIds(g.body.id)).toEqual([a.customerId]);
    // Handed over to wangwu: the customer leaves zhangsan's segment by itself.
    await owners(a.customerId, ['wangwu']);
    await settle();
    expect(await memberIds(g.body.id)).toEqual([]);
    expect((await changes(g.body.id)).map((x) => x.change).sort()).toEqual(['entered', 'left']);
  });

  it('refuses unknown tags naming the leaf, rules nested deeper than three levels, and keeps older flat groups working', async () => {
    const bad = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: 'x', kind: 'dynamic', conditions: { op: 'and', items: [{ type: 'source', sources: ['sms'] }, { type: 'tag', tagIds: [randomUUID()] }] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'TAG_NOT_FOUND', details: { field: 'conditions.items.1.tagIds.0' } });
    const deep = { op: 'and', items: [{ op: 'or', items: [{ op: 'and', items: [{ op: 'or', items: [{ type: 'follows_oa', value: true }] }] }] }] };
    expect((await t.call('POST', '/api/admin/groups/estimate', { session: shop.owner, body: { rule: deep } })).status).toBe(400);
    const flat = await t.call('POST', '/api/admin/groups', { session: shop.owner, body: { name: '未下单', kind: 'dynamic', conditions: { neverOrdered: true, sources: ['sms'] } } });
    expect(flat.status).toBe(201);
    expect(flat.body.conditions).toEqual({ op: 'and', items: [{ type: 'source', sources: ['sms'] }, { type: 'last_order', never: true }] });
    expect(flat.body.count).toBeGreaterThan(0);
  });
});
