import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture } from '../../testing/commerce.js';
import { xlsxText } from '../../app/route-walk.js';
import { seedDemo } from '../../app/seed.js';
import { AnalysisQuery } from '@siyu/contracts';

let t: TestApp;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
let storeKey: string;
let buyer: CustomerFixture;
let browser: CustomerFixture;
let orderId: string;
let skuId: string;
let productId: string;
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const weekAgo = () => new Date(Date.now() + 8 * 3600_000 - 7 * 86_400_000).toISOString().slice(0, 10);
const load = async () => {
  await t.drain();
  await t.services.cdp.drain();
};
const at = (i: number) => new Date(Date.now() - 120_000 + i * 5_000).toISOString();
const track = (batch: Record<string, unknown>[]) =>
  t.call('POST', '/v1/batch', { headers: { authorization: `Basic ${Buffer.from(`${storeKey}:`).toString('base64')}` }, body: { batch: batch.map((e) => ({ type: 'track', messageId: randomUUID(), ...e })) } });
const funnel = () => ({
  kind: 'funnel', from: weekAgo(), to: today(), windowDays: 7,
  steps: [{ event: '$pageview' }, { event: 'product_viewed' }, { event: 'product_added' }, { event: 'order_paid' }],
});

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  storeKey = (await t.call('GET', `/api/store/${shop.slug}/analytics/config`)).body.writeKey;
  const product = await createProduct(t, shop.owner, { title: '白T', priceFen: 9_900, stock: 50 });
  productId = product.id;
  skuId = product.skus[0]!.id;
  buyer = await signInCustomer(t, shop.slug);
  browser = await signInCustomer(t, shop.slug);
  // What the storefront's SDK sends: a device browses, signs in (identify), views, adds, pays.
  const dev = `dev-${randomUUID()}`;
  // The SDK stamps each event when it happens (at(i): a few seconds apart, as a person clicks).
  await t.call('POST', '/v1/batch', {
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({
      writeKey: storeKey,
      batch: [
        { type: 'page', anonymousId: dev, messageId: randomUUID(), timestamp: at(0), properties: { path: '/' }, context: { campaign: { source: 'poster' }, page: { path: '/' } } },
        { type: 'identify', anonymousId: dev, timestamp: at(1), userId: buyer.customerId, messageId: randomUUID(), traits: { nickname: '买家' } },
        { type: 'track', anonymousId: dev, userId: buyer.customerId, event: 'product_viewed', timestamp: at(2), messageId: randomUUID(), properties: { product_id: productId } },
        { type: 'track', anonymousId: dev, userId: buyer.customerId, event: 'product_added', timestamp: at(3), messageId: randomUUID(), properties: { product_id: productId, quantity: 1 } },
      ],
    }),
  });
  const o = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(buyer, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId: null, couponId: null } });
  if (o.status !== 201) {
    // Express needs an address; pickup does not need one set up by the test either way.
    const point = await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } });
    const p = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(buyer, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId: point.body.id, couponId: null } });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    orderId = p.body.id;
  } else orderId = o.body.id;
  await payOrder(t, shop.slug, buyer, orderId);
  // A second person who views and adds but never pays: the funnel's drop-off.
  await track([
    { type: 'page', userId: browser.customerId, properties: { path: '/' }, event: undefined, timestamp: at(0) },
    { userId: browser.customerId, event: 'product_viewed', properties: { product_id: productId }, timestamp: at(1) },
    { userId: browser.customerId, event: 'product_added', properties: { product_id: productId }, timestamp: at(2) },
  ]);
  await load();
});
afterAll(() => t?.close());

describe('server-side events', () => {
  it("turn the mall's domain events into the customer's events, exactly once", async () => {
    const count = async (event: string) =>
      Number((await t.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}' AND event = '${event}' AND properties LIKE '%${orderId}%'`, {}))[0]!.n);
    expect(await count('order_placed')).toBe(1);
    expect(await count('order_paid')).toBe(1);
    const [paid] = await t.services.cdp['e'].query<{ properties: string; amount: number }>(`SELECT properties, amount FROM events WHERE shop_id = '${shop.shopId}' AND event = 'order_paid'`, {});
    expect(Number(paid!.amount)).toBe(9_900);
    expect(JSON.parse(paid!.properties)).toMatchObject({ order_id: orderId, amount: 9_900, member: false, coupon_discount_fen: 0 });
    // Deliver every outbox event again to the CDP's subscribers: the inbox's messageId keeps them once.
    await t.platform.db.execute(sql`DELETE FROM processed_events WHERE subscriber LIKE 'cdp.%'`);
    await t.platform.db.execute(sql`UPDATE outbox_events SET dispatched_at = NULL WHERE shop_id = ${shop.shopId}`);
    await load();
    expect(await count('order_paid')).toBe(1);
    expect(await count('order_placed')).toBe(1);
    const signups = await t.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}' AND event = 'signed_up'`, {});
    expect(Number(signups[0]!.n)).toBe(2);
  });
});

describe('analyses in the console', () => {
  it('shows the four-step funnel and the people who dropped off, and saves them as a customer group', async () => {
    const r = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: funnel() });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.groups[0].counts).toEqual([2, 2, 2, 1]);
    const dropped = { kind: 'funnel_step', step: 2, dropped: true, breakdown: null };
    const people = await t.call('POST', '/api/admin/analytics/people', { session: shop.owner, body: { query: funnel(), select: dropped } });
    expect(people.body.total).toBe(1);
    expect(people.body.items[0]).toMatchObject({ customerId: browser.customerId, phone: expect.stringMatching(/^1\d\d\*{4}\d{4}$/) });
    const saved = await t.call('POST', '/api/admin/analytics/people/group', { session: shop.owner, body: { query: funnel(), select: dropped, name: '加购未付款' } });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ added: 1, anonymous: 0, group: { name: '加购未付款' } });
    const members = await t.call('GET', `/api/admin/groups/${saved.body.group.id}/members?page=1&pageSize=20`, { session: shop.owner });
    expect(members.body.items.map((m: { id: string }) => m.id)).toEqual([browser.customerId]);
  });

  it('answers every analysis kind and exports each to Excel', async () => {
    const queries = [
      funnel(),
      { kind: 'trends', from: weekAgo(), to: today(), series: [{ event: '$pageview', measure: 'people' }, { event: 'order_paid', measure: 'sum', property: 'amount' }], breakdown: '$channel' },
      { kind: 'retention', from: weekAgo(), to: today(), start: { event: 'signed_up' }, return: { event: '$any' }, periods: 7 },
      { kind: 'paths', from: weekAgo(), to: today(), anchor: { event: 'product_viewed' } },
      { kind: 'lifecycle', from: weekAgo(), to: today(), interval: 'day' },
      { kind: 'rfm', from: weekAgo(), to: today() },
      { kind: 'attribution', from: weekAgo(), to: today(), by: '$source' },
    ];
    for (const q of queries) {
      const r = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: q });
      expect(r.status, `${q.kind} ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.kind).toBe(q.kind);
      const x = await fetch(`${t.url}/api/admin/analytics/export`, { method: 'POST', headers: { cookie: shop.owner.cookie, 'x-csrf-token': shop.owner.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) });
      expect(x.status).toBe(200);
      expect(x.headers.get('content-type')).toContain('spreadsheetml');
      expect((await xlsxText(await x.arrayBuffer())).length).toBeGreaterThan(0);
    }
    const rfm = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { kind: 'rfm', from: weekAgo(), to: today() } });
    expect(rfm.body.types.reduce((n: number, x: { people: number }) => n + x.people, 0)).toBe(1);
    const attribution = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { kind: 'attribution', from: weekAgo(), to: today(), by: '$source' } });
    expect(attribution.body.rows.find((r: { value: string }) => r.value === 'poster')).toMatchObject({ payers: 1, orders: 1, revenueFen: 9_900 });
  });

  it('refuses a bad query with the field, and a selector that does not fit the analysis', async () => {
    const bad = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { ...funnel(), steps: [{ event: '$pageview' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('steps');
    const backwards = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { ...funnel(), from: today(), to: weekAgo() } });
    expect(backwards.body.error.details.field).toBe('to');
    const filter = await t.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { kind: 'trends', from: weekAgo(), to: today(), series: [{ event: 'x', where: [{ property: "a'; DROP TABLE events; --", op: 'eq', value: 1 }] }] } });
    expect(filter.body.error.details.field).toBe('series.0.where.0.property');
    const wrong = await t.call('POST', '/api/admin/analytics/people', { session: shop.owner, body: { query: funnel(), select: { kind: 'rfm_type', type: 'important_value' } } });
    expect(wrong.body.error.details.field).toBe('select.kind');
  });

  it('computes the core metrics for the dashboard', async () => {
    const d = await t.call('GET', `/api/admin/analytics/dashboard?from=${weekAgo()}&to=${today()}`, { session: shop.owner });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ visitors: 2, payers: 1, orders: 1, gmvFen: 9_900, perCustomerFen: 9_900, conversionRate: 0.5, memberGmvShare: 0, couponRoi: null });
    expect(d.body.topSources.map((s: { value: string }) => s.value).sort()).toEqual(['(direct)', 'poster']);
    expect(d.body.daily.at(-1)).toMatchObject({ date: today(), orders: 1, gmvFen: 9_900 });
  });

  it('lists event and property names for the pickers, and the loader status', async () => {
    const names = await t.call('GET', '/api/admin/analytics/events', { session: shop.owner });
    expect(names.body.items.map((i: { event: string }) => i.event)).toEqual(expect.arrayContaining(['$pageview', 'product_viewed', 'order_paid', 'signed_up']));
    const props = await t.call('GET', '/api/admin/analytics/properties?event=order_paid', { session: shop.owner });
    expect(props.body.items).toEqual(expect.arrayContaining(['$channel', 'amount', 'order_id', 'member']));
    const status = await t.call('GET', '/api/admin/analytics/status', { session: shop.owner });
    expect(status.body).toMatchObject({ engine: 'duckdb', pending: 0 });
    expect(status.body.events).toBeGreaterThan(5);
  });

  it('saves, pins, changes and deletes insights', async () => {
    const created = await t.call('POST', '/api/admin/analytics/insights', { session: shop.owner, body: { name: '购买漏斗', query: funnel(), pinned: true } });
    expect(created.status).toBe(201);
    expect(created.body.query).toMatchObject({ kind: 'funnel', windowDays: 7 });
    const changed = await t.call('PUT', `/api/admin/analytics/insights/${created.body.id}`, { session: shop.owner, body: { name: '漏斗', query: funnel(), pinned: false } });
    expect(changed.body).toMatchObject({ name: '漏斗', pinned: false });
    expect((await t.call('GET', '/api/admin/analytics/insights', { session: shop.owner })).body.items).toHaveLength(1);
    expect((await t.call('DELETE', `/api/admin/analytics/insights/${created.body.id}`, { session: shop.owner })).status).toBe(204);
    expect((await t.call('DELETE', `/api/admin/analytics/insights/${created.body.id}`, { session: shop.owner })).status).toBe(404);
  });

  it("shows a customer's 360: identities, traits and the event timeline", async () => {
    const profile = await t.call('GET', `/api/admin/customers/${buyer.customerId}/profile`, { session: shop.owner });
    expect(profile.status).toBe(200);
    expect(profile.body.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['anonymous', 'user']);
    expect(profile.body.traits).toMatchObject({ nickname: '买家' });
    expect(profile.body.eventCount).toBeGreaterThanOrEqual(6);
    const page1 = await t.call('GET', `/api/admin/customers/${buyer.customerId}/events?limit=3`, { session: shop.owner });
    expect(page1.body.items).toHaveLength(3);
    expect(page1.body.next).not.toBeNull();
    const page2 = await t.call('GET', `/api/admin/customers/${buyer.customerId}/events?limit=50&before=${page1.body.next}`, { session: shop.owner });
    const all = [...page1.body.items, ...page2.body.items].map((i: { event: string }) => i.event);
    expect(all).toEqual(expect.arrayContaining(['$pageview', '$identify', 'product_viewed', 'product_added', 'order_placed', 'order_paid', 'signed_up']));
    const times = [...page1.body.items, ...page2.body.items].map((i: { ts: string }) => Date.parse(i.ts));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const other = await t.createShop();
    expect((await t.call('GET', `/api/admin/customers/${buyer.customerId}/profile`, { session: other.owner })).status).toBe(404);
  });

  it('keeps analyses to the roles that may see them', async () => {
    const copywriter = await t.createStaff(shop.owner, 'copywriter');
    expect((await t.call('POST', '/api/admin/analytics/query', { session: copywriter, body: funnel() })).status).toBe(403);
    const planner = await t.createStaff(shop.owner, 'planner');
    expect((await t.call('POST', '/api/admin/analytics/query', { session: planner, body: funnel() })).status).toBe(200);
    // A planner may not save people into a customer group (customers:write).
    expect((await t.call('POST', '/api/admin/analytics/people/group', { session: planner, body: { query: funnel(), select: { kind: 'funnel_step', step: 0, dropped: false, breakdown: null }, name: 'x' } })).status).toBe(403);
  });

  it('never lets one shop see another shop\'s events', async () => {
    const other = await t.createShop();
    const r = await t.call('POST', '/api/admin/analytics/query', { session: other.owner, body: funnel() });
    expect(r.body.groups[0].counts).toEqual([0, 0, 0, 0]);
    const rowsLeft = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM cdp_persons WHERE shop_id = ${other.shopId}`);
    expect(rowsLeft[0]!.n).toBe(0);
  });

  it('seeds the demo shop with a month of visits the analyses can show', async () => {
    await seedDemo(t.platform, t.services);
    const demo = await t.services.tenancy.getShopBySlug('demo');
    await t.services.cdp.drain();
    const month = { from: new Date(Date.now() + 8 * 3600_000 - 29 * 86_400_000).toISOString().slice(0, 10), to: today() };
    const r = await t.services.cdp.query(demo.id, AnalysisQuery.parse({ kind: 'funnel', ...month, steps: funnel().steps }));
    const counts = r.kind === 'funnel' ? r.groups[0]!.counts : [];
    expect(counts[0]).toBeGreaterThan(200);
    expect(counts[3]).toBeGreaterThan(0);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    const channels = await t.services.cdp.query(demo.id, AnalysisQuery.parse({ kind: 'attribution', ...month, by: '$channel' }));
    expect(channels.kind === 'attribution' && channels.rows.map((x) => x.value)).toEqual(expect.arrayContaining(['poster', 'live', 'qr:store_a', 'share', '(direct)']));
  });
});
