import { sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows } from '../../platform/db/index.js';
import type { TagService } from './tag-service.js';

/** Feeds the tags module's model of customers and payments, and keeps automatic tags true. */
export function registerTagJobs(p: Platform, s: { tags: TagService }) {
  p.events.subscribe('customer.registered', 'tags.on-registered', async (event, tx) => {
    const { customerId, source } = event.payload as { customerId: string; source: string };
    if (event.shopId) await s.tags.onRegistered(tx, event.shopId, customerId, source, new Date(event.createdAt));
  });
  p.events.subscribe('order.paid', 'tags.on-paid', async (event, tx) => {
    const { orderId, customerId, paidFen, items } = event.payload as { orderId: string; customerId: string; paidFen: number; items: { productId: string }[] };
    if (event.shopId) await s.tags.onPaid(tx, event.shopId, { orderId, customerId, paidFen, productIds: items.map((i) => i.productId) });
  });
  p.events.subscribe('order.refunded', 'tags.on-refunded', async (event, tx) => {
    const { orderId, customerId } = event.payload as { orderId: string; customerId: string };
    if (!event.shopId) return;
    const [o] = await rows<{ refunded_fen: number }>(tx, sql`SELECT refunded_fen FROM audience_payments WHERE order_id = ${orderId}`);
    const { amountFen } = event.payload as { amountFen: number };
    await s.tags.onRefunded(tx, event.shopId, orderId, customerId, (o?.refunded_fen ?? 0) + amountFen);
  });
  p.events.subscribe('member.level_changed', 'tags.on-level-changed', async (event, tx) => {
    const { customerId, toLevelId } = event.payload as { customerId: string; toLevelId: string | null };
    if (event.shopId) await s.tags.onLevelChanged(tx, event.shopId, customerId, toLevelId);
  });
  p.events.subscribe('customer.merged', 'tags.on-merged', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await s.tags.onMerged(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
  p.jobs.register('tags.evaluate-shop', async ({ shopId }: { shopId: string }) => {
    await s.tags.evaluateShop(shopId);
  });
  // Windows slide ("paid ≥ ¥1,000 in 90 days"): every shop with automatic tags, nightly.
  p.jobs.register('tags.nightly', async () => {
    const shops = await rows<{ shop_id: string }>(p.db, sql`SELECT DISTINCT shop_id FROM customer_tags WHERE kind = 'auto' AND deleted_at IS NULL`);
    for (const { shop_id } of shops) await s.tags.evaluateShop(shop_id);
  });
  p.jobs.schedule('tags.nightly', 24 * 3600_000, 'tags.nightly');
}
