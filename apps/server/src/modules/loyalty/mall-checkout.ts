import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CheckoutExtension } from '../orders/checkout.js';
import { applyLineDiscount, type PricingInput, type PricingStep } from '../orders/pricing.js';
import type { PointsMallService } from './mall-service.js';
import type { PointsService } from './points-service.js';
import { pointsMallItems, pointsMallRedemptions } from './schema.js';

/** What a points-mall order was priced with (null on every other order). */
interface MallOrderContext {
  itemId: string;
  title: string;
  points: number;
  cashFen: number;
  balance: number;
}

const ctxOf = (input: PricingInput) => input.context?.points_mall as MallOrderContext | null | undefined;

/**
 * 积分兑换: the one line costs the item's cash price, the rest of its price is paid with points. It runs
 * before every other step (stage 50, ahead of activity prices at 100); the promotions and loyalty
 * extensions load nothing for such an order, so no other saving stacks on it. Shipping still applies.
 */
export const mallPriceStep: PricingStep = {
  code: 'points_mall',
  stage: 50,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c || state.lines.length === 0) return;
    const line = state.lines[0];
    applyLineDiscount(state, 0, { code: 'points_mall', label: '积分兑换', savingFen: line.payableFen - Math.min(line.payableFen, c.cashFen * line.quantity), ref: c.itemId });
  },
};

/**
 * Points-mall goods through checkout: when `mallItemId` is set the order must be exactly that item's SKU,
 * once; the customer chooses delivery or pickup like any order. Inside the order's transaction it spends
 * the points (a posting per order, so cancel and refund give exactly them back) and takes the item's stock
 * and the customer's limit; any refusal rolls the whole order back.
 */
export function pointsMallCheckoutExtension(d: { points: PointsService; mall: PointsMallService }): CheckoutExtension {
  return {
    code: 'points_mall',
    steps: [mallPriceStep],

    async load(db, q) {
      const id = q.input.mallItemId;
      if (!id) return { context: null };
      const item = await d.mall.row(db, q.shopId, id).catch((err) => {
        if (err instanceof AppError && err.status === 404) throw notFound('Item', { field: 'mallItemId' });
        throw err;
      });
      if (item.kind !== 'goods') throw unprocessable('MALL_ITEM_NOT_GOODS', 'Coupons are redeemed in the points mall, not ordered', { field: 'mallItemId' });
      if (item.status !== 'on_sale') throw conflict('MALL_ITEM_OFF_SHELF', 'This item is not available', { field: 'mallItemId' });
      const [line] = q.input.items;
      if (q.input.items.length !== 1 || line.skuId !== item.skuId || line.quantity !== 1) {
        throw unprocessable('MALL_ORDER_ITEMS_INVALID', 'A points-mall order holds its one item, once', { field: 'items' });
      }
      if (item.stock <= 0) throw conflict('MALL_SOLD_OUT', 'This item is sold out', { field: 'mallItemId' });
      const balance = await d.points.balance(q.shopId, q.customerId, db);
      const context: MallOrderContext = { itemId: item.id, title: item.title, points: item.points, cashFen: item.cashFen, balance };
      return { context };
    },

    settle(raw) {
      const c = raw as MallOrderContext | null;
      if (!c) return { context: raw };
      return { context: c, extras: { mall: { itemId: c.itemId, title: c.title, points: c.points, cashFen: c.cashFen, balance: c.balance, enough: c.balance >= c.points } } };
    },

    async commit(tx, order, _pricing, raw) {
      const c = raw as MallOrderContext | null;
      if (!c) return;
      // Spending locks the customer's points account: from here their redemptions are serialised.
      await d.points.spendForOrder(tx, order.shopId, order.customerId, c.points, order.id, { note: `兑换 ${c.title}`, field: 'mallItemId' });
      const item = await d.mall.row(tx, order.shopId, c.itemId);
      if (item.status !== 'on_sale') throw conflict('MALL_ITEM_OFF_SHELF', 'This item is not available', { field: 'mallItemId' });
      await d.mall.takeOne(tx, item, order.customerId, 'mallItemId');
      await tx.insert(pointsMallRedemptions).values({ shopId: order.shopId, itemId: item.id, customerId: order.customerId, points: c.points, cashFen: c.cashFen, orderId: order.id });
    },
  };
}

/**
 * Gives a points-mall order's unit back to the item's stock and the customer's limit (the order was
 * cancelled or wholly refunded). Once per order: the conditional UPDATE on `returned_at` is the guard.
 * The points come back through the order's points postings (loyalty/jobs.ts).
 */
export async function returnMallRedemption(p: Platform, tx: Db, shopId: string, orderId: string): Promise<boolean> {
  const [r] = await tx
    .update(pointsMallRedemptions)
    .set({ returnedAt: p.now() })
    .where(and(eq(pointsMallRedemptions.shopId, shopId), eq(pointsMallRedemptions.orderId, orderId), isNull(pointsMallRedemptions.returnedAt)))
    .returning();
  if (!r) return false;
  await tx
    .update(pointsMallItems)
    .set({ stock: sql`${pointsMallItems.stock} + 1`, redeemed: sql`GREATEST(${pointsMallItems.redeemed} - 1, 0)`, updatedAt: new Date() })
    .where(and(eq(pointsMallItems.id, r.itemId), eq(pointsMallItems.shopId, shopId)));
  return true;
}

/** Whether an order is a points-mall redemption (it earns no points: it was bought with them). */
export async function isMallOrder(db: Db, shopId: string, orderId: string): Promise<boolean> {
  const [r] = await db.select({ id: pointsMallRedemptions.id }).from(pointsMallRedemptions).where(and(eq(pointsMallRedemptions.shopId, shopId), eq(pointsMallRedemptions.orderId, orderId)));
  return !!r;
}
