import type { Platform } from '../../platform/context.js';
import type { OrderService } from '../orders/service.js';
import type { PointsService } from './points-service.js';
import type { LevelService } from './level-service.js';
import type { GiftService } from '../promotions/gift-service.js';
import { rows } from '../../platform/db/index.js';
import { sql } from 'drizzle-orm';
import type { BirthdayService } from './birthday-service.js';
import { isMallOrder, returnMallRedemption } from './mall-checkout.js';

/**
 * Points follow money: earned when an order is paid, taken back in proportion when it is refunded,
 * spent points returned on cancel or refund; sign-up points; expiry and expiring-soon notices.
 */
export function registerLoyaltyJobs(p: Platform, s: { points: PointsService; orders: OrderService; levels: LevelService; gifts: GiftService; birthdays: BirthdayService }) {
  p.events.subscribe('order.paid', 'loyalty.earn-on-paid', async (event, tx) => {
    const { orderId, orderNo, customerId, paidFen } = event.payload as { orderId: string; orderNo: string; customerId: string; paidFen: number };
    if (!event.shopId) return;
    // Goods bought with points earn none.
    if (await isMallOrder(tx, event.shopId, orderId)) return;
    const rules = await s.points.rules(event.shopId, tx);
    if (!rules.enabled) return;
    await s.points.earn(tx, event.shopId, customerId, Math.floor(paidFen / 100) * rules.earnPerYuan, 'earn_order', orderId, `订单 ${orderNo}`);
  });

  p.events.subscribe('customer.registered', 'loyalty.signup-points', async (event, tx) => {
    const { customerId } = event.payload as { customerId: string };
    if (!event.shopId) return;
    const rules = await s.points.rules(event.shopId, tx);
    if (rules.enabled) await s.points.earn(tx, event.shopId, customerId, rules.signupPoints, 'signup', 'signup', '注册奖励');
  });

  // One person, one points account: a merged-away customer's points follow the survivor (like orders do).
  p.events.subscribe('customer.merged', 'loyalty.points-move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await s.points.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });

  p.events.subscribe('order.cancelled', 'loyalty.return-points-on-cancel', async (event, tx) => {
    const { orderId, customerId } = event.payload as { orderId: string; customerId: string };
    if (event.shopId) await s.points.returnSpent(tx, event.shopId, customerId, orderId, 'all', `cancel:${orderId}`);
  });

  p.events.subscribe('order.refunded', 'loyalty.points-on-refund', async (event, tx) => {
    const { orderId, customerId, refundId, full } = event.payload as { orderId: string; customerId: string; refundId: string; full: boolean };
    if (!event.shopId) return;
    const order = await s.orders.get(event.shopId, orderId, tx);
    const share = (n: number) => (full || order.paidFen === 0 ? n : Math.floor((n * order.refundedFen) / order.paidFen));
    const [earned] = await rows<{ n: number | null }>(tx, sql`
      SELECT sum(delta)::int AS n FROM points_ledger WHERE shop_id = ${event.shopId} AND customer_id = ${customerId} AND kind = 'earn_order' AND ref = ${orderId}`);
    await s.points.reverseEarned(tx, event.shopId, customerId, orderId, share(Number(earned?.n ?? 0)), `${orderId}:${refundId}`);
    const [spent] = await rows<{ n: number | null }>(tx, sql`SELECT sum(amount)::int AS n FROM points_order_spends WHERE order_id = ${orderId}`);
    await s.points.returnSpent(tx, event.shopId, customerId, orderId, share(Number(spent?.n ?? 0)), `refund:${refundId}`);
  });

  p.jobs.register('loyalty.points-expiry', async () => {
    await s.points.announceExpiring();
    await s.points.expireDue();
  });
  p.jobs.schedule('loyalty.points-expiry', 3600_000, 'loyalty.points-expiry');

  // Levels follow money both ways, and slide with time (last 3 months, this month): nightly for everyone.
  p.events.subscribe('order.paid', 'loyalty.level-on-paid', async (event, tx) => {
    const { customerId, orderNo } = event.payload as { customerId: string; orderNo: string };
    if (event.shopId) await s.levels.evaluate(tx, event.shopId, customerId, `订单 ${orderNo} 支付`);
  });
  p.events.subscribe('order.refunded', 'loyalty.level-on-refund', async (event, tx) => {
    const { customerId, orderNo } = event.payload as { customerId: string; orderNo: string };
    if (event.shopId) await s.levels.evaluate(tx, event.shopId, customerId, `订单 ${orderNo} 退款`);
  });
  p.jobs.register('loyalty.levels-evaluate-shop', async ({ shopId }: { shopId: string }) => {
    await s.levels.evaluateShop(shopId);
  });
  p.jobs.register('loyalty.levels-nightly', async () => {
    const shops = await rows<{ shop_id: string }>(p.db, sql`SELECT shop_id FROM member_level_settings`);
    for (const { shop_id } of shops) await s.levels.evaluateShop(shop_id);
  });
  p.jobs.schedule('loyalty.levels-nightly', 24 * 3600_000, 'loyalty.levels-nightly');

  // A level's monthly coupon pack: once per member per month (the pack's ref carries the month).
  p.jobs.register('loyalty.monthly-packs', async () => {
    const month = new Date(p.now().getTime() + 8 * 3600_000).toISOString().slice(0, 7);
    const members = await rows<{ shop_id: string; customer_id: string; pack_id: string }>(p.db, sql`
      SELECT cl.shop_id, cl.customer_id, ml.monthly_pack_id AS pack_id FROM customer_levels cl
      JOIN member_levels ml ON ml.id = cl.level_id AND ml.deleted_at IS NULL
      WHERE ml.monthly_pack_id IS NOT NULL`);
    for (const m of members) await p.database.transaction((tx) => s.gifts.givePack(tx, m.shop_id, m.pack_id, m.customer_id, 'pack', `level:${month}`));
  });
  p.jobs.schedule('loyalty.monthly-packs', 6 * 3600_000, 'loyalty.monthly-packs');

  // 评价有礼: a review long enough earns the rule's points, once per review (the ledger's reference).
  p.events.subscribe('review.created', 'loyalty.review-points', async (event, tx) => {
    const { reviewId, customerId, contentLength } = event.payload as { reviewId: string; customerId: string; contentLength: number };
    if (!event.shopId) return;
    const rules = await s.points.rules(event.shopId, tx);
    if (!rules.enabled || rules.reviewPoints <= 0 || contentLength < rules.reviewMinChars) return;
    await s.points.earn(tx, event.shopId, customerId, rules.reviewPoints, 'review', reviewId, '评价奖励');
  });

  // A points-mall order gives its unit back to the item's stock and the customer's limit when it is
  // cancelled or wholly refunded; its points come back with the order's other points (above).
  p.events.subscribe('order.cancelled', 'loyalty.mall-return-on-cancel', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await returnMallRedemption(p, tx, event.shopId, orderId);
  });
  p.events.subscribe('order.refunded', 'loyalty.mall-return-on-refund', async (event, tx) => {
    const { orderId, full } = event.payload as { orderId: string; full: boolean };
    if (event.shopId && full) await returnMallRedemption(p, tx, event.shopId, orderId);
  });

  // 生日礼: several runs a day (a missed one is caught up); the year's row keeps it once per customer.
  p.jobs.register('loyalty.birthdays', async () => {
    await s.birthdays.run();
  });
  p.jobs.schedule('loyalty.birthdays', 3 * 3600_000, 'loyalty.birthdays');
}
