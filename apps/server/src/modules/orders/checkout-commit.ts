import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, conflict } from '../../platform/errors.js';
import type { CartService } from './cart-service.js';
import type { CheckoutExtension, CheckoutInput, Prepared } from './checkout.js';
import { lockOrder } from './lifecycle.js';
import type { OrderToWrite, OrderWriter, WrittenOrder } from './order-writer.js';
import { orders, type Order } from './schema.js';
import { orderDetailView, type OrderDetailView, type OrderService } from './service.js';
import type { ShortStock } from './short-stock.js';

/** One checkout waiting to be written. */
export interface PendingCheckout {
  order: OrderToWrite;
  prepared: Prepared;
  input: CheckoutInput;
  customerId: string;
}

export interface CheckoutResult {
  orderId: string;
  /** False when the Idempotency-Key found an earlier order. */
  created: boolean;
  /** The order as the API shows it, built from what was written (absent when the caller must read it). */
  view?: OrderDetailView;
}

interface Entry {
  pending: PendingCheckout;
  resolve(r: CheckoutResult): void;
  reject(e: unknown): void;
}

/** Most checkouts one transaction writes; a rush forms groups of up to this many on its own. */
const MAX_GROUP = 50;
/** Times a group is written again without the checkouts that were refused in it. */
const MAX_ROUNDS = 6;

class Refused extends Error {
  constructor(readonly refusals: Map<Entry, unknown>) {
    super('some checkouts of the group were refused');
  }
}

/**
 * Group commit for checkout. Checkouts that arrive while a group of the same shop is being written wait
 * and go together in the next transaction: one statement writes all their orders, lines, history and
 * events, one statement reserves all their stock (last, so the contended stock rows stay locked for one
 * statement and the COMMIT), and each extension's commit runs per order in between. At low load a group
 * is one checkout and nothing waits; in a rush the groups grow by themselves.
 *
 * Each checkout keeps its own answer: an order an extension refuses (coupon taken by a parallel order,
 * balance drained) or whose stock ran short is answered with its error, and the group is written again
 * without it. Anything unexpected writes the group one checkout at a time, so one cannot fail the others.
 */
export class CheckoutCommitter {
  private queues = new Map<string, { entries: Entry[]; writers: number }>();

  constructor(
    private p: Platform,
    private d: { writer: OrderWriter; orders: OrderService; cart: CartService; extensions: CheckoutExtension[]; shortStock: ShortStock },
  ) {}

  submit(shopId: string, pending: PendingCheckout): Promise<CheckoutResult> {
    return new Promise<CheckoutResult>((resolve, reject) => {
      let q = this.queues.get(shopId);
      if (!q) this.queues.set(shopId, (q = { entries: [], writers: 0 }));
      q.entries.push({ pending, resolve, reject });
      if (q.writers < this.maxWriters()) {
        q.writers++;
        void this.drain(shopId, q);
      }
    });
  }

  /**
   * Groups of one shop in flight at once. Two on PostgreSQL: while one waits for its COMMIT to reach the
   * disk the next writes its rows (stock rows are locked only by each group's last statement). One on
   * PGlite, which has one connection anyway.
   */
  private maxWriters() {
    return this.p.database.kind === 'postgres' ? 2 : 1;
  }

  private async drain(shopId: string, q: { entries: Entry[]; writers: number }) {
    try {
      while (q.entries.length > 0) {
        const group = q.entries.splice(0, MAX_GROUP);
        await this.commitGroup(shopId, group);
      }
    } finally {
      q.writers--;
      if (q.writers === 0 && q.entries.length === 0) this.queues.delete(shopId);
      else if (q.entries.length > 0 && q.writers < this.maxWriters()) {
        q.writers++;
        void this.drain(shopId, q);
      }
    }
  }

  private async commitGroup(shopId: string, group: Entry[]) {
    let live = group;
    for (let round = 0; live.length > 0; round++) {
      // Taken before the reservation runs: a restock after this moment makes what it says forgotten.
      const restock = this.d.shortStock.generation(shopId);
      try {
        const written = await this.p.database.transaction((tx) => this.writeGroup(tx, shopId, live));
        await this.answer(shopId, live, written);
        return;
      } catch (err) {
        if (err instanceof Refused && round < MAX_ROUNDS) {
          for (const [entry, why] of err.refusals) {
            const d = why instanceof AppError && why.code === 'STOCK_INSUFFICIENT' ? why.details : undefined;
            if (typeof d?.skuId === 'string' && typeof d.available === 'number') this.d.shortStock.note(shopId, d.skuId, d.available, restock);
            entry.reject(why);
          }
          live = live.filter((e) => !err.refusals.has(e));
          continue;
        }
        if (live.length === 1) {
          live[0].reject(err);
          return;
        }
        // Something no rule foresaw: each checkout alone, so it fails only the one it belongs to.
        for (const entry of live) await this.commitGroup(shopId, [entry]);
        return;
      }
    }
  }

  private async writeGroup(tx: Db, shopId: string, live: Entry[]): Promise<Map<string, WrittenOrder>> {
    const written = await this.d.writer.write(tx, shopId, live.map((e) => e.pending.order));
    const mine = live.filter((e) => written.has(e.pending.order.id));
    const refusals = new Map<Entry, unknown>();
    for (const entry of mine) {
      const { order, prepared, input, customerId } = entry.pending;
      const w = written.get(order.id)!;
      try {
        for (const ext of this.d.extensions) await ext.beforeReserve?.(tx, { shopId, customerId, input }, prepared.context[ext.code]);
        for (const ext of this.d.extensions) await ext.commit?.(tx, { id: order.id, orderNo: w.orderNo, shopId, customerId }, order.pricing, prepared.context[ext.code]);
      } catch (err) {
        // A rule of one order (its coupon, its balance): that order is answered, the others go on.
        if (!(err instanceof AppError)) throw err;
        refusals.set(entry, err);
        throw new Refused(refusals);
      }
    }
    await this.d.cart.removeBoughtMany(tx, shopId, mine.filter((e) => e.pending.input.fromCart).map((e) => ({ customerId: e.pending.customerId, skuIds: e.pending.input.items.map((i) => i.skuId) })));
    const short = await this.d.writer.reserve(tx, shopId, mine.map((e) => e.pending.order));
    if (short.length > 0) throw new Refused(allocate(mine, short));
    // Nothing left for WeChat Pay (stored value or savings covered it all): paid as placed.
    for (const entry of mine) {
      if (entry.pending.order.pricing.cashDueFen === 0) await this.d.orders.markPaidLocked(tx, await lockOrder(tx, shopId, entry.pending.order.id), 0);
    }
    return written;
  }

  private async answer(shopId: string, live: Entry[], written: Map<string, WrittenOrder>) {
    for (const entry of live) {
      const { order, customerId } = entry.pending;
      const w = written.get(order.id);
      if (w) {
        // An order paid as it was placed changed after it was written: the caller reads it.
        entry.resolve({ orderId: order.id, created: true, view: order.pricing.cashDueFen === 0 ? undefined : viewOf(shopId, order, w) });
        continue;
      }
      // Its Idempotency-Key was taken: the earlier order (maybe written by this very group) is the answer.
      try {
        const existing = order.idempotencyKey ? await orderByIdempotencyKey(this.p.db, shopId, customerId, order.idempotencyKey) : null;
        if (existing) entry.resolve({ orderId: existing, created: false });
        else entry.reject(new Error(`order ${order.id} was not written and has no earlier order`));
      } catch (err) {
        entry.reject(err);
      }
    }
  }
}

/** The order a customer placed with this Idempotency-Key, if any. */
export async function orderByIdempotencyKey(db: Db, shopId: string, customerId: string, key: string): Promise<string | null> {
  const [row] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId), eq(orders.idempotencyKey, key)));
  return row?.id ?? null;
}

/**
 * Which checkouts of a group fit the stock that is left, first come first served: the SKUs that fell
 * short are shared out in arrival order; a checkout that does not fit is refused with what was left.
 */
function allocate(mine: Entry[], short: { skuId: string; requested: number; available: number }[]): Map<Entry, unknown> {
  const left = new Map(short.map((s) => [s.skuId, s.available]));
  const refusals = new Map<Entry, unknown>();
  for (const entry of mine) {
    const need = new Map<string, number>();
    for (const l of entry.pending.order.pricing.lines) if (left.has(l.skuId)) need.set(l.skuId, (need.get(l.skuId) ?? 0) + l.quantity);
    const lacking = [...need].find(([sku, q]) => q > left.get(sku)!);
    if (!lacking) {
      for (const [sku, q] of need) left.set(sku, left.get(sku)! - q);
      continue;
    }
    const [skuId, requested] = lacking;
    const index = entry.pending.input.items.findIndex((i) => i.skuId === skuId);
    const available = left.get(skuId)!;
    refusals.set(entry, conflict('STOCK_INSUFFICIENT', `Only ${available} in stock, ${requested} requested`, {
      field: index >= 0 ? `items.${index}.skuId` : 'items',
      skuId,
      available,
      requested,
    }));
  }
  // Refusing nobody would loop: the stock moved under the group, so refuse the last one that needs it.
  if (refusals.size === 0) {
    const last = [...mine].reverse().find((e) => e.pending.order.pricing.lines.some((l) => left.has(l.skuId)));
    if (last) refusals.set(last, conflict('STOCK_INSUFFICIENT', 'Not enough in stock', { field: 'items' }));
  }
  return refusals;
}

/** The order as `OrderService.detail` shows it, from the rows just written. */
function viewOf(shopId: string, o: OrderToWrite, w: WrittenOrder): OrderDetailView {
  const row: Order = {
    id: o.id,
    shopId,
    orderNo: w.orderNo,
    customerId: o.customerId,
    status: 'pending_payment',
    statusBeforeRefund: null,
    fulfilment: o.fulfilment,
    address: o.address,
    pickupPoint: o.pickupPoint,
    pickupCode: null,
    // A group-buy order is held by its extension's commit, after this view's rows were written; its detail shows the hold.
    fulfilmentHold: null,
    itemsTotalFen: o.pricing.itemsTotalFen,
    discountFen: o.pricing.discountFen,
    shippingFen: o.pricing.shippingFen,
    payableFen: o.pricing.payableFen,
    balanceFen: o.pricing.payableFen - (o.pricing.cashDueFen ?? o.pricing.payableFen),
    paidFen: 0,
    refundedFen: 0,
    pricing: o.pricing,
    remark: o.remark ?? null,
    carrier: null,
    trackingNo: null,
    cancelReason: null,
    idempotencyKey: o.idempotencyKey ?? null,
    source: o.source ?? null,
    sourceRef: o.sourceRef ?? null,
    payExpiresAt: o.payExpiresAt,
    paidAt: null,
    shippedAt: null,
    completedAt: null,
    cancelledAt: null,
    createdAt: w.createdAt,
    updatedAt: w.createdAt,
  };
  const items = o.pricing.lines.map((l, i) => ({
    id: o.lines[i].id,
    shopId,
    orderId: o.id,
    skuId: l.skuId,
    productId: l.productId,
    title: l.gift ? `【赠品】${l.title}` : l.title,
    specText: l.specText,
    skuCode: o.lines[i].skuCode,
    imageUrl: o.lines[i].imageUrl,
    unitPriceFen: l.unitPriceFen,
    quantity: l.quantity,
    lineTotalFen: l.lineTotalFen,
    discountFen: l.discountFen,
    payableFen: l.payableFen,
    refundedQty: 0,
    refundedFen: 0,
    position: i,
  }));
  const history = [{ id: w.historyId, shopId, orderId: o.id, action: 'create', fromStatus: null, toStatus: 'pending_payment', actorType: 'customer', actorId: o.customerId, note: null, code: null, params: null, createdAt: w.createdAt }];
  return orderDetailView(row, items, history, null, []);
}
