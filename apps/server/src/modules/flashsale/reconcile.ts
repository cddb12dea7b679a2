import { sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows } from '../../platform/db/index.js';
import type { InventoryService } from '../inventory/service.js';
import type { FlashSaleOrders } from './batches.js';
import { ATTEMPT_RESULT_TTL_MS, attemptKey, FLASH_SOURCE, hotKeys, SESSION_KEY_GRACE_MS } from './keys.js';
import type { AttemptRecord, FlashSalePurchase } from './purchase.js';

/** Sessions starting within this are loaded into the hot store (pre-warm). */
export const WARM_AHEAD_MS = 2 * 60_000;
/** `flash_sale.reminder_due` is emitted this long before a session starts. */
export const REMIND_AHEAD_MS = 5 * 60_000;
/** A pending attempt older than this without a row in PostgreSQL was orphaned by a crash. */
const ORPHAN_AFTER_MS = 3000;

interface SessionRow {
  id: string;
  shop_id: string;
  flash_sale_id: string;
  starts_at: Date;
  ends_at: Date;
  settled_at: Date | null;
  sale_status: 'draft' | 'published' | 'ended';
}

/**
 * Keeps the hot store and PostgreSQL in agreement. PostgreSQL is the record: remaining = activity
 * stock − units of live orders − units accepted but not yet written. The hot store holds the counters
 * the purchase path decrements; after a crash:
 *  - a serve process died between the atomic step and its group commit: the attempt is in the session's
 *    pending hash but not in PostgreSQL → written here, then ordered by the batch job;
 *  - a worker died mid-batch: its transaction rolled back, the attempts are still `accepted` → the
 *    next job (kicked here) writes them; the unique (shop, source, source_ref) index forbids doubles;
 *  - the hot store lost its data (Redis flushed, or the embedded process restarted): the warm marker
 *    is gone → the counters are rebuilt from PostgreSQL before any attempt is taken again.
 */
export class FlashSaleReconciler {
  constructor(
    private p: Platform,
    private purchase: FlashSalePurchase,
    private orders: FlashSaleOrders,
    private inventory: InventoryService,
  ) {
    purchase.warm = (sessionId) => this.warm(sessionId);
  }

  private async session(id: string): Promise<SessionRow | undefined> {
    const [s] = await rows<SessionRow>(this.p.db, sql`
      SELECT s.id, s.shop_id, s.flash_sale_id, s.starts_at, s.ends_at, s.settled_at, f.status AS sale_status
      FROM flash_sale_sessions s JOIN flash_sales f ON f.id = s.flash_sale_id WHERE s.id = ${id}`);
    return s && { ...s, starts_at: new Date(s.starts_at), ends_at: new Date(s.ends_at), settled_at: s.settled_at && new Date(s.settled_at) };
  }

  /**
   * Loads a session's counters from PostgreSQL: per item, remaining = stock − accepted − ordered; per
   * customer, what they hold; released attempts marked as given back (so a late return job adds nothing).
   * The marker goes in last: until it is there, the purchase path refuses (503 FLASH_SALE_WARMING).
   */
  async warm(sessionId: string, opts: { force?: boolean } = {}) {
    const keys = hotKeys(sessionId);
    if (!opts.force && (await this.p.hot.get(keys.warm))) return;
    const token = await this.p.hot.lock(keys.warming, 30_000);
    if (!token) {
      // Someone else is loading it: give them a moment.
      for (let i = 0; i < 30 && !(await this.p.hot.get(keys.warm)); i++) await new Promise((r) => setTimeout(r, 100));
      return;
    }
    try {
      if (!opts.force && (await this.p.hot.get(keys.warm))) return;
      const s = await this.session(sessionId);
      if (!s || s.sale_status === 'draft') return;
      // Attempts the hot store still holds as pending go to PostgreSQL first, so they are counted once.
      await this.writePending(sessionId, 0);
      const keepFor = Math.max(60_000, s.ends_at.getTime() - Date.now() + SESSION_KEY_GRACE_MS);
      const items = await rows<{ id: string; stock: number; used: number }>(this.p.db, sql`
        SELECT i.id, i.stock, coalesce(sum(a.quantity) FILTER (WHERE a.status IN ('accepted', 'ordered')), 0)::int AS used
        FROM flash_sale_items i LEFT JOIN flash_sale_attempts a ON a.item_id = i.id
        WHERE i.session_id = ${sessionId} GROUP BY i.id, i.stock`);
      const holders = await rows<{ item_id: string; customer_id: string; units: number }>(this.p.db, sql`
        SELECT item_id, customer_id, sum(quantity)::int AS units FROM flash_sale_attempts
        WHERE session_id = ${sessionId} AND status IN ('accepted', 'ordered') GROUP BY item_id, customer_id`);
      // Attempts whose units went back (cancelled orders, failed attempts): a late give-back adds nothing.
      const released = await rows<{ id: string; quantity: number }>(this.p.db, sql`
        SELECT id, quantity FROM flash_sale_attempts WHERE session_id = ${sessionId} AND status IN ('released', 'failed')`);
      for (let i = 0; i < released.length; i += 500) await Promise.all(released.slice(i, i + 500).map((r) => this.p.hot.hset(keys.returned, r.id, String(r.quantity))));
      for (let i = 0; i < holders.length; i += 500) {
        await Promise.all(holders.slice(i, i + 500).map((h) => this.p.hot.set(keys.bought(h.item_id, h.customer_id), String(h.units), { ttlMs: keepFor })));
      }
      await Promise.all(items.map((it) => this.p.hot.set(keys.left(it.id), String(s.settled_at ? 0 : it.stock - it.used), { ttlMs: keepFor })));
      await this.p.hot.set(keys.warm, JSON.stringify({ at: new Date().toISOString() }), { ttlMs: keepFor });
      await this.p.db.execute(sql`UPDATE flash_sale_sessions SET warmed_at = now() WHERE id = ${sessionId}`);
    } finally {
      await this.p.hot.unlock(keys.warming, token);
    }
  }

  /**
   * Writes to PostgreSQL the session's pending attempts older than `minAgeMs` (0: all) and kicks the
   * order batch. A pending attempt already written is harmless (insert ignores it).
   */
  async writePending(sessionId: string, minAgeMs = ORPHAN_AFTER_MS): Promise<number> {
    const keys = hotKeys(sessionId);
    const all = await this.p.hot.hgetall(keys.pending);
    const cutoff = Date.now() - minAgeMs;
    const recs = Object.values(all).map((v) => JSON.parse(v) as AttemptRecord).filter((r) => minAgeMs === 0 || new Date(r.acceptedAt).getTime() <= cutoff);
    if (recs.length === 0) return 0;
    for (let i = 0; i < recs.length; i += 500) {
      const part = recs.slice(i, i + 500);
      const missing = await this.p.database.transaction(async (tx) => {
        const m = await this.purchase.insertAttempts(tx, part);
        for (const shopId of new Set(part.map((r) => r.shopId))) await this.purchase.kickOrders(shopId, tx);
        return m;
      });
      for (const r of part.filter((x) => missing.has(x.id))) {
        await this.purchase.giveBack(r);
        await this.p.hot.set(attemptKey(r.id), JSON.stringify({ c: r.customerId, s: 'failed', e: 'ADDRESS_NOT_FOUND', shop: r.shopId }), { ttlMs: ATTEMPT_RESULT_TTL_MS });
      }
      await this.purchase.clearPending(part);
    }
    this.p.log.warn({ sessionId, n: recs.length }, 'flash sale: wrote attempts a crashed process had accepted');
    return recs.length;
  }

  /** One reconciliation round for a running session. */
  async reconcile(sessionId: string) {
    const s = await this.session(sessionId);
    if (!s || s.sale_status === 'draft' || s.settled_at) return;
    if (!(await this.p.hot.get(hotKeys(sessionId).warm))) await this.warm(sessionId);
    await this.writePending(sessionId);
    // Accepted attempts whose batch has not come (its job was lost with a worker, or is slow): kick one.
    const [waiting] = await rows<{ n: number }>(this.p.db, sql`
      SELECT count(*)::int AS n FROM flash_sale_attempts
      WHERE shop_id = ${s.shop_id} AND status = 'accepted' AND session_id = ${sessionId} AND accepted_at < now() - interval '2 seconds'`);
    if (waiting.n > 0) await this.purchase.kickOrders(s.shop_id);
  }

  /**
   * After a session ends (or its sale was ended): no more attempts (closed flag), every accepted attempt
   * written as an order, then the unsold units go back to normal stock (held → available) and the
   * session is settled. Answers false when it is not over yet; throws to be retried while orders are
   * still being written elsewhere.
   */
  async settle(sessionId: string): Promise<boolean> {
    const s = await this.session(sessionId);
    if (!s || s.sale_status === 'draft') return false;
    if (s.settled_at) return true;
    if (s.sale_status === 'published' && this.p.now() < s.ends_at) return false;
    const keys = hotKeys(sessionId);
    await this.p.hot.set(keys.closed, '1', { ttlMs: SESSION_KEY_GRACE_MS });
    await this.p.db.execute(sql`UPDATE flash_sale_sessions SET closed_at = coalesce(closed_at, now()) WHERE id = ${sessionId}`);
    await this.writePending(sessionId, 0);
    await this.orders.drain(s.shop_id);
    await this.p.database.transaction(async (tx) => {
      const items = await rows<{ id: string; sku_id: string; stock: number; unheld: number }>(tx, sql`
        SELECT id, sku_id, stock, unheld FROM flash_sale_items WHERE session_id = ${sessionId} ORDER BY id FOR UPDATE`);
      const [still] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM flash_sale_attempts WHERE session_id = ${sessionId} AND status = 'accepted'`);
      if (still.n > 0) throw new Error(`flash sale session ${sessionId}: ${still.n} attempts still being written`);
      const ordered = new Map((await rows<{ item_id: string; units: number }>(tx, sql`
        SELECT item_id, sum(quantity)::int AS units FROM flash_sale_attempts WHERE session_id = ${sessionId} AND status = 'ordered' GROUP BY item_id`)).map((r) => [r.item_id, r.units]));
      for (const it of items) {
        const give = it.stock - it.unheld - (ordered.get(it.id) ?? 0);
        if (give <= 0) continue;
        await this.inventory.unhold(tx, s.shop_id, { type: FLASH_SOURCE, id: s.flash_sale_id }, [{ skuId: it.sku_id, quantity: give }], 'system');
        await tx.execute(sql`UPDATE flash_sale_items SET unheld = unheld + ${give} WHERE id = ${it.id}`);
      }
      await tx.execute(sql`UPDATE flash_sale_sessions SET settled_at = now() WHERE id = ${sessionId}`);
      // The last session settled ends the sale.
      await tx.execute(sql`
        UPDATE flash_sales SET status = 'ended', ended_at = coalesce(ended_at, now()), updated_at = now()
        WHERE id = ${s.flash_sale_id} AND status = 'published'
          AND NOT EXISTS (SELECT 1 FROM flash_sale_sessions WHERE flash_sale_id = ${s.flash_sale_id} AND settled_at IS NULL)`);
    });
    await this.p.hot.del(keys.pending);
    return true;
  }

  /** Settles every session of a sale that can be settled now (the console's "end" calls it). */
  async settleSale(flashSaleId: string) {
    const list = await rows<{ id: string }>(this.p.db, sql`SELECT id FROM flash_sale_sessions WHERE flash_sale_id = ${flashSaleId} AND settled_at IS NULL`);
    for (const s of list) await this.settle(s.id);
  }

  /**
   * The scheduled round (every few seconds, one worker at a time): warm sessions about to start, reconcile
   * running ones, settle ended ones, and emit reminders.
   */
  async tick() {
    const ahead = new Date(this.p.now().getTime() + WARM_AHEAD_MS);
    const sessions = await rows<{ id: string; ends_at: Date; sale_status: string }>(this.p.db, sql`
      SELECT s.id, s.ends_at, f.status AS sale_status FROM flash_sale_sessions s JOIN flash_sales f ON f.id = s.flash_sale_id
      WHERE f.status <> 'draft' AND s.settled_at IS NULL AND s.starts_at <= ${ahead.toISOString()}::timestamptz
      ORDER BY s.starts_at LIMIT 200`);
    for (const s of sessions) {
      try {
        if (s.sale_status === 'ended' || this.p.now() >= new Date(s.ends_at)) await this.settle(s.id);
        else await this.reconcile(s.id);
      } catch (err) {
        this.p.log.warn({ err, sessionId: s.id }, 'flash sale: reconciliation round failed; next round retries');
      }
    }
    await this.remind();
  }

  /**
   * Emits `flash_sale.reminder_due` for sessions starting within REMIND_AHEAD_MS, once per subscriber:
   * one event per 500 customers (the messaging module sends them).
   */
  async remind() {
    const now = this.p.now();
    const due = await rows<{ id: string; shop_id: string; flash_sale_id: string; starts_at: Date; name: string }>(this.p.db, sql`
      SELECT s.id, s.shop_id, s.flash_sale_id, s.starts_at, f.name FROM flash_sale_sessions s JOIN flash_sales f ON f.id = s.flash_sale_id
      WHERE f.status = 'published' AND s.starts_at > ${now.toISOString()}::timestamptz
        AND s.starts_at <= ${new Date(now.getTime() + REMIND_AHEAD_MS).toISOString()}::timestamptz
        AND EXISTS (SELECT 1 FROM flash_sale_reminders r WHERE r.session_id = s.id AND r.notified_at IS NULL)`);
    for (const s of due) {
      await this.p.database.transaction(async (tx) => {
        const customers = await rows<{ customer_id: string }>(tx, sql`
          UPDATE flash_sale_reminders SET notified_at = now() WHERE session_id = ${s.id} AND notified_at IS NULL RETURNING customer_id`);
        for (let i = 0; i < customers.length; i += 500) {
          await this.p.events.emit(tx, {
            shopId: s.shop_id,
            type: 'flash_sale.reminder_due',
            payload: { flashSaleId: s.flash_sale_id, sessionId: s.id, name: s.name, startsAt: new Date(s.starts_at).toISOString(), customerIds: customers.slice(i, i + 500).map((c) => c.customer_id) },
          });
        }
        await tx.execute(sql`UPDATE flash_sale_sessions SET reminded_at = coalesce(reminded_at, now()) WHERE id = ${s.id}`);
      });
    }
  }
}
