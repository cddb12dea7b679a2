import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Commissions from the orders' events, the minute's thawing and bindings' expiry, and transfers to promoters. */
export function registerDistributionJobs(p: Platform, f: Fission) {
  const d = f.distribution;

  p.events.subscribe('order.paid', 'fission.distribution.paid', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await d.onPaid(tx, event.shopId, orderId);
  });
  p.events.subscribe('order.completed', 'fission.distribution.completed', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await d.onCompleted(tx, event.shopId, orderId);
  });
  p.events.subscribe('order.refunded', 'fission.distribution.refunded', async (event, tx) => {
    if (event.shopId) await d.onRefunded(tx, event.shopId, event.payload as Parameters<typeof d.onRefunded>[2]);
  });
  p.events.subscribe('customer.merged', 'fission.distribution.merged', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await d.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });

  p.jobs.register('distribution.tick', async () => {
    await d.tick();
  });
  p.jobs.schedule('distribution.tick', 60_000, 'distribution.tick');

  p.jobs.register('distribution.transfer', async ({ shopId, withdrawalId, attempt }: { shopId: string; withdrawalId: string; attempt: number }) => {
    await d.withdrawals.transfer(shopId, withdrawalId, attempt);
  }, { backoffMs: 5_000 });
}
