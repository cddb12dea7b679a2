import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { isUniqueViolation } from '../../platform/db/index.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import type { UnitClaimResult } from '../../platform/hotstore/index.js';
import { TtlCache } from '../../platform/ttl-cache.js';
import { couponKeys, writeClaims, type CouponCounters, type PendingClaim } from './claim-counters.js';
import { inAudience, validWindow, type CouponService } from './coupon-service.js';
import { coupons, type CouponRow, type CouponTemplateRow } from './schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Once a process has seen a template sold out it says so without asking the hot store for this long (claims
 * without an Idempotency-Key only: a retry with one must get its first answer). Coupons come back only when
 * a claim's write fails or staff raise the total, so the memory is short and dropped with the shop cache.
 */
const SOLD_OUT_MEMORY_MS = 500;
/** Claims of one template written by one statement at most. */
const MAX_BATCH = 500;
/** How long a claim waits for a recount (the hold flag) before answering 503. */
const HOLD_WAIT_MS = 2000;
/** How long a retry with the key of a claim still being written waits for it. */
const REPLAY_WAIT_MS = 3000;

type View = ReturnType<CouponService['myView']>;
interface CachedTemplate {
  row: CouponTemplateRow;
  soldOutUntil: number;
}
interface Claim extends PendingClaim {
  /** The claimant's holding after this claim: the coupon's number, 1..perCustomerLimit. */
  seq: number;
}
interface Waiter {
  rec: Claim;
  t: CouponTemplateRow;
  resolve(v: View): void;
  reject(err: unknown): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 领券 at the speed of the hot store. Per claim: the template's rules from the shop cache (status, window,
 * audience — refusals cost no database work), then ONE hot-store step (`claimUnit`: the Idempotency-Key's
 * first answer, paused / ended / recount flags, a coupon left, the customer's limit, the claim recorded as
 * pending), then the group write: the claims of the last moment of one template in one statement
 * (`writeClaims`), and each claim answers 201 only once its row is committed. A claim the statement leaves
 * out (its seq or key was taken, the gate in PostgreSQL refused) has its hot step undone by an exact recount
 * and is decided alone by `CouponService.issue`, the way staff issues are. See CouponCounters for crashes.
 */
export class CouponClaims {
  private queues = new Map<string, { shopId: string; items: Waiter[]; busy: boolean }>();
  /** Claims with a key on their way to PostgreSQL: a retry racing its first attempt gets the same answer. */
  private inFlight = new Map<string, Promise<View>>();
  private work = new Set<Promise<unknown>>();
  private paid = new TtlCache<true>(600_000, 50_000);
  private notPaid = new TtlCache<true>(1000, 50_000);
  private audiences = new TtlCache<{ levelId: string | null; tagIds: string[] }>(5000, 50_000);

  constructor(
    private p: Platform,
    private coupons: CouponService,
    private counters: CouponCounters,
    private hasPaidOrder: (shopId: string, customerId: string) => Promise<boolean>,
  ) {
    counters.writeOrphan = (c) => this.writeOrphan(c);
  }

  async claim(shopId: string, customerId: string, templateId: string, claimKey?: string): Promise<View> {
    if (!UUID.test(templateId)) throw notFound('Coupon', { field: 'id' });
    const cached = await this.template(shopId, templateId);
    const t = cached.row;
    if (!claimKey && cached.soldOutUntil > Date.now()) throw soldOut();
    const now = this.p.now();
    const refusal = await this.ruleRefusal(shopId, customerId, t, now);
    if (refusal) {
      const first = claimKey ? await this.byClaimKey(shopId, customerId, claimKey) : null;
      if (first) return first;
      throw refusal;
    }
    const rec = newClaim(t, customerId, claimKey, now);
    const taken = await this.take(rec, t.perCustomerLimit);
    if (!taken.ok) {
      if (taken.reason === 'again') return this.replay(shopId, customerId, taken.value, claimKey!);
      throw this.refusal(taken, cached);
    }
    rec.seq = taken.held;
    const answer = this.write(rec, t);
    if (claimKey) {
      this.inFlight.set(rec.id, answer);
      answer.then(() => this.inFlight.delete(rec.id), () => this.inFlight.delete(rec.id));
    }
    return answer;
  }

  /**
   * The hot-store half of a claim, alone: what a process killed before its write leaves behind (tests
   * use it to be that process). Answers the claim as recorded pending, or null when it was refused.
   */
  async takeOnly(shopId: string, customerId: string, templateId: string, claimKey?: string): Promise<PendingClaim | null> {
    const { row: t } = await this.template(shopId, templateId);
    const rec = newClaim(t, customerId, claimKey, this.p.now());
    const taken = await this.take(rec, t.perCustomerLimit);
    return taken.ok ? rec : null;
  }

  /** The one atomic step; waits out a recount (hold) and loads the counters when the hot store has none. */
  private async take(rec: Claim, limit: number): Promise<UnitClaimResult> {
    const k = couponKeys(rec.templateId);
    const pending: PendingClaim = { id: rec.id, shopId: rec.shopId, templateId: rec.templateId, customerId: rec.customerId, claimKey: rec.claimKey, validFrom: rec.validFrom, validTo: rec.validTo, at: rec.at };
    const step = () =>
      this.p.hot.claimUnit({
        once: rec.claimKey ? { key: k.keys, field: `${rec.customerId}:${rec.claimKey}`, value: rec.id } : undefined,
        unless: [k.paused, k.ended, k.hold],
        left: { key: k.left, by: 1 },
        held: { key: k.held, field: rec.customerId, max: limit },
        record: { key: k.pending, field: rec.id, value: JSON.stringify(pending) },
      });
    let r = await step();
    const holdUntil = Date.now() + HOLD_WAIT_MS;
    let warmed = false;
    while (!r.ok) {
      if (r.reason === 'blocked' && r.index === 2 && Date.now() < holdUntil) await sleep(2);
      else if (r.reason === 'missing' && !warmed) {
        await this.counters.warm(rec.shopId, rec.templateId);
        warmed = true;
      } else break;
      r = await step();
    }
    return r;
  }

  private refusal(r: Exclude<UnitClaimResult, { ok: true } | { reason: 'again' }>, cached: CachedTemplate): AppError {
    if (r.reason === 'blocked' && r.index === 0) return conflict('COUPON_PAUSED', 'This coupon is paused', { field: 'templateId' });
    if (r.reason === 'blocked' && r.index === 1) return conflict('COUPON_ENDED', 'This coupon has ended', { field: 'templateId' });
    if (r.reason === 'below_min') {
      cached.soldOutUntil = Date.now() + SOLD_OUT_MEMORY_MS;
      return soldOut();
    }
    if (r.reason === 'above_max') return limitReached(cached.row.perCustomerLimit);
    return new AppError(503, 'COUPON_WARMING', 'Claims of this coupon are getting ready, try again in a moment', { field: 'templateId', retryAfterSeconds: 1 });
  }

  /** Template rules that are not counters, from what this process knows (the shop cache, short-lived caches). */
  private async ruleRefusal(shopId: string, customerId: string, t: CouponTemplateRow, now: Date): Promise<AppError | null> {
    if (t.status === 'paused') return conflict('COUPON_PAUSED', 'This coupon is paused', { field: 'templateId' });
    if (t.status === 'ended') return conflict('COUPON_ENDED', 'This coupon has ended', { field: 'templateId' });
    if (t.validity.type === 'fixed' && new Date(t.validity.to) <= now) return conflict('COUPON_ENDED', 'This coupon has expired', { field: 'templateId' });
    if (t.audience === 'levels' || t.audience === 'tags') {
      // A remembered "yes" is trusted for a moment (checkout checks the audience again); a "no" is read
      // afresh, so a customer who has just reached the level can claim at once.
      const key = `${shopId}:${customerId}`;
      let who = this.audiences.get(key);
      if (!who || !inAudience(t, who)) this.audiences.set(key, (who = await this.coupons.audienceOf(this.p.db, shopId, customerId)));
      if (!inAudience(t, who)) return conflict('COUPON_AUDIENCE_MISMATCH', t.audience === 'levels' ? 'Only for members of certain levels' : 'Only for customers with certain tags', { field: 'templateId' });
    }
    if (t.audience === 'new_customers' && (await this.paidBefore(shopId, customerId))) {
      return conflict('COUPON_NEW_CUSTOMERS_ONLY', 'Only for customers who have not bought yet', { field: 'templateId' });
    }
    return null;
  }

  /**
   * A customer who has paid stays one: remembered long. "Not yet" only for a second, no staler than a
   * payment committing just after the read would make it anyway.
   */
  private async paidBefore(shopId: string, customerId: string) {
    const key = `${shopId}:${customerId}`;
    if (this.paid.get(key)) return true;
    if (this.notPaid.get(key)) return false;
    const paid = await this.hasPaidOrder(shopId, customerId);
    (paid ? this.paid : this.notPaid).set(key, true);
    return paid;
  }

  private template(shopId: string, templateId: string): Promise<CachedTemplate> {
    return this.p.shopCache.get(shopId, `coupon-template:${templateId}`, async () => ({ row: await this.coupons.template(this.p.db, shopId, templateId), soldOutUntil: 0 }));
  }

  /** A retry with the key of an earlier claim: that claim's coupon, once written. */
  private async replay(shopId: string, customerId: string, couponId: string, claimKey: string): Promise<View> {
    const local = this.inFlight.get(couponId);
    if (local) return local;
    const until = Date.now() + REPLAY_WAIT_MS;
    for (;;) {
      const first = await this.byClaimKey(shopId, customerId, claimKey);
      if (first) return first;
      if (Date.now() >= until) throw conflict('IDEMPOTENCY_IN_PROGRESS', 'The first claim with this key is still being written', { retryAfterSeconds: 1 });
      await sleep(100);
    }
  }

  private async byClaimKey(shopId: string, customerId: string, claimKey: string): Promise<View | null> {
    const [row] = await this.p.db.select().from(coupons).where(and(eq(coupons.shopId, shopId), eq(coupons.customerId, customerId), eq(coupons.claimKey, claimKey)));
    return row ? this.coupons.myView(row, (await this.template(shopId, row.templateId)).row) : null;
  }

  // ---- the group write ------------------------------------------------------------------------------

  private write(rec: Claim, t: CouponTemplateRow): Promise<View> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(rec.templateId);
      if (!q) this.queues.set(rec.templateId, (q = { shopId: rec.shopId, items: [], busy: false }));
      q.items.push({ rec, t, resolve, reject });
      // One statement in flight per template: claims arriving meanwhile go together in the next.
      if (!q.busy) {
        q.busy = true;
        setImmediate(() => this.flush(rec.templateId));
      }
    });
  }

  private flush(templateId: string) {
    const q = this.queues.get(templateId)!;
    const batch = q.items.splice(0, MAX_BATCH);
    if (batch.length === 0) {
      q.busy = false;
      return;
    }
    const run = this.writeBatch(q.shopId, templateId, batch).finally(() => {
      this.work.delete(run);
      this.flush(templateId);
    });
    this.work.add(run);
  }

  private async writeBatch(shopId: string, templateId: string, batch: Waiter[]) {
    let written: Set<string> | null = null;
    try {
      written = await writeClaims(this.p.db, shopId, templateId, batch.map((b) => b.rec));
    } catch (err) {
      this.p.log.warn({ err, templateId, n: batch.length }, 'coupon claims: group write failed; deciding them one by one');
    }
    const done = written ? batch.filter((b) => written.has(b.rec.id)) : [];
    for (const b of done) b.resolve(this.view(b.rec, b.t));
    if (done.length) {
      this.p.metrics.domain.inc({ type: 'coupon.claimed' }, done.length);
      // Written: no longer pending (a recount would also find them in PostgreSQL if this is lost).
      this.track(this.p.hot.hdel(couponKeys(templateId).pending, done.map((b) => b.rec.id)).catch(() => undefined));
    }
    const rest = written ? batch.filter((b) => !written.has(b.rec.id)) : batch;
    if (rest.length) this.track(this.oneByOne(templateId, rest));
  }

  private track(work: Promise<unknown>) {
    this.work.add(work);
    work.finally(() => this.work.delete(work)).catch(() => undefined);
  }

  /**
   * Claims the group statement left out: those another writer finished are answered from their rows; the
   * others have their hot step undone (an exact recount that drops them from the pending hash), then are
   * decided alone, exactly, by `issue` under the template's row lock.
   */
  private async oneByOne(templateId: string, list: Waiter[]) {
    const k = couponKeys(templateId);
    const found = await this.p.db.select().from(coupons).where(inArray(coupons.id, list.map((b) => b.rec.id))).catch(() => [] as CouponRow[]);
    const byId = new Map(found.map((c) => [c.id, c]));
    for (const b of list) if (byId.has(b.rec.id)) b.resolve(this.coupons.myView(byId.get(b.rec.id)!, b.t));
    const unwritten = list.filter((b) => !byId.has(b.rec.id));
    if (unwritten.length === 0) return;
    // If this fails the claims stay pending, and reconciliation decides them again from PostgreSQL (a retry
    // with the same key then waits for that answer).
    const dropped = await this.counters.resync(templateId, { customers: unwritten.map((b) => b.rec.customerId), drop: unwritten.map((b) => b.rec.id) }).then(
      () => true,
      (err) => {
        this.p.log.warn({ err, templateId }, 'coupon claims: undoing the hot step failed; reconciliation will');
        return false;
      },
    );
    for (const b of unwritten) {
      try {
        b.resolve(await this.exact(b.rec, b.t));
      } catch (err) {
        // Refused or failed for good: a retry with the same key is a new claim.
        if (b.rec.claimKey && dropped) await this.p.hot.hdel(k.keys, [`${b.rec.customerId}:${b.rec.claimKey}`]).catch(() => undefined);
        b.reject(err);
      }
    }
  }

  /** One claim decided the way staff issues are: row lock, count, smallest free seq. */
  private async exact(rec: PendingClaim, t: CouponTemplateRow): Promise<View> {
    if (rec.claimKey) {
      const first = await this.byClaimKey(rec.shopId, rec.customerId, rec.claimKey);
      if (first) return first;
    }
    try {
      const coupon = await this.p.database.transaction((tx) => this.coupons.issue(tx, rec.shopId, rec.templateId, rec.customerId, { source: 'claim', claimKey: rec.claimKey ?? undefined, id: rec.id }));
      this.p.metrics.domain.inc({ type: 'coupon.claimed' });
      return this.coupons.myView(coupon, t);
    } catch (err) {
      if (isUniqueViolation(err)) {
        const [same] = await this.p.db.select().from(coupons).where(eq(coupons.id, rec.id));
        if (same) return this.coupons.myView(same, t);
        const first = rec.claimKey ? await this.byClaimKey(rec.shopId, rec.customerId, rec.claimKey) : null;
        if (first) return first;
      }
      throw err;
    }
  }

  /**
   * A claim a crashed process took but never wrote, written now the exact way (reconciliation). Answers
   * false when the rules refuse it now (it is then dropped, and its units counted back).
   */
  private async writeOrphan(c: PendingClaim): Promise<boolean> {
    try {
      await this.exact(c, (await this.template(c.shopId, c.templateId)).row);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
    // Its key may have answered with another coupon: only its own row counts as written.
    const [row] = await this.p.db.select({ id: coupons.id }).from(coupons).where(eq(coupons.id, c.id));
    return !!row;
  }

  private view(rec: Claim, t: CouponTemplateRow): View {
    const at = new Date(rec.at);
    const row: CouponRow = {
      id: rec.id, shopId: rec.shopId, templateId: rec.templateId, customerId: rec.customerId, seq: rec.seq, status: 'unused', source: 'claim', sourceRef: null,
      validFrom: new Date(rec.validFrom), validTo: new Date(rec.validTo), orderId: null, usedAt: null, claimKey: rec.claimKey, createdAt: at, updatedAt: at,
    };
    return this.coupons.myView(row, t);
  }

  /** Waits for the writes in progress (graceful shutdown, tests). */
  async settled() {
    while (this.work.size) await Promise.all([...this.work]);
    await this.counters.settled();
  }
}

/** A claim about to be taken: its coupon's id and validity are decided now, its number by the step. */
function newClaim(t: CouponTemplateRow, customerId: string, claimKey: string | undefined, now: Date): Claim {
  const validity = validWindow(t.validity, now);
  return { id: randomUUID(), shopId: t.shopId, templateId: t.id, customerId, seq: 0, claimKey: claimKey ?? null, validFrom: validity.from.toISOString(), validTo: validity.to.toISOString(), at: Date.now() };
}

function soldOut() {
  return conflict('COUPON_SOLD_OUT', 'All of these coupons have been claimed', { field: 'templateId' });
}

function limitReached(limit: number) {
  return conflict('COUPON_LIMIT_REACHED', `At most ${limit} per customer`, { field: 'templateId', limit });
}
