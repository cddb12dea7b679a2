import { randomUUID } from 'node:crypto';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { FlashSaleAttemptInput } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { queryComposed } from '../../platform/db/prepared.js';
import { AppError, badRequest, conflict, notFound, tooMany } from '../../platform/errors.js';
import type { CountersResult } from '../../platform/hotstore/index.js';
import type { CustomersService } from '../customers/service.js';
import type { AddressSnapshot, PickupSnapshot } from '../orders/schema.js';
import type { ShippingService } from '../orders/shipping-service.js';
import { returnUnits } from './hot-units.js';
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
  /** The customer's address: its snapshot is taken when the attempt is written (records of older versions carry the snapshot). */
  addressId?: string | null;
  address: AddressSnapshot | null;
  pickupPoint: PickupSnapshot | null;
  remark: string | null;
  acceptedAt: string;
}

/** What became of an accepted attempt's write: in PostgreSQL, refused for want of the address, or left to reconciliation. */
type WriteOutcome = 'written' | 'no_address' | 'pending';

interface CachedItem {
  at: number;
  found: { sale: FlashSale; session: FlashSaleSession; item: FlashSaleItem } | null;
}

/** How long a process trusts what it read about a sale (status, window, limits) and a shop's pickup points. */
const ITEM_CACHE_MS = 1000;
const PICKUP_CACHE_MS = 2000;
/**
 * Once a process has seen an item sold out it says so without asking the hot store for this long.
 * Units can come back (an unpaid order is cancelled), so the memory is short.
 */
const SOLD_OUT_MEMORY_MS = 500;
/**
 * Group commit: accepted attempts wait at most this long to be written together, and no more than
 * MAX_FLUSHES groups are written at once: under load the next group grows while those are in flight, so
 * PostgreSQL sees fewer, larger statements (a commit costs about as much as ten rows).
 */
const FLUSH_EVERY_MS = 20;
const MAX_FLUSHES = 2;
const FLUSH_AT = 256;
/** Attempts per INSERT statement (a power of two). */
const MAX_GROUP = 256;
/** Stands in for the customer of the padding rows of a group (no address matches it). */
const NO_ONE = '00000000-0000-0000-0000-000000000000';
/** The create-orders job runs at most once per slot per shop; attempts flushed in a slot are picked up by its job. */
const ORDER_SLOT_MS = 200;
/** The in-flight marker outlives a process that died before clearing it by no more than this. */
const IN_FLIGHT_MS = 10_000;

/**
 * The purchase path (立即抢购). Per request, after checks this process answers from memory (the sale's
 * window and limits, the sold-out memory, the pickup point), ONE hot-store call decides everything that
 * must be atomic across processes: the rate limits (per IP, per customer), one attempt in flight per
 * customer, the closed flag, the units of the session's activity stock, the customer's allowance, and the
 * attempt recorded as pending. Accepted attempts are written to PostgreSQL together before the client
 * hears 202 (group commit: one INSERT per group, which also copies the delivery address — no query per
 * attempt); a batch job turns them into orders.
 */
export class FlashSalePurchase {
  private cache = new Map<string, CachedItem>();
  private pickups = new Map<string, { at: number; list: Promise<Map<string, { active: boolean; snapshot: PickupSnapshot }>> }>();
  private soldOutUntil = new Map<string, number>();
  private buffer: { rec: AttemptRecord; done: (o: WriteOutcome) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = new Set<Promise<void>>();
  /** The last order slot this process enqueued a batch job for, per shop. */
  private kicked = new Map<string, number>();
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
    const now = this.p.now();
    if (now < session.startsAt) throw conflict('FLASH_SALE_NOT_STARTED', 'This session has not started yet', { field: 'itemId', startsAt: session.startsAt.toISOString() });
    if (sale.status !== 'published' || now >= session.endsAt || session.closedAt) throw conflict('FLASH_SALE_ENDED', 'This session has ended', { field: 'itemId' });
    if (input.quantity > sale.perCustomerLimit) throw conflict('FLASH_SALE_LIMIT_REACHED', `At most ${sale.perCustomerLimit} per customer`, { field: 'quantity', limit: sale.perCustomerLimit });

    let pickupPoint: PickupSnapshot | null = null;
    if (input.fulfilment === 'express') {
      if (!input.addressId) throw badRequest('ADDRESS_REQUIRED', 'Choose a delivery address', { field: 'addressId' });
    } else {
      if (!input.pickupPointId) throw badRequest('PICKUP_POINT_REQUIRED', 'Choose a pickup point', { field: 'pickupPointId' });
      const pp = (await this.pickupPoints(shopId)).get(input.pickupPointId);
      if (!pp) throw notFound('Pickup point', { field: 'pickupPointId' });
      if (!pp.active) throw conflict('PICKUP_POINT_CLOSED', 'This pickup point is closed', { field: 'pickupPointId' });
      pickupPoint = pp.snapshot;
    }

    const rec: AttemptRecord = {
      id: randomUUID(), shopId, flashSaleId: sale.id, sessionId: session.id, itemId: item.id, customerId, quantity: input.quantity, fulfilment: input.fulfilment,
      addressId: input.fulfilment === 'express' ? input.addressId : null, address: null, pickupPoint, remark: input.remark ?? null, acceptedAt: now.toISOString(),
    };
    let taken = await this.take(sale, session, rec, ip, true);
    if (!taken.ok && taken.reason === 'missing') {
      await this.warm(session.id);
      // The limits have counted this request already.
      taken = await this.take(sale, session, rec, ip, false);
    }
    if (!taken.ok) throw this.refusal(taken, sale, item.id, input.quantity);
    const outcome = await this.write(rec);
    if (outcome === 'no_address') throw notFound('Address', { field: 'addressId' });
    return { attemptId: rec.id, status: 'pending', pollAfterMs: 500 };
  }

  /** The whole decision in one atomic hot-store step (one Lua script on Redis). */
  private take(sale: FlashSale, session: FlashSaleSession, rec: AttemptRecord, ip: string, countLimits: boolean) {
    const keys = hotKeys(session.id);
    const keepFor = Math.max(60_000, session.endsAt.getTime() - Date.now() + SESSION_KEY_GRACE_MS);
    return this.p.hot.applyCounters(
      [
        { key: keys.left(rec.itemId), by: -rec.quantity, min: 0, mustExist: true },
        { key: keys.bought(rec.itemId, rec.customerId), by: rec.quantity, max: sale.perCustomerLimit, ttlMs: keepFor },
      ],
      {
        limits: countLimits
          ? [
              { key: keys.rateByIp(ip), limit: sale.ipRatePerSecond, windowMs: 1000 },
              { key: keys.rateByCustomer(rec.customerId), limit: sale.customerRatePerSecond, windowMs: 1000 },
            ]
          : [],
        unless: [keys.closed],
        claim: { key: keys.inFlight(rec.customerId), ttlMs: IN_FLIGHT_MS },
        record: { key: keys.pending, field: rec.id, value: JSON.stringify(rec) },
      },
    );
  }

  private refusal(r: Extract<CountersResult, { ok: false }>, sale: FlashSale, itemId: string, quantity: number): AppError {
    switch (r.reason) {
      case 'limited': {
        const retryAfterSeconds = Math.max(1, Math.ceil((r.resetMs ?? 1000) / 1000));
        return r.index === 0
          ? tooMany('RATE_LIMITED', 'Too many attempts from this network, try again in a moment', { retryAfterSeconds, scope: 'ip' })
          : tooMany('RATE_LIMITED', 'Too many attempts, try again in a moment', { retryAfterSeconds, scope: 'customer' });
      }
      case 'claimed':
        return tooMany('FLASH_SALE_ATTEMPT_IN_FLIGHT', 'Your previous attempt is still being handled', { field: 'itemId', retryAfterSeconds: 1 });
      case 'blocked':
        return conflict('FLASH_SALE_ENDED', 'This session has ended', { field: 'itemId' });
      case 'below_min': {
        const left = Math.max(0, r.current ?? 0);
        if (left === 0 || quantity === 1) this.soldOutUntil.set(itemId, Date.now() + SOLD_OUT_MEMORY_MS);
        return soldOut(left);
      }
      case 'above_max':
        return conflict('FLASH_SALE_LIMIT_REACHED', `At most ${sale.perCustomerLimit} per customer`, { field: 'quantity', limit: sale.perCustomerLimit });
      default:
        return new AppError(503, 'FLASH_SALE_WARMING', 'The sale is getting ready, try again in a moment', { retryAfterSeconds: 1 });
    }
  }

  /** The shop's pickup points, read once per shop every few seconds: a rush must not read one per attempt. */
  private pickupPoints(shopId: string) {
    const hit = this.pickups.get(shopId);
    if (hit && Date.now() - hit.at < PICKUP_CACHE_MS) return hit.list;
    const list = this.shipping.listPickupPoints(shopId).then((all) => new Map(all.map((pp) => [pp.id, { active: pp.active, snapshot: { id: pp.id, name: pp.name, address: pp.address, phone: pp.phone, hours: pp.hours } }])));
    list.catch(() => this.pickups.delete(shopId));
    if (this.pickups.size > 1000) this.pickups.clear();
    this.pickups.set(shopId, { at: Date.now(), list });
    return list;
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

  /**
   * Waits until the attempt is in PostgreSQL (or found without its address, or the write failed: then it
   * stays pending in the hot store for reconciliation).
   */
  private write(rec: AttemptRecord): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.buffer.push({ rec, done: resolve });
      if (this.buffer.length >= FLUSH_AT) this.flushNow();
      else if (!this.timer) this.timer = setTimeout(() => this.flushNow(), FLUSH_EVERY_MS);
    });
  }

  private flushNow() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // The group in flight takes the rest with it when it is done.
    if (this.flushing.size >= MAX_FLUSHES) return;
    const batch = this.buffer.splice(0, FLUSH_AT);
    if (batch.length === 0) return;
    const outcomes = new Map<string, WriteOutcome>();
    const run = this.flush(batch.map((b) => b.rec), outcomes).finally(() => {
      this.flushing.delete(run);
      for (const b of batch) b.done(outcomes.get(b.rec.id) ?? 'pending');
      if (this.buffer.length > 0) this.flushNow();
    });
    this.flushing.add(run);
  }

  private async flush(recs: AttemptRecord[], outcomes: Map<string, WriteOutcome>) {
    try {
      // One statement, its own transaction: the group commit holds no lock another process could wait on.
      const missing = await this.insertAttempts(this.p.db, recs);
      // The batch job of this slot, once per slot and shop from this process. Should this fail (or the
      // process die first), reconciliation enqueues one for attempts left waiting.
      const slot = orderSlot();
      for (const shopId of new Set(recs.map((r) => r.shopId))) {
        if (this.kicked.get(shopId) === slot) continue;
        await this.kickOrders(shopId, undefined, slot).then(
          () => this.kicked.set(shopId, slot),
          (err) => this.p.log.warn({ err, shopId }, 'flash sale: enqueuing the order batch failed; reconciliation will'),
        );
      }
      for (const r of recs) outcomes.set(r.id, missing.has(r.id) ? 'no_address' : 'written');
      // Units of an attempt without its address go back before its customer may try again (should this
      // fail, the pending record stays and reconciliation gives them back).
      await Promise.all(recs.filter((r) => missing.has(r.id)).map((r) => this.giveBack(r)));
      await this.clearPending(recs);
    } catch (err) {
      // The units are taken and the attempt is in the hot store's pending hash: reconciliation writes it.
      this.p.log.error({ err, n: recs.length }, 'flash sale: writing accepted attempts failed; reconciliation will retry');
      await Promise.all(recs.map((r) => this.p.hot.set(attemptKey(r.id), JSON.stringify({ c: r.customerId, s: 'pending', shop: r.shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS, nx: true }))).catch(() => undefined);
      await this.clearInFlight(recs).catch(() => undefined);
    }
  }

  /** The attempts are in PostgreSQL: out of the pending hash, and their customers free to try again. */
  async clearPending(recs: Pick<AttemptRecord, 'id' | 'sessionId' | 'customerId'>[]) {
    const bySession = groupBySession(recs);
    await Promise.all([...bySession].flatMap(([sessionId, list]) => {
      const keys = hotKeys(sessionId);
      return [this.p.hot.hdel(keys.pending, list.map((r) => r.id)), this.p.hot.del(list.map((r) => keys.inFlight(r.customerId)))];
    }));
  }

  private async clearInFlight(recs: Pick<AttemptRecord, 'sessionId' | 'customerId'>[]) {
    await Promise.all([...groupBySession(recs)].map(([sessionId, list]) => this.p.hot.del(list.map((r) => hotKeys(sessionId).inFlight(r.customerId)))));
  }

  /** An attempt that will not become an order gives its units and allowance back (once, however often asked). */
  async giveBack(r: Pick<AttemptRecord, 'id' | 'sessionId' | 'itemId' | 'customerId' | 'quantity'>) {
    await returnUnits(this.p.hot, { attemptId: r.id, sessionId: r.sessionId, itemId: r.itemId, customerId: r.customerId, quantity: r.quantity });
    this.forgetSoldOut(r.itemId);
  }

  /**
   * Writes attempts once each (a retried write or reconciliation finds them there), in one statement. The
   * delivery address is copied onto the attempt as it is now — the order ships there — by the customers
   * module's own SQL; an express attempt whose address is not (or no longer) the customer's is written as
   * failed (ADDRESS_NOT_FOUND). Answers those attempts' ids.
   */
  async insertAttempts(db: Db, recs: AttemptRecord[]): Promise<Set<string>> {
    const missing = new Set<string>();
    for (let i = 0; i < recs.length; i += MAX_GROUP) {
      for (const id of await this.insertGroup(db, recs.slice(i, i + MAX_GROUP))) missing.add(id);
    }
    return missing;
  }

  /**
   * One statement for up to MAX_GROUP attempts. The group is padded with empty rows to a power of two, so
   * a few statement shapes serve every group size: each is a named prepared statement whose plan (one
   * address lookup per row) PostgreSQL makes once per connection instead of once per group commit.
   */
  private async insertGroup(db: Db, recs: AttemptRecord[]): Promise<string[]> {
    if (recs.length === 0) return [];
    let size = 1;
    while (size < recs.length) size *= 2;
    const shopId = recs[0].shopId;
    const row = (r: AttemptRecord | undefined) => {
      const addressId = r && r.fulfilment === 'express' && !r.address ? (r.addressId ?? null) : null;
      const address = this.customers.addresses.checkoutSql(r?.shopId ?? shopId, r?.customerId ?? NO_ONE, addressId);
      return sql`(${r?.id ?? null}::uuid, ${r?.shopId ?? null}::uuid, ${r?.flashSaleId ?? null}::uuid, ${r?.sessionId ?? null}::uuid, ${r?.itemId ?? null}::uuid,
        ${r?.customerId ?? null}::uuid, ${r?.quantity ?? null}::int, ${r?.fulfilment ?? null}::text, coalesce(${r?.address ? JSON.stringify(r.address) : null}::jsonb, ${address}::jsonb),
        ${r?.pickupPoint ? JSON.stringify(r.pickupPoint) : null}::jsonb, ${r?.remark ?? null}::text, ${r?.acceptedAt ?? null}::timestamptz)`;
    };
    const values = Array.from({ length: size }, (_, i) => row(recs[i]));
    const missing = await queryComposed<{ id: string }>(db, 'flashsale.attempts', sql`
      WITH v (id, shop_id, flash_sale_id, session_id, item_id, customer_id, quantity, fulfilment, address, pickup_point, remark, accepted_at) AS (
        VALUES ${sql.join(values, sql`, `)}
      ), ins AS (
        INSERT INTO flash_sale_attempts (id, shop_id, flash_sale_id, session_id, item_id, customer_id, quantity, fulfilment, address, pickup_point, remark, accepted_at, status, failure_code)
        SELECT id, shop_id, flash_sale_id, session_id, item_id, customer_id, quantity, fulfilment, address, pickup_point, remark, accepted_at,
          CASE WHEN fulfilment = 'express' AND address IS NULL THEN 'failed' ELSE 'accepted' END,
          CASE WHEN fulfilment = 'express' AND address IS NULL THEN 'ADDRESS_NOT_FOUND' END
        FROM v WHERE id IS NOT NULL
        ON CONFLICT (id) DO NOTHING
      )
      SELECT id FROM v WHERE id IS NOT NULL AND fulfilment = 'express' AND address IS NULL`);
    return missing.map((m) => m.id);
  }

  /** Enqueues the order batch of this slot (at most one job per shop per slot, run when the slot closes). */
  async kickOrders(shopId: string, tx?: Db, slot = orderSlot()) {
    await this.p.jobs.send('flashsale.create-orders', { shopId }, { tx, runAt: new Date((slot + 1) * ORDER_SLOT_MS + 20), singletonKey: `${shopId}@${slot}` });
  }

  /** Waits for the writes in progress (graceful shutdown, tests). */
  async settleWrites() {
    while (this.buffer.length > 0 || this.flushing.size > 0) {
      this.flushNow();
      await Promise.all([...this.flushing]);
    }
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

function groupBySession<T extends { sessionId: string }>(recs: T[]) {
  const out = new Map<string, T[]>();
  for (const r of recs) {
    const list = out.get(r.sessionId);
    if (list) list.push(r);
    else out.set(r.sessionId, [r]);
  }
  return out;
}

const orderSlot = () => Math.floor(Date.now() / ORDER_SLOT_MS);
