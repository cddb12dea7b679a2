import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let productId: string;
let skuId: string;
let otherSku: string;
let couponTemplateId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  const own = { session: shop.owner };
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { ...own, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  await t.call('POST', '/api/admin/shipping-templates', { ...own, body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], isDefault: true } });
  const product = await createProduct(t, shop.owner, { title: '保温杯', priceFen: 5_000, stock: 1000 });
  productId = product.id;
  skuId = product.skus[0].id;
  otherSku = (await createProduct(t, shop.owner, { title: '马克杯', priceFen: 3_000, stock: 1000 })).skus[0].id;
  // Offers that would apply to an ordinary order of the same cup: none may touch a points-mall order.
  const act = await t.call('POST', '/api/admin/activities', { ...own, body: { kind: 'limited_discount', name: '限时8折', startsAt: new Date(Date.now() - 3600_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), rules: { items: [{ productId, percentPaid: 80 }] } } });
  expect(act.status, JSON.stringify(act.body)).toBe(201);
  couponTemplateId = (await t.call('POST', '/api/admin/coupons', { ...own, body: { name: '5元券', kind: 'no_threshold', amountOffFen: 500, validity: { type: 'relative', days: 30 }, totalQuantity: 1000, perCustomerLimit: 10 } })).body.id;
  await t.call('PUT', '/api/admin/members/levels', { ...own, body: { metric: 'spend', period: 'all', levels: [{ rank: 1, name: '会员', threshold: 0, percentPaid: 90, freeShipping: false, monthlyPackId: null }] } });
});
afterAll(() => t?.close());

async function item(body: Record<string, unknown>) {
  const r = await t.call('POST', '/api/admin/points/mall', { session: shop.owner, body: { kind: 'goods', skuId, ...body } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
}
async function customer(points: number): Promise<CustomerFixture> {
  const c = await signInCustomer(t, shop.slug);
  await t.drain();
  if (points) await t.call('POST', `/api/admin/customers/${c.customerId}/points/adjust`, { session: shop.owner, body: { delta: points, reason: '测试' } });
  await t.call('POST', store(`/coupons/${couponTemplateId}/claim`), { headers: bearer(c) });
  await t.platform.database.transaction((tx) => t.services.levels.evaluate(tx, shop.shopId, c.customerId, '测试'));
  return c;
}
const pickup = (mallItemId: string, extra: Record<string, unknown> = {}) => ({ items: [{ skuId, quantity: 1 }], fulfilment: 'pickup', pickupPointId, mallItemId, ...extra });
const place = (c: CustomerFixture, body: Record<string, unknown>) => t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body });
const balance = async (c: CustomerFixture) => (await t.call('GET', store('/me/points'), { headers: bearer(c) })).body.balance as number;
const stock = async (id: string) => (await rows<{ stock: number; redeemed: number }>(t.platform.db, sql`SELECT stock, redeemed FROM points_mall_items WHERE id = ${id}`))[0];
const kinds = async (c: CustomerFixture) =>
  (await rows<{ kind: string; delta: number }>(t.platform.db, sql`SELECT kind, delta FROM points_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${c.customerId} AND kind <> 'adjust' ORDER BY id`)).map((r) => `${r.kind}:${r.delta}`);

describe('points-mall goods (积分商城 兑换商品)', () => {
  it('keeps goods items apart from coupons in the console', async () => {
    const own = { session: shop.owner };
    const noSku = await t.call('POST', '/api/admin/points/mall', { ...own, body: { kind: 'goods', title: '杯子', points: 1, stock: 1 } });
    expect(noSku.body.error.details.field).toBe('skuId');
    const foreign = await t.call('POST', '/api/admin/points/mall', { ...own, body: { kind: 'goods', skuId: randomUUID(), title: '杯子', points: 1, stock: 1 } });
    expect(foreign.body.error).toMatchObject({ code: 'SKU_NOT_FOUND', details: { field: 'skuId' } });
    const cashCoupon = await t.call('POST', '/api/admin/points/mall', { ...own, body: { title: '券', couponTemplateId, cashFen: 100, points: 1, stock: 1 } });
    expect(cashCoupon.body.error.details.field).toBe('cashFen');
    const goods = await item({ title: '积分换保温杯', points: 500, cashFen: 990, stock: 5 });
    const listed = (await t.call('GET', store('/points/mall'))).body.items.find((i: { id: string }) => i.id === goods.id);
    expect(listed).toMatchObject({ kind: 'goods', skuId, productId, cashFen: 990, points: 500, coupon: null, product: { title: '保温杯', priceFen: 5_000, onSale: true } });
    const toCoupon = await t.call('PUT', `/api/admin/points/mall/${goods.id}`, { ...own, body: { kind: 'coupon', title: '券', couponTemplateId, points: 1, stock: 1 } });
    expect(toCoupon.body.error.code).toBe('MALL_ITEM_KIND_FIXED');
    const c = await customer(1000);
    expect((await t.call('POST', store(`/points/mall/${goods.id}/redeem`), { headers: bearer(c) })).body.error.code).toBe('MALL_ITEM_NEEDS_ORDER');
  });

  it('prices the line at its cash price with no other offer, spends the points, and a cancel gives both back', async () => {
    const goods = await item({ title: '500积分+9.9元换保温杯', points: 500, cashFen: 990, stock: 2, perCustomerLimit: 1 });
    const c = await customer(1000);
    const addressId = await addAddress(t, shop.slug, c);
    const plain = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(plain.body.adjustments.map((a: { code: string }) => a.code)).toEqual(expect.arrayContaining(['limited_discount', 'member_price', 'coupon']));

    const body = { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId, mallItemId: goods.id, usePoints: true };
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.adjustments).toEqual([
      expect.objectContaining({ code: 'points_mall', label: '积分兑换', amountFen: -4_010, ref: goods.id }),
      expect.objectContaining({ code: 'shipping', amountFen: 800 }),
    ]);
    expect(preview.body).toMatchObject({ payableFen: 1_790, mall: { itemId: goods.id, points: 500, cashFen: 990, balance: 1000, enough: true }, coupons: { selectedId: null } });

    const o = await place(c, body);
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(o.body).toMatchObject({ status: 'pending_payment', payableFen: 1_790 });
    expect(await balance(c)).toBe(500);
    expect(await stock(goods.id)).toEqual({ stock: 1, redeemed: 1 });

    expect((await t.call('POST', store(`/orders/${o.body.id}/cancel`), { headers: bearer(c), body: { reason: '不要了' } })).status).toBe(200);
    await t.drain();
    await t.drain();
    expect(await balance(c)).toBe(1000);
    expect(await stock(goods.id)).toEqual({ stock: 2, redeemed: 0 });
    expect(await kinds(c)).toEqual(['spend_order:-500', 'return_spend:500']);
    // The limit was given back too: the customer may redeem it again, and paying cash earns no points.
    const again = await place(c, body);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    await payOrder(t, shop.slug, c, again.body.id);
    await t.drain();
    expect(await kinds(c)).toEqual(['spend_order:-500', 'return_spend:500', 'spend_order:-500']);
  });

  it('makes a points-only order paid at once', async () => {
    const goods = await item({ title: '300积分换保温杯', points: 300, cashFen: 0, stock: 10, perCustomerLimit: 1 });
    const c = await customer(1000);
    const o = await place(c, pickup(goods.id));
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    // Nothing is left for WeChat Pay, so checkout marks it paid as it is placed (and it earns nothing).
    expect(o.body).toMatchObject({ payableFen: 0, status: 'paid' });
    await t.drain();
    expect(await balance(c)).toBe(700);
    expect(await kinds(c)).toEqual(['spend_order:-300']);
    const limited = await place(c, pickup(goods.id));
    expect(limited.body.error).toMatchObject({ code: 'MALL_LIMIT_REACHED', details: { field: 'mallItemId', limit: 1 } });

    // It cost no money, yet it can be returned: a ¥0 refund (no WeChat Pay) gives the points and the stock back.
    const refund = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '不想要了' } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ amountFen: 0 });
    await waitFor(async () => {
      await t.drain();
      return (await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner })).body.status === 'refunded';
    }, 'the ¥0 refund');
    await t.drain();
    expect(await balance(c)).toBe(1000);
    expect(await stock(goods.id)).toEqual({ stock: 10, redeemed: 0 });
  });

  it('a refund gives the points, the stock and the limit back, once', async () => {
    const goods = await item({ title: '300积分+1元换保温杯', points: 300, cashFen: 100, stock: 10, perCustomerLimit: 1 });
    const c = await customer(1000);
    const o = await place(c, pickup(goods.id));
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    await payOrder(t, shop.slug, c, o.body.id);
    expect(await balance(c)).toBe(700);
    expect((await place(c, pickup(goods.id))).body.error.code).toBe('MALL_LIMIT_REACHED');

    const refund = await t.call('POST', `/api/admin/orders/${o.body.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: o.body.items[0].id, quantity: 1 }], reason: '缺货' } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${o.body.id}`, { session: shop.owner })).body.status === 'refunded', 'refund');
    await t.drain();
    await t.drain();
    expect(await balance(c)).toBe(1000);
    expect(await stock(goods.id)).toEqual({ stock: 10, redeemed: 0 });
    expect(await kinds(c)).toEqual(['spend_order:-300', 'return_spend:300']);
    expect((await place(c, pickup(goods.id))).status).toBe(201);
    expect(await stock(goods.id)).toEqual({ stock: 9, redeemed: 1 });
  });

  it('never passes the stock or the per-customer limit under parallel orders', async () => {
    const scarce = await item({ title: '限量保温杯', points: 100, stock: 2, perCustomerLimit: 1 });
    const people = await Promise.all(Array.from({ length: 5 }, () => customer(1000)));
    const results = await Promise.all(people.map((c) => place(c, pickup(scarce.id))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status !== 201).map((r) => r.body.error.code)).toEqual(['MALL_SOLD_OUT', 'MALL_SOLD_OUT', 'MALL_SOLD_OUT']);
    expect(await stock(scarce.id)).toEqual({ stock: 0, redeemed: 2 });
    const balances = await Promise.all(people.map(balance));
    expect(balances.filter((b) => b === 900)).toHaveLength(2);
    expect(balances.filter((b) => b === 1000)).toHaveLength(3);

    const once = await item({ title: '每人一个', points: 100, stock: 50, perCustomerLimit: 1 });
    const c = await customer(1000);
    const mine = await Promise.all(Array.from({ length: 4 }, () => place(c, pickup(once.id))));
    expect(mine.filter((r) => r.status === 201)).toHaveLength(1);
    expect(mine.filter((r) => r.status !== 201).every((r) => r.body.error.code === 'MALL_LIMIT_REACHED')).toBe(true);
    expect(await balance(c)).toBe(900);
    expect(await stock(once.id)).toEqual({ stock: 49, redeemed: 1 });
  });

  it('refuses other lines, too few points, coupons and unknown items, leaving nothing behind', async () => {
    const goods = await item({ title: '保温杯', points: 800, stock: 3 });
    const c = await customer(500);
    const wrong = await place(c, { ...pickup(goods.id), items: [{ skuId: otherSku, quantity: 1 }] });
    expect(wrong.body.error).toMatchObject({ code: 'MALL_ORDER_ITEMS_INVALID', details: { field: 'items' } });
    expect((await place(c, { ...pickup(goods.id), items: [{ skuId, quantity: 2 }] })).body.error.code).toBe('MALL_ORDER_ITEMS_INVALID');
    const short = await place(c, pickup(goods.id));
    expect(short.status).toBe(409);
    expect(short.body.error).toMatchObject({ code: 'POINTS_INSUFFICIENT', details: { field: 'mallItemId' } });
    expect(await stock(goods.id)).toEqual({ stock: 3, redeemed: 0 });
    expect(await balance(c)).toBe(500);
    expect((await t.call('GET', store('/orders'), { headers: bearer(c) })).body.items).toEqual([]);
    const couponItem = await t.call('POST', '/api/admin/points/mall', { session: shop.owner, body: { title: '券', couponTemplateId, points: 1, stock: 1 } });
    expect((await place(c, pickup(couponItem.body.id))).body.error.code).toBe('MALL_ITEM_NOT_GOODS');
    const unknown = await place(c, pickup(randomUUID()));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.field).toBe('mallItemId');
    await t.call('PUT', `/api/admin/points/mall/${goods.id}`, { session: shop.owner, body: { kind: 'goods', skuId, title: '保温杯', points: 800, stock: 3, status: 'off_shelf' } });
    expect((await place(c, pickup(goods.id))).body.error.code).toBe('MALL_ITEM_OFF_SHELF');
  });
});
