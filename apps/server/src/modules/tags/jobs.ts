import { sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows } from '../../platform/db/index.js';
import type { CdpService } from '../cdp/service.js';
import type { SegmentService } from './segments.js';
import type { TagService } from './tag-service.js';

/** How often segments whose rules depend on the clock (windows, "did not for N days") are recomputed. */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Feeds the tags module's model of customers and payments, keeps automatic tags true, and keeps
 * segments' members: every change to a customer's model queues their re-evaluation in the same
 * transaction, so no change is missed and none is evaluated before it commits.
 */
export function registerTagJobs(p: Platform, s: { tags: TagService; segments: SegmentService; cdp: CdpService }) {
  const { segments } = s;
  p.events.subscribe('customer.registered', 'tags.on-registered', async (event, tx) => {
    const { customerId, source } = event.payload as { customerId: string; source: string };
    if (!event.shopId) return;
    await s.tags.onRegistered(tx, event.shopId, customerId, source, new Date(event.createdAt));
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('order.paid', 'tags.on-paid', async (event, tx) => {
    const { orderId, customerId, paidFen, items } = event.payload as { orderId: string; customerId: string; paidFen: number; items: { productId: string }[] };
    if (!event.shopId) return;
    await s.tags.onPaid(tx, event.shopId, { orderId, customerId, paidFen, productIds: items.map((i) => i.productId) });
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('order.refunded', 'tags.on-refunded', async (event, tx) => {
    const { orderId, customerId } = event.payload as { orderId: string; customerId: string };
    if (!event.shopId) return;
    const [o] = await rows<{ refunded_fen: number }>(tx, sql`SELECT refunded_fen FROM audience_payments WHERE order_id = ${orderId}`);
    const { amountFen } = event.payload as { amountFen: number };
    await s.tags.onRefunded(tx, event.shopId, orderId, customerId, (o?.refunded_fen ?? 0) + amountFen);
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('member.level_changed', 'tags.on-level-changed', async (event, tx) => {
    const { customerId, toLevelId } = event.payload as { customerId: string; toLevelId: string | null };
    if (!event.shopId) return;
    await s.tags.onLevelChanged(tx, event.shopId, customerId, toLevelId);
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('customer.merged', 'tags.on-merged', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (!event.shopId) return;
    await s.tags.onMerged(tx, event.shopId, fromCustomerId, intoCustomerId);
    await segments.touch(tx, event.shopId, [fromCustomerId, intoCustomerId]);
  });
  // A follower is a customer only once linked (by unionid); a follow before that arrives as the link.
  p.events.subscribe('mp.follower_linked', 'tags.on-follower-linked', async (event, tx) => {
    const { customerId, subscribed } = event.payload as { customerId: string; subscribed: boolean };
    if (!event.shopId) return;
    await s.tags.onFollowChanged(tx, event.shopId, customerId, subscribed);
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('mp.unfollowed', 'tags.on-unfollowed', async (event, tx) => {
    const { customerId } = event.payload as { customerId?: string | null };
    if (!event.shopId || !customerId) return;
    await s.tags.onFollowChanged(tx, event.shopId, customerId, false);
    await segments.touch(tx, event.shopId, [customerId]);
  });
  p.events.subscribe('wecom.owners_changed', 'tags.on-wecom-owners', async (event, tx) => {
    const { customerId, owners } = event.payload as { customerId?: string | null; owners: string[] };
    if (!event.shopId || !customerId) return;
    await s.tags.onWecomOwnersChanged(tx, event.shopId, customerId, owners);
    await segments.touch(tx, event.shopId, [customerId]);
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

  p.jobs.register('segments.refresh-customers', async ({ shopId, customerIds }: { shopId: string; customerIds: string[] }) => {
    await segments.refreshCustomers(shopId, customerIds);
  });
  p.jobs.register('segments.refresh', async ({ shopId, groupId }: { shopId: string; groupId: string }) => {
    await segments.refresh(shopId, groupId);
  });
  // Time passes without events: "no order for 30 days" becomes true on its own; groups never computed
  // (made before segments kept members) are computed the first time round.
  p.jobs.register('segments.sweep', async () => {
    for (const g of await segments.dueForSweep(SWEEP_EVERY_MS)) {
      await p.jobs.send('segments.refresh', { shopId: g.shopId, groupId: g.id }, { singletonKey: `segments:${g.id}:${Math.floor(Date.now() / SWEEP_EVERY_MS)}` });
    }
  });
  p.jobs.schedule('segments.sweep', 60_000, 'segments.sweep');
  // Events from the storefront and the SDK reach segments once the loader has them in the engine.
  s.cdp.onBehaviour(async (shopId, customerIds) => {
    if (await segments.watchesBehaviour(shopId)) await p.jobs.send('segments.refresh-customers', { shopId, customerIds });
  });
}
