import type { Platform } from '../../platform/context.js';
import type { StoredValueService } from './service.js';
import type { TopupService } from './topup-service.js';

/** Balance follows the order (a cancel gives back all it took, a refund its stored-value share) and the person (merges). */
export function registerStoredValueJobs(p: Platform, s: { storedValue: StoredValueService; topups: TopupService }) {
  p.events.subscribe('order.cancelled', 'storedvalue.return-on-cancel', async (event, tx) => {
    const { orderId, orderNo, customerId, balanceFen } = event.payload as { orderId: string; orderNo: string; customerId: string; balanceFen?: number };
    if (!event.shopId || !balanceFen) return;
    await s.storedValue.returnToBalance(tx, event.shopId, customerId, orderId, balanceFen, 'cancel', orderId, `订单 ${orderNo} 取消,余额退回`);
  });

  p.events.subscribe('order.refunded', 'storedvalue.return-on-refund', async (event, tx) => {
    const { orderId, orderNo, customerId, refundId, balanceFen } = event.payload as { orderId: string; orderNo: string; customerId: string; refundId: string; balanceFen?: number };
    if (!event.shopId || !balanceFen) return;
    await s.storedValue.returnToBalance(tx, event.shopId, customerId, orderId, balanceFen, 'refund', refundId, `订单 ${orderNo} 退款,退回余额`);
  });

  p.events.subscribe('customer.merged', 'storedvalue.move-merged-customer', async (event, tx) => {
    const { fromCustomerId, intoCustomerId } = event.payload as { fromCustomerId: string; intoCustomerId: string };
    if (event.shopId) await s.storedValue.moveCustomer(tx, event.shopId, fromCustomerId, intoCustomerId);
  });

  p.jobs.register('storedvalue.topup-expire', async ({ shopId, topupId }: { shopId: string; topupId: string }) => {
    await s.topups.expire(shopId, topupId);
  });
  p.jobs.register('storedvalue.topup-sweep', async () => {
    for (const t of await s.topups.expiredPending()) await s.topups.expire(t.shopId, t.id);
  });
  p.jobs.schedule('storedvalue.topup-sweep', 15 * 60_000, 'storedvalue.topup-sweep');
}
