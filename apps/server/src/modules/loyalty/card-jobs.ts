import type { Platform } from '../../platform/context.js';
import type { MemberCardService } from './card-service.js';

/** Card reminders (expiring, expired), the monthly coupon, and closing abandoned purchases. */
export function registerCardJobs(p: Platform, cards: MemberCardService) {
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
