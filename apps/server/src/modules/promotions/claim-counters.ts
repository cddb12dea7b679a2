import { sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { isUniqueViolation, rows, type Db } from '../../platform/db/index.js';
import { Prepared, uuidArray } from '../../platform/db/prepared.js';
import type { Validity } from './schema.js';

/**
 * Hot-store keys of a coupon template. The `{template}` hash tag keeps them in one Redis Cluster slot, so
 * the claim's one Lua step over all of them stays legal there.
 */
export const couponKeys = (templateId: string) => {
  const s = `cp:{${templateId}}`;
  return {
    /** Coupons left to claim: total − issued − claims taken but not yet written. Absent = not loaded. */
    left: `${s}:left`,
    /** Hash customer → coupons of the template they hold, written or on their way. */
    held: `${s}:held`,
    /** Hash `customer:Idempotency-Key` → the coupon id the first claim with that key took. */
    keys: `${s}:keys`,
    /** Hash coupon id → PendingClaim JSON: taken in the hot store, maybe not yet in PostgreSQL. */
    pending: `${s}:pending`,
    paused: `${s}:paused`,
    ended: `${s}:ended`,
    /** Present while the counters are recomputed: claims wait (they would be counted twice or not at all). */
    hold: `${s}:hold`,
    /** Lock: one load or recount of the template at a time. */
    sync: `${s}:sync`,
  };
};
/** Hash template id → shop id of the templates loaded in the hot store (what reconciliation walks). */
export const LOADED_INDEX = 'cp:loaded';

/**
 * A claim taken in the hot store, as its pending record keeps it: what its coupon row needs, but not its
 * number (seq), which the step decides; a writer that finds it orphaned numbers it the exact way.
 */
export interface PendingClaim {
  id: string;
  shopId: string;
  templateId: string;
  customerId: string;
  claimKey: string | null;
  validFrom: string;
  validTo: string;
  /** When it was taken (ms). */
  at: number;
}

/** A pending claim older than this whose writer has not cleared it was orphaned by a crash. */
export const ORPHAN_AFTER_MS = 3000;
/**
 * The sync lock spares duplicate work; correctness comes from the template's row lock, which every load and
 * recount holds while it writes. So a lock left by a dead process need not block loads for long.
 */
const SYNC_LOCK_MS = 10_000;
const HOLD_MS = 5000;
/** Recounts asked for by other ways of issuing are gathered for this long. */
const TOUCH_GATHER_MS = 10;

/**
 * Claims of one template in one statement: the coupons, the template's `issued_count` once, and the
 * `coupon.issued` events. The template row is locked first (the INSERT reads from the UPDATE), as every
 * other issuing path does, so they queue rather than deadlock. The UPDATE is the gate: status active, the
 * total not passed, no seq above the per-customer limit — failing it writes nothing. A claim whose id,
 * (customer, seq) or (customer, Idempotency-Key) is taken is left out and answered by its writer; the
 * unique index on (template, customer, seq) with seq ≤ limit is what makes the limit exact.
 */
const WRITE_CLAIMS = new Prepared<{ id: string }>(
  'coupons.write-claims',
  `
WITH input AS (
  SELECT * FROM json_to_recordset($3::json) AS x(id uuid, customer_id uuid, seq int, claim_key text, valid_from timestamptz, valid_to timestamptz, n int)
), ok AS (
  SELECT x.* FROM input x
  WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.id = x.id)
    AND NOT EXISTS (SELECT 1 FROM coupons c WHERE c.template_id = $2::uuid AND c.customer_id = x.customer_id AND c.seq = x.seq)
    AND (x.claim_key IS NULL OR NOT EXISTS (SELECT 1 FROM coupons c WHERE c.shop_id = $1::uuid AND c.customer_id = x.customer_id AND c.claim_key = x.claim_key))
), t AS (
  UPDATE coupon_templates SET issued_count = issued_count + (SELECT count(*) FROM ok)
  WHERE id = $2::uuid AND shop_id = $1::uuid AND status = 'active'
    AND issued_count + (SELECT count(*) FROM ok) <= total_quantity
    AND per_customer_limit >= (SELECT coalesce(max(seq), 0) FROM ok)
  RETURNING id
), ins AS (
  INSERT INTO coupons (id, shop_id, template_id, customer_id, seq, source, claim_key, valid_from, valid_to)
  SELECT ok.id, $1::uuid, t.id, ok.customer_id, ok.seq, 'claim', ok.claim_key, ok.valid_from, ok.valid_to FROM ok CROSS JOIN t ORDER BY ok.n
  RETURNING id, customer_id
), ev AS (
  INSERT INTO outbox_events (shop_id, type, payload)
  SELECT $1::uuid, 'coupon.issued', jsonb_build_object('couponId', ins.id, 'templateId', $2::uuid, 'customerId', ins.customer_id, 'source', 'claim') FROM ins
)
SELECT id FROM ins`,
);

/** Writes claims of one template; answers the ids written. */
export async function writeClaims(db: Db, shopId: string, templateId: string, recs: (PendingClaim & { seq: number })[]): Promise<Set<string>> {
  if (recs.length === 0) return new Set();
  const input = JSON.stringify(recs.map((r, n) => ({ id: r.id, customer_id: r.customerId, seq: r.seq, claim_key: r.claimKey, valid_from: r.validFrom, valid_to: r.validTo, n })));
  for (let attempt = 1; ; attempt++) {
    try {
      return new Set((await WRITE_CLAIMS.run(db, [shopId, templateId, input])).map((r) => r.id));
    } catch (err) {
      // A row committed while this statement waited for the template's lock is invisible to its checks
      // but not to the unique index; run again, the new snapshot leaves that claim out.
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps the hot counters of templates customers claim in agreement with PostgreSQL, which is the record:
 * left = total − issued − claims taken but not yet written; held = a customer's rows + their claims on the
 * way. Every recount runs under the template's row lock (no coupon of it commits meanwhile) and the hold
 * flag (no claim is taken meanwhile), and sets absolute values, so it is exact whatever happened before:
 *  - a serve process died between the hot-store step and its write: the claim is in the pending hash →
 *    written by `reconcile` after ORPHAN_AFTER_MS (or dropped if the gate refuses it), then recounted;
 *  - a write failed: its claims are dropped from the pending hash and the counters recounted at once;
 *  - batches, packs, gifts, the points mall, merges: `touched` after their commit → recount;
 *  - the hot store lost its data: `left` is gone → claims wait (503 COUPON_WARMING) while `warm` loads
 *    it all from PostgreSQL, `left` last.
 * Drift that slips past all that is harmless in one direction only by design: counters that allow too much
 * are stopped by the write's gate in PostgreSQL; counters that allow too little are put right by the next
 * `reconcile` round.
 */
export class CouponCounters {
  private dirty = new Map<string, Set<string>>();
  private running = new Map<string, Promise<void>>();
  private warming = new Map<string, Promise<void>>();
  /** Writes an orphaned claim the exact way; false when it cannot be written now (set by the claim path). */
  writeOrphan: (c: PendingClaim) => Promise<boolean> = async () => false;

  constructor(private p: Platform) {}

  /**
   * Takes the template's sync lock, waiting up to `waitMs`; null when another process kept it, or as soon
   * as `done()` says the work is no longer needed (a rush of first claims waits for one load, not in line).
   */
  private async syncLock(templateId: string, waitMs: number, done?: () => Promise<boolean>) {
    const key = couponKeys(templateId).sync;
    const until = Date.now() + waitMs;
    for (;;) {
      const token = await this.p.hot.lock(key, SYNC_LOCK_MS);
      if (token || Date.now() >= until) return token;
      await sleep(5);
      if (done && (await done())) return null;
    }
  }

  /**
   * Loads a template's counters, its customers' holdings and the claims' Idempotency-Keys from PostgreSQL
   * (claims pending in the hot store counted once). `left` goes in last: until then claims wait.
   */
  warm(shopId: string, templateId: string): Promise<void> {
    // The first claims of a rush arrive together: one load per process, the others wait for it.
    let run = this.warming.get(templateId);
    if (!run) {
      run = this.load(shopId, templateId).finally(() => this.warming.delete(templateId));
      this.warming.set(templateId, run);
    }
    return run;
  }

  private async load(shopId: string, templateId: string) {
    const k = couponKeys(templateId);
    const loaded = async () => (await this.p.hot.get(k.left)) !== null;
    if (await loaded()) return;
    const token = await this.syncLock(templateId, 3000, loaded);
    if (!token) return;
    try {
      if (await this.p.hot.get(k.left)) return;
      await this.p.database.transaction(async (tx) => {
        const [t] = await rows<{ total_quantity: number; issued_count: number; status: string }>(tx, sql`
          SELECT total_quantity, issued_count, status FROM coupon_templates WHERE id = ${templateId} AND shop_id = ${shopId} FOR UPDATE`);
        if (!t) return;
        const holders = await rows<{ customer_id: string; n: number }>(tx, sql`
          SELECT customer_id, count(*)::int AS n FROM coupons WHERE template_id = ${templateId} GROUP BY customer_id`);
        const keyed = await rows<{ customer_id: string; claim_key: string; id: string }>(tx, sql`
          SELECT customer_id, claim_key, id FROM coupons WHERE template_id = ${templateId} AND claim_key IS NOT NULL`);
        const { uncommitted, committed } = await this.pending(tx, templateId);
        const held = new Map(holders.map((h) => [h.customer_id, Number(h.n)]));
        for (const c of uncommitted) held.set(c.customerId, (held.get(c.customerId) ?? 0) + 1);
        await this.p.hot.del([k.held, k.keys]);
        await inChunks([...held], ([customerId, n]) => this.p.hot.hset(k.held, customerId, String(n)));
        await inChunks(keyed, (r) => this.p.hot.hset(k.keys, `${r.customer_id}:${r.claim_key}`, r.id));
        await inChunks(uncommitted.filter((c) => c.claimKey), (c) => this.p.hot.hset(k.keys, `${c.customerId}:${c.claimKey}`, c.id));
        if (committed.length) await this.p.hot.hdel(k.pending, committed);
        await this.setFlags(templateId, t.status);
        await this.p.hot.hset(LOADED_INDEX, templateId, shopId);
        await this.p.hot.set(k.left, String(t.total_quantity - t.issued_count - uncommitted.length));
      });
    } finally {
      await this.p.hot.unlock(k.sync, token);
    }
  }

  /** The pending claims of a template, split by whether their coupon is in PostgreSQL (seen through `db`). */
  private async pending(db: Db, templateId: string) {
    const all = Object.values(await this.p.hot.hgetall(couponKeys(templateId).pending)).map((v) => JSON.parse(v) as PendingClaim);
    if (all.length === 0) return { uncommitted: [], committed: [] };
    const found = new Set((await rows<{ id: string }>(db, sql`SELECT id FROM coupons WHERE id = ANY(${uuidArray(all.map((c) => c.id))}::uuid[])`)).map((r) => r.id));
    return { uncommitted: all.filter((c) => !found.has(c.id)), committed: [...found] };
  }

  /**
   * Recounts `left` and the holdings of `customers` (absolute values, see the class comment); `drop`
   * removes pending claims that will not be written by the hot path (their write failed) first.
   */
  async resync(templateId: string, opts: { customers?: string[]; drop?: string[] } = {}) {
    const k = couponKeys(templateId);
    const token = await this.syncLock(templateId, 2000);
    if (!token) throw new Error(`coupon template ${templateId}: counters busy, not recounted`);
    try {
      if (!(await this.p.hot.get(k.left))) {
        // Not loaded: the next claim loads everything from PostgreSQL; a dropped claim must not be loaded with it.
        if (opts.drop?.length) await this.p.hot.hdel(k.pending, opts.drop);
        return;
      }
      await this.p.database.transaction(async (tx) => {
        const [t] = await rows<{ total_quantity: number; issued_count: number }>(tx, sql`
          SELECT total_quantity, issued_count FROM coupon_templates WHERE id = ${templateId} FOR UPDATE`);
        if (!t) return;
        await this.p.hot.set(k.hold, '1', { ttlMs: HOLD_MS });
        try {
          if (opts.drop?.length) await this.p.hot.hdel(k.pending, opts.drop);
          const { uncommitted, committed } = await this.pending(tx, templateId);
          const customers = new Set(opts.customers ?? []);
          if (customers.size) {
            const counts = new Map((await rows<{ customer_id: string; n: number }>(tx, sql`
              SELECT customer_id, count(*)::int AS n FROM coupons
              WHERE template_id = ${templateId} AND customer_id = ANY(${uuidArray([...customers])}::uuid[]) GROUP BY customer_id`)).map((r) => [r.customer_id, Number(r.n)]));
            for (const c of uncommitted) if (customers.has(c.customerId)) counts.set(c.customerId, (counts.get(c.customerId) ?? 0) + 1);
            const zero = [...customers].filter((c) => !counts.get(c));
            if (zero.length) await this.p.hot.hdel(k.held, zero);
            await inChunks([...counts].filter(([, n]) => n > 0), ([c, n]) => this.p.hot.hset(k.held, c, String(n)));
          }
          if (committed.length) await this.p.hot.hdel(k.pending, committed);
          await this.p.hot.set(k.left, String(t.total_quantity - t.issued_count - uncommitted.length));
        } finally {
          await this.p.hot.del(k.hold);
        }
      });
    } finally {
      await this.p.hot.unlock(k.sync, token);
    }
  }

  /**
   * Coupons of the template were issued (or moved) by another path and have committed: its counters are
   * recounted shortly, requests of a few milliseconds gathered into one recount.
   */
  touched(templateId: string, customerIds: string[]) {
    let set = this.dirty.get(templateId);
    if (!set) this.dirty.set(templateId, (set = new Set()));
    for (const c of customerIds) set.add(c);
    if (this.running.has(templateId)) return;
    const run = (async () => {
      await sleep(TOUCH_GATHER_MS);
      while (this.dirty.has(templateId)) {
        const customers = [...this.dirty.get(templateId)!];
        this.dirty.delete(templateId);
        await this.resync(templateId, { customers }).catch((err) => this.p.log.warn({ err, templateId }, 'coupon counters: recount failed; reconciliation will retry'));
      }
    })().finally(() => this.running.delete(templateId));
    this.running.set(templateId, run);
  }

  /** Waits for the recounts asked for so far (tests, shutdown). */
  async settled() {
    while (this.running.size) await Promise.all([...this.running.values()]);
  }

  /** Paused / ended flags the claim step refuses on (set after the status commits, and at load). */
  async setFlags(templateId: string, status: string) {
    const k = couponKeys(templateId);
    if (status === 'paused') await this.p.hot.set(k.paused, '1');
    else await this.p.hot.del(k.paused);
    if (status === 'ended') await this.p.hot.set(k.ended, '1');
  }

  /**
   * One reconciliation round (every few seconds, one worker): for each loaded template, claims orphaned
   * by a crashed process are written (or dropped when the gate refuses them), the counters recounted,
   * and the keys of templates that can no longer be claimed removed.
   */
  async reconcile(opts: { orphanAfterMs?: number } = {}) {
    const loaded = await this.p.hot.hgetall(LOADED_INDEX);
    for (const [templateId, shopId] of Object.entries(loaded)) {
      try {
        await this.reconcileOne(shopId, templateId, opts.orphanAfterMs ?? ORPHAN_AFTER_MS);
      } catch (err) {
        this.p.log.warn({ err, templateId }, 'coupon counters: reconciliation round failed; the next one retries');
      }
    }
  }

  private async reconcileOne(shopId: string, templateId: string, orphanAfterMs: number) {
    const k = couponKeys(templateId);
    const [t] = await rows<{ status: string; validity: Validity }>(this.p.db, sql`SELECT status, validity FROM coupon_templates WHERE id = ${templateId}`);
    const pending = Object.values(await this.p.hot.hgetall(k.pending)).map((v) => JSON.parse(v) as PendingClaim);
    const cutoff = Date.now() - orphanAfterMs;
    const old = pending.filter((c) => c.at <= cutoff);
    // Written ones whose writer could not clear them are no orphans: the recount clears them.
    const inDb = old.length ? new Set((await rows<{ id: string }>(this.p.db, sql`SELECT id FROM coupons WHERE id = ANY(${uuidArray(old.map((c) => c.id))}::uuid[])`)).map((r) => r.id)) : new Set<string>();
    const orphans = old.filter((c) => !inDb.has(c.id));
    const drop: string[] = [];
    for (const c of orphans) {
      const written = await this.writeOrphan(c).catch((err) => {
        this.p.log.warn({ err, templateId }, 'coupon counters: writing an orphaned claim failed; the next round retries');
        return null;
      });
      if (written !== false) continue;
      drop.push(c.id);
      if (c.claimKey) await this.p.hot.hdel(k.keys, [`${c.customerId}:${c.claimKey}`]);
    }
    if (orphans.length) this.p.log.warn({ templateId, orphans: orphans.length, dropped: drop.length }, 'coupon counters: finished claims a crashed process had taken');
    const over = !t || t.status === 'ended' || (t.validity.type === 'fixed' && new Date(t.validity.to) <= this.p.now());
    // Claims younger than the orphan age may still be on their way: the keys go once none is.
    if (over && pending.length === old.length) {
      await this.p.hot.del([k.left, k.held, k.keys, k.pending, k.paused, k.ended]);
      await this.p.hot.hdel(LOADED_INDEX, [templateId]);
      return;
    }
    if (!(await this.p.hot.get(k.left))) {
      if (pending.length === 0) await this.p.hot.hdel(LOADED_INDEX, [templateId]);
      return;
    }
    await this.resync(templateId, { customers: orphans.map((c) => c.customerId), drop });
  }
}

/** Many single-field writes, pipelined 500 at a time. */
async function inChunks<T>(list: T[], fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < list.length; i += 500) await Promise.all(list.slice(i, i + 500).map(fn));
}
