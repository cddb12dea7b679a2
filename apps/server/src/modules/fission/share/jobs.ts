import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Old expired scenes are dropped; a merged-away customer's shares follow the survivor. */
export function registerShareJobs(p: Platform, f: Fission) {
  p.jobs.register('share.purge-scenes', async () => {
    await f.scenes.purgeExpired();
  });
  p.jobs.schedule('share.purge-scenes', 6 * 3600_000, 'share.purge-scenes');

  p.events.subscribe('customer.merged', 'share.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await f.scenes.moveSharer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
}
