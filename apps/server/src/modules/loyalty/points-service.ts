import { and, asc, desc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';
import { conflict } from '../../platform/errors.js';
import { pointsAccounts, pointsCheckins, pointsLedger, pointsLots, pointsOrderSpends, pointsRules, type LedgerKind, type PointsRules, type StreakBonus } from './schema.js';

const DEFAULT_RULES: Omit<PointsRules, 'shopId' | 'updatedAt'> = {
  enabled: true,
  earnPerYuan: 1,
  signupPoints: 0,
  checkinPoints: 5,
  checkinStreakBonus: [{ day: 7, bonus: 20 }],
  pointsPerYuan: 100,
  maxDeductPercent: 50,
  expiry: 'end_of_next_year',
  expiryDays: null,
  sharePoints: 0,
  shareDailyCap: 3,
  reviewPoints: 0,
  reviewMinChars: 0,
};
const EXPIRING_SOON_DAYS = 30;
/** Postings that count towards lifetime earned points. */
const EARNING_KINDS = new Set<LedgerKind>(['earn_order', 'signup', 'checkin', 'share', 'review']);

export type RulesInput = Omit<PointsRules, 'shopId' | 'updatedAt'>;

/**
 * Points (积分). Every change is a ledger posting made once per (kind, ref) under the account row's lock,
 * so a retried event or a raced request never counts twice and the balance never goes below 0. Points
 * are earned in lots that expire; spending takes the lots that expire first, and an order remembers which
 * lots it spent so a refund gives exactly those points back.
 */
export class PointsService {
  constructor(private p: Platform) {}

  async rules(shopId: string, db: Db = this.p.db): Promise<RulesInput> {
    const [r] = await db.select().from(pointsRules).where(eq(pointsRules.shopId, shopId));
    if (!r) return { ...DEFAULT_RULES };
    const { shopId: _s, updatedAt: _u, ...rest } = r;
    return rest;
  }

  async saveRules(actor: Actor, input: RulesInput) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.rules(actor.shopId, tx);
      const values = { ...input, checkinStreakBonus: [...input.checkinStreakBonus].sort((a, b) => a.day - b.day), updatedAt: new Date() };
      await tx.insert(pointsRules).values({ shopId: actor.shopId, ...values }).onConflictDoUpdate({ target: pointsRules.shopId, set: values });
      return { before, after: await this.rules(actor.shopId, tx) };
    });
  }

  async balance(shopId: string, customerId: string, db: Db = this.p.db): Promise<number> {
    const [a] = await db.select({ balance: pointsAccounts.balance }).from(pointsAccounts).where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, customerId)));
    return a?.balance ?? 0;
  }

  /** Balance, lifetime earned, what expires soon, and the newest postings. */
  async summary(shopId: string, customerId: string, opts: { limit?: number; beforeId?: number } = {}) {
    const [a] = await this.p.db.select().from(pointsAccounts).where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, customerId)));
    const soon = new Date(this.p.now().getTime() + EXPIRING_SOON_DAYS * 86_400_000);
    const [exp] = await rows<{ points: number | null; at: Date | null }>(this.p.db, sql`
      SELECT sum(remaining)::int AS points, min(expires_at) AS at FROM points_lots
      WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ${soon}`);
    const ledger = await this.p.db
      .select()
      .from(pointsLedger)
      .where(and(eq(pointsLedger.shopId, shopId), eq(pointsLedger.customerId, customerId), opts.beforeId ? lt(pointsLedger.id, opts.beforeId) : undefined))
      .orderBy(desc(pointsLedger.id))
      .limit(opts.limit ?? 50);
    return {
      balance: a?.balance ?? 0,
      earnedTotal: a?.earnedTotal ?? 0,
      expiringSoon: exp?.points ? { points: Number(exp.points), at: new Date(exp.at!).toISOString() } : null,
      ledger: ledger.map((l) => ({ id: l.id, delta: l.delta, balanceAfter: l.balanceAfter, kind: l.kind, ref: l.ref, note: l.note, createdAt: l.createdAt.toISOString() })),
    };
  }

  // ---- postings --------------------------------------------------------------------------------------

  /** Adds points in a new lot. Returns false when this (kind, ref) was already posted. */
  async earn(tx: Db, shopId: string, customerId: string, amount: number, kind: LedgerKind, ref: string, note?: string): Promise<boolean> {
    if (amount <= 0) return false;
    const account = await this.lock(tx, shopId, customerId);
    if (await this.posted(tx, shopId, customerId, kind, ref)) return false;
    const rules = await this.rules(shopId, tx);
    await tx.insert(pointsLots).values({ shopId, customerId, amount, remaining: amount, expiresAt: expiryOf(rules, this.p.now()) });
    await this.write(tx, shopId, customerId, account + amount, amount, kind, ref, note, amount);
    return true;
  }

  /**
   * `earn` for many customers of one shop in a handful of statements (a journey's batch): accounts locked in
   * customer order (as single earns take one, so they queue rather than deadlock), grants whose (kind, ref)
   * is posted skipped, then lots, balances, ledger rows and `points.changed` events written set-wise.
   * Answers the refs posted now.
   */
  async earnMany(tx: Db, shopId: string, grants: { customerId: string; amount: number; ref: string }[], kind: LedgerKind, note: string): Promise<Set<string>> {
    const wanted = grants.filter((g) => g.amount > 0);
    if (!wanted.length) return new Set();
    const customers = [...new Set(wanted.map((g) => g.customerId))].sort();
    await tx.execute(sql`INSERT INTO points_accounts (shop_id, customer_id) SELECT ${shopId}, c FROM unnest(${uuidArray(customers)}::uuid[]) AS c ON CONFLICT DO NOTHING`);
    const accounts = await rows<{ customer_id: string; balance: number }>(tx, sql`
      SELECT customer_id, balance FROM points_accounts WHERE shop_id = ${shopId} AND customer_id = ANY(${uuidArray(customers)}::uuid[]) ORDER BY customer_id FOR UPDATE`);
    const posted = new Set((await rows<{ customer_id: string; ref: string }>(tx, sql`
      SELECT customer_id, ref FROM points_ledger WHERE shop_id = ${shopId} AND kind = ${kind} AND ref = ANY(${pgArray(wanted.map((g) => g.ref))}::text[])`)).map((r) => `${r.customer_id}|${r.ref}`));
    const balance = new Map(accounts.map((a) => [a.customer_id, Number(a.balance)]));
    const fresh: { customerId: string; amount: number; ref: string; after: number }[] = [];
    for (const g of wanted) {
      if (posted.has(`${g.customerId}|${g.ref}`)) continue;
      posted.add(`${g.customerId}|${g.ref}`);
      const after = balance.get(g.customerId)! + g.amount;
      balance.set(g.customerId, after);
      fresh.push({ ...g, after });
    }
    if (!fresh.length) return new Set();
    const expiresAt = expiryOf(await this.rules(shopId, tx), this.p.now())?.toISOString() ?? null;
    const earned = EARNING_KINDS.has(kind);
    const c = uuidArray(fresh.map((f) => f.customerId));
    const a = pgArray(fresh.map((f) => f.amount));
    await tx.execute(sql`INSERT INTO points_lots (shop_id, customer_id, amount, remaining, expires_at) SELECT ${shopId}, c, a, a, ${expiresAt}::timestamptz FROM unnest(${c}::uuid[], ${a}::int[]) AS x(c, a)`);
    await tx.execute(sql`
      UPDATE points_accounts p SET balance = p.balance + x.a, earned_total = p.earned_total + CASE WHEN ${earned} THEN x.a ELSE 0 END, updated_at = now()
      FROM (SELECT c, sum(a)::int AS a FROM unnest(${c}::uuid[], ${a}::int[]) AS u(c, a) GROUP BY c) x
      WHERE p.shop_id = ${shopId} AND p.customer_id = x.c`);
    const after = pgArray(fresh.map((f) => f.after));
    const refs = pgArray(fresh.map((f) => f.ref));
    await tx.execute(sql`
      INSERT INTO points_ledger (shop_id, customer_id, delta, balance_after, kind, ref, note)
      SELECT ${shopId}, c, a, b, ${kind}, r, ${note} FROM unnest(${c}::uuid[], ${a}::int[], ${after}::int[], ${refs}::text[]) AS x(c, a, b, r)`);
    await tx.execute(sql`
      INSERT INTO outbox_events (shop_id, type, payload)
      SELECT ${shopId}, 'points.changed', jsonb_build_object('customerId', c, 'delta', a, 'balance', b, 'kind', ${kind}::text, 'ref', r)
      FROM unnest(${c}::uuid[], ${a}::int[], ${after}::int[], ${refs}::text[]) AS x(c, a, b, r)`);
    return new Set(fresh.map((f) => f.ref));
  }

  /** Spends points for an order, oldest-expiring lots first. Throws POINTS_INSUFFICIENT (409) when short. */
  async spendForOrder(tx: Db, shopId: string, customerId: string, amount: number, orderId: string, opts: { note?: string; field?: string } = {}): Promise<void> {
    const taken = await this.debit(tx, shopId, customerId, amount, 'spend_order', orderId, opts.note ?? '积分抵扣', opts.field ?? 'usePoints');
    for (const t of taken ?? []) await tx.insert(pointsOrderSpends).values({ orderId, lotId: t.lotId, shopId, customerId, amount: t.amount });
  }

  /** Spends points on something that is not an order (a points-mall redemption); once per `ref`. */
  async redeem(tx: Db, shopId: string, customerId: string, amount: number, ref: string, note: string): Promise<void> {
    await this.debit(tx, shopId, customerId, amount, 'redeem', ref, note, 'points');
  }

  /** Takes points out under the account lock; null when this (kind, ref) was already posted. */
  private async debit(tx: Db, shopId: string, customerId: string, amount: number, kind: LedgerKind, ref: string, note: string, field: string) {
    const account = await this.lock(tx, shopId, customerId);
    if (await this.posted(tx, shopId, customerId, kind, ref)) return null;
    if (account < amount) throw conflict('POINTS_INSUFFICIENT', `Only ${account} points left`, { field, balance: account });
    const taken = await this.take(tx, shopId, customerId, amount);
    await this.write(tx, shopId, customerId, account - amount, -amount, kind, ref, note);
    return taken;
  }

  /**
   * Gives back spent points of an order up to `target` in all (cumulative, so partial refunds in any
   * number of steps never return more than was spent), into the lots they came from.
   */
  async returnSpent(tx: Db, shopId: string, customerId: string, orderId: string, target: 'all' | number, ref: string): Promise<number> {
    const account = await this.lock(tx, shopId, customerId);
    if (await this.posted(tx, shopId, customerId, 'return_spend', ref)) return 0;
    const spends = await tx.select().from(pointsOrderSpends).where(and(eq(pointsOrderSpends.orderId, orderId), eq(pointsOrderSpends.shopId, shopId))).orderBy(desc(pointsOrderSpends.lotId));
    const spent = spends.reduce((s, x) => s + x.amount, 0);
    const returned = spends.reduce((s, x) => s + x.returned, 0);
    let give = Math.max(0, Math.min(spent, target === 'all' ? spent : target) - returned);
    if (give === 0) return 0;
    const total = give;
    // Latest-expiring lots first: the points that last longest go back first.
    for (const s of spends) {
      const k = Math.min(give, s.amount - s.returned);
      if (k <= 0) continue;
      await tx.update(pointsOrderSpends).set({ returned: s.returned + k }).where(and(eq(pointsOrderSpends.orderId, orderId), eq(pointsOrderSpends.lotId, s.lotId)));
      await tx.update(pointsLots).set({ remaining: sql`${pointsLots.remaining} + ${k}` }).where(eq(pointsLots.id, s.lotId));
      give -= k;
    }
    await this.write(tx, shopId, customerId, account + total, total, 'return_spend', ref, '订单取消或退款,退回抵扣积分');
    return total;
  }

  /**
   * Takes back points an order earned, up to `target` in all for the order. Points already spent cannot
   * be taken: the balance never goes below 0, the shortfall is noted on the posting.
   */
  async reverseEarned(tx: Db, shopId: string, customerId: string, orderId: string, target: number, ref: string): Promise<number> {
    const account = await this.lock(tx, shopId, customerId);
    if (await this.posted(tx, shopId, customerId, 'reverse_earn', ref)) return 0;
    const [done] = await rows<{ n: number | null }>(tx, sql`
      SELECT -sum(delta)::int AS n FROM points_ledger WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND kind = 'reverse_earn' AND ref LIKE ${`${orderId}:%`}`);
    const owed = Math.max(0, target - Number(done?.n ?? 0));
    const take = Math.min(owed, account);
    if (take === 0) return 0;
    await this.take(tx, shopId, customerId, take);
    await this.write(tx, shopId, customerId, account - take, -take, 'reverse_earn', ref, take < owed ? `退款扣回积分(余额不足,少扣 ${owed - take})` : '退款扣回积分');
    return take;
  }

  /** Expires lots whose time has come; each lot once. Returns the points expired. */
  async expireDue(limit = 500): Promise<number> {
    const due = await this.p.db
      .select({ id: pointsLots.id, shopId: pointsLots.shopId, customerId: pointsLots.customerId })
      .from(pointsLots)
      .where(and(gt(pointsLots.remaining, 0), lte(pointsLots.expiresAt, this.p.now())))
      .limit(limit);
    let total = 0;
    for (const lot of due) {
      total += await this.p.database.transaction(async (tx) => {
        const account = await this.lock(tx, lot.shopId, lot.customerId);
        const [fresh] = await tx.select().from(pointsLots).where(eq(pointsLots.id, lot.id));
        if (!fresh || fresh.remaining === 0) return 0;
        await tx.update(pointsLots).set({ remaining: 0 }).where(eq(pointsLots.id, lot.id));
        // Points returned into an already expired lot expire again later, under a ref of their own.
        const ref = `lot:${lot.id}@${this.p.now().toISOString()}`;
        await this.write(tx, lot.shopId, lot.customerId, account - fresh.remaining, -fresh.remaining, 'expire', ref, '积分过期');
        return fresh.remaining;
      });
    }
    return total;
  }

  /** Lots expiring within 30 days that nobody was told about yet: one `points.expiring` event per lot. */
  async announceExpiring() {
    const soon = new Date(this.p.now().getTime() + EXPIRING_SOON_DAYS * 86_400_000);
    return this.p.database.transaction(async (tx) => {
      const lots = await tx
        .update(pointsLots)
        .set({ expiringNotified: true })
        .where(and(gt(pointsLots.remaining, 0), lte(pointsLots.expiresAt, soon), eq(pointsLots.expiringNotified, false)))
        .returning();
      for (const l of lots) await this.p.events.emit(tx, { shopId: l.shopId, type: 'points.expiring', payload: { customerId: l.customerId, points: l.remaining, expiresAt: l.expiresAt?.toISOString() } });
      return lots.length;
    });
  }

  /** Staff adjust a balance by hand (a complaint, a prize); never below 0. */
  async adjust(actor: Actor, customerId: string, delta: number, reason: string, requestKey: string) {
    return this.p.database.transaction(async (tx) => {
      if (delta > 0) await this.earn(tx, actor.shopId, customerId, delta, 'adjust', requestKey, reason);
      else {
        const account = await this.lock(tx, actor.shopId, customerId);
        if (await this.posted(tx, actor.shopId, customerId, 'adjust', requestKey)) return this.balance(actor.shopId, customerId, tx);
        if (account < -delta) throw conflict('POINTS_INSUFFICIENT', `Only ${account} points left`, { field: 'delta', balance: account });
        await this.take(tx, actor.shopId, customerId, -delta);
        await this.write(tx, actor.shopId, customerId, account + delta, delta, 'adjust', requestKey, reason);
      }
      return this.balance(actor.shopId, customerId, tx);
    });
  }

  // ---- check-in (签到) ------------------------------------------------------------------------------

  /** Today's check-in, in Shanghai days: base points plus the bonus of the streak day reached. */
  async checkIn(shopId: string, customerId: string) {
    const today = shanghaiDay(this.p.now());
    const yesterday = shanghaiDay(new Date(this.p.now().getTime() - 86_400_000));
    return this.p.database.transaction(async (tx) => {
      await this.lock(tx, shopId, customerId);
      const [already] = await tx.select().from(pointsCheckins).where(and(eq(pointsCheckins.shopId, shopId), eq(pointsCheckins.customerId, customerId), eq(pointsCheckins.day, today)));
      if (already) throw conflict('ALREADY_CHECKED_IN', 'Already checked in today', { field: 'day' });
      const [prev] = await tx.select().from(pointsCheckins).where(and(eq(pointsCheckins.shopId, shopId), eq(pointsCheckins.customerId, customerId), eq(pointsCheckins.day, yesterday)));
      const streak = (prev?.streak ?? 0) + 1;
      const rules = await this.rules(shopId, tx);
      const points = rules.enabled ? rules.checkinPoints + streakBonus(rules.checkinStreakBonus, streak) : 0;
      await tx.insert(pointsCheckins).values({ shopId, customerId, day: today, streak, points });
      if (points > 0) await this.earn(tx, shopId, customerId, points, 'checkin', today, streak > 1 ? `连续签到第${streak}天` : '签到');
      return { day: today, streak, points };
    });
  }

  /** A month of check-ins (YYYY-MM), for the calendar. */
  async checkins(shopId: string, customerId: string, month: string) {
    const list = await this.p.db
      .select()
      .from(pointsCheckins)
      .where(and(eq(pointsCheckins.shopId, shopId), eq(pointsCheckins.customerId, customerId), sql`to_char(${pointsCheckins.day}, 'YYYY-MM') = ${month}`))
      .orderBy(asc(pointsCheckins.day));
    const today = shanghaiDay(this.p.now());
    const rules = await this.rules(shopId);
    const [last] = await this.p.db.select().from(pointsCheckins).where(and(eq(pointsCheckins.shopId, shopId), eq(pointsCheckins.customerId, customerId))).orderBy(desc(pointsCheckins.day)).limit(1);
    const yesterday = shanghaiDay(new Date(this.p.now().getTime() - 86_400_000));
    const streak = last && (last.day === today || last.day === yesterday) ? last.streak : 0;
    return {
      month,
      today,
      checkedInToday: last?.day === today,
      streak,
      days: list.map((c) => ({ day: c.day, streak: c.streak, points: c.points })),
      rules: { checkinPoints: rules.checkinPoints, streakBonus: rules.checkinStreakBonus },
    };
  }

  /**
   * Locks the customer's points account for the rest of `tx` and returns the balance: what serialises
   * one customer's daily share cap and points-mall limits across parallel requests and workers.
   */
  holdAccount(tx: Db, shopId: string, customerId: string): Promise<number> {
    return this.lock(tx, shopId, customerId);
  }

  // ---- internals -------------------------------------------------------------------------------------

  /** Locks (creating if needed) the customer's account row and returns its balance. */
  /**
   * One person, one points account: when two customers merge, the merged-away one's points (lots, ledger,
   * what orders spent, check-ins and shares) move to the survivor, so refunds of moved orders still find
   * the points they took. Same-keyed postings (both got sign-up points) keep their own identity.
   */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    for (const id of [fromId, intoId].sort()) await this.lock(tx, shopId, id);
    const [from] = await tx.select().from(pointsAccounts).where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, fromId)));
    await tx.execute(sql`
      UPDATE points_ledger l SET customer_id = ${intoId},
        ref = CASE WHEN EXISTS (SELECT 1 FROM points_ledger x WHERE x.shop_id = l.shop_id AND x.customer_id = ${intoId} AND x.kind = l.kind AND x.ref = l.ref)
                   THEN l.ref || ':merged:' || ${fromId} ELSE l.ref END
      WHERE l.shop_id = ${shopId} AND l.customer_id = ${fromId}`);
    await tx.execute(sql`UPDATE points_lots SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await tx.execute(sql`UPDATE points_order_spends SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await tx.execute(sql`UPDATE points_mall_redemptions SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    // A day both checked in (or shared the same thing) counts once for the survivor.
    for (const table of ['points_checkins', 'points_shares'] as const) {
      await tx.execute(sql`
        DELETE FROM ${sql.identifier(table)} f WHERE f.shop_id = ${shopId} AND f.customer_id = ${fromId}
          AND EXISTS (SELECT 1 FROM ${sql.identifier(table)} i WHERE i.shop_id = f.shop_id AND i.customer_id = ${intoId} AND i.day = f.day
            ${table === 'points_shares' ? sql`AND i.target = f.target AND i.target_id = f.target_id` : sql``})`);
      await tx.execute(sql`UPDATE ${sql.identifier(table)} SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    }
    await tx
      .update(pointsAccounts)
      .set({ balance: sql`${pointsAccounts.balance} + ${from.balance}`, earnedTotal: sql`${pointsAccounts.earnedTotal} + ${from.earnedTotal}`, updatedAt: new Date() })
      .where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, intoId)));
    await tx.update(pointsAccounts).set({ balance: 0, earnedTotal: 0, updatedAt: new Date() }).where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, fromId)));
  }

  private async lock(tx: Db, shopId: string, customerId: string): Promise<number> {
    await tx.insert(pointsAccounts).values({ shopId, customerId }).onConflictDoNothing();
    const [a] = await tx.select().from(pointsAccounts).where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, customerId))).for('update');
    return a.balance;
  }

  private async posted(tx: Db, shopId: string, customerId: string, kind: LedgerKind, ref: string) {
    const [row] = await tx.select({ id: pointsLedger.id }).from(pointsLedger).where(and(eq(pointsLedger.shopId, shopId), eq(pointsLedger.customerId, customerId), eq(pointsLedger.kind, kind), eq(pointsLedger.ref, ref)));
    return !!row;
  }

  /** Takes `amount` from the open lots, soonest-expiring first (never-expiring last). */
  private async take(tx: Db, shopId: string, customerId: string, amount: number) {
    const lots = await tx
      .select()
      .from(pointsLots)
      .where(and(eq(pointsLots.shopId, shopId), eq(pointsLots.customerId, customerId), gt(pointsLots.remaining, 0)))
      .orderBy(sql`${pointsLots.expiresAt} ASC NULLS LAST`, asc(pointsLots.id));
    const taken: { lotId: number; amount: number }[] = [];
    let left = amount;
    for (const lot of lots) {
      if (left === 0) break;
      const k = Math.min(left, lot.remaining);
      await tx.update(pointsLots).set({ remaining: lot.remaining - k }).where(eq(pointsLots.id, lot.id));
      taken.push({ lotId: lot.id, amount: k });
      left -= k;
    }
    // The account balance is the sum of open lots; a difference would be a bug worth stopping for.
    if (left > 0) throw new Error(`points lots of ${customerId} hold ${amount - left}, ${amount} needed`);
    return taken;
  }

  private async write(tx: Db, shopId: string, customerId: string, balance: number, delta: number, kind: LedgerKind, ref: string, note?: string, earned = 0) {
    await tx
      .update(pointsAccounts)
      .set({ balance, earnedTotal: sql`${pointsAccounts.earnedTotal} + ${EARNING_KINDS.has(kind) ? earned : 0}`, updatedAt: new Date() })
      .where(and(eq(pointsAccounts.shopId, shopId), eq(pointsAccounts.customerId, customerId)));
    await tx.insert(pointsLedger).values({ shopId, customerId, delta, balanceAfter: balance, kind, ref, note: note ?? null });
    await this.p.events.emit(tx, { shopId, type: 'points.changed', payload: { customerId, delta, balance, kind, ref } });
  }
}

/** When points earned now expire under the shop's rule. */
export function expiryOf(rules: Pick<RulesInput, 'expiry' | 'expiryDays'>, now: Date): Date | null {
  if (rules.expiry === 'never') return null;
  if (rules.expiry === 'days') return new Date(now.getTime() + (rules.expiryDays ?? 365) * 86_400_000);
  // End of the following year, Shanghai time: 2026 points last until 2027-12-31 23:59:59 +08:00.
  const year = new Date(now.getTime() + 8 * 3600_000).getUTCFullYear() + 1;
  return new Date(Date.UTC(year + 1, 0, 1) - 8 * 3600_000);
}

export function streakBonus(bonus: StreakBonus[], streak: number): number {
  return bonus.filter((b) => b.day === streak).reduce((s, b) => s + b.bonus, 0);
}

export function shanghaiDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
