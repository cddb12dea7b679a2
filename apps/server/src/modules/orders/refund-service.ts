import { randomInt } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { refundReasonText, type OrderNote, type RefundReasonCode } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import type { InventoryService } from '../inventory/service.js';
import { lockOrder, noteColumns, transition, type TransitionActor } from './lifecycle.js';
import { CARRIERS } from './order-no.js';
import type { PaymentService } from './payment-service.js';
import { quotePriceDifference, quoteRefund } from './refund-math.js';
import { orderHistory, orderItems, orders, payments, refunds, type Order, type Refund, type RefundItem, type RefundStatus } from './schema.js';

export interface RefundLinesInput {
  items: { orderItemId: string; quantity: number }[];
  /** The customer's own words (may be empty when a reason was picked from the list). */
  reason: string;
  reasonCode?: RefundReasonCode;
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

  /**
   * After-sales requests with what each gives back: the order number, the lines (title, spec, units,
   * amount) and how the money goes (WeChat Pay and/or balance), so staff can decide from the list.
   */
  async list(shopId: string, q: { status?: RefundStatus; page: number; pageSize: number }) {
    const where = q.status ? and(eq(refunds.shopId, shopId), eq(refunds.status, q.status)) : eq(refunds.shopId, shopId);
    const [rows, [count]] = await Promise.all([
      this.p.db.select().from(refunds).where(where).orderBy(desc(refunds.createdAt), desc(refunds.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(refunds).where(where),
    ]);
    return { items: await this.withLines(shopId, rows), total: count.n, page: q.page, pageSize: q.pageSize };
  }

  /** Refunds as the API shows them: the lines they cover and the WeChat Pay / balance split. */
  async withLines(shopId: string, rows: Refund[]) {
    const orderIds = [...new Set(rows.map((r) => r.orderId))];
    const [orderRows, lineRows] = orderIds.length
      ? await Promise.all([
          this.p.db.select({ id: orders.id, orderNo: orders.orderNo, customerId: orders.customerId }).from(orders).where(and(eq(orders.shopId, shopId), inArray(orders.id, orderIds))),
          this.p.db.select().from(orderItems).where(and(eq(orderItems.shopId, shopId), inArray(orderItems.orderId, orderIds))),
        ])
      : [[], []];
    return rows.map((r) => {
      const order = orderRows.find((o) => o.id === r.orderId);
      return {
        ...presentRefund(r),
        orderNo: order?.orderNo ?? null,
        customerId: order?.customerId ?? null,
        lines: r.items.map((it) => {
          const line = lineRows.find((l) => l.id === it.orderItemId);
          return { ...it, title: line?.title ?? '', specText: line?.specText ?? '', skuCode: line?.skuCode ?? null, imageUrl: line?.imageUrl ?? null };
        }),
      };
    });
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
    input.items.forEach((it, i) => {
      const line = lines.find((l) => l.id === it.orderItemId);
      if (!line) throw notFound('Order item', { field: `items.${i}.orderItemId` });
      if (seen.has(line.id)) throw badRequest('REFUND_ITEM_DUPLICATE', 'The same line appears twice', { field: `items.${i}.orderItemId` });
      seen.add(line.id);
      const left = line.quantity - line.refundedQty;
      if (it.quantity > left) throw conflict('REFUND_QUANTITY_EXCEEDED', `Only ${left} left to refund on this line`, { field: `items.${i}.quantity`, refundable: left });
    });
    const notShipped = (order.status === 'refund_requested' ? order.statusBeforeRefund : order.status) === 'paid';
    const [back] = await tx.select({ n: sql<number>`coalesce(sum(${refunds.balanceFen}), 0)::int` }).from(refunds).where(and(eq(refunds.orderId, order.id), eq(refunds.status, 'refunded')));
    const q = quoteRefund({ ...order, notShipped }, lines, input.items, back.n);
    // An order that cost nothing (points-only, wholly discounted) is still returned: goods and points go back.
    if (q.amountFen <= 0 && order.paidFen > 0) throw conflict('REFUND_AMOUNT_INVALID', 'Nothing to refund', { field: 'items' });
    if (order.refundedFen + q.amountFen > order.paidFen) throw conflict('REFUND_AMOUNT_INVALID', 'More than was paid', { field: 'items' });
    return { ...q, items: q.items as RefundItem[], notShipped };
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
      await transition(tx, order, 'request_refund', { type: 'customer', id: customerId }, {}, {
        code: 'refund_requested',
        params: { type: input.type, ...(input.reasonCode ? { reasonCode: input.reasonCode } : {}), reason: input.reason, amountFen: q.amountFen },
      });
      const [refund] = await tx
        .insert(refunds)
        .values({
          shopId, orderId, refundNo: refundNo(order.orderNo), type: input.type, status: 'requested', amountFen: q.amountFen, balanceFen: q.balanceFen, shippingFen: q.shippingFen,
          items: q.items, reason: input.reason, reasonCode: input.reasonCode ?? null, requestedBy: 'customer', restock: input.type === 'refund_only' && q.notShipped, requestKey: input.requestKey ?? null,
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
      await this.history(tx, order, 'refund_started', staffActor(actor), { code: 'refund_started', params: { amountFen: q.amountFen, reason: input.reason } });
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
      await this.history(tx, order, 'refund_approved', staffActor(actor), { code: 'refund_approved', params: { type: refund.type } });
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
      if (order.status === 'refund_requested') await transition(tx, order, 'refund_closed', staffActor(actor), {}, { code: 'refund_rejected', params: { reason } });
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
      if (order.status === 'refund_requested') await transition(tx, order, 'refund_closed', { type: 'customer', id: customerId }, {}, { code: 'refund_withdrawn' });
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
      await this.history(tx, order, 'return_shipped', { type: 'customer', id: customerId }, {
        code: 'return_shipped',
        params: { carrier: input.carrier, carrierName: CARRIERS[input.carrier], trackingNo: input.trackingNo },
      });
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
      await this.history(tx, order, 'return_received', staffActor(actor), { code: 'return_received' });
      await this.submitLater(tx, after);
      return { before: refund, after };
    });
  }

  /**
   * The system gives back everything not yet refunded on a paid order (a group buy whose group failed), in the
   * caller's transaction. `key` makes it once per order whatever retries or parallel runs do: a second call
   * finds the first refund and returns it.
   */
  async refundWholeBySystem(tx: Db, shopId: string, orderId: string, reason: string, key: string): Promise<Refund | null> {
    const order = await lockOrder(tx, shopId, orderId);
    const again = await this.existingByKey(tx, shopId, orderId, key);
    if (again) return again;
    if (!['paid', 'shipped', 'completed'].includes(order.status)) return null;
    const open = await tx.select({ status: refunds.status }).from(refunds).where(eq(refunds.orderId, orderId));
    // Staff already refunding it: that refund gives the money back; a second would refund twice.
    if (open.some((r) => OPEN.includes(r.status))) return null;
    const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    const items = lines.filter((l) => l.quantity > l.refundedQty).map((l) => ({ orderItemId: l.id, quantity: l.quantity - l.refundedQty }));
    if (!items.length) return null;
    const q = await this.quote(tx, order, { items, reason });
    const [refund] = await tx
      .insert(refunds)
      .values({
        shopId, orderId, refundNo: refundNo(order.orderNo), type: 'refund_only', status: 'processing', amountFen: q.amountFen, balanceFen: q.balanceFen, shippingFen: q.shippingFen,
        items: q.items, reason, requestedBy: 'staff', restock: q.notShipped, requestKey: key,
      })
      .returning();
    await this.history(tx, order, 'refund_started', { type: 'system' }, { code: 'refund_started', params: { amountFen: q.amountFen, reason } });
    await this.submitLater(tx, refund);
    return refund;
  }

  /**
   * The system gives back part of a line's price without taking units back (阶梯团: the group reached a cheaper
   * tier), in the caller's transaction, once per `key`. 'busy' while another after-sales case of the order is
   * open: its amount was worked out on what the line held then, so this one waits rather than overpay.
   */
  async refundPriceDifferenceBySystem(tx: Db, shopId: string, orderId: string, skuId: string, amountFen: number, reason: string, key: string): Promise<Refund | 'busy' | null> {
    const order = await lockOrder(tx, shopId, orderId);
    const again = await this.existingByKey(tx, shopId, orderId, key);
    if (again) return again;
    if (order.status === 'refund_requested') return 'busy';
    if (!['paid', 'shipped', 'completed'].includes(order.status)) return null;
    const open = await tx.select({ status: refunds.status }).from(refunds).where(eq(refunds.orderId, orderId));
    if (open.some((r) => OPEN.includes(r.status))) return 'busy';
    const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    const line = lines.find((l) => l.skuId === skuId && l.quantity > l.refundedQty);
    if (!line) return null;
    const [back] = await tx.select({ n: sql<number>`coalesce(sum(${refunds.balanceFen}), 0)::int` }).from(refunds).where(and(eq(refunds.orderId, order.id), eq(refunds.status, 'refunded')));
    const q = quotePriceDifference(order, line, amountFen, back.n);
    if (q.amountFen <= 0) return null;
    const [refund] = await tx
      .insert(refunds)
      .values({
        shopId, orderId, refundNo: refundNo(order.orderNo), type: 'refund_only', status: 'processing', amountFen: q.amountFen, balanceFen: q.balanceFen, shippingFen: 0,
        items: q.items as RefundItem[], reason, requestedBy: 'staff', restock: false, requestKey: key,
      })
      .returning();
    await this.history(tx, order, 'refund_started', { type: 'system' }, { code: 'refund_started', params: { amountFen: q.amountFen, reason } });
    await this.submitLater(tx, refund);
    return refund;
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
      reason: (refundReasonText(refund, 'zh') || '退款').slice(0, 80),
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
      await this.history(tx, order, 'refund_abnormal', { type: 'system' }, { code: 'refund_failed', params: { status: String(resource.refund_status) } });
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
    const units = refund.items.filter((it) => it.quantity > 0);
    if (refund.restock && units.length) {
      await this.inventory.returnToStock(tx, shopId, order.id, units.map((it) => ({ skuId: lines.find((l) => l.id === it.orderItemId)!.skuId, quantity: it.quantity })));
    }
    // Every unit refunded closes the order even when the shipping fee was (rightly) kept for goods already sent.
    const full = (order.paidFen > 0 && refundedFen === order.paidFen) || (lines.length > 0 && lines.every((l) => l.refundedQty === l.quantity));
    if (order.status === 'cancelled') {
      await tx.update(orders).set({ refundedFen, updatedAt: new Date() }).where(eq(orders.id, order.id));
      await this.history(tx, order, 'refunded', { type: 'system' }, { code: 'refunded_after_cancel', params: { amountFen: refund.amountFen } });
    } else {
      const money = { amountFen: refund.amountFen, balanceFen: refund.balanceFen };
      if (full) {
        await transition(tx, order, 'refund_full', { type: 'system' }, { refundedFen }, { code: 'refunded_full', params: money });
      } else if (order.status === 'refund_requested') {
        await transition(tx, order, 'refund_closed', { type: 'system' }, { refundedFen }, { code: 'refunded_partial', params: money });
      } else {
        await tx.update(orders).set({ refundedFen, updatedAt: new Date() }).where(eq(orders.id, order.id));
        await this.history(tx, order, 'refunded', { type: 'system' }, { code: 'refunded_partial', params: money });
      }
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

  private async history(tx: Db, order: Order, action: string, actor: TransitionActor, note: OrderNote) {
    await tx.insert(orderHistory).values({ shopId: order.shopId, orderId: order.id, action, fromStatus: order.status, toStatus: order.status, actorType: actor.type, actorId: actor.id, ...noteColumns(note) });
  }
}

/** A refund as the API shows it: internal keys left out, the cash part (WeChat Pay) beside the balance part. */
export function presentRefund(r: Refund) {
  const { requestKey: _k, ...rest } = r;
  return { ...rest, cashFen: r.amountFen - r.balanceFen };
}

// out_refund_no: unique per refund, ≤ 64 chars, as WeChat requires; the unique index catches the improbable clash.
function refundNo(orderNo: string) {
  return `R${orderNo}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}
