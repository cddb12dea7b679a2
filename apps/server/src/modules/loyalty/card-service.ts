import { and, asc, desc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { createOnce, rows, type Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newOrderNo, nextOrderSequence } from '../orders/order-no.js';
import type { PaymentService } from '../orders/payment-service.js';
import type { Payment } from '../orders/schema.js';
import type { CouponService } from '../promotions/coupon-service.js';
import {
  customerCards,
  memberCardLedger,
  memberCardMonthlyCoupons,
  memberCardPlans,
  memberCardPurchases,
  type CardLedgerKind,
  type CardPeriodKind,
  type MemberCardPlan,
  type MemberCardPurchase,
} from './card-schema.js';

const DAY_MS = 86_400_000;
const PAY_WINDOW_MS = 30 * 60_000;
const EXPIRING_SOON_DAYS = 3;

/** A month of card time is 30 days, a quarter 90, a year 365: what the customer sees is what they get. */
export const PERIOD_DAYS: Record<Exclude<CardPeriodKind, 'days'>, number> = { month: 30, quarter: 90, year: 365 };

export interface CardPlanInput {
  name: string;
  periodKind: CardPeriodKind;
  days?: number | null;
  priceFen: number;
  percentPaid: number | null;
  freeShipping: boolean;
  monthlyCouponTemplateId: string | null;
  description: string;
  active: boolean;
  sortOrder: number;
}

/**
 * Where card time ends after a posting. Adding starts from the later of now and the current end (a lapsed
 * card starts again today, a live one is extended); taking away never ends a card before now. Pure.
 */
export function nextExpiry(current: Date | null, now: Date, days: number): Date {
  if (days > 0) {
    const from = current && current > now ? current : now;
    return new Date(from.getTime() + days * DAY_MS);
  }
  const base = current ?? now;
  const cut = new Date(base.getTime() + days * DAY_MS);
  return cut > now ? cut : now;
}

const yuan = (fen: number) => (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);

/**
 * 付费会员卡: plans, purchases through WeChat Pay, renewal that extends, staff grants, the card's benefits
 * for pricing, the monthly coupon, and expiring / expired events. Card time moves only by ledger
 * postings under the card row's lock, once per (kind, ref).
 */
export class MemberCardService {
  constructor(
    private p: Platform,
    private payments: PaymentService,
    private coupons: CouponService,
  ) {
    payments.settle('member_card', { paid: (tx, payment) => this.applyPaid(tx, payment) });
  }

  // ---- plans -----------------------------------------------------------------------------------------

  async plans(shopId: string, opts: { activeOnly?: boolean } = {}) {
    const list = await this.p.db
      .select()
      .from(memberCardPlans)
      .where(and(eq(memberCardPlans.shopId, shopId), opts.activeOnly ? eq(memberCardPlans.active, true) : undefined))
      .orderBy(asc(memberCardPlans.sortOrder), asc(memberCardPlans.priceFen));
    const holders = await rows<{ plan_id: string; n: number }>(this.p.db, sql`
      SELECT plan_id, count(*)::int AS n FROM customer_cards WHERE shop_id = ${shopId} AND expires_at > ${this.p.now()} GROUP BY plan_id`);
    const count = new Map(holders.map((h) => [h.plan_id, h.n]));
    return list.map((pl) => ({ ...presentPlan(pl), holders: count.get(pl.id) ?? 0 }));
  }

  private async plan(shopId: string, id: string, db: Db = this.p.db): Promise<MemberCardPlan> {
    const [plan] = await db.select().from(memberCardPlans).where(and(eq(memberCardPlans.id, id), eq(memberCardPlans.shopId, shopId)));
    if (!plan) throw notFound('Member card', { field: 'planId' });
    return plan;
  }

  async savePlan(actor: Actor, id: string | null, input: CardPlanInput) {
    const days = input.periodKind === 'days' ? input.days : PERIOD_DAYS[input.periodKind];
    if (!days) throw conflict('CARD_DAYS_REQUIRED', 'Say how many days the card lasts', { field: 'days' });
    return this.p.database.transaction(async (tx) => {
      const before = id ? await this.plan(actor.shopId, id, tx) : null;
      if (input.monthlyCouponTemplateId) {
        const known = await this.coupons.existingTemplateIds(tx, actor.shopId, [input.monthlyCouponTemplateId]);
        if (!known.has(input.monthlyCouponTemplateId)) throw notFound('Coupon', { field: 'monthlyCouponTemplateId' });
      }
      const values = { ...input, days, updatedAt: new Date() };
      const [after] = before
        ? await tx.update(memberCardPlans).set(values).where(eq(memberCardPlans.id, before.id)).returning()
        : await tx.insert(memberCardPlans).values({ shopId: actor.shopId, ...values }).returning();
      return { before: before && presentPlan(before), after: presentPlan(after) };
    });
  }

  // ---- a customer's card -----------------------------------------------------------------------------

  /** The card whose benefits apply now, with its plan; null without a live card. Used by pricing. */
  async activeCard(db: Db, shopId: string, customerId: string) {
    const [r] = await db
      .select({ card: customerCards, plan: memberCardPlans })
      .from(customerCards)
      .innerJoin(memberCardPlans, eq(memberCardPlans.id, customerCards.planId))
      .where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, customerId), gt(customerCards.expiresAt, this.p.now())));
    return r ? { ...r.card, plan: r.plan } : null;
  }

  async card(shopId: string, customerId: string, db: Db = this.p.db) {
    const [r] = await db
      .select({ card: customerCards, plan: memberCardPlans })
      .from(customerCards)
      .innerJoin(memberCardPlans, eq(memberCardPlans.id, customerCards.planId))
      .where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, customerId)));
    if (!r) return null;
    const now = this.p.now();
    const active = r.card.expiresAt > now;
    return {
      planId: r.plan.id,
      name: r.plan.name,
      startsAt: r.card.startsAt.toISOString(),
      expiresAt: r.card.expiresAt.toISOString(),
      active,
      daysLeft: active ? Math.ceil((r.card.expiresAt.getTime() - now.getTime()) / DAY_MS) : 0,
      benefits: { percentPaid: r.plan.percentPaid, freeShipping: r.plan.freeShipping, monthlyCouponTemplateId: r.plan.monthlyCouponTemplateId },
    };
  }

  async ledger(shopId: string, customerId: string, limit = 50) {
    const list = await this.p.db
      .select()
      .from(memberCardLedger)
      .where(and(eq(memberCardLedger.shopId, shopId), eq(memberCardLedger.customerId, customerId)))
      .orderBy(desc(memberCardLedger.id))
      .limit(limit);
    return list.map((l) => ({ id: l.id, kind: l.kind, planId: l.planId, days: l.days, expiresBefore: l.expiresBefore?.toISOString() ?? null, expiresAfter: l.expiresAfter.toISOString(), note: l.note, createdAt: l.createdAt.toISOString() }));
  }

  /**
   * Moves card time by `days` (negative takes time away) under the card's lock. Returns null when this
   * (kind, ref) was already posted. A purchase of another plan switches the card's benefits to it.
   */
  async post(tx: Db, shopId: string, customerId: string, planId: string, days: number, kind: CardLedgerKind | 'auto', ref: string, meta: { note?: string; actorId?: string } = {}) {
    const now = this.p.now();
    await tx.insert(customerCards).values({ shopId, customerId, planId, startsAt: now, expiresAt: now }).onConflictDoNothing();
    const [card] = await tx.select().from(customerCards).where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, customerId))).for('update');
    const [ledgerRows] = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM member_card_ledger WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
    const fresh = ledgerRows.n === 0;
    const live = !fresh && card.expiresAt > now;
    const resolved: CardLedgerKind = kind === 'auto' ? (live ? 'renew' : 'purchase') : kind;
    const [dup] = await tx
      .select({ id: memberCardLedger.id })
      .from(memberCardLedger)
      .where(and(eq(memberCardLedger.shopId, shopId), eq(memberCardLedger.customerId, customerId), sql`${memberCardLedger.kind} IN ('purchase', 'renew', 'grant', 'revoke')`, eq(memberCardLedger.ref, ref)));
    if (dup) return null;
    if (days < 0 && !live) throw conflict('CARD_NOT_ACTIVE', 'This customer has no card to take time from', { field: 'days' });
    // Days bought for one card must not carry another card's benefits: a live card is extended only with
    // its own plan. A purchase of another plan that was paid in a race with this rule extends the current card.
    if (live && days > 0 && planId !== card.planId) {
      if (kind !== 'auto') throw conflict('CARD_PLAN_SWITCH', 'The customer holds another card: give days on that card', { field: 'planId', currentPlanId: card.planId });
      planId = card.planId;
    }
    const before = fresh ? null : card.expiresAt;
    const after = nextExpiry(before, now, days);
    await tx
      .update(customerCards)
      .set({
        planId: days > 0 ? planId : card.planId,
        startsAt: live ? card.startsAt : now,
        expiresAt: after,
        updatedAt: new Date(),
      })
      .where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, customerId)));
    const [row] = await tx
      .insert(memberCardLedger)
      .values({ shopId, customerId, planId: days > 0 ? planId : card.planId, kind: resolved, ref, days, expiresBefore: before, expiresAfter: after, note: meta.note ?? null, actorId: meta.actorId ?? null })
      .returning();
    await this.p.events.emit(tx, { shopId, type: 'member_card.changed', payload: { customerId, planId, kind: resolved, days, expiresAt: after.toISOString() } });
    return row;
  }

  /**
   * When two customers merge, the survivor keeps the card that lasts longer; the card's days, purchases
   * and monthly coupons of the merged-away customer move with them.
   */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    const cards = await tx.select().from(customerCards).where(and(eq(customerCards.shopId, shopId), sql`${customerCards.customerId} IN (${fromId}, ${intoId})`)).for('update');
    const from = cards.find((c) => c.customerId === fromId);
    const into = cards.find((c) => c.customerId === intoId);
    if (from) {
      if (!into || from.expiresAt > into.expiresAt) {
        if (into) await tx.delete(customerCards).where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, intoId)));
        await tx.update(customerCards).set({ customerId: intoId, updatedAt: new Date() }).where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, fromId)));
      } else {
        await tx.delete(customerCards).where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, fromId)));
      }
    }
    await tx.execute(sql`
      UPDATE member_card_ledger l SET customer_id = ${intoId},
        ref = CASE WHEN EXISTS (SELECT 1 FROM member_card_ledger x WHERE x.shop_id = l.shop_id AND x.customer_id = ${intoId} AND x.kind = l.kind AND x.ref = l.ref)
                   THEN l.ref || ':merged:' || ${fromId} ELSE l.ref END
      WHERE l.shop_id = ${shopId} AND l.customer_id = ${fromId}`);
    await tx.execute(sql`UPDATE member_card_purchases SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
    await tx.execute(sql`
      DELETE FROM member_card_monthly_coupons m WHERE m.shop_id = ${shopId} AND m.customer_id = ${fromId}
        AND EXISTS (SELECT 1 FROM member_card_monthly_coupons x WHERE x.shop_id = m.shop_id AND x.customer_id = ${intoId} AND x.month = m.month)`);
    await tx.execute(sql`UPDATE member_card_monthly_coupons SET customer_id = ${intoId} WHERE shop_id = ${shopId} AND customer_id = ${fromId}`);
  }

  /** Staff give days (goodwill, a prize) or take them away (a mistake), never before now. */
  async grant(actor: Actor, customerId: string, input: { planId: string; days: number; reason: string }, key: string) {
    await this.p.database.transaction(async (tx) => {
      await this.plan(actor.shopId, input.planId, tx);
      await this.post(tx, actor.shopId, customerId, input.planId, input.days, input.days > 0 ? 'grant' : 'revoke', key, { note: input.reason, actorId: actor.id });
    });
    return { card: await this.card(actor.shopId, customerId) };
  }

  // ---- buying through WeChat Pay ---------------------------------------------------------------------

  /** Starts buying (or renewing) a card; a retry with the same Idempotency-Key resumes the same purchase. */
  async startPurchase(shopId: string, customerId: string, input: { planId: string; returnUrl?: string }, requestKey?: string) {
    const plan = await this.plan(shopId, input.planId);
    if (!plan.active) throw conflict('CARD_PLAN_INACTIVE', 'This card is no longer sold', { field: 'planId' });
    const current = await this.activeCard(this.p.db, shopId, customerId);
    if (current && current.planId !== plan.id) {
      throw conflict('CARD_PLAN_SWITCH', 'Renew the card you hold, or buy another once it ends', { field: 'planId', currentPlanId: current.planId, expiresAt: current.expiresAt.toISOString() });
    }
    const purchase = await createOnce(requestKey, () => this.purchaseByKey(shopId, customerId, requestKey!), () =>
      this.p.database.transaction(async (tx) => {
        const now = this.p.now();
        const [row] = await tx
          .insert(memberCardPurchases)
          .values({ shopId, customerId, planId: plan.id, purchaseNo: `C${newOrderNo(now, await nextOrderSequence(tx))}`, priceFen: plan.priceFen, days: plan.days, status: 'pending', requestKey: requestKey ?? null, payExpiresAt: new Date(now.getTime() + PAY_WINDOW_MS) })
          .returning();
        await this.p.jobs.send('loyalty.card-purchase-expire', { shopId, purchaseId: row.id }, { tx, runAt: row.payExpiresAt, singletonKey: row.id });
        return row;
      }),
    );
    if (purchase.status !== 'pending') return { purchase: presentPurchase(purchase), payment: null };
    const payment = await this.payments.prepay({
      shopId,
      customerId,
      purpose: 'member_card',
      refId: purchase.id,
      outTradeNo: purchase.purchaseNo,
      amountFen: purchase.priceFen,
      description: `${plan.name}(${purchase.days}天)¥${yuan(purchase.priceFen)}`,
      expiresAt: purchase.payExpiresAt,
      // The storefront cannot know the new id when it builds the return address: `{id}` stands for it.
      returnUrl: input.returnUrl?.replace('{id}', purchase.id),
    });
    return { purchase: presentPurchase(purchase), payment };
  }

  private async purchaseByKey(shopId: string, customerId: string, key: string) {
    const [row] = await this.p.db.select().from(memberCardPurchases).where(and(eq(memberCardPurchases.shopId, shopId), eq(memberCardPurchases.customerId, customerId), eq(memberCardPurchases.requestKey, key)));
    return row ?? null;
  }

  async purchase(shopId: string, customerId: string, id: string, opts: { sync?: boolean } = {}) {
    const find = async () => {
      const [row] = await this.p.db.select().from(memberCardPurchases).where(and(eq(memberCardPurchases.id, id), eq(memberCardPurchases.shopId, shopId), eq(memberCardPurchases.customerId, customerId)));
      if (!row) throw notFound('Card purchase', { field: 'purchaseId' });
      return row;
    };
    let row = await find();
    if (opts.sync && row.status === 'pending') {
      await this.payments.syncRef(shopId, 'member_card', id);
      row = await find();
    }
    return { ...presentPurchase(row), card: await this.card(shopId, customerId) };
  }

  /** Paid: the card starts or is extended by the days bought, once however often WeChat notifies. */
  private async applyPaid(tx: Db, payment: Payment) {
    const [purchase] = await tx.select().from(memberCardPurchases).where(and(eq(memberCardPurchases.id, payment.refId!), eq(memberCardPurchases.shopId, payment.shopId))).for('update');
    if (!purchase) throw notFound('Card purchase', { field: 'out_trade_no' });
    if (purchase.status === 'paid') return;
    await tx.update(memberCardPurchases).set({ status: 'paid', paidAt: payment.paidAt ?? this.p.now() }).where(eq(memberCardPurchases.id, purchase.id));
    await this.post(tx, purchase.shopId, purchase.customerId, purchase.planId, purchase.days, 'auto', purchase.id, { note: `购买 ¥${yuan(purchase.priceFen)}` });
  }

  /** Job: an unpaid purchase closes when its window passes. */
  async expirePurchase(shopId: string, purchaseId: string) {
    await this.payments.syncRef(shopId, 'member_card', purchaseId);
    const [row] = await this.p.db.select().from(memberCardPurchases).where(and(eq(memberCardPurchases.id, purchaseId), eq(memberCardPurchases.shopId, shopId)));
    if (!row || row.status !== 'pending') return;
    await this.payments.closeRef(shopId, 'member_card', purchaseId);
    await this.p.db.update(memberCardPurchases).set({ status: 'closed' }).where(and(eq(memberCardPurchases.id, purchaseId), eq(memberCardPurchases.status, 'pending')));
  }

  // ---- reminders and benefits over time --------------------------------------------------------------

  /**
   * `member_card.expiring` once per card end (EXPIRING_SOON_DAYS before it) and `member_card.expired` once
   * after it. Keyed by the end date, so a renewed card is announced again for its new end.
   */
  async announce() {
    const now = this.p.now();
    const soon = new Date(now.getTime() + EXPIRING_SOON_DAYS * DAY_MS);
    const expiring = await this.p.db
      .select()
      .from(customerCards)
      .where(and(gt(customerCards.expiresAt, now), lte(customerCards.expiresAt, soon), sql`${customerCards.expiringNotifiedFor} IS DISTINCT FROM ${customerCards.expiresAt}`))
      .limit(1000);
    for (const c of expiring) await this.mark(c.shopId, c.customerId, c.expiresAt, 'expiring');
    const expired = await this.p.db
      .select()
      .from(customerCards)
      .where(and(lte(customerCards.expiresAt, now), sql`${customerCards.expiredNotifiedFor} IS DISTINCT FROM ${customerCards.expiresAt}`, sql`${customerCards.expiresAt} > ${customerCards.startsAt}`))
      .limit(1000);
    for (const c of expired) await this.mark(c.shopId, c.customerId, c.expiresAt, 'expired');
    return { expiring: expiring.length, expired: expired.length };
  }

  private async mark(shopId: string, customerId: string, expiresAt: Date, what: 'expiring' | 'expired') {
    await this.p.database.transaction(async (tx) => {
      const column = what === 'expiring' ? customerCards.expiringNotifiedFor : customerCards.expiredNotifiedFor;
      const done = await tx
        .update(customerCards)
        .set(what === 'expiring' ? { expiringNotifiedFor: expiresAt } : { expiredNotifiedFor: expiresAt })
        .where(and(eq(customerCards.shopId, shopId), eq(customerCards.customerId, customerId), eq(customerCards.expiresAt, expiresAt), sql`${column} IS DISTINCT FROM ${expiresAt}`))
        .returning();
      if (done.length) await this.p.events.emit(tx, { shopId, type: `member_card.${what}`, payload: { customerId, planId: done[0].planId, expiresAt: expiresAt.toISOString() } });
    });
  }

  /** The card's monthly no-threshold coupon (月度无门槛券): once per holder per Shanghai month. */
  async giveMonthlyCoupons() {
    const now = this.p.now();
    const month = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
    const holders = await this.p.db
      .select({ shopId: customerCards.shopId, customerId: customerCards.customerId, templateId: memberCardPlans.monthlyCouponTemplateId })
      .from(customerCards)
      .innerJoin(memberCardPlans, eq(memberCardPlans.id, customerCards.planId))
      .leftJoin(memberCardMonthlyCoupons, and(eq(memberCardMonthlyCoupons.shopId, customerCards.shopId), eq(memberCardMonthlyCoupons.customerId, customerCards.customerId), eq(memberCardMonthlyCoupons.month, month)))
      .where(and(gt(customerCards.expiresAt, now), sql`${memberCardPlans.monthlyCouponTemplateId} IS NOT NULL`, isNull(memberCardMonthlyCoupons.month)));
    let given = 0;
    for (const h of holders) {
      const done = await this.p.database.transaction(async (tx) => {
        const [row] = await tx.insert(memberCardMonthlyCoupons).values({ shopId: h.shopId, customerId: h.customerId, month }).onConflictDoNothing().returning();
        if (!row) return false;
        let couponId: string | null = null;
        let note: string | null = null;
        // A savepoint: a coupon that cannot be given (sold out, paused) is noted; the month still counts.
        try {
          couponId = await tx.transaction(async (sp) => (await this.coupons.issue(sp, h.shopId, h.templateId!, h.customerId, { source: 'pack', sourceRef: `card:${month}` })).id);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          note = `会员卡月券未发放:${err.code}`;
        }
        await tx.update(memberCardMonthlyCoupons).set({ couponId, note }).where(and(eq(memberCardMonthlyCoupons.shopId, h.shopId), eq(memberCardMonthlyCoupons.customerId, h.customerId), eq(memberCardMonthlyCoupons.month, month)));
        return couponId !== null;
      });
      if (done) given++;
    }
    return given;
  }
}

function presentPlan(pl: MemberCardPlan) {
  const { shopId: _s, createdAt: _c, updatedAt: _u, ...rest } = pl;
  return rest;
}

function presentPurchase(pu: MemberCardPurchase) {
  const { requestKey: _k, ...rest } = pu;
  return rest;
}
