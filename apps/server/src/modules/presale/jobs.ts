import type { Platform } from '../../platform/context.js';
import type { PresaleService } from './service.js';

/** Deposits that were never paid, deposit refunds, balance reminders and the close of the balance window. */
export function registerPresaleJobs(p: Platform, presales: PresaleService) {
  p.jobs.register('presale.deposit-expire', async ({ shopId, presaleOrderId }: { shopId: string; presaleOrderId: string }) => {
    await presales.expireDeposit(shopId, presaleOrderId);
  });
  p.jobs.register('presale.refund-deposit', async ({ shopId, presaleOrderId }: { shopId: string; presaleOrderId: string }) => {
    await presales.refundDeposit(shopId, presaleOrderId);
  });
  p.jobs.register('presale.tick', async () => {
    await presales.tick();
  });
  p.jobs.schedule('presale.tick', 60_000, 'presale.tick');

  // One person, one set of deposits: a merged-away customer's pre-sale orders follow the survivor (like orders do).
  p.events.subscribe('customer.merged', 'presale.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await presales.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });

  p.events.subscribe('order.paid', 'presale.balance-paid', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    await presales.onBalancePaid(tx, orderId);
  });
  p.events.subscribe('order.cancelled', 'presale.balance-cancelled', async (event, tx) => {
    const { orderId } = event.payload as { orderId: string };
    if (event.shopId) await presales.onBalanceCancelled(tx, event.shopId, orderId);
  });
  p.events.subscribe('order.refunded', 'presale.balance-refunded', async (event, tx) => {
    const { orderId, full } = event.payload as { orderId: string; full: boolean };
    if (event.shopId && full) await presales.onBalanceRefunded(tx, event.shopId, orderId);
  });
}
