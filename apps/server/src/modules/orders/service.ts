import { and, desc, eq, gt, gte, ilike, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { orderNoteText, type CancelReasonCode, type LineSaving, type OrderNote } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { conflict, notFound, tooMany } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { InventoryService } from '../inventory/service.js';
import { lockOrder, transition, type TransitionActor } from './lifecycle.js';
import { presentRefund } from './refund-service.js';
import { CARRIERS, newPickupCode } from './order-no.js';
import { orderHistory, orderItems, orders, payments, refunds, type Order, type OrderItem, type OrderStatus, type Payment, type Refund } from './schema.js';

type OrderHistoryRow = typeof orderHistory.$inferSelect;

export interface OrderListQuery {
  status?: OrderStatus;
  orderNo?: string;
  customerIds?: string[];
  fulfilment?: 'express' | 'pickup';
  /** Only orders that have had an after-sales request, whatever became of it (the storefront's 售后 tab). */
  afterSale?: boolean;
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
}

/** Why an unpaid order closes: a reason from the list and/or the person's words, or the payment window ran out. */
export type CancelWhy = { reasonCode?: CancelReasonCode; reason?: string } | { timeout: true };

const staffActor = (a: Actor): TransitionActor => ({ type: a.type === 'api_key' ? 'api_key' : a.type === 'system' ? 'system' : 'staff', id: a.id });

/** Orders after checkout: reading them and moving them through fulfilment. Payments and refunds have their own services. */
export class OrderService {
  constructor(
    private p: Platform,
    private inventory: InventoryService,
    private catalog: CatalogService,
  ) {}

  async get(shopId: string, orderId: string, db: Db = this.p.db) {
    const [order] = await db.select().from(orders).where(and(eq(orders.id, orderId), eq(orders.shopId, shopId)));
    if (!order) throw notFound('Order', { field: 'orderId' });
    return order;
  }

  /** Everything the order detail page shows: lines, timeline, payment and after-sales. */
  async detail(shopId: string, orderId: string, customerId?: string) {
    const order = await this.get(shopId, orderId);
    if (customerId && order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
    const [items, history, [payment], refundList] = await Promise.all([
      this.p.db.select().from(orderItems).where(eq(orderItems.orderId, order.id)).orderBy(orderItems.position, orderItems.id),
      this.p.db.select().from(orderHistory).where(eq(orderHistory.orderId, order.id)).orderBy(orderHistory.id),
      this.p.db.select().from(payments).where(eq(payments.orderId, order.id)),
      this.p.db.select().from(refunds).where(eq(refunds.orderId, order.id)).orderBy(refunds.createdAt),
    ]);
    return orderDetailView(order, items, history, payment ?? null, refundList);
  }

  async list(shopId: string, q: OrderListQuery) {
    const conds: SQL[] = [eq(orders.shopId, shopId)];
    if (q.status) conds.push(eq(orders.status, q.status));
    if (q.orderNo) conds.push(ilike(orders.orderNo, `${q.orderNo.replace(/[%_]/g, '')}%`));
    if (q.customerIds) conds.push(q.customerIds.length ? inArray(orders.customerId, q.customerIds) : sql`false`);
    if (q.fulfilment) conds.push(eq(orders.fulfilment, q.fulfilment));
    if (q.afterSale) conds.push(sql`EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = ${orders.id})`);
    if (q.from) conds.push(gte(orders.createdAt, q.from));
    if (q.to) conds.push(lte(orders.createdAt, q.to));
    const where = and(...conds);
    // After-sales lists the latest request first, as the customer expects to find what they just asked for.
    const latestRefund = sql`(SELECT max(r.created_at) FROM refunds r WHERE r.order_id = ${orders.id})`;
    const [rows, [count]] = await Promise.all([
      this.p.db
        .select()
        .from(orders)
        .where(where)
        .orderBy(...(q.afterSale ? [sql`${latestRefund} DESC NULLS LAST`] : []), desc(orders.createdAt), desc(orders.id))
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize),
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(orders).where(where),
    ]);
    const ids = rows.map((r) => r.id);
    const [items, refundRows] = ids.length
      ? await Promise.all([
          this.p.db.select().from(orderItems).where(inArray(orderItems.orderId, ids)).orderBy(orderItems.position, orderItems.id),
          this.p.db
            .select({ orderId: refunds.orderId, id: refunds.id, status: refunds.status, type: refunds.type, amountFen: refunds.amountFen, createdAt: refunds.createdAt, refundedAt: refunds.refundedAt })
            .from(refunds)
            .where(inArray(refunds.orderId, ids))
            .orderBy(desc(refunds.createdAt)),
        ])
      : [[], []];
    return {
      // `afterSale` is the order's latest request and what became of it, so a list can show it without the detail.
      items: rows.map((o) => {
        const latest = refundRows.find((r) => r.orderId === o.id);
        return { ...present(o), items: items.filter((i) => i.orderId === o.id), afterSale: latest ? { id: latest.id, status: latest.status, type: latest.type, amountFen: latest.amountFen, createdAt: latest.createdAt, refundedAt: latest.refundedAt } : null };
      }),
      total: count.n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** Cancels an unpaid order and gives its stock back. */
  async cancel(shopId: string, orderId: string, by: TransitionActor, why: CancelWhy, customerId?: string) {
    const order = await this.p.database.transaction(async (tx) => {
      const current = await lockOrder(tx, shopId, orderId);
      if (customerId && current.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
      return this.cancelLocked(tx, current, by, why);
    });
    return order;
  }

  /** Cancel inside a transaction that already holds the order lock (auto-cancel uses it too). */
  async cancelLocked(tx: Db, order: Order, by: TransitionActor, why: CancelWhy) {
    const note: OrderNote =
      'timeout' in why
        ? { code: 'cancelled_timeout' }
        : { code: 'cancelled', params: { by: by.type === 'customer' ? 'customer' : 'staff', ...(why.reasonCode ? { reasonCode: why.reasonCode } : {}), reason: why.reason?.trim() ?? '' } };
    const reason = orderNoteText(note, 'zh');
    const updated = await transition(tx, order, 'cancel', by, { cancelledAt: this.p.now(), cancelReason: reason }, note);
    await this.inventory.release(tx, order.shopId, order.id);
    await tx.update(payments).set({ status: 'closed', updatedAt: new Date() }).where(and(eq(payments.orderId, order.id), eq(payments.status, 'pending')));
    await this.p.events.emit(tx, { shopId: order.shopId, type: 'order.cancelled', payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, reason, balanceFen: order.balanceFen } });
    return updated;
  }

  async cancelByStaff(actor: Actor, orderId: string, why: CancelWhy) {
    const before = await this.get(actor.shopId, orderId);
    const after = await this.cancel(actor.shopId, orderId, staffActor(actor), why);
    return { before: present(before), after: present(after) };
  }

  async ship(actor: Actor, orderId: string, input: { carrier: string; trackingNo: string }) {
    if (!CARRIERS[input.carrier]) throw conflict('CARRIER_UNKNOWN', 'Unknown carrier', { field: 'carrier' });
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, actor.shopId, orderId);
      if (order.fulfilment !== 'express') throw conflict('FULFILMENT_MISMATCH', 'A pickup order is not shipped; verify its pickup code instead', { field: 'fulfilment' });
      const after = await transition(tx, order, 'ship', staffActor(actor), { carrier: input.carrier, trackingNo: input.trackingNo, shippedAt: this.p.now() }, {
        code: 'shipped',
        params: { carrier: input.carrier, carrierName: CARRIERS[input.carrier], trackingNo: input.trackingNo },
      });
      // What the customer's notice names: the first item's title, and how many more (a 20-character field at WeChat).
      const items = await tx.select({ title: orderItems.title, quantity: orderItems.quantity }).from(orderItems).where(eq(orderItems.orderId, order.id));
      const goods = items.length > 1 ? `${items[0]!.title.slice(0, 12)} 等${items.reduce((n, i) => n + i.quantity, 0)}件` : (items[0]?.title ?? '').slice(0, 20);
      await this.p.events.emit(tx, { shopId: order.shopId, type: 'order.shipped', payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, carrier: input.carrier, carrierName: CARRIERS[input.carrier], trackingNo: input.trackingNo, goods } });
      return { before: present(order), after: present(after) };
    });
  }

  /** The customer confirms receipt, or the system does after the shop's auto-complete period. */
  async complete(shopId: string, orderId: string, by: TransitionActor, customerId?: string) {
    return this.p.database.transaction(async (tx) => {
      const order = await lockOrder(tx, shopId, orderId);
      if (customerId && order.customerId !== customerId) throw notFound('Order', { field: 'orderId' });
      const after = await transition(tx, order, 'complete', by, { completedAt: this.p.now() });
      await this.p.events.emit(tx, { shopId, type: 'order.completed', payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId } });
      return present(after);
    });
  }

  /** What a pickup code belongs to, so store staff can check the goods before handing them over. */
  async findByPickupCode(actor: Actor, code: string) {
    await this.limitPickupAttempts(actor);
    const [order] = await this.p.db.select().from(orders).where(and(eq(orders.shopId, actor.shopId), eq(orders.pickupCode, code)));
    if (!order) throw notFound('Pickup code', { field: 'code' });
    return this.detail(actor.shopId, order.id);
  }

  /** 核销: store staff verify the customer's pickup code and hand over the goods. */
  async verifyPickup(actor: Actor, code: string) {
    await this.limitPickupAttempts(actor);
    return this.verifyPickupCode(actor.shopId, code, staffActor(actor));
  }

  // An 8-digit code is guessable by brute force; cap attempts per staff member.
  private async limitPickupAttempts(actor: { shopId: string; id?: string }) {
    const r = await this.p.hot.rateLimit(`pickup-verify:${actor.shopId}:${actor.id}`, 30, 60_000);
    if (!r.allowed) throw tooMany('RATE_LIMITED', 'Too many pickup code checks, wait a minute', { retryAfterSeconds: Math.ceil(r.resetMs / 1000) });
  }

  /** The verification itself; `pickupPointId` confines it to orders for pickup at that point (a code elsewhere is unknown). */
  private async verifyPickupCode(shopId: string, code: string, by: TransitionActor, pickupPointId?: string) {
    return this.p.database.transaction(async (tx) => {
      const [found] = await tx
        .select({ id: orders.id })
        .from(orders)
        .where(and(eq(orders.shopId, shopId), eq(orders.pickupCode, code), pickupPointId ? sql`${orders.pickupPoint}->>'id' = ${pickupPointId}` : undefined));
      if (!found) throw notFound('Pickup code', { field: 'code' });
      const order = await lockOrder(tx, shopId, found.id);
      if (order.status === 'completed') throw conflict('PICKUP_CODE_USED', 'This pickup code was already used', { field: 'code' });
      if (order.status !== 'paid') throw conflict('ORDER_STATE_INVALID', `The order is ${order.status}`, { field: 'code', status: order.status });
      const after = await transition(tx, order, 'verify_pickup', by, { completedAt: this.p.now() }, { code: 'pickup_verified' });
      await this.p.events.emit(tx, { shopId: order.shopId, type: 'order.completed', payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, pickup: true } });
      return { before: present(order), after: present(after) };
    });
  }

  /** Marks the order paid inside the payment's transaction (the caller holds the order lock). */
  /**
   * `cashFen` is what WeChat Pay took; the stored-value part was taken at checkout, so the order is paid
   * in full (paidFen) with both. An order that stored value covers wholly is paid here at placement.
   */
  async markPaidLocked(tx: Db, order: Order, cashFen: number) {
    const amountFen = cashFen + order.balanceFen;
    const patch: Partial<typeof orders.$inferInsert> = { paidFen: amountFen, paidAt: this.p.now() };
    if (order.fulfilment === 'pickup') patch.pickupCode = await this.uniquePickupCode(tx, order.shopId);
    const after = await transition(tx, order, 'pay', { type: 'system' }, patch, { code: 'paid', params: { balanceFen: order.balanceFen, cashFen } });
    await this.inventory.commit(tx, order.shopId, order.id);
    const items = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id));
    await this.catalog.recordSales(tx, order.shopId, items.map((i) => ({ productId: i.productId, quantity: i.quantity })));
    await this.p.events.emit(tx, {
      shopId: order.shopId,
      type: 'order.paid',
      payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, paidFen: amountFen, balanceFen: order.balanceFen, couponDiscountFen: couponDiscountOf(order), couponIds: couponIdsOf(order), items: items.map((i) => ({ skuId: i.skuId, productId: i.productId, quantity: i.quantity, payableFen: i.payableFen })) },
    });
    for (const hook of this.paidHooks) await hook(tx, after);
    if (patch.pickupCode) {
      await this.p.events.emit(tx, { shopId: order.shopId, type: 'order.pickup_ready', payload: { orderId: order.id, orderNo: order.orderNo, customerId: order.customerId, pickupCode: patch.pickupCode } });
    }
    return after;
  }

  private async uniquePickupCode(tx: Db, shopId: string) {
    for (;;) {
      const code = newPickupCode();
      const [taken] = await tx.select({ id: orders.id }).from(orders).where(and(eq(orders.shopId, shopId), eq(orders.pickupCode, code)));
      if (!taken) return code;
    }
  }

  /** Order numbers of many orders at once, keyed by id (other shops' ids are absent). */
  async numbersOf(shopId: string, ids: string[], db: Db = this.p.db) {
    if (!ids.length) return new Map<string, string>();
    const found = await db.select({ id: orders.id, orderNo: orders.orderNo }).from(orders).where(and(eq(orders.shopId, shopId), inArray(orders.id, ids)));
    return new Map(found.map((o) => [o.id, o.orderNo]));
  }

  private readonly paidHooks: ((tx: Db, order: Order) => Promise<void>)[] = [];

  /**
   * A module whose rule must hold the moment an order is paid (a group buy's seat) runs here, in the payment's
   * transaction, after the order is marked paid. Registered once at composition.
   */
  whenPaid(hook: (tx: Db, order: Order) => Promise<void>) {
    this.paidHooks.push(hook);
  }

  /** Keeps an order from shipping or pickup until `releaseHold` (another module's condition, e.g. a group buy's group). */
  async hold(tx: Db, shopId: string, orderId: string, hold: string) {
    await tx.update(orders).set({ fulfilmentHold: hold, updatedAt: new Date() }).where(and(eq(orders.id, orderId), eq(orders.shopId, shopId)));
  }

  /** Lifts the hold: the orders can be shipped or picked up. */
  async releaseHold(tx: Db, shopId: string, orderIds: string[], hold: string) {
    if (!orderIds.length) return;
    await tx.update(orders).set({ fulfilmentHold: null, updatedAt: new Date() }).where(and(eq(orders.shopId, shopId), inArray(orders.id, orderIds), eq(orders.fulfilmentHold, hold)));
  }

  /** Unpaid orders whose payment window has passed (the sweeper's safety net behind per-order jobs). */
  async expiredUnpaid(limit = 100, afterId?: string) {
    return this.p.db
      .select({ id: orders.id, shopId: orders.shopId })
      .from(orders)
      .where(and(eq(orders.status, 'pending_payment'), lt(orders.payExpiresAt, this.p.now()), afterId ? gt(orders.id, afterId) : undefined))
      .orderBy(orders.id)
      .limit(limit);
  }

  /** Whether the customer ever paid an order here (new-customer offers are for those who have not). */
  async hasPaidOrder(shopId: string, customerId: string, db: Db = this.p.db): Promise<boolean> {
    const [row] = await db.select({ id: orders.id }).from(orders).where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId), isNotNull(orders.paidAt))).limit(1);
    return !!row;
  }

  /** `hasPaidOrder` as a SQL expression (boolean), for checkout's one read. */
  hasPaidOrderSql(shopId: string, customerId: string): SQL {
    return sql`EXISTS (SELECT 1 FROM orders WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND paid_at IS NOT NULL)`;
  }

  /** Customers of the shop with (or without) a paid order, for issuing coupons to a segment. */
  async customerIdsByOrdering(shopId: string, ordered: boolean, db: Db = this.p.db): Promise<string[]> {
    const list = await rows<{ id: string }>(db, sql`
      SELECT c.id FROM customers c
      WHERE c.shop_id = ${shopId} AND c.merged_into IS NULL
        AND ${ordered ? sql`EXISTS` : sql`NOT EXISTS`} (SELECT 1 FROM orders o WHERE o.shop_id = c.shop_id AND o.customer_id = c.id AND o.paid_at IS NOT NULL)
      ORDER BY c.registered_at`);
    return list.map((r) => r.id);
  }

  async dueForAutoComplete(limit = 100) {
    return this.p.db.execute(sql`
      SELECT o.id, o.shop_id FROM orders o JOIN shops s ON s.id = o.shop_id
      WHERE o.status = 'shipped'
        AND o.shipped_at < now() - make_interval(days => COALESCE((s.settings->>'autoCompleteDays')::int, 10))
      LIMIT ${limit}`) as unknown as Promise<{ rows: { id: string; shop_id: string }[] }>;
  }

  async moveCustomer(tx: Db, shopId: string, fromCustomerId: string, intoCustomerId: string) {
    await tx.update(orders).set({ customerId: intoCustomerId }).where(and(eq(orders.shopId, shopId), eq(orders.customerId, fromCustomerId)));
  }

  // Reads for distribution (分销, fission/distribution): commissions per line, thawing, spend thresholds.

  /** An order's lines with their ids, for commissions per line (callable inside the payment's transaction). */
  async linesOf(shopId: string, orderId: string, db: Db = this.p.db) {
    return db
      .select({ id: orderItems.id, productId: orderItems.productId, skuId: orderItems.skuId, title: orderItems.title, quantity: orderItems.quantity, payableFen: orderItems.payableFen })
      .from(orderItems)
      .where(and(eq(orderItems.shopId, shopId), eq(orderItems.orderId, orderId)))
      .orderBy(orderItems.position, orderItems.id);
  }

  /** Which of these orders have an after-sales case still open (requested, awaiting the return, returned, being refunded). */
  async withOpenRefund(shopId: string, orderIds: string[], db: Db = this.p.db): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const open = await db
      .selectDistinct({ orderId: refunds.orderId })
      .from(refunds)
      .where(and(eq(refunds.shopId, shopId), inArray(refunds.orderId, orderIds), inArray(refunds.status, ['requested', 'awaiting_return', 'returned', 'processing'])));
    return new Set(open.map((r) => r.orderId));
  }

  /** What the customer has paid here, less refunds (spend thresholds). */
  async paidTotalFen(shopId: string, customerId: string, db: Db = this.p.db): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`coalesce(sum(${orders.paidFen} - ${orders.refundedFen}), 0)::bigint` })
      .from(orders)
      .where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId), isNotNull(orders.paidAt)));
    return Number(row?.n ?? 0);
  }

  // For community leaders (社区团长, fission/leaders): verification at the leader's own point, and their pick lists.

  /**
   * 核销 by whoever runs one pickup point (a community leader, actor customer): only orders for pickup at that
   * point; a code of another point is unknown here. Attempts are capped per (shop, actor) as for staff.
   */
  async verifyPickupAt(shopId: string, code: string, pickupPointId: string, by: TransitionActor) {
    await this.limitPickupAttempts({ shopId, id: `${by.type}:${by.id ?? ''}` });
    return this.verifyPickupCode(shopId, code, by, pickupPointId);
  }

  /**
   * Paid pickup orders at one point paid in (after, until] — a batch runs up to and including its cut-off —
   * still to pick up or picked up, with their lines.
   */
  async paidPickupOrdersAt(shopId: string, pickupPointId: string, after: Date, until: Date, db: Db = this.p.db) {
    const list = await db
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.shopId, shopId),
          eq(orders.fulfilment, 'pickup'),
          sql`${orders.pickupPoint}->>'id' = ${pickupPointId}`,
          gt(orders.paidAt, after),
          lte(orders.paidAt, until),
          inArray(orders.status, ['paid', 'completed']),
        ),
      )
      .orderBy(orders.paidAt, orders.id);
    const items = list.length
      ? await db
          .select({ orderId: orderItems.orderId, skuId: orderItems.skuId, productId: orderItems.productId, title: orderItems.title, specText: orderItems.specText, quantity: orderItems.quantity, refundedQty: orderItems.refundedQty })
          .from(orderItems)
          .where(and(eq(orderItems.shopId, shopId), inArray(orderItems.orderId, list.map((o) => o.id))))
          .orderBy(orderItems.position, orderItems.id)
      : [];
    return list.map((o) => ({
      id: o.id, orderNo: o.orderNo, customerId: o.customerId, status: o.status, paidAt: o.paidAt, paidFen: o.paidFen, refundedFen: o.refundedFen,
      pickupCode: o.pickupCode, fulfilmentHold: o.fulfilmentHold, completedAt: o.completedAt,
      items: items.filter((i) => i.orderId === o.id).map(({ orderId: _o, ...i }) => i),
    }));
  }
}

/** The order detail as the API shows it, from its rows (checkout builds it from what it just wrote). */
export function orderDetailView(order: Order, items: OrderItem[], history: OrderHistoryRow[], payment: Payment | null, refundList: Refund[]) {
  return {
    ...present(order),
    items: withSavings(order, items),
    history,
    payment: payment ? { provider: payment.provider, status: payment.status, amountFen: payment.amountFen, transactionId: payment.transactionId, paidAt: payment.paidAt } : null,
    refunds: refundList.map(presentRefund),
  };
}

export type OrderDetailView = ReturnType<typeof orderDetailView>;

/**
 * Each line with what took it from its price to what it paid, by source (coupon share, points share,
 * activity price …), read from the pricing the order was placed with; orders priced before lines kept
 * their savings have only the line's total discount.
 */
function withSavings<I extends { position: number }>(order: Order, items: I[]): (I & { savings: LineSaving[] | null })[] {
  return items.map((i) => {
    const priced = order.pricing?.lines?.[i.position];
    return { ...i, savings: priced?.savings ?? null };
  });
}

/** The order as the API shows it (internal columns left out). */
export function present(o: Order) {
  const { idempotencyKey: _k, statusBeforeRefund: _s, ...rest } = o;
  return { ...rest, carrierName: o.carrier ? (CARRIERS[o.carrier] ?? o.carrier) : null };
}

/** What coupons took off the order, for analyses of coupon return (the pricing keeps each step's adjustments). */
function couponDiscountOf(order: Order) {
  return -(order.pricing?.adjustments ?? []).filter((a) => a.code === 'coupon').reduce((sum, a) => sum + a.amountFen, 0);
}
function couponIdsOf(order: Order) {
  return [...new Set((order.pricing?.adjustments ?? []).filter((a) => a.code === 'coupon' && a.ref).map((a) => a.ref!))];
}
