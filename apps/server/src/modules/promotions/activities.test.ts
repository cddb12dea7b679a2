import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, payOrder, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let other: ShopFixture;
let pickupPointId: string;
let c: CustomerFixture;

const store = (path: string) => `/api/store/${shop.slug}${path}`;
const HOUR = 3600_000;
const period = (startOffset = -HOUR, endOffset = 24 * HOUR) => ({ startsAt: new Date(Date.now() + startOffset).toISOString(), endsAt: new Date(Date.now() + endOffset).toISOString() });

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  other = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  c = await signInCustomer(t, shop.slug);
});
afterAll(() => t?.close());

async function activity(body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/admin/activities', { session: shop.owner, body: { name: '活动', ...period(), ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; label: string; phase: string };
}
const order = (items: { skuId: string; quantity: number }[], path = '/orders', who = c) =>
  t.call('POST', store(path), { headers: bearer(who, path === '/orders' ? { 'idempotency-key': randomUUID() } : {}), body: { items, fulfilment: 'pickup', pickupPointId, couponId: null } });

describe('activities', () => {
  it('限时折扣: the activity price at checkout, the per-customer limit across orders, and the product page countdown data', async () => {
    const p = await createProduct(t, shop.owner, { title: '限时款', priceFen: 10000, stock: 100, specs: { 颜色: ['红', '蓝'] } });
    const [red, blue] = p.skus;
    const act = await activity({ kind: 'limited_discount', name: '双12', rules: { items: [{ productId: p.id, percentPaid: 80 }, { productId: p.id, skuId: blue.id, priceFen: 5000 }], perCustomerLimit: 3 } });
    expect(act).toMatchObject({ label: '限时特价', phase: 'running' });
    const promos = await t.call('GET', store(`/products/${p.id}/promotions`));
    expect(promos.body.limitedDiscount).toMatchObject({ activityId: act.id, running: true, perCustomerLimit: 3 });
    expect(promos.body.limitedDiscount.skus).toEqual([{ skuId: red.id, priceFen: 8000, originalFen: 10000 }, { skuId: blue.id, priceFen: 5000, originalFen: 10000 }]);
    const first = await order([{ skuId: red.id, quantity: 2 }, { skuId: blue.id, quantity: 2 }]);
    expect(first.status).toBe(201);
    // 2 red at ¥80, then the limit leaves 1 blue at ¥50 and 1 at ¥100
    expect(first.body.payableFen).toBe(16000 + 5000 + 10000);
    const second = await order([{ skuId: red.id, quantity: 1 }], '/checkout/preview');
    expect(second.body.payableFen).toBe(10000);
    expect(second.body.notes).toEqual([expect.objectContaining({ code: 'limited_discount', message: expect.stringContaining('每人限购3件') })]);
    await t.call('POST', store(`/orders/${first.body.id}/cancel`), { headers: bearer(c), body: {} });
    expect((await order([{ skuId: red.id, quantity: 1 }], '/checkout/preview')).body.payableFen).toBe(8000);
  });

  it('refuses rules naming another shop’s product or a SKU of a different product, naming the field', async () => {
    const foreign = await createProduct(t, other.owner, { priceFen: 100, stock: 1 });
    const mine = await createProduct(t, shop.owner, { priceFen: 100, stock: 1 });
    const a = await t.call('POST', '/api/admin/activities', { session: shop.owner, body: { kind: 'limited_discount', name: 'x', ...period(), rules: { items: [{ productId: foreign.id, percentPaid: 50 }] } } });
    expect(a.body.error).toMatchObject({ code: 'PRODUCT_NOT_FOUND', details: { field: 'rules.items.0.productId' } });
    const b = await t.call('POST', '/api/admin/activities', { session: shop.owner, body: { kind: 'limited_discount', name: 'x', ...period(), rules: { items: [{ productId: mine.id, skuId: foreign.skus[0].id, percentPaid: 50 }] } } });
    expect(b.body.error).toMatchObject({ code: 'SKU_NOT_FOUND', details: { field: 'rules.items.0.skuId' } });
    const both = await t.call('POST', '/api/admin/activities', { session: shop.owner, body: { kind: 'limited_discount', name: 'x', ...period(), rules: { items: [{ productId: mine.id, percentPaid: 50, priceFen: 10 }] } } });
    expect(both.status).toBe(400);
    const backwards = await t.call('POST', '/api/admin/activities', { session: shop.owner, body: { kind: 'bundle', name: 'x', ...period(HOUR, -HOUR), rules: { items: [{ productId: mine.id, quantity: 1 }, { productId: foreign.id, quantity: 1 }], priceFen: 10 } } });
    expect(backwards.body.error.details.field).toBe('endsAt');
  });

  it('满减/满赠 and 组合套餐 together, with statistics of what they drove once paid', async () => {
    const tea = await createProduct(t, shop.owner, { title: '茶叶', priceFen: 4000, stock: 100 });
    const cup = await createProduct(t, shop.owner, { title: '茶杯', priceFen: 2000, stock: 100 });
    const gift = await createProduct(t, shop.owner, { title: '茶巾', priceFen: 900, stock: 1, status: 'draft' });
    const bundle = await activity({ kind: 'bundle', name: '茶具套装', rules: { items: [{ productId: tea.id, quantity: 1 }, { productId: cup.id, quantity: 2 }], priceFen: 6000 } });
    const fr = await activity({ kind: 'full_reduction', name: '满减', rules: { tiers: [{ thresholdFen: 5000, reduceFen: 500, giftSkuId: gift.skus[0].id }, { thresholdFen: 10000, reduceFen: 1500 }] } });
    expect(fr.label).toBe('满50减5送赠品,满100减15');
    // 1 tea + 2 cups = ¥80 → bundle ¥60 → 满50减5 + gift → ¥55
    const preview = await order([{ skuId: tea.skus[0].id, quantity: 1 }, { skuId: cup.skus[0].id, quantity: 2 }], '/checkout/preview');
    expect(preview.body.adjustments.map((a: { code: string; amountFen: number }) => [a.code, a.amountFen])).toEqual([['bundle', -2000], ['full_reduction', -500], ['full_reduction', -900]]);
    expect(preview.body.payableFen).toBe(5500);
    expect(preview.body.gifts).toEqual([expect.objectContaining({ skuId: gift.skus[0].id, quantity: 1 })]);
    expect(preview.body.notes).toEqual([expect.objectContaining({ code: 'full_reduction', message: '再买¥40.00可减¥15.00' })]);
    const placed = await order([{ skuId: tea.skus[0].id, quantity: 1 }, { skuId: cup.skus[0].id, quantity: 2 }]);
    expect(placed.status).toBe(201);
    expect(placed.body.items.map((i: { title: string; payableFen: number }) => [i.title, i.payableFen])).toEqual([['茶叶', expect.any(Number)], ['茶杯', expect.any(Number)], ['【赠品】茶巾', 0]]);
    await payOrder(t, shop.slug, c, placed.body.id);
    // The only gift unit went to that order: the next one gets no gift, and says so.
    const next = await order([{ skuId: tea.skus[0].id, quantity: 2 }], '/checkout/preview');
    expect(next.body.gifts).toEqual([]);
    expect(next.body.notes.map((n: { message: string }) => n.message)).toContain('满减:赠品已赠完');
    const stats = (await t.call('GET', `/api/admin/activities/${bundle.id}`, { session: shop.owner })).body.stats;
    expect(stats).toMatchObject({ orders: 1, revenueFen: 5500, discountFen: 2000 });
    const listed = await t.call('GET', '/api/admin/activities?kind=full_reduction&status=running', { session: shop.owner });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(fr.id);
    // The shop-wide 满减 would price every later order; end it.
    expect((await t.call('POST', `/api/admin/activities/${fr.id}/end`, { session: shop.owner })).body.phase).toBe('ended');
  });

  it('does not price with paused, ended or upcoming activities', async () => {
    const p = await createProduct(t, shop.owner, { priceFen: 10000, stock: 10 });
    const paused = await activity({ kind: 'limited_discount', rules: { items: [{ productId: p.id, percentPaid: 50 }] } });
    await t.call('POST', `/api/admin/activities/${paused.id}/pause`, { session: shop.owner });
    const upcoming = await activity({ kind: 'limited_discount', ...period(HOUR, 2 * HOUR), rules: { items: [{ productId: p.id, percentPaid: 60 }] } });
    expect(upcoming.phase).toBe('upcoming');
    expect((await order([{ skuId: p.skus[0].id, quantity: 1 }], '/checkout/preview')).body.payableFen).toBe(10000);
    const promos = await t.call('GET', store(`/products/${p.id}/promotions`));
    expect(promos.body.limitedDiscount).toMatchObject({ activityId: upcoming.id, running: false });
    await t.call('POST', `/api/admin/activities/${paused.id}/resume`, { session: shop.owner });
    expect((await order([{ skuId: p.skus[0].id, quantity: 1 }], '/checkout/preview')).body.payableFen).toBe(5000);
    await t.call('POST', `/api/admin/activities/${paused.id}/end`, { session: shop.owner });
    expect((await order([{ skuId: p.skus[0].id, quantity: 1 }], '/checkout/preview')).body.payableFen).toBe(10000);
    expect((await t.call('POST', `/api/admin/activities/${paused.id}/resume`, { session: shop.owner })).body.error.code).toBe('ACTIVITY_ENDED');
  });
});
