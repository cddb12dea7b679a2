import type { Platform } from '../../platform/context.js';
import type { CustomersService as CustomerService } from '../customers/service.js';
import type { CartService } from './cart-service.js';
import { lockOrder } from './lifecycle.js';
import type { PaymentService } from './payment-service.js';
import type { RefundService } from './refund-service.js';
import type { OrderService } from './service.js';

const EXPIRE_SWEEP_MS = 10_000;

/** Timers and subscribers of the orders module. */
export function registerOrderJobs(p: Platform, s: { orders: OrderService; payments: PaymentService; refunds: RefundService; cart: CartService; customers: CustomerService }) {
  /**
   * Auto-cancel an unpaid order when its payment window closes. Before cancelling, ask WeChat: a payment
   * whose notification was lost must not be cancelled under the customer's feet.
   */
  p.jobs.register('orders.auto-cancel', async ({ shopId, orderId }: { shopId: string; orderId: string }) => {
    const order = await s.orders.get(shopId, orderId);
    if (order.status !== 'pending_payment') return;
    if (order.payExpiresAt > p.now()) {
      await p.jobs.send('orders.auto-cancel', { shopId, orderId }, { runAt: order.payExpiresAt, singletonKey: `${orderId}@${order.payExpiresAt.getTime()}` });
      return;
    }
    const synced = await s.payments.syncPayment(shopId, orderId).catch((err) => {
      p.log.warn({ err, orderId }, 'payment query before auto-cancel failed; cancelling anyway');
      return order;
    });
    if (synced.status !== 'pending_payment') return;
    const cancelled = await p.database.transaction(async (tx) => {
      const locked = await lockOrder(tx, shopId, orderId);
      if (locked.status !== 'pending_payment') return false;
      await s.orders.cancelLocked(tx, locked, { type: 'system' }, { timeout: true });
      return true;
    });
    if (cancelled) await s.payments.closeAtWechat(shopId, orderId).catch((err) => p.log.warn({ err, orderId }, 'closing WeChat transaction failed'));
  });

  // Unpaid orders are found by a sweep, not by a job per order: a checkout or a flash-sale batch writes no job
  // row, and an order is cancelled within a sweep interval after its window closes.
  p.jobs.register('orders.expire-sweep', async () => {
    for (let after: string | undefined; ; ) {
      const due = await s.orders.expiredUnpaid(500, after);
      for (const o of due) await p.jobs.send('orders.auto-cancel', { shopId: o.shopId, orderId: o.id }, { singletonKey: `${o.id}@expired` });
      if (due.length < 500) return;
      after = due[due.length - 1].id;
    }
  });
  p.jobs.schedule('orders.expire-sweep', EXPIRE_SWEEP_MS, 'orders.expire-sweep');

  p.jobs.register('orders.auto-complete', async () => {
    const due = await s.orders.dueForAutoComplete();
    for (const o of due.rows) await s.orders.complete(o.shop_id, o.id, { type: 'system' }).catch((err) => p.log.warn({ err, orderId: o.id }, 'auto-complete failed'));
  });
  p.jobs.schedule('orders.auto-complete', 3600_000, 'orders.auto-complete');

  p.jobs.register('orders.refund-submit', async ({ shopId, refundId }: { shopId: string; refundId: string }) => {
    await s.refunds.submitToWechat(shopId, refundId);
  }, { backoffMs: 2000 });

  // One person, one customer: when customers merge, their orders and cart follow.
  p.events.subscribe('customer.merged', 'orders.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (!event.shopId) return;
    await s.orders.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
    await s.cart.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });
  void s.customers;
}
