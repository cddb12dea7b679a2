import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer, waitFor, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { monthStartShanghai } from './level-service.js';

let t: TestApp;
let shop: ShopFixture;
let pickupPointId: string;
let sku100: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;
const LEVELS = [
  { rank: 1, name: '银卡', threshold: 10_000, percentPaid: null, freeShipping: false, monthlyPackId: null },
  { rank: 2, name: '金卡', threshold: 30_000, percentPaid: 95, freeShipping: true, monthlyPackId: null },
];

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  pickupPointId = (await t.call('POST', '/api/admin/pickup-points', { session: shop.owner, body: { name: '门店', address: '文三路 1 号' } })).body.id;
  await t.call('POST', '/api/admin/shipping-templates', { session: shop.owner, body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], isDefault: true } });
  sku100 = (await createProduct(t, shop.owner, { priceFen: 10_000, stock: 1000 })).skus[0].id;
});
afterAll(() => t?.close());

const setRule = (metric: string, period: string, levels = LEVELS) => t.call('PUT', '/api/admin/members/levels', { session: shop.owner, body: { metric, period, levels } });
const buy = async (c: CustomerFixture, quantity = 1) => {
  const o = await t.call('POST', store('/orders'), { headers: bearer(c, { 'idempotency-key': randomUUID() }), body: { items: [{ skuId: sku100, quantity }], fulfilment: 'pickup', pickupPointId, couponId: null } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  await payOrder(t, shop.slug, c, o.body.id);
  await t.drain();
  return o.body as { id: string; items: { id: string }[]; payableFen: number };
};
const levelOf = async (c: CustomerFixture) => (await t.call('GET', store('/me/level'), { headers: bearer(c) })).body;

describe('member levels', () => {
  it('refuses thresholds that do not rise, naming the level', async () => {
    const bad = await setRule('spend', 'all', [LEVELS[0], { ...LEVELS[1], threshold: 10_000 }]);
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'LEVEL_THRESHOLDS_NOT_RISING', details: { field: 'levels.1.threshold' } });
  });

  it('cumulative spend: up on payment, member price and free shipping at the top level, down on refund, with history', async () => {
    expect((await setRule('spend', 'all')).status).toBe(200);
    const c = await signInCustomer(t, shop.slug);
    expect((await levelOf(c)).level).toBeNull();
    await buy(c);
    const silver = await levelOf(c);
    expect(silver).toMatchObject({ value: 10_000, level: { name: '银卡' }, next: { name: '金卡', remaining: 20_000 } });
    const big = await buy(c, 2);
    expect(await levelOf(c)).toMatchObject({ value: 30_000, level: { name: '金卡' }, next: null });

    // 金卡: 9.5折 on goods and free express shipping.
    const addressId = await addAddress(t, shop.slug, c);
    const preview = await t.call('POST', store('/checkout/preview'), { headers: bearer(c), body: { items: [{ skuId: sku100, quantity: 1 }], fulfilment: 'express', addressId, couponId: null } });
    expect(preview.body.adjustments).toEqual([expect.objectContaining({ code: 'member_price', amountFen: -500, label: '会员价·金卡 9.5折' })]);
    expect(preview.body).toMatchObject({ shippingFen: 0, payableFen: 9_500, shipping: { free: true, reason: '金卡包邮' } });

    const refund = await t.call('POST', `/api/admin/orders/${big.id}/refunds`, { session: shop.owner, body: { items: [{ orderItemId: big.items[0].id, quantity: 2 }], reason: '退货' } });
    expect(refund.status).toBe(201);
    await t.drain();
    await waitFor(async () => (await t.call('GET', `/api/admin/orders/${big.id}`, { session: shop.owner })).body.status === 'refunded', 'refund');
    await t.drain();
    const after = await t.call('GET', `/api/admin/customers/${c.customerId}/level`, { session: shop.owner });
    expect(after.body).toMatchObject({ value: 10_000, level: { name: '银卡' } });
    expect(after.body.history.map((h: { from: string | null; to: string | null }) => [h.from, h.to])).toEqual([['金卡', '银卡'], ['银卡', '金卡'], [null, '银卡']]);
  });

  it('orders in the last 3 months: old orders stop counting at the nightly pass', async () => {
    expect((await setRule('orders', 'last_3_months', [{ ...LEVELS[0], threshold: 2 }, { ...LEVELS[1], threshold: 3 }])).status).toBe(200);
    await t.drain();
    const c = await signInCustomer(t, shop.slug);
    const first = await buy(c);
    await buy(c);
    expect((await levelOf(c)).level.name).toBe('银卡');
    await t.platform.db.execute(sql`UPDATE orders SET paid_at = now() - interval '100 days' WHERE id = ${first.id}`);
    await t.services.levels.evaluateShop(shop.shopId);
    expect(await levelOf(c)).toMatchObject({ value: 1, level: null, next: { name: '银卡', remaining: 1 } });
  });

  it("this month's spend: last month's orders do not count", async () => {
    expect((await setRule('spend', 'this_month')).status).toBe(200);
    await t.drain();
    const c = await signInCustomer(t, shop.slug);
    const o = await buy(c);
    expect((await levelOf(c)).level.name).toBe('银卡');
    const lastMonth = new Date(monthStartShanghai(t.platform.now()).getTime() - 86_400_000);
    await t.platform.db.execute(sql`UPDATE orders SET paid_at = ${lastMonth} WHERE id = ${o.id}`);
    await t.services.levels.evaluateShop(shop.shopId);
    expect(await levelOf(c)).toMatchObject({ value: 0, level: null });
  });

  it('gives a level its monthly coupon pack once a month', async () => {
    const tpl = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '会员月券', kind: 'no_threshold', amountOffFen: 500, validity: { type: 'relative', days: 30 }, totalQuantity: 100, perCustomerLimit: 12, claimable: false } });
    const pack = await t.call('POST', '/api/admin/coupon-packs', { session: shop.owner, body: { name: '银卡月礼', items: [{ templateId: tpl.body.id, quantity: 1 }] } });
    expect((await setRule('spend', 'all', [{ ...LEVELS[0], monthlyPackId: pack.body.id }, LEVELS[1]])).status).toBe(200);
    await t.drain();
    const c = await signInCustomer(t, shop.slug);
    await buy(c);
    await t.platform.jobs.send('loyalty.monthly-packs', {});
    await t.drain();
    await t.platform.jobs.send('loyalty.monthly-packs', {});
    await t.drain();
    const mine = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(mine.body.items.filter((x: { templateId: string }) => x.templateId === tpl.body.id)).toHaveLength(1);
  });

  it('coupons for members of a level: claimable at that level only', async () => {
    expect((await setRule('spend', 'all')).status).toBe(200);
    await t.drain();
    const gold = (await t.call('GET', '/api/admin/members/levels', { session: shop.owner })).body.levels.find((l: { name: string }) => l.name === '金卡');
    const tpl = await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '金卡专享', kind: 'no_threshold', amountOffFen: 1000, audience: 'levels', audienceIds: [gold.id], validity: { type: 'relative', days: 7 }, totalQuantity: 10 } });
    expect(tpl.status).toBe(201);
    const c = await signInCustomer(t, shop.slug);
    await buy(c);
    expect((await t.call('POST', store(`/coupons/${tpl.body.id}/claim`), { headers: bearer(c) })).body.error.code).toBe('COUPON_AUDIENCE_MISMATCH');
    await buy(c, 2);
    expect((await t.call('POST', store(`/coupons/${tpl.body.id}/claim`), { headers: bearer(c) })).status).toBe(201);
  });
});
