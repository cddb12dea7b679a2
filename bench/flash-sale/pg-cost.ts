/**
 * PostgreSQL CPU per accepted order, by step of the flash-sale path: the group commit of accepted
 * attempts (at several group sizes), the order batch, and the outbox dispatch. Runs the server's own
 * code on one connection of a fresh schema and reads that backend's CPU from /proc, so the figures hold
 * on a busy machine.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/flash-sale/pg-cost.ts
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { createServices } from '../../apps/server/src/app/container.js';
import { registerJobs } from '../../apps/server/src/app/jobs.js';
import { createPlatform, closePlatform } from '../../apps/server/src/platform/bootstrap.js';
import { loadConfig } from '../../apps/server/src/platform/config.js';
import { rows } from '../../apps/server/src/platform/db/index.js';
import type { AttemptRecord } from '../../apps/server/src/modules/flashsale/purchase.js';
import { createSale } from '../../apps/server/src/modules/flashsale/testing.js';
import { createProduct } from '../../apps/server/src/testing/commerce.js';
import { startTestApp } from '../../apps/server/src/testing/harness.js';

if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (and REDIS_URL)');

const ticks = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(x[11]) + Number(x[12]);
};

const t = await startTestApp({ LOG_LEVEL: 'silent' });
try {
  const shop = await t.createShop();
  const skuId = (await createProduct(t, shop.owner, { priceFen: 5900, stock: 100_000 })).skus[0].id;
  const sale = await createSale(t, shop.owner, { skuId, stock: 50_000 });
  const prefix = (t.platform.hot as unknown as { prefix?: string }).prefix;
  const p = await createPlatform(loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { schema: t.database.schema, poolSize: 1, redisPrefix: prefix, pgliteDir: 'memory://' });
  const s = await createServices(p);
  registerJobs(p, s);
  const [{ pid }] = await rows<{ pid: number }>(p.db, sql`SELECT pg_backend_pid() AS pid`);
  const n = 30_000;
  const customers = await rows<{ id: string }>(p.db, sql`INSERT INTO customers (shop_id, phone, source) SELECT ${shop.shopId}, '139' || lpad(g::text, 8, '0'), 'import' FROM generate_series(1, ${n}) g RETURNING id`);
  const addresses = await rows<{ id: string; customer_id: string }>(p.db, sql`
    INSERT INTO customer_addresses (shop_id, customer_id, contact_name, phone, province, city, district, detail, is_default)
    SELECT ${shop.shopId}, c.id, '张三', '13900000000', '广东省', '深圳市', '南山区', '科技园 1 号', true FROM customers c WHERE c.shop_id = ${shop.shopId} RETURNING id, customer_id`);
  const addrOf = new Map(addresses.map((a) => [a.customer_id, a.id]));
  let next = 0;
  const rec = (withSnapshot: boolean): AttemptRecord => {
    const c = customers[next++].id;
    return {
      id: randomUUID(), shopId: shop.shopId, flashSaleId: sale.id, sessionId: sale.sessionId, itemId: sale.itemId, customerId: c, quantity: 1, fulfilment: 'express',
      addressId: addrOf.get(c), address: withSnapshot ? { contactName: '张三', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 1 号' } : null,
      pickupPoint: null, remark: null, acceptedAt: new Date().toISOString(),
    };
  };
  const measure = async (label: string, count: number, fn: () => Promise<void>) => {
    const t0 = ticks(pid);
    const w0 = performance.now();
    await fn();
    const ms = (ticks(pid) - t0) * 10;
    console.log(`${label.padEnd(58)} ${(ms / count).toFixed(3)} ms PostgreSQL CPU per order   (${count} in ${((performance.now() - w0) / 1000).toFixed(1)} s)`);
  };
  for (const [group, snapshot] of [[1, false], [16, false], [16, true], [64, false], [64, true], [256, false], [256, true]] as const) {
    const total = group === 1 ? 500 : 2048;
    await measure(`group commit of ${group} attempts${snapshot ? ' (address given)' : ''}`, total, async () => {
      for (let i = 0; i < total; i += group) await s.flashSalePurchase.insertAttempts(p.db, Array.from({ length: group }, () => rec(snapshot)));
    });
  }
  const accepted = next;
  await measure('order batches (400 per transaction)', accepted, async () => {
    await s.flashSaleOrders.drain(shop.shopId);
  });
  await measure('outbox dispatch of order.created', accepted, async () => {
    while ((await p.events.dispatch(200)) > 0);
  });
  await closePlatform(p);
} finally {
  await t.close();
}
