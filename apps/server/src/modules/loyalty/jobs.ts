import type { Platform } from '../../platform/context.js';
import type { OrderService } from '../orders/service.js';
import type { PointsService } from './points-service.js';
import { rows } from '../../platform/db/index.js';
import { sql } from 'drizzle-orm';

/**
 * Points follow money: earned when an order is paid, taken back in proportion when it is refunded,
 * spent points returned on cancel or refund; sign-up points; expiry and expiring-soon notices.
 */
export function registerLoyaltyJobs(p: Platform, s: { points: PointsService; orders: OrderService }) {
  p.events.subscribe('order.paid', 'loyalty.earn-on-paid', async (event, tx) => {
    const { orderId, orderNo, customerId, paidFen } = event.payload as { orderId: string; orderNo: string; customerId: string; paidFen: number };
    if (!event.shopId) return;
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
}
