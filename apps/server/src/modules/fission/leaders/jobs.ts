import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Leaders earn on verified pickups (order.completed with pickup) and lose pro rata on refunds. */
export function registerLeaderJobs(p: Platform, f: Fission) {
  p.events.subscribe('order.completed', 'fission.leaders.completed', async (event, tx) => {
    if (event.shopId) await f.leaders.onCompleted(tx, event.shopId, event.payload as { orderId: string; pickup?: boolean });
  });
  p.events.subscribe('order.refunded', 'fission.leaders.refunded', async (event, tx) => {
    if (event.shopId) await f.leaders.onRefunded(tx, event.shopId, event.payload as { orderId: string });
  });
}
