import type { Platform } from '../../platform/context.js';
import type { FlashSaleOrders } from './batches.js';
import type { FlashSaleReconciler } from './reconcile.js';
import type { FlashSaleService } from './service.js';

/** How often warm-up, reconciliation, settlement and reminders run (one worker per round). */
export const TICK_MS = 5000;

/** Jobs and subscribers of the flash-sale module. */
export function registerFlashSaleJobs(p: Platform, s: { flashSales: FlashSaleService; flashSaleOrders: FlashSaleOrders; flashSaleReconciler: FlashSaleReconciler }) {
  // The order batches: each run writes every accepted attempt of the shop it can lock, 400 per transaction.
  // Customers wait on them (the attempt shows "pending" until its order exists): ahead of event backlogs.
  p.jobs.register('flashsale.create-orders', async ({ shopId }: { shopId: string }) => {
    await s.flashSaleOrders.drain(shopId);
  }, { backoffMs: 500, priority: 10 });

  // A unit back on sale during the rush is a unit someone else can still buy.
  p.jobs.register('flashsale.return-units', async (payload: { attemptId: string; sessionId: string; itemId: string; customerId: string; quantity: number }) => {
    await s.flashSaleOrders.returnUnits(payload);
  }, { priority: 10 });

  p.jobs.register('flashsale.tick', async () => {
    await s.flashSaleReconciler.tick();
  });
  p.jobs.schedule('flashsale.tick', TICK_MS, 'flashsale.tick');

  p.events.subscribe('order.cancelled', 'flashsale.return-on-cancel', async (event, tx) => {
    if (!event.shopId) return;
    await s.flashSaleOrders.onOrderCancelled(tx, event.shopId, (event.payload as { orderId: string }).orderId);
  });

  p.events.subscribe('order.paid', 'flashsale.mark-paid', async (event, tx) => {
    if (!event.shopId) return;
    await s.flashSales.markPaid(tx, event.shopId, (event.payload as { orderId: string }).orderId);
  });
}
