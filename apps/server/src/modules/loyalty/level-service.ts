import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { unprocessable } from '../../platform/errors.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { GiftService } from '../promotions/gift-service.js';
import { customerLevelHistory, customerLevels, memberLevelSettings, memberLevels, type LevelMetric, type LevelPeriod, type MemberLevel } from './schema.js';

export interface LevelInput {
  rank: number;
  name: string;
  threshold: number;
  percentPaid: number | null;
  freeShipping: boolean;
  monthlyPackId: string | null;
  /** 生日礼: a coupon template given on the member's birthday, once a year. */
  birthdayCouponTemplateId?: string | null;
}

export interface LevelsInput {
  metric: LevelMetric;
  period: LevelPeriod;
  levels: LevelInput[];
}

/**
 * 会员等级: the shop picks what counts (spend or orders) over which period (all time, the last 3 months,
 * this month); a customer's level is the highest whose threshold the figure reaches. Re-evaluated when
 * money moves (paid, refunded) and nightly, since windows slide; every change is kept in the history.
 */
export class LevelService {
  constructor(
    private p: Platform,
    private gifts: GiftService,
    private coupons: CouponService,
  ) {}

  async settings(shopId: string, db: Db = this.p.db) {
    const [s] = await db.select().from(memberLevelSettings).where(eq(memberLevelSettings.shopId, shopId));
    const levels = await db.select().from(memberLevels).where(and(eq(memberLevels.shopId, shopId), isNull(memberLevels.deletedAt))).orderBy(asc(memberLevels.rank));
    return { metric: s?.metric ?? ('spend' as LevelMetric), period: s?.period ?? ('all' as LevelPeriod), levels: levels.map(levelView) };
  }

  /** Replaces the rule and the levels (matched by rank, so customers keep their level's identity). */
  async save(actor: Actor, input: LevelsInput) {
    const sorted = [...input.levels].sort((a, b) => a.rank - b.rank);
    sorted.forEach((l, i) => {
      if (i > 0 && l.threshold <= sorted[i - 1].threshold) throw unprocessable('LEVEL_THRESHOLDS_NOT_RISING', 'Each level needs a higher threshold than the one below', { field: `levels.${input.levels.indexOf(l)}.threshold` });
    });
    const result = await this.p.database.transaction(async (tx) => {
      const packs = await this.gifts.existingPackIds(tx, actor.shopId, input.levels.map((l) => l.monthlyPackId).filter((x): x is string => !!x));
      const bad = input.levels.findIndex((l) => l.monthlyPackId && !packs.has(l.monthlyPackId));
      if (bad >= 0) throw unprocessable('PACK_NOT_FOUND', 'No such coupon pack in this shop', { field: `levels.${bad}.monthlyPackId` });
      const birthdayCoupons = await this.coupons.existingTemplateIds(tx, actor.shopId, input.levels.map((l) => l.birthdayCouponTemplateId).filter((x): x is string => !!x));
      const badCoupon = input.levels.findIndex((l) => l.birthdayCouponTemplateId && !birthdayCoupons.has(l.birthdayCouponTemplateId));
      if (badCoupon >= 0) throw unprocessable('COUPON_NOT_FOUND', 'No such coupon in this shop', { field: `levels.${badCoupon}.birthdayCouponTemplateId` });
      const before = await this.settings(actor.shopId, tx);
      const values = { metric: input.metric, period: input.period, updatedAt: new Date() };
      await tx.insert(memberLevelSettings).values({ shopId: actor.shopId, ...values }).onConflictDoUpdate({ target: memberLevelSettings.shopId, set: values });
      const existing = await tx.select().from(memberLevels).where(and(eq(memberLevels.shopId, actor.shopId), isNull(memberLevels.deletedAt)));
      const byRank = new Map(existing.map((l) => [l.rank, l]));
      for (const l of existing) if (!sorted.some((x) => x.rank === l.rank)) await tx.update(memberLevels).set({ deletedAt: new Date() }).where(eq(memberLevels.id, l.id));
      for (const l of sorted) {
        const row = { name: l.name, threshold: l.threshold, percentPaid: l.percentPaid, freeShipping: l.freeShipping, monthlyPackId: l.monthlyPackId, birthdayCouponTemplateId: l.birthdayCouponTemplateId ?? null, updatedAt: new Date() };
        const cur = byRank.get(l.rank);
        if (cur) await tx.update(memberLevels).set(row).where(eq(memberLevels.id, cur.id));
        else await tx.insert(memberLevels).values({ shopId: actor.shopId, rank: l.rank, ...row });
      }
      return { before, after: await this.settings(actor.shopId, tx) };
    });
    // New thresholds apply to everyone with a level or a paid order, now rather than tonight.
    await this.p.jobs.send('loyalty.levels-evaluate-shop', { shopId: actor.shopId }, { singletonKey: `levels:${actor.shopId}:${Date.now()}` });
    return result;
  }

  /** The customer's figure under the shop's rule, in fen or orders. */
  async metric(db: Db, shopId: string, customerId: string, rule: { metric: LevelMetric; period: LevelPeriod }): Promise<number> {
    const now = this.p.now();
    const since = rule.period === 'all' ? null : rule.period === 'this_month' ? monthStartShanghai(now) : new Date(now.getTime() - 90 * 86_400_000);
    const [r] = await rows<{ spend: string | null; orders: number }>(db, sql`
      SELECT COALESCE(sum(paid_fen - refunded_fen), 0)::bigint AS spend,
             count(*) FILTER (WHERE refunded_fen < paid_fen)::int AS orders
      FROM orders
      WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND paid_at IS NOT NULL ${since ? sql`AND paid_at >= ${since}` : sql``}`);
    return rule.metric === 'spend' ? Number(r.spend ?? 0) : Number(r.orders);
  }

  /** Re-evaluates one customer; records a change in the history and as a `member.level_changed` event. */
  async evaluate(tx: Db, shopId: string, customerId: string, reason: string) {
    const s = await this.settings(shopId, tx);
    const value = await this.metric(tx, shopId, customerId, s);
    const level = [...s.levels].reverse().find((l) => value >= l.threshold) ?? null;
    await tx.insert(customerLevels).values({ shopId, customerId, levelId: null, metricValue: 0 }).onConflictDoNothing();
    const [cur] = await tx.select().from(customerLevels).where(and(eq(customerLevels.shopId, shopId), eq(customerLevels.customerId, customerId))).for('update');
    await tx.update(customerLevels).set({ levelId: level?.id ?? null, metricValue: value, evaluatedAt: this.p.now() }).where(and(eq(customerLevels.shopId, shopId), eq(customerLevels.customerId, customerId)));
    if ((cur.levelId ?? null) !== (level?.id ?? null)) {
      await tx.insert(customerLevelHistory).values({ shopId, customerId, fromLevelId: cur.levelId, toLevelId: level?.id ?? null, metricValue: value, reason });
      await this.p.events.emit(tx, { shopId, type: 'member.level_changed', payload: { customerId, fromLevelId: cur.levelId, toLevelId: level?.id ?? null, levelName: level?.name ?? null } });
    }
    return level;
  }

  /** Everyone who has a level or a paid order: the nightly pass, and after the rule changes. */
  async evaluateShop(shopId: string) {
    const people = await rows<{ customer_id: string }>(this.p.db, sql`
      SELECT customer_id FROM customer_levels WHERE shop_id = ${shopId}
      UNION SELECT DISTINCT customer_id FROM orders WHERE shop_id = ${shopId} AND paid_at IS NOT NULL`);
    for (const { customer_id } of people) await this.p.database.transaction((tx) => this.evaluate(tx, shopId, customer_id, '定期评估'));
    return people.length;
  }

  /** The level a customer holds now (for pricing), or null. */
  async levelOf(db: Db, shopId: string, customerId: string): Promise<MemberLevel | null> {
    const [r] = await db
      .select({ level: memberLevels })
      .from(customerLevels)
      .innerJoin(memberLevels, eq(memberLevels.id, customerLevels.levelId))
      .where(and(eq(customerLevels.shopId, shopId), eq(customerLevels.customerId, customerId), isNull(memberLevels.deletedAt)));
    return r?.level ?? null;
  }

  /** Level, the next one and how far away it is, and the history: the member centre and the profile. */
  async progress(shopId: string, customerId: string) {
    const s = await this.settings(shopId);
    const [cur] = await this.p.db.select().from(customerLevels).where(and(eq(customerLevels.shopId, shopId), eq(customerLevels.customerId, customerId)));
    const value = await this.metric(this.p.db, shopId, customerId, s);
    const level = s.levels.find((l) => l.id === cur?.levelId) ?? null;
    const next = s.levels.find((l) => l.threshold > value && (!level || l.rank > level.rank)) ?? null;
    const history = await this.p.db.select().from(customerLevelHistory).where(and(eq(customerLevelHistory.shopId, shopId), eq(customerLevelHistory.customerId, customerId))).orderBy(desc(customerLevelHistory.id)).limit(50);
    const name = (id: string | null) => s.levels.find((l) => l.id === id)?.name ?? null;
    return {
      metric: s.metric,
      period: s.period,
      value,
      level,
      next: next ? { ...next, remaining: next.threshold - value } : null,
      levels: s.levels,
      history: history.map((h) => ({ id: h.id, from: name(h.fromLevelId), to: name(h.toLevelId), metricValue: h.metricValue, reason: h.reason, createdAt: h.createdAt.toISOString() })),
    };
  }
}

function levelView(l: MemberLevel) {
  return { id: l.id, rank: l.rank, name: l.name, threshold: l.threshold, percentPaid: l.percentPaid, freeShipping: l.freeShipping, monthlyPackId: l.monthlyPackId, birthdayCouponTemplateId: l.birthdayCouponTemplateId };
}

export function monthStartShanghai(d: Date): Date {
  const sh = new Date(d.getTime() + 8 * 3600_000);
  return new Date(Date.UTC(sh.getUTCFullYear(), sh.getUTCMonth(), 1) - 8 * 3600_000);
}
