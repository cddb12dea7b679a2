import { sql } from 'drizzle-orm';
import { rows } from '../../platform/db/index.js';
import type { StaffSession, TestApp } from '../../testing/harness.js';

/** Helpers for the flash-sale tests: a sale over the admin API, and the figures to check against. */
export interface SaleSpec {
  skuId: string;
  stock: number;
  priceFen?: number;
  limit?: number;
  ipRatePerSecond?: number;
  customerRatePerSecond?: number;
  startsInMs?: number;
  lastsMs?: number;
}

export async function createSale(t: TestApp, owner: StaffSession, spec: SaleSpec, publish = true) {
  const startsAt = new Date(Date.now() + (spec.startsInMs ?? -60_000));
  const res = await t.call('POST', '/api/admin/flash-sales', {
    session: owner,
    body: {
      name: '整点秒杀',
      perCustomerLimit: spec.limit ?? 1,
      ipRatePerSecond: spec.ipRatePerSecond ?? 100_000,
      customerRatePerSecond: spec.customerRatePerSecond ?? 100,
      sessions: [{ startsAt, endsAt: new Date(startsAt.getTime() + (spec.lastsMs ?? 3600_000)), items: [{ skuId: spec.skuId, priceFen: spec.priceFen ?? 990, stock: spec.stock }] }],
    },
  });
  if (res.status !== 201) throw new Error(`create flash sale: ${res.status} ${JSON.stringify(res.body)}`);
  if (publish) {
    const pub = await t.call('POST', `/api/admin/flash-sales/${res.body.id}/publish`, { session: owner });
    if (pub.status !== 200) throw new Error(`publish flash sale: ${pub.status} ${JSON.stringify(pub.body)}`);
  }
  const session = res.body.sessions[0];
  return { id: res.body.id as string, sessionId: session.id as string, itemId: session.items[0].id as string };
}

/** Writes every accepted attempt's order now (the job would run at the end of its slot), then runs the queue. */
export async function writeOrders(t: TestApp, shopId: string) {
  await t.services.flashSalePurchase.settleWrites();
  await t.services.flashSaleOrders.drain(shopId);
  await t.drain();
}

/** The stock balance of a SKU, with the ledger's sums: both must say the same. */
export async function stockOf(t: TestApp, skuId: string) {
  const [l] = await rows<{ received: number; available: number; reserved: number; sold: number; held: number }>(t.platform.db, sql`
    SELECT received, available, reserved, sold, held FROM inventory_levels WHERE sku_id = ${skuId}`);
  const [g] = await rows<{ received: number; available: number; reserved: number; sold: number; held: number }>(t.platform.db, sql`
    SELECT coalesce(sum(delta_received), 0)::int AS received, coalesce(sum(delta_available), 0)::int AS available, coalesce(sum(delta_reserved), 0)::int AS reserved,
           coalesce(sum(delta_sold), 0)::int AS sold, coalesce(sum(delta_held), 0)::int AS held
    FROM inventory_ledger WHERE sku_id = ${skuId}`);
  return { level: l, ledger: g, balanced: l.received === l.available + l.reserved + l.sold + l.held };
}

/** Flash orders of a sale in PostgreSQL: count, units, and attempts with more than one order. */
export async function flashOrders(t: TestApp, flashSaleId: string) {
  const [r] = await rows<{ orders: number; live: number; units: number; dup: number }>(t.platform.db, sql`
    SELECT count(*)::int AS orders,
           count(*) FILTER (WHERE o.status <> 'cancelled')::int AS live,
           coalesce(sum(i.quantity) FILTER (WHERE o.status <> 'cancelled'), 0)::int AS units,
           (SELECT count(*)::int FROM (SELECT source_ref FROM orders WHERE source = 'flash_sale' GROUP BY shop_id, source_ref HAVING count(*) > 1) d) AS dup
    FROM flash_sale_attempts a JOIN orders o ON o.id = a.order_id JOIN order_items i ON i.order_id = o.id
    WHERE a.flash_sale_id = ${flashSaleId}`);
  return r;
}
