import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Launches past their deadline expire; a bargain order's payment or unpaid cancellation moves its launch. */
export function registerBargainJobs(p: Platform, f: Fission) {
  p.jobs.register('bargain.expire', async () => {
    await f.bargains.expireDue();
  });
  p.jobs.schedule('bargain.expire', 60_000, 'bargain.expire');

  p.events.subscribe('order.paid', 'bargain.order-paid', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await f.bargains.onOrderPaid(tx, event.shopId, orderId);
  });
  p.events.subscribe('order.cancelled', 'bargain.order-cancelled', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await f.bargains.onOrderCancelled(tx, event.shopId, orderId);
  });
}
