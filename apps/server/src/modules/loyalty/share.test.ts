import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, createProduct, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
let other: ShopFixture;
let products: string[];
let otherProduct: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  other = await t.createShop();
  products = [];
  for (let i = 0; i < 4; i++) products.push((await createProduct(t, shop.owner, { title: `分享商品${i}`, priceFen: 1000, stock: 10 })).id);
  otherProduct = (await createProduct(t, other.owner, { title: '别家的', priceFen: 1000, stock: 10 })).id;
  const rules = (await t.call('GET', '/api/admin/points/rules', { session: shop.owner })).body;
  const set = await t.call('PUT', '/api/admin/points/rules', { session: shop.owner, body: { ...rules, sharePoints: 5, shareDailyCap: 3 } });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});
afterAll(() => t?.close());

const share = (c: CustomerFixture, target: string, targetId: string) => t.call('POST', store('/points/share'), { headers: bearer(c), body: { target, targetId } });
const sharePostings = async (c: CustomerFixture) =>
  rows<{ delta: number; ref: string }>(t.platform.db, sql`SELECT delta, ref FROM points_ledger WHERE shop_id = ${shop.shopId} AND customer_id = ${c.customerId} AND kind = 'share'`);

describe('points for sharing (分享得积分)', () => {
  it('rewards each target once a day and at most the daily cap', async () => {
    const c = await signInCustomer(t, shop.slug);
    const first = await share(c, 'product', products[0]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ outcome: 'rewarded', points: 5, rewardedToday: 1, dailyCap: 3, sharePoints: 5 });
    expect((await share(c, 'product', products[0])).body).toMatchObject({ outcome: 'already_shared', points: 0, rewardedToday: 1 });
    expect((await share(c, 'page', '/points-mall')).body).toMatchObject({ outcome: 'rewarded', points: 5 });
    expect((await share(c, 'product', products[1])).body).toMatchObject({ outcome: 'rewarded', points: 5, rewardedToday: 3 });
    expect((await share(c, 'product', products[2])).body).toMatchObject({ outcome: 'daily_cap', points: 0, rewardedToday: 3 });
    const mine = await t.call('GET', store('/me/points'), { headers: bearer(c) });
    expect(mine.body.balance).toBe(15);
    expect(mine.body.earnedTotal).toBe(15);
    expect(mine.body.rules).toMatchObject({ sharePoints: 5, shareDailyCap: 3 });
    expect((await t.call('GET', store('/points/share'), { headers: bearer(c) })).body).toEqual({ enabled: true, sharePoints: 5, dailyCap: 3, rewardedToday: 3 });
    expect((await t.call('GET', store('/points/share'))).body).toMatchObject({ enabled: true, rewardedToday: 0 });
  });

  it('never passes the cap under parallel shares, nor rewards one target twice', async () => {
    const c = await signInCustomer(t, shop.slug);
    const targets = [...products.map((id) => ['product', id]), ...Array.from({ length: 6 }, (_, i) => ['page', `/p/${i}`])];
    const results = await Promise.all(targets.map(([target, id]) => share(c, target, id)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.outcome === 'rewarded')).toHaveLength(3);
    expect(results.filter((r) => r.body.outcome === 'daily_cap')).toHaveLength(targets.length - 3);
    expect((await sharePostings(c)).map((p) => p.delta)).toEqual([5, 5, 5]);

    const d = await signInCustomer(t, shop.slug);
    const same = await Promise.all(Array.from({ length: 5 }, () => share(d, 'product', products[3])));
    expect(same.filter((r) => r.body.outcome === 'rewarded')).toHaveLength(1);
    expect(same.filter((r) => r.body.outcome === 'already_shared')).toHaveLength(4);
    expect(await sharePostings(d)).toHaveLength(1);
    expect((await t.call('GET', store('/me/points'), { headers: bearer(d) })).body.balance).toBe(5);
  });

  it("refuses another shop's product, unknown coupons, and customers not signed in", async () => {
    const c = await signInCustomer(t, shop.slug);
    const foreign = await share(c, 'product', otherProduct);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'NOT_FOUND', details: { field: 'targetId' } });
    expect((await share(c, 'coupon', randomUUID())).status).toBe(404);
    expect((await share(c, 'product', 'not-a-product')).status).toBe(404);
    expect((await share(c, 'video', products[0])).body.error.details.field).toBe('target');
    expect((await t.call('POST', store('/points/share'), { body: { target: 'page', targetId: '/' } })).status).toBe(401);
    expect(await sharePostings(c)).toEqual([]);
  });

  it('records shares but gives nothing while sharing is off', async () => {
    const rules = (await t.call('GET', '/api/admin/points/rules', { session: other.owner })).body;
    expect(rules).toMatchObject({ sharePoints: 0, shareDailyCap: 3 });
    const c = await signInCustomer(t, other.slug);
    const r = await t.call('POST', `/api/store/${other.slug}/points/share`, { headers: bearer(c), body: { target: 'product', targetId: otherProduct } });
    expect(r.body).toMatchObject({ outcome: 'off', points: 0, dailyCap: 0 });
  });
});
