import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, createProduct, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';
import { newOrderNo } from './order-no.js';

/**
 * Checkouts that arrive together are written together (one transaction, one statement for the rows, one
 * for the stock), and each still gets its own answer. The service is called directly so many checkouts
 * are in flight in one process, as in a rush.
 */
let t: TestApp;
let shop: ShopFixture;
const people: { c: CustomerFixture; addressId: string }[] = [];

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  for (let i = 0; i < 12; i++) {
    const c = await signInCustomer(t, shop.slug);
    people.push({ c, addressId: await addAddress(t, shop.slug, c) });
  }
});
afterAll(() => t?.close());

const place = (who: { c: CustomerFixture; addressId: string }, items: { skuId: string; quantity: number }[], extra: Record<string, unknown> = {}, key: string = randomUUID()) =>
  t.services.checkout
    .placeOrder(shop.shopId, who.c.customerId, { items, fulfilment: 'express', addressId: who.addressId, ...extra }, key)
    .then((r) => ({ ok: true as const, ...r }), (err) => ({ ok: false as const, err }));

async function level(skuId: string) {
  const [r] = await rows<{ available: number; reserved: number }>(t.platform.db, sql`SELECT available, reserved FROM inventory_levels WHERE sku_id = ${skuId}`);
  return r;
}

describe('group commit of checkouts', () => {
  it('writes concurrent checkouts in shared transactions, first come first served on short stock', async () => {
    const product = await createProduct(t, shop.owner, { title: '团购款', priceFen: 500, stock: 20 });
    const skuId = product.skus[0].id;
    const results = await Promise.all(Array.from({ length: 36 }, (_, i) => place(people[i % people.length], [{ skuId, quantity: 1 }])));
    const won = results.filter((r) => r.ok);
    const lost = results.filter((r) => !r.ok);
    expect(won).toHaveLength(20);
    expect(lost.map((r) => (r as { err: { code: string } }).err.code)).toEqual(Array(16).fill('STOCK_INSUFFICIENT'));
    expect(await level(skuId)).toEqual({ available: 0, reserved: 20 });
    // Orders of one transaction share its start time: fewer distinct times than orders means groups formed.
    const [times] = await rows<{ orders: number; transactions: number }>(t.platform.db, sql`
      SELECT count(*)::int AS orders, count(DISTINCT o.created_at)::int AS transactions
      FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.sku_id = ${skuId}`);
    expect(times.orders).toBe(20);
    expect(times.transactions).toBeLessThan(20);
    // Every answer is the order as the API shows it, built from what was written.
    for (const r of won as { orderId: string; view?: { id: string; status: string; items: { skuId: string }[]; history: unknown[] } }[]) {
      expect(r.view).toMatchObject({ id: r.orderId, status: 'pending_payment', items: [{ skuId }] });
      expect(r.view!.history).toHaveLength(1);
      expect(await t.services.orders.detail(shop.shopId, r.orderId)).toMatchObject({ id: r.orderId, orderNo: (r.view as unknown as { orderNo: string }).orderNo });
    }
  });

  it('a sold-out SKU refuses later checkouts before reading anything, until stock may have come back', async () => {
    const product = await createProduct(t, shop.owner, { title: '售罄款', priceFen: 800, stock: 3 });
    const skuId = product.skus[0].id;
    const keys = people.slice(0, 8).map(() => randomUUID());
    const rush = await Promise.all(people.slice(0, 8).map((p, i) => place(p, [{ skuId, quantity: 1 }], {}, keys[i])));
    const won = rush.filter((r) => r.ok) as { orderId: string }[];
    expect(won).toHaveLength(3);
    expect(rush.filter((r) => !r.ok).map((r) => (r as { err: { code: string } }).err.code)).toEqual(Array(5).fill('STOCK_INSUFFICIENT'));

    // From now on a checkout of it is refused from memory: the read that prices an order is not made.
    const checkout = t.services.checkout as unknown as { reader: { customer: (...a: unknown[]) => Promise<unknown> } };
    const realRead = checkout.reader.customer.bind(checkout.reader);
    let reads = 0;
    checkout.reader.customer = (...a: unknown[]) => {
      reads++;
      return realRead(...a);
    };
    try {
      const late = await place(people[9], [{ skuId, quantity: 2 }]);
      expect(late.ok).toBe(false);
      expect((late as { err: { code: string; details: unknown } }).err).toMatchObject({ code: 'STOCK_INSUFFICIENT', details: { field: 'items.0.skuId', skuId, available: 0, requested: 2 } });
      expect(reads).toBe(0);

      // A retry of a checkout that got its order still gets that order.
      const winner = rush.findIndex((r) => r.ok);
      const retry = await place(people[winner], [{ skuId, quantity: 1 }], {}, keys[winner]);
      expect(retry).toMatchObject({ ok: true, orderId: (rush[winner] as { orderId: string }).orderId, created: false });

      // A cancelled order gives its unit back: the memory is forgotten and the next checkout gets it.
      const cancelled = won[0];
      const owner = (await rows<{ customer_id: string }>(t.platform.db, sql`SELECT customer_id FROM orders WHERE id = ${cancelled.orderId}`))[0].customer_id;
      await t.services.orders.cancel(shop.shopId, cancelled.orderId, { type: 'customer', id: owner }, { reason: 'changed my mind' });
      const after = await place(people[10], [{ skuId, quantity: 1 }]);
      expect(after.ok).toBe(true);
      expect(reads).toBe(1);
      expect(await level(skuId)).toEqual({ available: 0, reserved: 3 });

      // Refused again from memory once it ran out again; then a staff count brings stock back.
      const refusedAgain = await place(people[11], [{ skuId, quantity: 1 }]);
      expect(refusedAgain.ok).toBe(false);
      const readsBefore = reads;
      const again = await place(people[11], [{ skuId, quantity: 1 }]);
      expect((again as { err: { code: string } }).err.code).toBe('STOCK_INSUFFICIENT');
      expect(reads).toBe(readsBefore);
      const counted = await t.call('POST', `/api/admin/skus/${skuId}/stock`, { session: shop.owner, body: { delta: 5, reason: '到货' } });
      expect(counted.status).toBe(200);
      const restocked = await place(people[11], [{ skuId, quantity: 2 }]);
      expect(restocked.ok).toBe(true);
      expect(await level(skuId)).toEqual({ available: 3, reserved: 5 });
    } finally {
      checkout.reader.customer = realRead;
    }
  });

  it('refuses only the checkout whose coupon a parallel order of the same customer took', async () => {
    const product = await createProduct(t, shop.owner, { title: '券后款', priceFen: 12_000, stock: 100 });
    const skuId = product.skus[0].id;
    const tpl = await t.call('POST', '/api/admin/coupons', {
      session: shop.owner,
      body: { name: '满100减20', kind: 'amount_off', thresholdFen: 10_000, amountOffFen: 2000, totalQuantity: 10, perCustomerLimit: 1, validity: { type: 'relative', days: 7 } },
    });
    expect(tpl.status).toBe(201);
    const who = people[0];
    const claim = await t.call('POST', `/api/store/${shop.slug}/coupons/${tpl.body.id}/claim`, { headers: { authorization: `Bearer ${who.c.token}` } });
    expect(claim.status).toBe(201);
    const couponId = claim.body.id;
    const results = await Promise.all([
      place(who, [{ skuId, quantity: 1 }], { couponId }),
      place(who, [{ skuId, quantity: 1 }], { couponId }),
      ...people.slice(1, 9).map((p) => place(p, [{ skuId, quantity: 1 }])),
    ]);
    const mine = results.slice(0, 2);
    expect(mine.filter((r) => r.ok)).toHaveLength(1);
    expect((mine.find((r) => !r.ok) as { err: { code: string } }).err.code).toBe('COUPON_ALREADY_USED');
    expect(results.slice(2).every((r) => r.ok)).toBe(true);
    expect(await level(skuId)).toEqual({ available: 91, reserved: 9 });
  });

  it('answers a retried checkout with the first order, also when both are in one group', async () => {
    const product = await createProduct(t, shop.owner, { title: '重试款', priceFen: 800, stock: 10 });
    const skuId = product.skus[0].id;
    const key = randomUUID();
    const [a, b, c] = await Promise.all([place(people[3], [{ skuId, quantity: 2 }], {}, key), place(people[3], [{ skuId, quantity: 2 }], {}, key), place(people[3], [{ skuId, quantity: 2 }], {}, key)]);
    const answers = [a, b, c] as { ok: true; orderId: string; created: boolean }[];
    expect(answers.every((r) => r.ok)).toBe(true);
    expect(new Set(answers.map((r) => r.orderId)).size).toBe(1);
    expect(answers.filter((r) => r.created)).toHaveLength(1);
    expect(await level(skuId)).toEqual({ available: 8, reserved: 2 });
  });

  it('makes order numbers in SQL exactly as newOrderNo makes them', async () => {
    const [r] = await rows<{ n: string; at: Date | string }>(t.platform.db, sql`
      SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDDHH24MISS') || lpad((((123457::bigint % 1000000) * 738917) % 1000000)::text, 6, '0') AS n, now() AS at`);
    expect(r.n).toBe(newOrderNo(new Date(r.at), 123457));
  });
});
