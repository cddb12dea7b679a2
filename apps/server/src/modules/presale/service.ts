import { and, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { createOnce, rows, type Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { InventoryService } from '../inventory/service.js';
import { newOrderNo, nextOrderSequence } from '../orders/order-no.js';
import type { PaymentService } from '../orders/payment-service.js';
import type { Payment } from '../orders/schema.js';
import { presaleActivities, presaleItems, presaleOrders, type PresaleActivity, type PresaleOrder, type PresaleStatus } from './schema.js';

const DEPOSIT_WINDOW_MS = 15 * 60_000;

export interface PresaleInput {
  name: string;
  productId: string;
  depositStartsAt: Date;
  depositEndsAt: Date;
  balanceStartsAt: Date;
  balanceEndsAt: Date;
  depositRefundable: boolean;
  perCustomerLimit: number;
  items: { skuId: string; depositFen: number; deductFen: number }[];
}

export type PresalePhase = 'upcoming' | 'deposit' | 'waiting' | 'balance' | 'ended';

/** Where a pre-sale stands at `now`. Pure. */
export function phaseOf(a: Pick<PresaleActivity, 'depositStartsAt' | 'depositEndsAt' | 'balanceStartsAt' | 'balanceEndsAt' | 'status'>, now: Date): PresalePhase {
  if (a.status === 'ended' || now >= a.balanceEndsAt) return 'ended';
  if (now < a.depositStartsAt) return 'upcoming';
  if (now < a.depositEndsAt) return 'deposit';
  if (now < a.balanceStartsAt) return 'waiting';
  return 'balance';
}

const yuan = (fen: number) => (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);
/** What the customer reads on the order: "定金¥50抵¥100". */
export const deductLabel = (depositFen: number, deductFen: number) => (deductFen > depositFen ? `定金¥${yuan(depositFen)}抵¥${yuan(deductFen)}` : `定金¥${yuan(depositFen)}`);
const LIVE: PresaleStatus[] = ['pending_deposit', 'deposit_paid', 'balance_ordered', 'completed'];

/**
 * 定金预售. A deposit is its own WeChat Pay transaction (purpose `presale_deposit`) and sets the units
 * aside (available → held) so they are there when the balance is due; the balance is an ordinary order
 * priced by the pre-sale checkout extension, which gives the units back to stock just before the order
 * reserves them. Unpaid balances close with the window: the deposit is refunded or kept, as the
 * activity says, and the units return to sale.
 */
export class PresaleService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private inventory: InventoryService,
    private payments: PaymentService,
  ) {
    payments.settle('presale_deposit', {
      paid: (tx, payment) => this.depositPaid(tx, payment),
      refunded: (tx, payment, result) => this.depositRefunded(tx, payment, result),
    });
  }

  // ---- activities (console) --------------------------------------------------------------------------

  async create(actor: Actor, input: PresaleInput) {
    const skus = await this.catalog.skusForOrder(this.p.db, actor.shopId, input.items.map((i) => i.skuId));
    input.items.forEach((it, i) => {
      const sku = skus.find((s) => s.skuId === it.skuId);
      if (!sku || sku.productId !== input.productId) throw notFound('SKU', { field: `items.${i}.skuId` });
      if (it.deductFen >= sku.price) throw unprocessable('PRESALE_DEDUCT_TOO_HIGH', 'The deposit must count for less than the price', { field: `items.${i}.deductFen`, priceFen: sku.price });
      if (it.deductFen < it.depositFen) throw unprocessable('PRESALE_DEDUCT_BELOW_DEPOSIT', 'A deposit counts for at least itself', { field: `items.${i}.deductFen` });
    });
    if (!(input.depositStartsAt < input.depositEndsAt && input.depositEndsAt <= input.balanceStartsAt && input.balanceStartsAt < input.balanceEndsAt)) {
      throw unprocessable('PRESALE_WINDOWS_INVALID', 'Deposit phase, then balance window, in that order', { field: 'balanceStartsAt' });
    }
    return this.p.database.transaction(async (tx) => {
      const clash = await tx
        .select({ id: presaleActivities.id })
        .from(presaleActivities)
        .where(and(eq(presaleActivities.shopId, actor.shopId), eq(presaleActivities.productId, input.productId), eq(presaleActivities.status, 'active'), sql`${presaleActivities.balanceEndsAt} > ${input.depositStartsAt}`));
      if (clash.length) throw conflict('PRESALE_OVERLAP', 'This product is already in a pre-sale', { field: 'productId' });
      const { items, ...fields } = input;
      const [activity] = await tx.insert(presaleActivities).values({ shopId: actor.shopId, ...fields }).returning();
      await tx.insert(presaleItems).values(items.map((it) => ({ activityId: activity.id, shopId: actor.shopId, ...it })));
      return this.view(tx, activity);
    });
  }

  private async activity(db: Db, shopId: string, id: string) {
    const [a] = await db.select().from(presaleActivities).where(and(eq(presaleActivities.id, id), eq(presaleActivities.shopId, shopId)));
    if (!a) throw notFound('Pre-sale', { field: 'id' });
    return a;
  }

  private async view(db: Db, a: PresaleActivity) {
    const items = await db.select().from(presaleItems).where(eq(presaleItems.activityId, a.id));
    const [stats] = await rows<{ deposits: number; units: number; deposit_fen: string | null; completed: number; forfeited: number; refunded: number; awaiting: number }>(db, sql`
      SELECT count(*) FILTER (WHERE status IN ('deposit_paid', 'balance_ordered', 'completed', 'forfeited'))::int AS deposits,
             coalesce(sum(quantity) FILTER (WHERE status IN ('deposit_paid', 'balance_ordered', 'completed')), 0)::int AS units,
             sum(deposit_fen) FILTER (WHERE status IN ('deposit_paid', 'balance_ordered', 'completed', 'forfeited')) AS deposit_fen,
             count(*) FILTER (WHERE status = 'completed')::int AS completed,
             count(*) FILTER (WHERE status = 'forfeited')::int AS forfeited,
             count(*) FILTER (WHERE status = 'refunded')::int AS refunded,
             count(*) FILTER (WHERE status IN ('deposit_paid', 'balance_ordered'))::int AS awaiting
      FROM presale_orders WHERE activity_id = ${a.id}`);
    const { shopId: _s, remindedAt: _r, ...rest } = a;
    return {
      ...rest,
      phase: phaseOf(a, this.p.now()),
      items: items.map((i) => ({ skuId: i.skuId, depositFen: i.depositFen, deductFen: i.deductFen, label: deductLabel(i.depositFen, i.deductFen) })),
      stats: { deposits: stats.deposits, units: stats.units, depositFen: Number(stats.deposit_fen ?? 0), completed: stats.completed, forfeited: stats.forfeited, refunded: stats.refunded, awaitingBalance: stats.awaiting },
    };
  }

  async list(shopId: string) {
    const list = await this.p.db.select().from(presaleActivities).where(eq(presaleActivities.shopId, shopId)).orderBy(desc(presaleActivities.createdAt)).limit(200);
    return Promise.all(list.map((a) => this.view(this.p.db, a)));
  }

  async get(shopId: string, id: string) {
    const a = await this.activity(this.p.db, shopId, id);
    const orders = await this.p.db.select().from(presaleOrders).where(eq(presaleOrders.activityId, a.id)).orderBy(desc(presaleOrders.createdAt)).limit(500);
    return { ...(await this.view(this.p.db, a)), orders: orders.map(presentOrder) };
  }

  /** Ends a pre-sale now: what the end of the balance window would do. */
  async end(actor: Actor, id: string) {
    const a = await this.activity(this.p.db, actor.shopId, id);
    await this.closeActivity(a.id, this.p.now() < a.balanceEndsAt);
    return this.get(actor.shopId, a.id);
  }

  // ---- the storefront --------------------------------------------------------------------------------

  /** The running or upcoming pre-sale of a product, with both phases, for the product page. */
  async forProduct(shopId: string, productId: string) {
    if (!(await this.catalog.existingProductIds(shopId, [productId])).has(productId)) throw notFound('Product', { field: 'id' });
    const [a] = await this.p.db
      .select()
      .from(presaleActivities)
      .where(and(eq(presaleActivities.shopId, shopId), eq(presaleActivities.productId, productId), eq(presaleActivities.status, 'active'), sql`${presaleActivities.balanceEndsAt} > ${this.p.now()}`))
      .orderBy(presaleActivities.depositStartsAt)
      .limit(1);
    if (!a) return { presale: null, serverTime: this.p.now().toISOString() };
    const { stats: _s, ...v } = await this.view(this.p.db, a);
    return { presale: v, serverTime: this.p.now().toISOString() };
  }

  /** Pays a deposit: sets the units aside and opens WeChat Pay; a retry with the same key resumes it. */
  async startDeposit(shopId: string, customerId: string, activityId: string, input: { skuId: string; quantity: number; returnUrl?: string }, requestKey?: string) {
    const order = await createOnce(requestKey, () => this.byKey(shopId, customerId, requestKey!), () =>
      this.p.database.transaction(async (tx) => {
        const [a] = await tx.select().from(presaleActivities).where(and(eq(presaleActivities.id, activityId), eq(presaleActivities.shopId, shopId))).for('update');
        if (!a) throw notFound('Pre-sale', { field: 'id' });
        const now = this.p.now();
        const phase = phaseOf(a, now);
        if (phase !== 'deposit') throw conflict('PRESALE_NOT_IN_DEPOSIT', phase === 'upcoming' ? 'The deposit phase has not started' : 'The deposit phase is over', { field: 'id', phase });
        const [item] = await tx.select().from(presaleItems).where(and(eq(presaleItems.activityId, a.id), eq(presaleItems.skuId, input.skuId)));
        if (!item) throw notFound('SKU', { field: 'skuId' });
        // The activity row lock orders deposits, so the per-customer count cannot be raced past.
        const [had] = await rows<{ n: number }>(tx, sql`
          SELECT coalesce(sum(quantity), 0)::int AS n FROM presale_orders
          WHERE activity_id = ${a.id} AND customer_id = ${customerId} AND status IN ('pending_deposit', 'deposit_paid', 'balance_ordered', 'completed')`);
        if (had.n + input.quantity > a.perCustomerLimit) throw conflict('PRESALE_LIMIT_REACHED', `At most ${a.perCustomerLimit} per customer`, { field: 'quantity', limit: a.perCustomerLimit, had: had.n });
        const [row] = await tx
          .insert(presaleOrders)
          .values({
            shopId, activityId: a.id, customerId, skuId: input.skuId, quantity: input.quantity,
            depositFen: item.depositFen * input.quantity, deductFen: item.deductFen * input.quantity,
            depositNo: `D${newOrderNo(now, await nextOrderSequence(tx))}`, status: 'pending_deposit', unitsHeld: true,
            requestKey: requestKey ?? null, payExpiresAt: new Date(Math.min(now.getTime() + DEPOSIT_WINDOW_MS, a.depositEndsAt.getTime() + DEPOSIT_WINDOW_MS)),
          })
          .returning();
        await this.inventory.hold(tx, shopId, { type: 'presale', id: row.id }, [{ skuId: input.skuId, quantity: input.quantity }], `customer:${customerId}`, 'items');
        await this.p.jobs.send('presale.deposit-expire', { shopId, presaleOrderId: row.id }, { tx, runAt: row.payExpiresAt, singletonKey: row.id });
        return row;
      }),
    );
    if (order.status !== 'pending_deposit') return { presaleOrder: presentOrder(order), payment: null };
    const payment = await this.payments.prepay({
      shopId, customerId, purpose: 'presale_deposit', refId: order.id, outTradeNo: order.depositNo, amountFen: order.depositFen,
      description: `预售定金 ¥${yuan(order.depositFen)}`, expiresAt: order.payExpiresAt, returnUrl: input.returnUrl?.replace('{id}', order.id),
    });
    return { presaleOrder: presentOrder(order), payment };
  }

  private async byKey(shopId: string, customerId: string, key: string) {
    const [row] = await this.p.db.select().from(presaleOrders).where(and(eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, customerId), eq(presaleOrders.requestKey, key)));
    return row ?? null;
  }

  /** My pre-sale orders with what is due and when. */
  async mine(shopId: string, customerId: string) {
    const list = await this.p.db
      .select({ o: presaleOrders, a: presaleActivities })
      .from(presaleOrders)
      .innerJoin(presaleActivities, eq(presaleActivities.id, presaleOrders.activityId))
      .where(and(eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, customerId), inArray(presaleOrders.status, [...LIVE, 'forfeited', 'refunding', 'refunded'])))
      .orderBy(desc(presaleOrders.createdAt))
      .limit(100);
    const now = this.p.now();
    return list.map(({ o, a }) => ({
      ...presentOrder(o),
      activity: { id: a.id, name: a.name, productId: a.productId, balanceStartsAt: a.balanceStartsAt.toISOString(), balanceEndsAt: a.balanceEndsAt.toISOString(), depositRefundable: a.depositRefundable, phase: phaseOf(a, now) },
      label: deductLabel(o.depositFen, o.deductFen),
      canPayBalance: o.status === 'deposit_paid' && phaseOf(a, now) === 'balance',
    }));
  }

  async one(shopId: string, customerId: string, id: string, opts: { sync?: boolean } = {}) {
    const find = async () => {
      const [row] = await this.p.db.select().from(presaleOrders).where(and(eq(presaleOrders.id, id), eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, customerId)));
      if (!row) throw notFound('Pre-sale order', { field: 'id' });
      return row;
    };
    let row = await find();
    if (opts.sync && row.status === 'pending_deposit') {
      await this.payments.syncRef(shopId, 'presale_deposit', id);
      row = await find();
    }
    return (await this.mine(shopId, customerId)).find((o) => o.id === row.id) ?? presentOrder(row);
  }

  /** A customer gives up a refundable deposit before paying the balance: money back, units back to sale. */
  async cancelDeposit(shopId: string, customerId: string, id: string) {
    await this.p.database.transaction(async (tx) => {
      const [o] = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.id, id), eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, customerId))).for('update');
      if (!o) throw notFound('Pre-sale order', { field: 'id' });
      const a = await this.activity(tx, shopId, o.activityId);
      if (o.status !== 'deposit_paid') throw conflict('PRESALE_STATE_INVALID', `The pre-sale order is ${o.status}`, { field: 'status', status: o.status });
      if (!a.depositRefundable) throw conflict('PRESALE_DEPOSIT_NOT_REFUNDABLE', 'This deposit is not refundable', { field: 'id' });
      await this.releaseUnits(tx, o);
      await this.startRefund(tx, o);
    });
    return this.one(shopId, customerId, id);
  }

  // ---- payments --------------------------------------------------------------------------------------

  private async lockOrder(tx: Db, shopId: string, id: string) {
    const [o] = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.id, id), eq(presaleOrders.shopId, shopId))).for('update');
    if (!o) throw notFound('Pre-sale order', { field: 'out_trade_no' });
    return o;
  }

  /** The deposit is paid: once. Money that arrives after the deposit closed is sent back. */
  private async depositPaid(tx: Db, payment: Payment) {
    const o = await this.lockOrder(tx, payment.shopId, payment.refId!);
    if (o.status === 'pending_deposit') {
      await tx.update(presaleOrders).set({ status: 'deposit_paid', depositPaidAt: payment.paidAt ?? this.p.now(), updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
      await this.p.events.emit(tx, { shopId: o.shopId, type: 'presale.deposit_paid', payload: { presaleOrderId: o.id, activityId: o.activityId, customerId: o.customerId, depositFen: o.depositFen } });
    } else if (o.status === 'closed') {
      await this.p.jobs.send('presale.refund-deposit', { shopId: o.shopId, presaleOrderId: o.id }, { tx, singletonKey: `refund:${o.id}` });
    }
  }

  private async depositRefunded(tx: Db, payment: Payment, result: { status: string }) {
    if (result.status !== 'SUCCESS') {
      // ABNORMAL / CLOSED need a person (WeChat Pay's merchant platform); the order stays `refunding`, never usable again.
      this.p.log.error({ presaleOrderId: payment.refId, status: result.status }, 'presale: deposit refund did not succeed');
      return;
    }
    const o = await this.lockOrder(tx, payment.shopId, payment.refId!);
    if (o.status === 'refunded') return;
    await tx.update(presaleOrders).set({ status: 'refunded', updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
    await this.p.events.emit(tx, { shopId: o.shopId, type: 'presale.deposit_refunded', payload: { presaleOrderId: o.id, customerId: o.customerId, depositFen: o.depositFen } });
  }

  /** From now on the deposit cannot pay off a balance; the job asks WeChat Pay for the money. */
  private async startRefund(tx: Db, o: PresaleOrder) {
    await tx.update(presaleOrders).set({ status: 'refunding', updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
    await this.p.jobs.send('presale.refund-deposit', { shopId: o.shopId, presaleOrderId: o.id }, { tx, singletonKey: `refund:${o.id}` });
  }

  /** Job: asks WeChat Pay to give the deposit back (safe to repeat: one out_refund_no). */
  async refundDeposit(shopId: string, presaleOrderId: string) {
    const [o] = await this.p.db.select().from(presaleOrders).where(and(eq(presaleOrders.id, presaleOrderId), eq(presaleOrders.shopId, shopId)));
    if (!o || o.status === 'refunded') return;
    await this.payments.refundRef(shopId, 'presale_deposit', o.id, { outRefundNo: `R${o.depositNo}`, amountFen: o.depositFen, reason: '预售定金退回' });
  }

  /** Job: an unpaid deposit closes after its window; its units go back to sale. */
  async expireDeposit(shopId: string, presaleOrderId: string) {
    await this.payments.syncRef(shopId, 'presale_deposit', presaleOrderId);
    const [o] = await this.p.db.select().from(presaleOrders).where(and(eq(presaleOrders.id, presaleOrderId), eq(presaleOrders.shopId, shopId)));
    if (!o || o.status !== 'pending_deposit') return;
    await this.payments.closeRef(shopId, 'presale_deposit', o.id);
    await this.p.database.transaction(async (tx) => {
      const locked = await this.lockOrder(tx, shopId, o.id);
      if (locked.status !== 'pending_deposit') return;
      await this.releaseUnits(tx, locked);
      await tx.update(presaleOrders).set({ status: 'closed', updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
    });
  }

  private async releaseUnits(tx: Db, o: PresaleOrder) {
    if (!o.unitsHeld) return;
    await this.inventory.unhold(tx, o.shopId, { type: 'presale', id: o.id }, [{ skuId: o.skuId, quantity: o.quantity }], 'system');
    await tx.update(presaleOrders).set({ unitsHeld: false, updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
  }

  // ---- the balance order (checkout extension and order events) ---------------------------------------

  /** What the balance checkout needs, checked: mine, deposit paid, the window open, the same goods. */
  async forBalance(db: Db, shopId: string, customerId: string, presaleOrderId: string, items: { skuId: string; quantity: number }[]) {
    const [o] = await db.select().from(presaleOrders).where(and(eq(presaleOrders.id, presaleOrderId), eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, customerId)));
    if (!o) throw notFound('Pre-sale order', { field: 'presaleOrderId' });
    if (o.status !== 'deposit_paid') throw conflict('PRESALE_STATE_INVALID', `The pre-sale order is ${o.status}`, { field: 'presaleOrderId', status: o.status });
    const a = await this.activity(db, shopId, o.activityId);
    const phase = phaseOf(a, this.p.now());
    if (phase !== 'balance') throw conflict(phase === 'ended' ? 'PRESALE_BALANCE_CLOSED' : 'PRESALE_BALANCE_NOT_OPEN', phase === 'ended' ? 'The balance window has closed' : 'The balance window has not opened yet', { field: 'presaleOrderId', balanceStartsAt: a.balanceStartsAt.toISOString() });
    if (items.length !== 1 || items[0].skuId !== o.skuId || items[0].quantity !== o.quantity) {
      throw conflict('PRESALE_ITEMS_MISMATCH', 'The balance order is for exactly the goods of the deposit', { field: 'items', skuId: o.skuId, quantity: o.quantity });
    }
    return o;
  }

  /** Inside the balance order's transaction, before it reserves: the set-aside units go back to available. */
  async releaseForBalance(tx: Db, shopId: string, presaleOrderId: string) {
    const o = await this.lockOrder(tx, shopId, presaleOrderId);
    if (o.status !== 'deposit_paid') throw conflict('PRESALE_STATE_INVALID', `The pre-sale order is ${o.status}`, { field: 'presaleOrderId', status: o.status });
    await this.releaseUnits(tx, o);
  }

  async attachBalanceOrder(tx: Db, shopId: string, presaleOrderId: string, orderId: string) {
    const done = await tx
      .update(presaleOrders)
      .set({ status: 'balance_ordered', balanceOrderId: orderId, updatedAt: new Date() })
      .where(and(eq(presaleOrders.id, presaleOrderId), eq(presaleOrders.shopId, shopId), eq(presaleOrders.status, 'deposit_paid')))
      .returning();
    if (!done.length) throw conflict('PRESALE_STATE_INVALID', 'The balance of this pre-sale is already being paid', { field: 'presaleOrderId' });
  }

  async onBalancePaid(tx: Db, orderId: string) {
    await tx.update(presaleOrders).set({ status: 'completed', completedAt: this.p.now(), updatedAt: new Date() }).where(and(eq(presaleOrders.balanceOrderId, orderId), eq(presaleOrders.status, 'balance_ordered')));
  }

  /**
   * The balance order was cancelled unpaid: the deposit stands again and its units are set aside again
   * (if they are still there); after the window it is settled like any unpaid balance.
   */
  async onBalanceCancelled(tx: Db, shopId: string, orderId: string) {
    const [o] = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.balanceOrderId, orderId), eq(presaleOrders.shopId, shopId))).for('update');
    if (!o || o.status !== 'balance_ordered') return;
    await tx.update(presaleOrders).set({ status: 'deposit_paid', balanceOrderId: null, updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
    const a = await this.activity(tx, shopId, o.activityId);
    if (phaseOf(a, this.p.now()) === 'ended') {
      const endedEarly = !!a.closedAt && a.closedAt < a.balanceEndsAt;
      await this.settleUnpaid(tx, a, { ...o, status: 'deposit_paid', unitsHeld: false }, endedEarly);
      return;
    }
    try {
      await tx.transaction(async (sp) => {
        await this.inventory.hold(sp, shopId, { type: 'presale', id: o.id }, [{ skuId: o.skuId, quantity: o.quantity }], 'system');
        await sp.update(presaleOrders).set({ unitsHeld: true }).where(eq(presaleOrders.id, o.id));
      });
    } catch (err) {
      // Sold to someone else meanwhile: the balance order will then need stock like any order.
      if (!(err instanceof AppError)) throw err;
    }
  }

  /** A balance order refunded in full takes its deposit back with it. */
  async onBalanceRefunded(tx: Db, shopId: string, orderId: string) {
    const [o] = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.balanceOrderId, orderId), eq(presaleOrders.shopId, shopId)));
    if (o && o.status === 'completed') await this.p.jobs.send('presale.refund-deposit', { shopId, presaleOrderId: o.id }, { tx, singletonKey: `refund:${o.id}` });
  }

  /** One person, one set of deposits: a merged-away customer's pre-sale orders follow the survivor. */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    await tx.update(presaleOrders).set({ customerId: intoId, updatedAt: new Date() }).where(and(eq(presaleOrders.shopId, shopId), eq(presaleOrders.customerId, fromId)));
  }

  // ---- over time -------------------------------------------------------------------------------------

  /** Balance reminders when the window opens; settling unpaid balances when it closes. */
  async tick() {
    const now = this.p.now();
    const opening = await this.p.db.select().from(presaleActivities).where(and(eq(presaleActivities.status, 'active'), isNull(presaleActivities.remindedAt), lte(presaleActivities.balanceStartsAt, now)));
    for (const a of opening) {
      await this.p.database.transaction(async (tx) => {
        const [claimed] = await tx.update(presaleActivities).set({ remindedAt: now }).where(and(eq(presaleActivities.id, a.id), isNull(presaleActivities.remindedAt))).returning();
        if (!claimed) return;
        const due = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.activityId, a.id), eq(presaleOrders.status, 'deposit_paid')));
        for (const o of due) {
          await this.p.events.emit(tx, { shopId: a.shopId, type: 'presale.balance_due', payload: { presaleOrderId: o.id, activityId: a.id, name: a.name, customerId: o.customerId, balanceEndsAt: a.balanceEndsAt.toISOString() } });
        }
      });
    }
    const closing = await this.p.db.select().from(presaleActivities).where(and(eq(presaleActivities.status, 'active'), lte(presaleActivities.balanceEndsAt, now)));
    for (const a of closing) await this.closeActivity(a.id);
  }

  private async closeActivity(activityId: string, endedEarly = false) {
    await this.p.database.transaction(async (tx) => {
      const [a] = await tx.select().from(presaleActivities).where(eq(presaleActivities.id, activityId)).for('update');
      if (!a || a.status === 'ended') return;
      await tx.update(presaleActivities).set({ status: 'ended', closedAt: this.p.now(), updatedAt: new Date() }).where(eq(presaleActivities.id, a.id));
      const unpaid = await tx.select().from(presaleOrders).where(and(eq(presaleOrders.activityId, a.id), inArray(presaleOrders.status, ['deposit_paid', 'pending_deposit']))).for('update');
      for (const o of unpaid) {
        if (o.status === 'pending_deposit') {
          await this.releaseUnits(tx, o);
          await tx.update(presaleOrders).set({ status: 'closed', updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
        } else {
          await this.settleUnpaid(tx, { ...a, status: 'ended' }, o, endedEarly);
        }
      }
    });
  }

  /** The balance was never paid: the units return to sale; the deposit goes back or is kept. */
  private async settleUnpaid(tx: Db, a: PresaleActivity, o: PresaleOrder, endedEarly = false) {
    await this.releaseUnits(tx, o);
    // Ended by the shop before the balance window closed, the customer never had the chance to pay: the
    // deposit goes back even where the activity says it is kept.
    if (a.depositRefundable || endedEarly) {
      await this.startRefund(tx, o);
      return;
    }
    await tx.update(presaleOrders).set({ status: 'forfeited', updatedAt: new Date() }).where(eq(presaleOrders.id, o.id));
    await this.p.events.emit(tx, { shopId: o.shopId, type: 'presale.deposit_forfeited', payload: { presaleOrderId: o.id, customerId: o.customerId, depositFen: o.depositFen } });
  }
}

function presentOrder(o: PresaleOrder) {
  const { requestKey: _k, shopId: _s, ...rest } = o;
  return { ...rest, label: deductLabel(o.depositFen, o.deductFen) };
}
