import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { addAddress, bearer, createProduct, signInCustomer, type CustomerFixture, type ShopFixture } from '../../testing/commerce.js';

let t: TestApp;
let shop: ShopFixture;
const customers: { c: CustomerFixture; addressId: string }[] = [];

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
  shop = await t.createShop();
  for (let i = 0; i < 10; i++) {
    const c = await signInCustomer(t, shop.slug);
    customers.push({ c, addressId: await addAddress(t, shop.slug, c) });
  }
});
afterAll(() => t?.close());

async function level(skuId: string) {
  const [r] = await rows<{ available: number; reserved: number; sold: number; received: number }>(
    t.platform.db,
    sql`SELECT available, reserved, sold, received FROM inventory_levels WHERE sku_id = ${skuId}`,
  );
  return r;
}

describe('checkout under concurrency', () => {
  it('200 concurrent checkouts for 20 units: exactly 20 orders hold stock, none oversold', async () => {
    const product = await createProduct(t, shop.owner, { title: '限量款', priceFen: 9900, stock: 20 });
    const skuId = product.skus[0].id;
    // 10 customers × 20 parallel attempts each, all at once over HTTP.
    const attempts = Array.from({ length: 200 }, (_, i) => customers[i % customers.length]);
    const results = await Promise.all(
      attempts.map(({ c, addressId }) =>
        t.call('POST', `/api/store/${shop.slug}/orders`, {
          headers: bearer(c, { 'idempotency-key': randomUUID() }),
          body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId },
        }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(20);
    expect(refused).toHaveLength(180);
    expect(refused.every((r) => r.body.error.code === 'STOCK_INSUFFICIENT')).toBe(true);
    expect(await level(skuId)).toEqual({ available: 0, reserved: 20, sold: 0, received: 20 });
    const [orders] = await rows<{ n: number }>(t.platform.db, sql`
      SELECT count(*)::int AS n FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.sku_id = ${skuId}`);
    expect(orders.n).toBe(20);
    const [held] = await rows<{ n: number }>(t.platform.db, sql`
      SELECT COALESCE(sum(quantity), 0)::int AS n FROM inventory_reservations WHERE sku_id = ${skuId} AND status = 'held'`);
    expect(held.n).toBe(20);
  });

  it('cancelling and paying concurrently keeps available + reserved + sold equal to stock received', async () => {
    const product = await createProduct(t, shop.owner, { title: '并发款', priceFen: 1000, stock: 30 });
    const skuId = product.skus[0].id;
    const placed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => customers[i % customers.length]).map(({ c, addressId }) =>
        t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(c), body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId } }),
      ),
    );
    const ok = placed.filter((r) => r.status === 201);
    expect(ok).toHaveLength(30);
    // Half the orders are cancelled by their customers while staff add stock at the same time.
    const owners = new Map(customers.map((x) => [x.c.customerId, x.c]));
    await Promise.all([
      ...ok.slice(0, 15).map((r) => t.call('POST', `/api/store/${shop.slug}/orders/${r.body.id}/cancel`, { headers: bearer(owners.get(r.body.customerId)!), body: { reason: '不要了' } })),
      t.call('POST', `/api/admin/skus/${skuId}/stock`, { session: shop.owner, body: { delta: 5, reason: '到货' } }),
    ]);
    const l = await level(skuId);
    expect(l.available + l.reserved + l.sold).toBe(l.received);
    expect(l).toEqual({ available: 20, reserved: 15, sold: 0, received: 35 });
  });

  it('a retried checkout with the same Idempotency-Key creates one order even when the retries race', async () => {
    const product = await createProduct(t, shop.owner, { title: '幂等款', priceFen: 1000, stock: 10 });
    const { c, addressId } = customers[0];
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call('POST', `/api/store/${shop.slug}/orders`, {
          headers: bearer(c, { 'idempotency-key': key }),
          body: { items: [{ skuId: product.skus[0].id, quantity: 2 }], fulfilment: 'express', addressId },
        }),
      ),
    );
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await level(product.skus[0].id)).toMatchObject({ available: 8, reserved: 2 });
  });
});
