import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let itemId: string;
let templateId: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  templateId = (await t.call('POST', '/api/admin/coupons', { session: shop.owner, body: { name: '积分兑换券', kind: 'no_threshold', amountOffFen: 1000, validity: { type: 'relative', days: 30 }, totalQuantity: 100, perCustomerLimit: 5, claimable: false } })).body.id;
  const item = await t.call('POST', '/api/admin/points/mall', { session: shop.owner, body: { title: '10元无门槛券', couponTemplateId: templateId, points: 100, stock: 3, perCustomerLimit: 1 } });
  expect(item.status, JSON.stringify(item.body)).toBe(201);
  itemId = item.body.id;
});
afterAll(() => t?.close());

async function withPoints(points: number): Promise<CustomerFixture> {
  const c = await signInCustomer(t, shop.slug);
  await t.drain();
  if (points) await t.call('POST', `/api/admin/customers/${c.customerId}/points/adjust`, { session: shop.owner, body: { delta: points, reason: '测试' } });
  return c;
}
const redeem = (c: CustomerFixture, key?: string) => t.call('POST', store(`/points/mall/${itemId}/redeem`), { headers: bearer(c, key ? { 'idempotency-key': key } : {}) });
const balance = async (c: CustomerFixture) => (await t.call('GET', store('/me/points'), { headers: bearer(c) })).body.balance;

describe('points mall (积分商城)', () => {
  it('redeems a coupon for points once per customer, a retry returning the same redemption', async () => {
    const c = await withPoints(500);
    const key = randomUUID();
    const first = await redeem(c, key);
    expect(first.status).toBe(201);
    expect((await redeem(c, key)).body.id).toBe(first.body.id);
    expect(await balance(c)).toBe(400);
    const mine = await t.call('GET', store('/me/coupons?status=unused'), { headers: bearer(c) });
    expect(mine.body.items).toEqual([expect.objectContaining({ id: first.body.couponId, source: 'points_mall' })]);
    const again = await redeem(c);
    expect(again.body.error).toMatchObject({ code: 'MALL_LIMIT_REACHED', details: { field: 'itemId' } });
    expect(await balance(c)).toBe(400);
  });

  it('refuses without enough points and leaves nothing behind', async () => {
    const c = await withPoints(50);
    expect((await redeem(c)).body.error.code).toBe('POINTS_INSUFFICIENT');
    expect(await balance(c)).toBe(50);
  });

  it('never redeems more than the stock under parallel redemptions', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => withPoints(300)));
    const results = await Promise.all(people.map((c) => redeem(c)));
    // One unit went in the first test; two remain.
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status !== 201).every((r) => r.body.error.code === 'MALL_SOLD_OUT')).toBe(true);
    const [item] = await rows<{ stock: number; redeemed: number; n: number }>(t.platform.db, sql`
      SELECT stock, redeemed, (SELECT count(*)::int FROM points_mall_redemptions WHERE item_id = ${itemId}) AS n FROM points_mall_items WHERE id = ${itemId}`);
    expect(item).toEqual({ stock: 0, redeemed: 3, n: 3 });
    // Points were spent only by those who got the coupon.
    const spent = await Promise.all(people.map(balance));
    expect(spent.filter((b) => b === 200)).toHaveLength(2);
    expect(spent.filter((b) => b === 300)).toHaveLength(4);
    const listed = await t.call('GET', store('/points/mall'));
    expect(listed.body.items[0]).toMatchObject({ id: itemId, stock: 0, redeemed: 3, coupon: { name: '积分兑换券' } });
  });
});
