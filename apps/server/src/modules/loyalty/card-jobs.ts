import type { Platform } from '../../platform/context.js';
import type { MemberCardService } from './card-service.js';

/** Card reminders (expiring, expired), the monthly coupon, closing abandoned purchases, and merges. */
export function registerCardJobs(p: Platform, cards: MemberCardService) {
  p.events.subscribe('customer.merged', 'loyalty.cards-move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await cards.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
  p.jobs.register('loyalty.card-purchase-expire', async ({ shopId, purchaseId }: { shopId: string; purchaseId: string }) => {
    await cards.expirePurchase(shopId, purchaseId);
  });
  p.jobs.register('loyalty.card-announce', async () => {
    await cards.announce();
  });
  p.jobs.schedule('loyalty.card-announce', 3600_000, 'loyalty.card-announce');
  p.jobs.register('loyalty.card-monthly-coupons', async () => {
    await cards.giveMonthlyCoupons();
  });
  p.jobs.schedule('loyalty.card-monthly-coupons', 6 * 3600_000, 'loyalty.card-monthly-coupons');
}
