import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FlashSaleAttemptInput } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, badRequest, conflict, notFound, tooMany } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { AddressSnapshot, PickupSnapshot } from '../orders/schema.js';
import type { ShippingService } from '../orders/shipping-service.js';
import { ATTEMPT_RESULT_TTL_MS, attemptKey, hotKeys, SESSION_KEY_GRACE_MS, type AttemptResult } from './keys.js';
import { flashSaleAttempts, flashSaleItems, flashSaleSessions, flashSales, type FlashSale, type FlashSaleItem, type FlashSaleSession } from './schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An accepted attempt as the hot store's pending hash and the attempts table keep it. */
export interface AttemptRecord {
  id: string;
  shopId: string;
  flashSaleId: string;
  sessionId: string;
  itemId: string;
  customerId: string;
  quantity: number;
  fulfilment: 'express' | 'pickup';
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  remark: string | null;
  acceptedAt: string;
}

interface CachedItem {
  at: number;
  found: { sale: FlashSale; session: FlashSaleSession; item: FlashSaleItem } | null;
}

/** How long a process trusts what it read about a sale (status, window, limits). */
const ITEM_CACHE_MS = 1000;
/**
 * Once a process has seen an item sold out it says so without asking the hot store for this long.
 * Units can come back (an unpaid order is cancelled), so the memory is short.
 */
const SOLD_OUT_MEMORY_MS = 500;
/** Group commit: accepted attempts wait at most this long to be written together. */
const FLUSH_EVERY_MS = 5;
const FLUSH_AT = 250;
/** The create-orders job runs at most once per slot per shop; attempts flushed in a slot are picked up by its job. */
const ORDER_SLOT_MS = 200;

/**
 * The purchase path (立即抢购). Per request: rate limits (per IP, per customer), one attempt in flight per
 * customer, the sale's window, the address or pickup point, then ONE atomic step in the hot store that
 * takes the units from the session's activity stock and the customer's allowance and records the
 * attempt as pending. Accepted attempts are written to PostgreSQL together (group commit, one INSERT
 * per few milliseconds) before the client hears 202; a batch job turns them into orders.
 */
export class FlashSalePurchase {
  private cache = new Map<string, CachedItem>();
  private soldOutUntil = new Map<string, number>();
  private buffer: { rec: AttemptRecord; done: () => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = new Set<Promise<void>>();
  /** Warm-up the purchase path can call when it finds a session not loaded (set by reconcile.ts). */
  warm: (sessionId: string) => Promise<void> = async () => undefined;

  constructor(
    private p: Platform,
    private customers: CustomersService,
    private shipping: ShippingService,
  ) {}

  async attempt(shopId: string, customerId: string, ip: string, input: FlashSaleAttemptInput): Promise<{ attemptId: string; status: 'pending'; pollAfterMs: number }> {
    const found = await this.item(shopId, input.itemId);
    if (!found) throw notFound('Flash sale item', { field: 'itemId' });
    const { sale, session, item } = found;
    // After the rush nearly every request is for a sold-out item: the cheapest true answer comes first.
    if ((this.soldOutUntil.get(item.id) ?? 0) > Date.now()) throw soldOut(0);
    const byIp = await this.p.hot.rateLimit(`fs:rl:ip:${sale.id}:${ip}`, sale.ipRatePerSecond, 1000);
    if (!byIp.allowed) throw tooMany('RATE_LIMITED', 'Too many attempts from this network, try again in a moment', { retryAfterSeconds: Math.ceil(byIp.resetMs / 1000), scope: 'ip' });
    const byCustomer = await this.p.hot.rateLimit(`fs:rl:c:${sale.id}:${customerId}`, sale.customerRatePerSecond, 1000);
    if (!byCustomer.allowed) throw tooMany('RATE_LIMITED', 'Too many attempts, try again in a moment', { retryAfterSeconds: Math.ceil(byCustomer.resetMs / 1000), scope: 'customer' });

    const now = this.p.now();
    if (now < session.startsAt) throw conflict('FLASH_SALE_NOT_STARTED', 'This session has not started yet', { field: 'itemId', startsAt: session.startsAt.toISOString() });
    if (sale.status !== 'published' || now >= session.endsAt || session.closedAt) throw conflict('FLASH_SALE_ENDED', 'This session has ended', { field: 'itemId' });
    if (input.quantity > sale.perCustomerLimit) throw conflict('FLASH_SALE_LIMIT_REACHED', `At most ${sale.perCustomerLimit} per customer`, { field: 'quantity', limit: sale.perCustomerLimit });

    const inFlight = `fs:inflight:${shopId}:${customerId}`;
    const token = await this.p.hot.lock(inFlight, 10_000);
    if (!token) throw tooMany('FLASH_SALE_ATTEMPT_IN_FLIGHT', 'Your previous attempt is still being handled', { field: 'itemId', retryAfterSeconds: 1 });
    try {
      const keys = hotKeys(session.id);
      // Sold out is the common answer once the rush is over: say so before reading the address.
      let left = await this.p.hot.get(keys.left(item.id));
      if (left === null) {
        await this.warm(session.id);
        left = await this.p.hot.get(keys.left(item.id));
      }
      if (left !== null && Number(left) < input.quantity) {
        if (Number(left) === 0) this.soldOutUntil.set(item.id, Date.now() + SOLD_OUT_MEMORY_MS);
        throw soldOut(Number(left));
      }

      let address: AddressSnapshot | null = null;
      let pickupPoint: PickupSnapshot | null = null;
      if (input.fulfilment === 'express') {
        if (!input.addressId) throw badRequest('ADDRESS_REQUIRED', 'Choose a delivery address', { field: 'addressId' });
        const a = await this.customers.getAddress(shopId, customerId, input.addressId);
        address = { contactName: a.contactName, phone: a.phone, province: a.province, city: a.city, district: a.district, detail: a.detail };
      } else {
        if (!input.pickupPointId) throw badRequest('PICKUP_POINT_REQUIRED', 'Choose a pickup point', { field: 'pickupPointId' });
        const pp = await this.shipping.getPickupPoint(shopId, input.pickupPointId);
        if (!pp.active) throw conflict('PICKUP_POINT_CLOSED', 'This pickup point is closed', { field: 'pickupPointId' });
        pickupPoint = { id: pp.id, name: pp.name, address: pp.address, phone: pp.phone, hours: pp.hours };
      }

      const rec: AttemptRecord = {
        id: randomUUID(), shopId, flashSaleId: sale.id, sessionId: session.id, itemId: item.id, customerId, quantity: input.quantity,
        fulfilment: input.fulfilment, address, pickupPoint, remark: input.remark ?? null, acceptedAt: now.toISOString(),
      };
      const keepFor = Math.max(60_000, session.endsAt.getTime() - Date.now() + SESSION_KEY_GRACE_MS);
      const taken = await this.p.hot.applyCounters(
        [
          { key: keys.left(item.id), by: -input.quantity, min: 0, mustExist: true },
          { key: keys.bought(item.id, customerId), by: input.quantity, max: sale.perCustomerLimit, ttlMs: keepFor },
        ],
        { unless: [keys.closed], record: { key: keys.pending, field: rec.id, value: JSON.stringify(rec) } },
      );
      if (!taken.ok) {
        if (taken.reason === 'below_min') {
          if (input.quantity === 1) this.soldOutUntil.set(item.id, Date.now() + SOLD_OUT_MEMORY_MS);
          throw soldOut(0);
        }
        if (taken.reason === 'above_max') throw conflict('FLASH_SALE_LIMIT_REACHED', `At most ${sale.perCustomerLimit} per customer`, { field: 'quantity', limit: sale.perCustomerLimit });
        if (taken.reason === 'blocked') throw conflict('FLASH_SALE_ENDED', 'This session has ended', { field: 'itemId' });
        throw new AppError(503, 'FLASH_SALE_WARMING', 'The sale is getting ready, try again in a moment', { retryAfterSeconds: 1 });
      }
      await this.write(rec);
      return { attemptId: rec.id, status: 'pending', pollAfterMs: 500 };
    } finally {
      await this.p.hot.unlock(inFlight, token);
    }
  }

  /** Units of the item came back (a cancelled order): it may be bought again at once. */
  forgetSoldOut(itemId: string) {
    this.soldOutUntil.delete(itemId);
  }

  /** The result of an attempt, for the customer who made it (404 for anyone else). */
  async result(shopId: string, customerId: string, attemptId: string) {
    if (!UUID.test(attemptId)) throw notFound('Attempt', { field: 'id' });
    const hot = await this.p.hot.get(attemptKey(attemptId));
    if (hot) {
      const r = JSON.parse(hot) as AttemptResult & { shop?: string };
      if (r.c !== customerId || (r.shop && r.shop !== shopId)) throw notFound('Attempt', { field: 'id' });
      if (r.s !== 'pending') return view(attemptId, r);
    }
    const [row] = await this.p.db
      .select({ customerId: flashSaleAttempts.customerId, status: flashSaleAttempts.status, orderId: flashSaleAttempts.orderId, failureCode: flashSaleAttempts.failureCode })
      .from(flashSaleAttempts)
      .where(and(eq(flashSaleAttempts.id, attemptId), eq(flashSaleAttempts.shopId, shopId)));
    if (!row) {
      if (hot) return view(attemptId, JSON.parse(hot) as AttemptResult);
      throw notFound('Attempt', { field: 'id' });
    }
    if (row.customerId !== customerId) throw notFound('Attempt', { field: 'id' });
    if (row.status === 'accepted') return view(attemptId, { c: customerId, s: 'pending' });
    if (row.status === 'failed') return view(attemptId, { c: customerId, s: 'failed', e: row.failureCode ?? 'FLASH_SALE_ORDER_FAILED' });
    return view(attemptId, { c: customerId, s: 'ordered', o: row.orderId! });
  }

  /** Waits until the attempt is in PostgreSQL (or the write failed: then it stays pending in the hot store for reconciliation). */
  private write(rec: AttemptRecord): Promise<void> {
    return new Promise((resolve) => {
      this.buffer.push({ rec, done: resolve });
      if (this.buffer.length >= FLUSH_AT) this.flushNow();
      else if (!this.timer) this.timer = setTimeout(() => this.flushNow(), FLUSH_EVERY_MS);
    });
  }

  private flushNow() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer.splice(0);
    if (batch.length === 0) return;
    const run = this.flush(batch.map((b) => b.rec)).finally(() => {
      this.flushing.delete(run);
      for (const b of batch) b.done();
    });
    this.flushing.add(run);
  }

  private async flush(recs: AttemptRecord[]) {
    try {
      await this.p.database.transaction(async (tx) => {
        await insertAttempts(tx, recs);
        for (const shopId of new Set(recs.map((r) => r.shopId))) await this.kickOrders(shopId, tx);
      });
      const bySession = new Map<string, string[]>();
      for (const r of recs) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r.id]);
      await Promise.all([
        ...[...bySession].map(([sessionId, ids]) => this.p.hot.hdel(hotKeys(sessionId).pending, ids)),
        ...recs.map((r) => this.p.hot.set(attemptKey(r.id), JSON.stringify({ c: r.customerId, s: 'pending', shop: r.shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS, nx: true })),
      ]);
    } catch (err) {
      // The units are taken and the attempt is in the hot store's pending hash: reconciliation writes it.
      this.p.log.error({ err, n: recs.length }, 'flash sale: writing accepted attempts failed; reconciliation will retry');
      await Promise.all(recs.map((r) => this.p.hot.set(attemptKey(r.id), JSON.stringify({ c: r.customerId, s: 'pending', shop: r.shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS, nx: true }))).catch(() => undefined);
    }
  }

  /** Enqueues the order batch of this slot (at most one job per shop per slot, run when the slot closes). */
  async kickOrders(shopId: string, tx?: Db) {
    const slot = Math.floor(Date.now() / ORDER_SLOT_MS);
    await this.p.jobs.send('flashsale.create-orders', { shopId }, { tx, runAt: new Date((slot + 1) * ORDER_SLOT_MS + 20), singletonKey: `${shopId}@${slot}` });
  }

  /** Waits for the writes in progress (graceful shutdown, tests). */
  async settleWrites() {
    this.flushNow();
    await Promise.all([...this.flushing]);
  }

  /** Forgets what this process read about sales (after a change it made itself). */
  forget() {
    this.cache.clear();
  }

  private async item(shopId: string, itemId: string) {
    const hit = this.cache.get(itemId);
    if (hit && Date.now() - hit.at < ITEM_CACHE_MS) return hit.found && hit.found.item.shopId === shopId ? hit.found : null;
    const [row] = await this.p.db
      .select({ sale: flashSales, session: flashSaleSessions, item: flashSaleItems })
      .from(flashSaleItems)
      .innerJoin(flashSaleSessions, eq(flashSaleSessions.id, flashSaleItems.sessionId))
      .innerJoin(flashSales, eq(flashSales.id, flashSaleItems.flashSaleId))
      .where(and(eq(flashSaleItems.id, itemId), sql`${flashSales.status} <> 'draft'`));
    const found = row ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(itemId, { at: Date.now(), found });
    return found && found.item.shopId === shopId ? found : null;
  }
}

function soldOut(left: number) {
  return conflict('FLASH_SALE_SOLD_OUT', 'Sold out', { field: 'itemId', remaining: left });
}

function view(attemptId: string, r: AttemptResult) {
  return { attemptId, status: r.s, orderId: r.o ?? null, code: r.e ?? null };
}

/** Writes accepted attempts once each (a retried write or reconciliation finds them there). */
export async function insertAttempts(tx: Db, recs: AttemptRecord[]) {
  if (recs.length === 0) return;
  await tx
    .insert(flashSaleAttempts)
    .values(recs.map((r) => ({
      id: r.id, shopId: r.shopId, flashSaleId: r.flashSaleId, sessionId: r.sessionId, itemId: r.itemId, customerId: r.customerId, quantity: r.quantity,
      fulfilment: r.fulfilment, address: r.address, pickupPoint: r.pickupPoint, remark: r.remark, acceptedAt: new Date(r.acceptedAt),
    })))
    .onConflictDoNothing({ target: flashSaleAttempts.id });
}
