/**
 * Node CPU per accepted attempt of the purchase path itself (no HTTP): token, the hot-store decision and
 * the group commit, called in-process with `--concurrency` attempts in flight, against PostgreSQL + Redis
 * (DATABASE_URL / REDIS_URL) or the embedded stores. Complements run.ts, whose figure includes Fastify.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/flash-sale/accept-cost.ts
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows } from '../../apps/server/src/platform/db/index.js';
import { signSessionToken } from '../../apps/server/src/modules/customers/sessions.js';
import { createSale } from '../../apps/server/src/modules/flashsale/testing.js';
import { createProduct } from '../../apps/server/src/testing/commerce.js';
import { startTestApp } from '../../apps/server/src/testing/harness.js';

const N = Number(process.env.N ?? 20_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 100);

const t = await startTestApp({ LOG_LEVEL: 'silent' });
try {
  const shop = await t.createShop();
  const skuId = (await createProduct(t, shop.owner, { priceFen: 5900, stock: N * 2 })).skus[0].id;
  const sale = await createSale(t, shop.owner, { skuId, stock: N, customerRatePerSecond: 5 });
  const customers = await rows<{ id: string }>(t.platform.db, sql`INSERT INTO customers (shop_id, phone, source) SELECT ${shop.shopId}, '139' || lpad(g::text, 8, '0'), 'import' FROM generate_series(1, ${N}) g RETURNING id`);
  const addresses = await rows<{ id: string; customer_id: string }>(t.platform.db, sql`
    INSERT INTO customer_addresses (shop_id, customer_id, contact_name, phone, province, city, district, detail, is_default)
    SELECT ${shop.shopId}, c.id, '张三', '13900000000', '广东省', '深圳市', '南山区', '科技园 1 号', true FROM customers c WHERE c.shop_id = ${shop.shopId} RETURNING id, customer_id`);
  const addrOf = new Map(addresses.map((a) => [a.customer_id, a.id]));
  const issuedAt = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await new Promise((r) => setTimeout(r, 1100));
  const buyers = customers.map((c) => ({ id: c.id, addressId: addrOf.get(c.id)!, token: signSessionToken(t.platform.config.SESSION_SECRET, { sessionId: randomUUID(), customerId: c.id, shopId: shop.shopId, issuedAt, expiresAt: issuedAt + 3600_000 }) }));
  const s = t.services;
  // Warm: the sale's counters, the item cache, the statements.
  await s.flashSalePurchase.attempt(shop.shopId, buyers[0].id, '127.0.0.1', { itemId: sale.itemId, quantity: 1, fulfilment: 'express', addressId: buyers[0].addressId });
  let next = 1;
  let accepted = 0;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) {
      const b = buyers[next++];
      const who = await s.customers.resolveToken(shop.shopId, b.token);
      await s.flashSalePurchase.attempt(shop.shopId, who!.id, '127.0.0.1', { itemId: sale.itemId, quantity: 1, fulfilment: 'express', addressId: b.addressId });
      accepted++;
    }
  }));
  await s.flashSalePurchase.settleWrites();
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  console.log(`${accepted} accepted in ${((performance.now() - w0) / 1000).toFixed(1)} s: ${(ms / accepted).toFixed(3)} ms Node CPU per accepted attempt (token, hot-store decision, group commit)`);
} finally {
  await t.close();
}
