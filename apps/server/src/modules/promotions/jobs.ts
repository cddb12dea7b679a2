import type { Platform } from '../../platform/context.js';
import { ISSUE_QUEUE, type CouponBatchService } from './batch-service.js';
import type { CouponService } from './coupon-service.js';
import type { GiftService } from './gift-service.js';

/** How often the hot claim counters are reconciled with PostgreSQL (one worker per round). */
export const COUNTERS_EVERY_MS = 5000;

/** Issue batches, coupon expiry, gifts on registration and payment, coupons given back on cancel or full refund. */
export function registerPromotionJobs(p: Platform, s: { coupons: CouponService; batches: CouponBatchService; gifts: GiftService }) {
  p.jobs.register(
    ISSUE_QUEUE,
    async (payload: { batchId: string }, job) => {
      try {
        await s.batches.run(payload.batchId);
      } catch (err) {
        if (job.attempts >= job.max_attempts) await s.batches.markFailed(payload.batchId, err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
    { backoffMs: 2000 },
  );

  // Claims a crashed process had taken are finished and the hot counters recounted from PostgreSQL.
  p.jobs.register('promotions.coupon-counters', async () => s.coupons.counters.reconcile());
  p.jobs.schedule('promotions.coupon-counters', COUNTERS_EVERY_MS, 'promotions.coupon-counters');

  p.jobs.register('promotions.expire-coupons', async () => s.coupons.expireDue());
  p.jobs.schedule('promotions.expire-coupons', 3600_000, 'promotions.expire-coupons');
  p.jobs.register('promotions.announce-expiring', async () => {
    await s.coupons.announceExpiring();
  });
  p.jobs.schedule('promotions.announce-expiring', 3600_000, 'promotions.announce-expiring');

  p.events.subscribe('customer.registered', 'promotions.new-customer-gift', async (event, tx) => {
    const { customerId } = event.payload as { customerId: string };
    if (event.shopId) await s.gifts.give(tx, event.shopId, 'new_customer', customerId, customerId);
  });

  p.events.subscribe('order.paid', 'promotions.pay-gift', async (event, tx) => {
    const { orderId, customerId, paidFen } = event.payload as { orderId: string; customerId: string; paidFen: number };
    if (event.shopId) await s.gifts.give(tx, event.shopId, 'pay', customerId, orderId, paidFen);
  });

  p.events.subscribe('customer.merged', 'promotions.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await s.coupons.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });

  p.events.subscribe('order.cancelled', 'promotions.return-coupon-on-cancel', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await s.coupons.giveBack(tx, event.shopId, orderId);
  });

  p.events.subscribe('order.refunded', 'promotions.return-coupon-on-full-refund', async (event, tx) => {
    const { orderId, full } = event.payload as { orderId: string; full: boolean };
    if (event.shopId && full) await s.coupons.giveBack(tx, event.shopId, orderId);
  });
}
