import type { Platform } from '../platform/context.js';
import type { Services } from './container.js';
import { sql } from '../platform/db/index.js';
import { registerCustomerJobs } from '../modules/customers/jobs.js';
import { registerCatalogJobs } from '../modules/catalog/jobs.js';
import { registerOrderJobs } from '../modules/orders/jobs.js';
import { registerPromotionJobs } from '../modules/promotions/jobs.js';
import { registerLoyaltyJobs } from '../modules/loyalty/jobs.js';
import { registerTagJobs } from '../modules/tags/jobs.js';
import { registerFlashSaleJobs } from '../modules/flashsale/jobs.js';
import { registerStoredValueJobs } from '../modules/storedvalue/jobs.js';
import { registerCardJobs } from '../modules/loyalty/card-jobs.js';
import { registerPresaleJobs } from '../modules/presale/jobs.js';
import { registerReviewJobs } from '../modules/reviews/jobs.js';
import { registerCdpJobs } from '../modules/cdp/jobs.js';
import { registerMessagingJobs } from '../modules/messaging/jobs.js';
import { registerJourneyJobs } from '../modules/journeys/jobs.js';
import { registerWecomJobs } from '../modules/wecom/jobs.js';
import { registerFissionJobs } from '../modules/fission/jobs.js';

/** Registers every module's job handlers, schedules and event subscribers. */
export function registerJobs(p: Platform, s: Services) {
  // House-keeping: finished jobs and handled events are kept a week for inspection, then removed.
  p.jobs.register('platform.cleanup', async () => {
    await p.db.execute(sql`DELETE FROM jobs WHERE state = 'done' AND finished_at < now() - interval '7 days'`);
    await p.db.execute(sql`DELETE FROM staff_sessions WHERE expires_at < now()`);
    await p.db.execute(sql`DELETE FROM idempotency_keys WHERE created_at < now() - interval '2 days'`);
  });
  p.jobs.schedule('platform.cleanup', 3600_000, 'platform.cleanup');
  registerCustomerJobs(p, s.customers);
  // Signed customer tokens end through the hot store, not their rows: the merge's event makes sure of it.
  p.events.subscribe('customer.merged', 'customers.end-merged-sessions', async (event) => {
    await s.customers.endSessionsOf((event.payload as { fromCustomerId: string }).fromCustomerId);
  });
  registerCatalogJobs(p, { imports: s.catalogImports });
  registerOrderJobs(p, s);
  registerPromotionJobs(p, { coupons: s.coupons, batches: s.couponBatches, gifts: s.gifts });
  registerLoyaltyJobs(p, { points: s.points, orders: s.orders, levels: s.levels, gifts: s.gifts, birthdays: s.birthdays });
  registerTagJobs(p, { tags: s.tags, segments: s.segments, cdp: s.cdp });
  registerFlashSaleJobs(p, s);
  registerStoredValueJobs(p, { storedValue: s.storedValue, topups: s.topups });
  registerCardJobs(p, s.cards);
  registerPresaleJobs(p, s.presales);
  registerReviewJobs(p, { reviews: s.reviews });
  registerCdpJobs(p, s.cdp, {
    isMember: async (db, shopId, customerId) => (await s.levels.levelOf(db, shopId, customerId)) !== null || !!(await s.cards.activeCard(db, shopId, customerId)),
  });
  registerMessagingJobs(p, { messaging: s.messaging, dispatcher: s.dispatcher, accounts: s.channelAccounts, oa: s.officialAccount, broadcasts: s.broadcasts });
  registerJourneyJobs(p, s.journeys);
  registerWecomJobs(p, s.wecom);
  registerFissionJobs(p, s.fission);
  void s;
}
