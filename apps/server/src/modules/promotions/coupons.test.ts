import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, nextPhone, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let other: ShopFixture;
let pickupPointId: string;

const store = (path: string, slug = shop.slug) => `/api/store/${slug}${path}`;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
  other = await t.createShop();
  const pp = await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } });
  pickupPointId = pp.body.id;
});
afterAll(() => t?.close());

async function template(body: Record<string, unknown>, s: ShopFixture = shop) {
  const res = await t.call('POST', '/api/admin/coupons', {
    session: s.owner,
    body: { name: '满100减20', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, validity: { type: 'relative', days: 7 }, totalQuantity: 100, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; label: string; claimPath: string; issuedCount: number };
}

/** Signs customers in a few at a time (each is an SMS round trip through the sandbox). */
async function customers(n: number): Promise<CustomerFixture[]> {
  const out: CustomerFixture[] = [];
  for (let i = 0; i < n; i += 10) out.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => signInCustomer(t, shop.slug)))));
  return out;
}

const claim = (c: CustomerFixture, id: string, key?: string) => t.call('POST', store(`/coupons/${id}/claim`), { headers: bearer(c, key ? { 'idempotency-key': key } : {}) });
const checkout = (c: CustomerFixture, items: { skuId: string; quantity: number }[], couponId?: string | null, path = '/orders') =>
  t.call('POST', store(path), { headers: bearer(c, path === '/orders' ? { 'idempotency-key': randomUUID() } : {}), body: { items, fulfilment: 'pickup', pickupPointId, ...(couponId !== undefined ? { couponId } : {}) } });

describe('coupon templates', () => {
  it('creates a 满100减20 with its label and claim link, and refuses bad rules naming the field', async () => {
    const tpl = await template({});
    expect(tpl.label).toBe('满100减20');
    expect(tpl.claimPath).toBe(`/s/${shop.slug}/coupons/${tpl.id}`);
    const bad = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: 'x', kind: 'amount_off', thresholdFen: 1000, amountOffFen: 1000, validity: { type: 'relative', days: 1 }, totalQuantity: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('amountOffFen');
    const foreign = await createProduct(t, other.owner, { priceFen: 100, stock: 1 });
    const scoped = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: 'x', kind: 'no_threshold', amountOffFen: 100, scope: 'products', scopeIds: [foreign.id], validity: { type: 'relative', days: 1 }, totalQuantity: 1 } });
    expect(scoped.status).toBe(422);
    expect(scoped.body.error).toMatchObject({ code: 'PRODUCT_NOT_FOUND', details: { field: 'scopeIds.0' } });
  });

  it('freezes the value of a template once coupons were issued, but lets the quantity grow', async () => {
    const tpl = await template({ totalQuantity: 5 });
    const [c] = await customers(1);
    expect((await claim(c, tpl.id)).status).toBe(201);
    const locked = await t.call('PATCH', `/api/admin/coupons/${tpl.id}`, { session: shop.owner, body: { amountOffFen: 5000 } });
    expect(locked.status).toBe(409);
    expect(locked.body.error).toMatchObject({ code: 'COUPON_TEMPLATE_LOCKED', details: { field: 'amountOffFen' } });
    const below = await t.call('PATCH', `/api/admin/coupons/${tpl.id}`, { session: shop.owner, body: { totalQuantity: 0 } });
    expect(below.status).toBe(400);
    const more = await t.call('PATCH', `/api/admin/coupons/${tpl.id}`, { session: shop.owner, body: { totalQuantity: 50, name: '改名' } });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ totalQuantity: 50, name: '改名', issuedCount: 1 });
  });
});

describe('claiming', () => {
  it('1,000 concurrent claims for a 100-quantity coupon issue exactly 100, at most one per customer', async () => {
    const tpl = await template({ totalQuantity: 100, perCustomerLimit: 1 });
    const people = await customers(250);
    // 250 customers × 4 attempts each, all at once.
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => claim(people[i % people.length], tpl.id)));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(100);
    const codes = new Set(results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.body.error.code}`));
    expect([...codes].every((c) => c === '409 COUPON_SOLD_OUT' || c === '409 COUPON_LIMIT_REACHED')).toBe(true);
    const [counts] = await rows<{ issued: number; n: number; people: number }>(t.platform.db, sql`
      SELECT (SELECT issued_count FROM coupon_templates WHERE id = ${tpl.id}) AS issued, count(*)::int AS n, count(DISTINCT customer_id)::int AS people
      FROM coupons WHERE template_id = ${tpl.id}`);
    expect(counts).toEqual({ issued: 100, n: 100, people: 100 });
  });

  it('holds the per-customer limit under parallel requests of one customer', async () => {
    const tpl = await template({ totalQuantity: 100, perCustomerLimit: 2 });
    const [c] = await customers(1);
    const results = await Promise.all(Array.from({ length: 20 }, () => claim(c, tpl.id)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'COUPON_LIMIT_REACHED')).toBe(true);
    const mine = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(mine.body.items.filter((x: { templateId: string }) => x.templateId === tpl.id)).toHaveLength(2);
  });

  it('returns the same coupon for a retried claim with the same key', async () => {
    const tpl = await template({ perCustomerLimit: 3 });
    const [c] = await customers(1);
    const key = randomUUID();
    const [a, b] = await Promise.all([claim(c, tpl.id, key), claim(c, tpl.id, key)]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.id).toBe(b.body.id);
  });

  it('refuses paused, ended, foreign and new-customers-only coupons with clear codes', async () => {
    const [c] = await customers(1);
    const paused = await template({});
    await t.call('POST', `/api/admin/coupons/${paused.id}/pause`, { session: shop.owner });
    expect((await claim(c, paused.id)).body.error.code).toBe('COUPON_PAUSED');
    const centre = await t.call('GET', store('/coupons'), { headers: bearer(c) });
    expect(centre.body.items.find((x: { id: string }) => x.id === paused.id)).toBeUndefined();
    const ended = await template({});
    await t.call('POST', `/api/admin/coupons/${ended.id}/end`, { session: shop.owner });
    expect((await claim(c, ended.id)).body.error.code).toBe('COUPON_ENDED');
    expect((await t.call('POST', `/api/admin/coupons/${ended.id}/resume`, { session: shop.owner })).status).toBe(409);
    const past = await template({ validity: { type: 'fixed', from: new Date(Date.now() - 3 * DAY).toISOString(), to: new Date(Date.now() - DAY).toISOString() } });
    expect((await claim(c, past.id)).body.error.code).toBe('COUPON_ENDED');
    const foreign = await template({}, other);
    expect((await claim(c, foreign.id)).status).toBe(404);
    expect((await t.call('GET', `/api/admin/coupons/${foreign.id}`, { session: shop.owner })).status).toBe(404);
  });
});

describe('merging customers', () => {
  it('gives the merged-away customer’s coupons to the survivor, each kept once', async () => {
    const tpl = await template({ totalQuantity: 100, perCustomerLimit: 2 });
    const [from, into] = await customers(2);
    expect((await claim(from, tpl.id)).status).toBe(201);
    expect((await claim(into, tpl.id)).status).toBe(201);
    await t.platform.database.transaction((tx) => t.platform.events.emit(tx, { shopId: shop.shopId, type: 'customer.merged', payload: { fromCustomerId: from.customerId, intoCustomerId: into.customerId } }));
    await t.drain();
    const mine = await t.call('GET', store('/me/coupons'), { headers: bearer(into) });
    expect(mine.body.items.filter((c: { templateId: string }) => c.templateId === tpl.id)).toHaveLength(2);
    const [left] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM coupons WHERE customer_id = ${from.customerId}`);
    expect(left.n).toBe(0);
  });
});

describe('using coupons at checkout', () => {
  let skuId: string;
  beforeAll(async () => {
    const product = await createProduct(t, shop.owner, { title: '咖啡豆', priceFen: 6000, stock: 1000 });
    skuId = product.skus[0].id;
  });

  it('preselects the best coupon, pays ¥100 for ¥120 of goods with 满100减20, and counts the use', async () => {
    const tpl = await template({ perCustomerLimit: 1 });
    const small = await template({ name: '无门槛5元', kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500 });
    const [c] = await customers(1);
    const mine = (await claim(c, tpl.id)).body;
    await claim(c, small.id);
    const preview = await checkout(c, [{ skuId, quantity: 2 }], undefined, '/checkout/preview');
    expect(preview.status).toBe(200);
    expect(preview.body.coupons.selectedId).toBe(mine.id);
    expect(preview.body.coupons.available.map((a: { savingFen: number }) => a.savingFen)).toEqual([2000, 500]);
    expect(preview.body.payableFen).toBe(10000);
    const none = await checkout(c, [{ skuId, quantity: 2 }], null, '/checkout/preview');
    expect(none.body.payableFen).toBe(12000);
    const placed = await checkout(c, [{ skuId, quantity: 2 }], mine.id);
    expect(placed.status).toBe(201);
    expect(placed.body.payableFen).toBe(10000);
    expect(placed.body.pricing.adjustments).toEqual([expect.objectContaining({ code: 'coupon', label: '满100减20', amountFen: -2000 })]);
    await payOrder(t, shop.slug, c, placed.body.id);
    const used = await t.call('GET', store('/me/coupons?status=used'), { headers: bearer(c) });
    expect(used.body.items).toEqual([expect.objectContaining({ id: mine.id, status: 'used', orderId: placed.body.id })]);
    const stats = await t.call('GET', `/api/admin/coupons/${tpl.id}`, { session: shop.owner });
    expect(stats.body.stats).toMatchObject({ issued: 1, used: 1, orders: 1, revenueFen: 10000, discountFen: 2000 });
  });

  it('lets only one of two parallel checkouts use the same coupon', async () => {
    const tpl = await template({});
    const [c] = await customers(1);
    const coupon = (await claim(c, tpl.id)).body;
    const [a, b] = await Promise.all([checkout(c, [{ skuId, quantity: 2 }], coupon.id), checkout(c, [{ skuId, quantity: 2 }], coupon.id)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error).toMatchObject({ code: 'COUPON_ALREADY_USED', details: { field: 'couponId' } });
  });

  it('gives the coupon back when the order is cancelled', async () => {
    const tpl = await template({});
    const [c] = await customers(1);
    const coupon = (await claim(c, tpl.id)).body;
    const placed = await checkout(c, [{ skuId, quantity: 2 }], coupon.id);
    expect(placed.status).toBe(201);
    await t.call('POST', store(`/orders/${placed.body.id}/cancel`), { headers: bearer(c), body: { reason: '不想要了' } });
    await t.drain();
    const mine = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(coupon.id);
    expect((await checkout(c, [{ skuId, quantity: 2 }], coupon.id)).status).toBe(201);
  });

  it('refunds each line what it paid after the coupon, and a full refund gives the coupon back', async () => {
    const tpl = await template({});
    const [c] = await customers(1);
    const coupon = (await claim(c, tpl.id)).body;
    const second = await createProduct(t, shop.owner, { title: '滤纸', priceFen: 3000, stock: 10 });
    // ¥60 + ¥30 + ¥30 = ¥120 − ¥20, split ¥10 / ¥5 / ¥5 … by what each line costs
    const placed = await checkout(c, [{ skuId, quantity: 1 }, { skuId: second.skus[0].id, quantity: 2 }], coupon.id);
    expect(placed.body.items.map((i: { discountFen: number; payableFen: number }) => [i.discountFen, i.payableFen])).toEqual([[1000, 5000], [1000, 5000]]);
    await payOrder(t, shop.slug, c, placed.body.id);
    const one = await t.call('POST', `/api/admin/orders/${placed.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: placed.body.items[1].id, quantity: 1 }], reason: '缺货' } });
    expect(one.body.amountFen).toBe(2500);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${placed.body.id}`, { session: shop.owner })).body.refundedFen === 2500, 'first refund');
    const notYet = await t.call('GET', store('/me/coupons?status=used'), { headers: bearer(c) });
    expect(notYet.body.items.map((x: { id: string }) => x.id)).toContain(coupon.id);
    const rest = await t.call('POST', `/api/admin/orders/${placed.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: placed.body.items[0].id, quantity: 1 }, { orderItemId: placed.body.items[1].id, quantity: 1 }], reason: '缺货' } });
    expect(rest.body.amountFen).toBe(5000 + 2500);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${placed.body.id}`, { session: shop.owner })).body.status === 'refunded', 'full refund');
    await t.drain();
    const back = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(back.body.items.map((x: { id: string }) => x.id)).toContain(coupon.id);
  });

  it('refuses an expired or unmet coupon at checkout with COUPON_NOT_APPLICABLE, and someone else’s as not found', async () => {
    const tpl = await template({ perCustomerLimit: 2 });
    const [c] = await customers(1);
    const coupon = (await claim(c, tpl.id)).body;
    const short = await checkout(c, [{ skuId, quantity: 1 }], coupon.id);
    expect(short.status).toBe(409);
    expect(short.body.error).toMatchObject({ code: 'COUPON_NOT_APPLICABLE', details: { field: 'couponId' } });
    expect(short.body.error.message).toContain('还差¥40.00');
    await t.platform.db.execute(sql`UPDATE coupons SET valid_to = now() - interval '1 minute' WHERE id = ${coupon.id}`);
    expect((await checkout(c, [{ skuId, quantity: 2 }], coupon.id)).body.error.code).toBe('COUPON_NOT_APPLICABLE');
    const [someoneElse] = await customers(1);
    const theirs = (await claim(someoneElse, tpl.id)).body;
    expect((await checkout(c, [{ skuId, quantity: 2 }], theirs.id)).body.error).toMatchObject({ code: 'NOT_FOUND', details: { field: 'couponId' } });
    const [{ n }] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM orders WHERE customer_id = ${c.customerId}`);
    expect(n).toBe(0);
  });
});

describe('getting coupons to people', () => {
  it('issues to a list of phones as a job with progress, naming the phones that are not customers', async () => {
    const tpl = await template({ perCustomerLimit: 1 });
    const people = await customers(3);
    const stranger = nextPhone();
    const started = await t.call('POST', `/api/admin/coupons/${tpl.id}/issue`, { session: shop.owner, body: { target: { type: 'phones', phones: [...people.map((p) => p.phone), stranger, people[0].phone] } } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued', target: '4 个手机号' });
    await t.drain();
    const done = await t.call('GET', `/api/admin/coupon-batches/${started.body.id}`, { session: shop.owner });
    expect(done.body).toMatchObject({ status: 'done', total: 4, processed: 4, issued: 3, skipped: 1, failures: [{ ref: stranger, reason: '不是本店客户' }] });
    const again = await t.call('POST', `/api/admin/coupons/${tpl.id}/issue`, { session: shop.owner, body: { target: { type: 'customers', customerIds: [people[0].customerId] } } });
    await t.drain();
    expect((await t.call('GET', `/api/admin/coupon-batches/${again.body.id}`, { session: shop.owner })).body).toMatchObject({ issued: 0, skipped: 1, failures: [{ reason: '已达每人限领' }] });
  });

  it('gives the new-customer pack on first registration and the pay gift after a qualifying payment, once each', async () => {
    const welcome = await template({ name: '新客券', kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500, audience: 'new_customers', perCustomerLimit: 2 });
    const thanks = await template({ name: '回购券', perCustomerLimit: 5 });
    const pack = await t.call('POST', '/api/admin/coupon-packs', { session: shop.owner, body: { name: '新人礼包', items: [{ templateId: welcome.id, quantity: 2 }] } });
    const payPack = await t.call('POST', '/api/admin/coupon-packs', { session: shop.owner, body: { name: '支付礼', items: [{ templateId: thanks.id, quantity: 1 }] } });
    expect((await t.call('PUT', '/api/admin/coupon-gifts/new_customer', { session: shop.owner, body: { enabled: true, packId: pack.body.id } })).status).toBe(200);
    expect((await t.call('PUT', '/api/admin/coupon-gifts/pay', { session: shop.owner, body: { enabled: true, packId: payPack.body.id, minPaidFen: 5000 } })).status).toBe(200);
    const [c] = await customers(1);
    await t.drain();
    await t.drain();
    const mine = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(mine.body.items.filter((x: { templateId: string }) => x.templateId === welcome.id)).toHaveLength(2);
    const product = await createProduct(t, shop.owner, { priceFen: 6000, stock: 10 });
    const placed = await checkout(c, [{ skuId: product.skus[0].id, quantity: 1 }], null);
    await payOrder(t, shop.slug, c, placed.body.id);
    await t.drain();
    const after = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(after.body.items.filter((x: { templateId: string }) => x.templateId === thanks.id)).toHaveLength(1);
    const gifts = await t.call('GET', '/api/admin/coupon-gifts', { session: shop.owner });
    expect(gifts.body).toMatchObject({ new_customer: { enabled: true, given: 2 }, pay: { enabled: true, minPaidFen: 5000, given: 1 } });
  });

  it('shows the claim centre with the visitor’s state', async () => {
    const tpl = await template({ name: '领券中心券', perCustomerLimit: 1 });
    const anonymous = await t.call('GET', store('/coupons'));
    expect(anonymous.body.items.find((x: { id: string }) => x.id === tpl.id)).toMatchObject({ canClaim: true, claimedByMe: 0, label: '满100减20', validityText: '领取后7天内有效' });
    const [c] = await customers(1);
    await claim(c, tpl.id);
    const mine = await t.call('GET', store(`/coupons/${tpl.id}`), { headers: bearer(c) });
    expect(mine.body).toMatchObject({ canClaim: false, reason: '已领取', claimedByMe: 1 });
  });
});
