import type { Platform } from '../../platform/context.js';
import type { ReviewService } from './service.js';

/** Reviews follow their author when two customers turn out to be one person. */
export function registerReviewJobs(p: Platform, s: { reviews: ReviewService }) {
  p.events.subscribe('customer.merged', 'reviews.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await s.reviews.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
}
