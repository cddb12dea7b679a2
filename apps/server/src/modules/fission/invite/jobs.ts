import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/** Invitations qualify on a first paid order, lapse after their window, and close on merges. */
export function registerInviteJobs(p: Platform, f: Fission) {
  p.events.subscribe('order.paid', 'invite.order-paid', async (event, tx) => {
    const { orderId, customerId } = event.payload as { orderId: string; customerId: string };
    if (event.shopId) await f.invitations.onOrderPaid(tx, event.shopId, customerId, orderId);
  });
  p.events.subscribe('customer.merged', 'invite.customer-merged', async (event, tx) => {
    const { fromCustomerId } = event.payload as { fromCustomerId: string };
    if (event.shopId) await f.invitations.onMerged(tx, event.shopId, fromCustomerId);
  });
  p.jobs.register('invite.expire', async () => {
    await f.invitations.expireDue();
  });
  p.jobs.schedule('invite.expire', 600_000, 'invite.expire');
}
