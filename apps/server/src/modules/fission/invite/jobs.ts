import type { Platform } from '../../../platform/context.js';
import type { Fission } from '../index.js';

/**
 * Invitations qualify on a first paid order, lapse after their window, and close on merges; cash rewards paid
 * as WeChat change are sent by a job and followed up every minute.
 */
export function registerInviteJobs(p: Platform, f: Fission) {
  p.events.subscribe('order.paid', 'invite.order-paid', async (event, tx) => {
    const { orderId, customerId } = event.payload as { orderId: string; customerId: string };
    if (event.shopId) await f.invitations.onOrderPaid(tx, event.shopId, customerId, orderId);
  });
  p.events.subscribe('customer.merged', 'invite.customer-merged', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId?: string };
    if (event.shopId) await f.invitations.onMerged(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
  p.jobs.register('invite.expire', async () => {
    await f.invitations.expireDue();
  });
  p.jobs.schedule('invite.expire', 600_000, 'invite.expire');

  p.jobs.register('invite.payout', async ({ shopId, payoutId, attempt }: { shopId: string; payoutId: string; attempt: number }) => {
    await f.invitations.payouts.transfer(shopId, payoutId, attempt);
  }, { backoffMs: 5_000 });
  p.jobs.register('invite.payouts-sync', async () => {
    await f.invitations.payouts.syncInFlight();
  });
  p.jobs.schedule('invite.payouts-sync', 60_000, 'invite.payouts-sync');
}
