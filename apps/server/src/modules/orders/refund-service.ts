import { randomInt } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import type { InventoryService } from '../inventory/service.js';
import { lockOrder, transition, type TransitionActor } from './lifecycle.js';
import { CARRIERS } from './order-no.js';
import type { PaymentService } from './payment-service.js';
import { lineRefundFen } from './refund-math.js';
import { orderHistory, orderItems, orders, payments, refunds, type Order, type Refund, type RefundItem, type RefundStatus } from './schema.js';

export interface RefundLinesInput {
  items: { orderItemId: string; quantity: number }[];
  reason: string;
  requestKey?: string;
}

const OPEN: RefundStatus[] = ['requested', 'awaiting_return', 'returned', 'processing'];
const staffActor = (a: Actor): TransitionActor => ({ type: a.type === 'api_key' ? 'api_key' : 'staff', id: a.id });

/** 售后: refund only or return-and-refund (退货退款), full or partial, money back through WeChat Pay. */
export class RefundService {
  constructor(
    private p: Platform,
    private inventory: InventoryService,
    private payments: PaymentService,
  ) {}

  async list(shopId: string, q: { status?: RefundStatus; page: number; pageSize: number }) {
    const where = q.status ? and(eq(refunds.shopId, shopId), eq(refunds.status, q.status)) : eq(refunds.shopId, shopId);
    const [items, [count]] = await Promise.all([
      this.p.db.select().from(refunds).where(where).orderBy(desc(refunds.createdAt)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(refunds).where(where),
    ]);
    return { items, total: count.n, page: q.page, pageSize: q.pageSize };
  }

  private async lockRefund(tx: Db, shopId: string, refundId: string, orderId?: string) {
    const [refund] = await tx.select().from(refunds).where(and(eq(refunds.id, refundId), eq(refunds.shopId, shopId))).for('update');
    if (!refund || (orderId && refund.orderId !== orderId)) throw notFound('Refund', { field: 'refundId' });
    return refund;
  }

  /** Works out the refund's lines and amount from the order as it stands. */
  private async quote(tx: Db, order: Order, input: RefundLinesInput) {
    const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    if (input.items.length === 0) throw badRequest('REFUND_ITEMS_REQUIRED', 'Choose what to refund', { field: 'items' });
    const seen = new Set<string>();
    const items: RefundItem[] = input.items.map((it, i) => {
      const line = lines.find((l) => l.id === it.orderItemId);
      if (!line) throw notFound('Order item', { field: `items.${i}.orderItemId` });
      if (seen.has(line.id)) throw badRequest('REFUND_ITEM_DUPLICATE', 'The same line appears twice', { field: `items.${i}.orderItemId` });
      seen.add(line.id);
      const left = line.quantity - line.refundedQty;
      if (it.quantity > left) throw conflict('REFUND_QUANTITY_EXCEEDED', `Only ${left} left to refund on this line`, { field: `items.${i}.quantity`, refundable: left });
      return { orderItemId: line.id, quantity: it.quantity, amountFen: lineRefundFen(line, it.quantity) };
    });
    // Shipping goes back only when nothing was shipped and every unit is being refunded.
    const everything = lines.every((l) => l.quantity - l.refundedQty === (items.find((i) => i.orderItemId === l.id)?.quantity ?? 0));
    const notShipped = (order.status === 'refund_requested' ? order.statusBeforeRefund : order.status) === 'paid';
    const shippingFen = everything && notShipped ? order.shippingFen : 0;
    const amountFen = items.reduce((s, i) => s + i.amountFen, 0) + shippingFen;
    // An order that cost nothing (points-only, wholly discounted) is still returned: goods and points go back.
    if (amountFen <= 0 && order.paidFen > 0) throw conflict('REFUND_AMOUNT_INVALID', 'Nothing to refund', { field: 'items' });
    if (order.refundedFen + amountFen > order.paidFen) throw conflict('REFUND_AMOUNT_INVALID', 'More than was paid', { field: 'items' });
    return { items, shippingFen, amountFen, notShipped, balanceFen: await this.balanceShare(tx, order, amountFen) };
  }

  /**
   * How much of a refund goes back to stored value: cumulative, like line refunds — after refunds
   * totalling R of the P paid, floor(B·R/P) of the balance B has gone back — so a full refund, in any
   * number of steps, returns exactly B to the balance and exactly P − B through WeChat Pay.
   */
  private async balanceShare(tx: Db, order: Order, amountFen: number) {
    if (order.balanceFen === 0 || order.paidFen === 0) return 0;
    const [back] = await tx.select({ n: sql<number>`coalesce(sum(${refunds.balanceFen}), 0)::int` }).from(refunds).where(and(eq(refunds.orderId, order.id), eq(refunds.status, 'refunded')));
    const target = Math.floor((order.balanceFen * (order.refundedFen + amountFen)) / order.paidFen);
    return Math.max(0, Math.min(amountFen, target - back.n));
  }

  private async existingByKey(tx: Db, shopId: string, orderId: string, key?: string) {
    if (!key) return null;
    const [row] = await tx.select().from(refunds).where(and(eq(refunds.shopId, shopId), eq(refunds.orderId, orderId), eq(refunds.requestKey, key)));
    return row ?? null;
  }

  private async assertNoneOpen(tx: Db, orderId: string) {
    const open = await tx.select({ id: refunds.id, status: refunds.status }).from(refunds).where(eq(refunds.orderId, orderId));
    if (open.some((r) => OPEN.includes(r.status))) throw conflict('REFUND_IN_PROGRESS', 'This order already has an after-sales request in progress', { field: 'orderId' });
  }

  /** A customer asks for a refund (仅退款) or a return (退货退款). */
  async request(shopId: string, customerId: string, orderId: string, input: RefundLinesInput & { type: 'refund_only' | 'return_refund' }) {
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, shopId, orderId);
      if (order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
      const again = await this.existingByKey(tx, shopId, orderId, input.requestKey);
      if (again) return again;
      await this.assertNoneOpen(tx, orderId);
      if (input.type === 'return_refund' && order.status === 'paid') {
        throw conflict('RETURN_NOT_SHIPPED', 'Nothing was shipped yet: ask for a refund instead of a return', { field: 'type' });
      }
      const q = await this.quote(tx, order, input);
      await transition(tx, order, 'request_refund', { type: 'customer', id: customerId }, {}, input.reason);
      const [refund] = await tx
        .insert(refunds)
        .values({
          shopId, orderId, refundNo: refundNo(order.orderNo), type: input.type, status: 'requested', amountFen: q.amountFen, balanceFen: q.balanceFen, shippingFen: q.shippingFen,
          items: q.items, reason: input.reason, requestedBy: 'customer', restock: input.type === 'refund_only' && q.notShipped, requestKey: input.requestKey ?? null,
        })
        .returning();
      await this.p.events.emit(tx, { shopId, type: 'order.refund_requested', payload: { orderId, refundId: refund.id, amountFen: q.amountFen, type: input.type } });
      return refund;
    });
  }

  /** Staff refund directly (e.g. out of stock after payment, goodwill); the money goes back at once. */
  async createByStaff(actor: Actor, orderId: string, input: RefundLinesInput & { restock?: boolean }) {
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, actor.shopId, orderId);
      const again = await this.existingByKey(tx, actor.shopId, orderId, input.requestKey);
      if (again) return again;
      if (!['paid', 'shipped', 'completed'].includes(order.status)) {
        throw conflict('ORDER_STATE_INVALID', `Cannot refund an order that is ${order.status}`, { field: 'status', status: order.status });
      }
      await this.assertNoneOpen(tx, orderId);
      const q = await this.quote(tx, order, input);
      const [refund] = await tx
        .insert(refunds)
        .values({
          shopId: actor.shopId, orderId, refundNo: refundNo(order.orderNo), type: 'refund_only', status: 'processing', amountFen: q.amountFen, balanceFen: q.balanceFen, shippingFen: q.shippingFen,
          items: q.items, reason: input.reason, requestedBy: 'staff', restock: input.restock ?? q.notShipped, requestKey: input.requestKey ?? null,
        })
        .returning();
      await this.history(tx, order, 'refund_started', staffActor(actor), `退款 ${(q.amountFen / 100).toFixed(2)} 元:${input.reason}`);
      await this.submitLater(tx, refund);
      return refund;
    });
  }

  async approve(actor: Actor, refundId: string) {
    return this.p.database.transaction(async (tx) => {
      const refund = await this.lockRefund(tx, actor.shopId, refundId);
      this.expect(refund, ['requested']);
      const order = await lockOrder(tx, actor.shopId, refund.orderId);
      const next: RefundStatus = refund.type === 'return_refund' ? 'awaiting_return' : 'processing';
      const [after] = await tx.update(refunds).set({ status: next, updatedAt: new Date() }).where(eq(refunds.id, refund.id)).returning();
      await this.history(tx, order, 'refund_approved', staffActor(actor), next === 'awaiting_return' ? '同意退货,等待买家寄回' : '同意退款');
      if (next === 'processing') await this.submitLater(tx, after);
      return { before: refund, after };
    });
  }

  async reject(actor: Actor, refundId: string, reason: string) {
    return this.p.database.transaction(async (tx) => {
      const refund = await this.lockRefund(tx, actor.shopId, refundId);
      this.expect(refund, ['requested', 'awaiting_return', 'returned']);
      const [after] = await tx.update(refunds).set({ status: 'rejected', rejectReason: reason, updatedAt: new Date() }).where(eq(refunds.id, refund.id)).returning();
      const order = await lockOrder(tx, actor.shopId, refund.orderId);
      if (order.status === 'refund_requested') await transition(tx, order, 'refund_closed', staffActor(actor), {}, `拒绝售后:${reason}`);
      return { before: refund, after };
    });
  }

  async cancelByCustomer(shopId: string, customerId: string, orderId: string, refundId: string) {
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, shopId, orderId);
      if (order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
      const refund = await this.lockRefund(tx, shopId, refundId, orderId);
      this.expect(refund, ['requested', 'awaiting_return']);
      const [after] = await tx.update(refunds).set({ status: 'cancelled', updatedAt: new Date() }).where(eq(refunds.id, refund.id)).returning();
      if (order.status === 'refund_requested') await transition(tx, order, 'refund_closed', { type: 'customer', id: customerId }, {}, '买家撤销售后');
      return after;
    });
  }

  /** The customer sent the goods back and gives the return's tracking number. */
  async submitReturn(shopId: string, customerId: string, orderId: string, refundId: string, input: { carrier: string; trackingNo: string }) {
    if (!CARRIERS[input.carrier]) throw conflict('CARRIER_UNKNOWN', 'Unknown carrier', { field: 'carrier' });
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, shopId, orderId);
      if (order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
      const refund = await this.lockRefund(tx, shopId, refundId, orderId);
      this.expect(refund, ['awaiting_return']);
      const [after] = await tx
        .update(refunds)
        .set({ status: 'returned', returnCarrier: input.carrier, returnTrackingNo: input.trackingNo, updatedAt: new Date() })
        .where(eq(refunds.id, refund.id))
        .returning();
      await this.history(tx, order, 'return_shipped', { type: 'customer', id: customerId }, `退货单号 ${CARRIERS[input.carrier]} ${input.trackingNo}`);
      return after;
    });
  }

  /** Staff received the returned goods: they go back to stock and the money goes back. */
  async confirmReturn(actor: Actor, refundId: string) {
    return this.p.database.transaction(async (tx) => {
      const refund = await this.lockRefund(tx, actor.shopId, refundId);
      this.expect(refund, ['returned']);
      const order = await lockOrder(tx, actor.shopId, refund.orderId);
      const [after] = await tx.update(refunds).set({ status: 'processing', restock: true, updatedAt: new Date() }).where(eq(refunds.id, refund.id)).returning();
      await this.history(tx, order, 'return_received', staffActor(actor), '已收到退货,开始退款');
      await this.submitLater(tx, after);
      return { before: refund, after };
    });
  }

  /** Money from a payment that arrived after the order closed goes straight back. */
  async refundLatePayment(tx: Db, order: Order, amountFen: number) {
    await tx.update(orders).set({ paidFen: amountFen }).where(eq(orders.id, order.id));
    const [refund] = await tx
      .insert(refunds)
      .values({ shopId: order.shopId, orderId: order.id, refundNo: refundNo(order.orderNo), type: 'refund_only', status: 'processing', amountFen, items: [], reason: '订单已关闭,支付款自动退回', requestedBy: 'staff' })
      .returning();
    await this.submitLater(tx, refund);
  }

  private async submitLater(tx: Db, refund: Refund) {
    await this.p.jobs.send('orders.refund-submit', { shopId: refund.shopId, refundId: refund.id }, { tx, singletonKey: refund.id });
  }

  /**
   * Job: asks WeChat Pay to refund the cash part. Safe to repeat: WeChat treats the same out_refund_no as
   * one refund. A refund wholly to stored value needs no WeChat call and completes here.
   */
  async submitToWechat(shopId: string, refundId: string) {
    const [refund] = await this.p.db.select().from(refunds).where(and(eq(refunds.id, refundId), eq(refunds.shopId, shopId)));
    if (!refund || refund.status !== 'processing') return;
    const cashFen = refund.amountFen - refund.balanceFen;
    if (cashFen === 0) {
      await this.p.database.transaction((tx) => this.applyRefundResult(tx, shopId, { out_refund_no: refund.refundNo, refund_status: 'SUCCESS' }));
      return;
    }
    const [payment] = await this.p.db.select().from(payments).where(eq(payments.orderId, refund.orderId));
    if (!payment || payment.status !== 'paid') throw new Error(`refund ${refund.refundNo}: order has no paid payment`);
    const client = await this.payments.client(shopId);
    const res = (await client.refund({
      outTradeNo: payment.outTradeNo,
      outRefundNo: refund.refundNo,
      reason: refund.reason.slice(0, 80),
      refundFen: cashFen,
      totalFen: payment.amountFen,
      notifyUrl: this.payments.notifyUrl(shopId, 'refund'),
    })) as { refund_id?: string; status?: string };
    await this.p.database.transaction(async (tx) => {
      await tx.update(refunds).set({ wechatRefundId: res.refund_id ?? null, updatedAt: new Date() }).where(eq(refunds.id, refund.id));
      if (res.status === 'SUCCESS') await this.applyRefundResult(tx, shopId, { out_refund_no: refund.refundNo, refund_status: 'SUCCESS', refund_id: res.refund_id });
    });
  }

  /** Applies WeChat's verdict on a refund (from the REFUND.* notification or a query), exactly once. */
  async applyRefundResult(tx: Db, shopId: string, resource: Record<string, unknown>) {
    const [refund] = await tx.select().from(refunds).where(and(eq(refunds.refundNo, String(resource.out_refund_no)), eq(refunds.shopId, shopId))).for('update');
    if (!refund) throw notFound('Refund', { field: 'out_refund_no' });
    if (refund.status !== 'processing') return;
    const order = await lockOrder(tx, shopId, refund.orderId);
    if (resource.refund_status !== 'SUCCESS') {
      await this.history(tx, order, 'refund_abnormal', { type: 'system' }, `微信退款异常:${String(resource.refund_status)}`);
      return;
    }
    await tx.update(refunds).set({ status: 'refunded', refundedAt: this.p.now(), updatedAt: new Date() }).where(eq(refunds.id, refund.id));
    for (const it of refund.items) {
      await tx
        .update(orderItems)
        .set({ refundedQty: sql`${orderItems.refundedQty} + ${it.quantity}`, refundedFen: sql`${orderItems.refundedFen} + ${it.amountFen}` })
        .where(eq(orderItems.id, it.orderItemId));
    }
    const refundedFen = order.refundedFen + refund.amountFen;
    const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    if (refund.restock && refund.items.length) {
      await this.inventory.returnToStock(tx, shopId, order.id, refund.items.map((it) => ({ skuId: lines.find((l) => l.id === it.orderItemId)!.skuId, quantity: it.quantity })));
    }
    // Every unit refunded closes the order even when the shipping fee was (rightly) kept for goods already sent.
    const full = (order.paidFen > 0 && refundedFen === order.paidFen) || (lines.length > 0 && lines.every((l) => l.refundedQty === l.quantity));
    if (order.status === 'cancelled') {
      await tx.update(orders).set({ refundedFen, updatedAt: new Date() }).where(eq(orders.id, order.id));
      await this.history(tx, order, 'refunded', { type: 'system' }, `已退回 ${(refund.amountFen / 100).toFixed(2)} 元`);
    } else if (full) {
      await transition(tx, order, 'refund_full', { type: 'system' }, { refundedFen }, `全额退款 ${(refund.amountFen / 100).toFixed(2)} 元`);
    } else if (order.status === 'refund_requested') {
      await transition(tx, order, 'refund_closed', { type: 'system' }, { refundedFen }, `部分退款 ${(refund.amountFen / 100).toFixed(2)} 元`);
    } else {
      await tx.update(orders).set({ refundedFen, updatedAt: new Date() }).where(eq(orders.id, order.id));
      await this.history(tx, order, 'refunded', { type: 'system' }, `部分退款 ${(refund.amountFen / 100).toFixed(2)} 元`);
    }
    await this.p.events.emit(tx, {
      shopId,
      type: 'order.refunded',
      payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, refundId: refund.id, amountFen: refund.amountFen, balanceFen: refund.balanceFen, full, items: refund.items },
    });
  }

  private expect(refund: Refund, allowed: RefundStatus[]) {
    if (!allowed.includes(refund.status)) {
      throw conflict('REFUND_STATE_INVALID', `The request is ${refund.status}`, { field: 'status', status: refund.status });
    }
  }

  private async history(tx: Db, order: Order, action: string, actor: TransitionActor, note: string) {
    await tx.insert(orderHistory).values({ shopId: order.shopId, orderId: order.id, action, fromStatus: order.status, toStatus: order.status, actorType: actor.type, actorId: actor.id, note });
  }
}

// out_refund_no: unique per refund, ≤ 64 chars, as WeChat requires; the unique index catches the improbable clash.
function refundNo(orderNo: string) {
  return `R${orderNo}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}
