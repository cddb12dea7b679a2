import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Expired groups (模拟成团 or refunds), 阶梯团 settlements, and the order events that free a seat or a customer's turn. */
export function registerGroupBuyJobs(p: Platform, f: Fission) {
  p.jobs.register('groupbuy.expire', async () => {
    // A backlog goes in rounds of 50 groups, each group its own transaction.
    while ((await f.groupBuys.expireDue(50)) === 50);
    // 阶梯团 out of time (or full) since the last round: the difference to the tier reached goes back.
    for (let round = 0; round < 20; round++) {
      const { found, settled } = await f.groupBuys.settleDue(50);
      if (found < 50 || settled === 0) break;
    }
  });
  p.jobs.register('groupbuy.settle', async ({ shopId, groupId }: { shopId: string; groupId: string }) => {
    await f.groupBuys.settle(shopId, groupId);
  });
  p.jobs.schedule('groupbuy.expire', 10_000, 'groupbuy.expire');

  p.events.subscribe('order.cancelled', 'groupbuy.order-cancelled', async (event, tx) => {
    await f.groupBuys.onCancelled(tx, (event.payload as { orderId: string }).orderId);
  });
  p.events.subscribe('order.refunded', 'groupbuy.order-refunded', async (event, tx) => {
    const { orderId, full } = event.payload as { orderId: string; full: boolean };
    await f.groupBuys.onRefunded(tx, orderId, full);
  });
  p.events.subscribe('customer.merged', 'groupbuy.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await f.groupBuys.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
}
