import { and, asc, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import { createOnce, type Db } from '../../platform/db/index.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { newOrderNo, nextOrderSequence } from '../orders/order-no.js';
import type { PaymentService } from '../orders/payment-service.js';
import type { Payment } from '../orders/schema.js';
import { topupPlans, topups, type Topup, type TopupPlan } from './schema.js';
import type { StoredValueService } from './service.js';

const PAY_WINDOW_MS = 30 * 60_000;

export interface TopupPlanInput {
  name: string;
  amountFen: number;
  bonusFen: number;
  active: boolean;
  sortOrder: number;
}

const yuan = (fen: number) => (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);

/**
 * 充值: plans (top up ¥100 get ¥20) and top-ups paid through WeChat Pay. A top-up copies the plan's
 * terms when it starts; the balance is credited by the payment notification (or an active query), once.
 */
export class TopupService {
  constructor(
    private p: Platform,
    private storedValue: StoredValueService,
    private payments: PaymentService,
  ) {
    payments.settle('topup', { paid: (tx, payment) => this.applyPaid(tx, payment) });
  }

  // ---- plans -----------------------------------------------------------------------------------------

  async plans(shopId: string, opts: { activeOnly?: boolean } = {}) {
    return this.p.db
      .select()
      .from(topupPlans)
      .where(and(eq(topupPlans.shopId, shopId), isNull(topupPlans.deletedAt), opts.activeOnly ? eq(topupPlans.active, true) : undefined))
      .orderBy(asc(topupPlans.sortOrder), asc(topupPlans.amountFen));
  }

  private async plan(shopId: string, id: string, db: Db = this.p.db): Promise<TopupPlan> {
    const [plan] = await db.select().from(topupPlans).where(and(eq(topupPlans.id, id), eq(topupPlans.shopId, shopId), isNull(topupPlans.deletedAt)));
    if (!plan) throw notFound('Top-up plan', { field: 'planId' });
    return plan;
  }

  async savePlan(actor: Actor, id: string | null, input: TopupPlanInput) {
    return this.p.database.transaction(async (tx) => {
      if (!id) {
        const [after] = await tx.insert(topupPlans).values({ shopId: actor.shopId, ...input }).returning();
        return { before: null, after };
      }
      const before = await this.plan(actor.shopId, id, tx);
      const [after] = await tx.update(topupPlans).set({ ...input, updatedAt: new Date() }).where(eq(topupPlans.id, id)).returning();
      return { before, after };
    });
  }

  /** Removing a plan hides it; top-ups already made keep their copy of its terms. */
  async deletePlan(actor: Actor, id: string) {
    const before = await this.plan(actor.shopId, id);
    await this.p.database.transaction((tx) => tx.update(topupPlans).set({ deletedAt: new Date(), active: false }).where(eq(topupPlans.id, id)));
    return before;
  }

  /** What the storefront's top-up page shows: the plans, whether any amount may be entered, the balance. */
  async offer(shopId: string, customerId: string | null) {
    const [settings, plans, account] = await Promise.all([
      this.storedValue.settings(shopId),
      this.plans(shopId, { activeOnly: true }),
      customerId ? this.storedValue.account(shopId, customerId) : null,
    ]);
    return {
      enabled: settings.enabled,
      customAmount: settings.customAmountEnabled ? { minFen: settings.minCustomFen, maxFen: settings.maxCustomFen } : null,
      terms: settings.terms,
      plans: plans.map((pl) => ({ id: pl.id, name: pl.name, amountFen: pl.amountFen, bonusFen: pl.bonusFen, label: pl.bonusFen > 0 ? `充${yuan(pl.amountFen)}送${yuan(pl.bonusFen)}` : `充${yuan(pl.amountFen)}` })),
      account,
    };
  }

  // ---- top-ups ---------------------------------------------------------------------------------------

  /**
   * Starts a top-up and opens WeChat Pay. A retry with the same Idempotency-Key resumes the same top-up
   * (same out_trade_no), so a double tap never charges twice.
   */
  async start(shopId: string, customerId: string, input: { planId?: string; amountFen?: number; returnUrl?: string }, requestKey?: string) {
    const settings = await this.storedValue.settings(shopId);
    if (!settings.enabled) throw conflict('STORED_VALUE_DISABLED', 'This shop does not take top-ups', { field: 'planId' });
    if (!!input.planId === (input.amountFen !== undefined)) throw badRequest('TOPUP_AMOUNT_REQUIRED', 'Choose a plan or enter an amount', { field: input.planId ? 'amountFen' : 'planId' });
    let terms: { planId: string | null; amountFen: number; bonusFen: number };
    if (input.planId) {
      const plan = await this.plan(shopId, input.planId);
      if (!plan.active) throw conflict('TOPUP_PLAN_INACTIVE', 'This top-up plan is no longer offered', { field: 'planId' });
      terms = { planId: plan.id, amountFen: plan.amountFen, bonusFen: plan.bonusFen };
    } else {
      const amountFen = input.amountFen!;
      if (!settings.customAmountEnabled) throw conflict('TOPUP_CUSTOM_DISABLED', 'Choose one of the plans', { field: 'amountFen' });
      if (amountFen < settings.minCustomFen || amountFen > settings.maxCustomFen) {
        throw badRequest('TOPUP_AMOUNT_OUT_OF_RANGE', `Top up between ¥${yuan(settings.minCustomFen)} and ¥${yuan(settings.maxCustomFen)}`, { field: 'amountFen', minFen: settings.minCustomFen, maxFen: settings.maxCustomFen });
      }
      terms = { planId: null, amountFen, bonusFen: 0 };
    }
    const topup = await createOnce(requestKey, () => this.byKey(shopId, customerId, requestKey!), () =>
      this.p.database.transaction(async (tx) => {
        const now = this.p.now();
        const [row] = await tx
          .insert(topups)
          .values({ shopId, customerId, ...terms, topupNo: `T${newOrderNo(now, await nextOrderSequence(tx))}`, status: 'pending', requestKey: requestKey ?? null, payExpiresAt: new Date(now.getTime() + PAY_WINDOW_MS) })
          .returning();
        await this.p.jobs.send('storedvalue.topup-expire', { shopId, topupId: row.id }, { tx, runAt: row.payExpiresAt, singletonKey: row.id });
        return row;
      }),
    );
    if (topup.status !== 'pending') return { topup: presentTopup(topup), payment: null };
    const payment = await this.payments.prepay({
      shopId,
      customerId,
      purpose: 'topup',
      refId: topup.id,
      outTradeNo: topup.topupNo,
      amountFen: topup.amountFen,
      description: topup.bonusFen > 0 ? `会员充值 ¥${yuan(topup.amountFen)}(送¥${yuan(topup.bonusFen)})` : `会员充值 ¥${yuan(topup.amountFen)}`,
      expiresAt: topup.payExpiresAt,
      // The storefront cannot know the new id when it builds the return address: `{id}` stands for it.
      returnUrl: input.returnUrl?.replace('{id}', topup.id),
    });
    return { topup: presentTopup(topup), payment };
  }

  private async byKey(shopId: string, customerId: string, key: string) {
    const [row] = await this.p.db.select().from(topups).where(and(eq(topups.shopId, shopId), eq(topups.customerId, customerId), eq(topups.requestKey, key)));
    return row ?? null;
  }

  /** The customer's top-up; when still pending, WeChat is asked first (back from the pay sheet). */
  async get(shopId: string, customerId: string, id: string, opts: { sync?: boolean } = {}) {
    const find = async () => {
      const [row] = await this.p.db.select().from(topups).where(and(eq(topups.id, id), eq(topups.shopId, shopId), eq(topups.customerId, customerId)));
      if (!row) throw notFound('Top-up', { field: 'topupId' });
      return row;
    };
    let row = await find();
    if (opts.sync && row.status === 'pending') {
      await this.payments.syncRef(shopId, 'topup', id);
      row = await find();
    }
    return { ...presentTopup(row), account: await this.storedValue.account(shopId, customerId) };
  }

  async listForCustomer(shopId: string, customerId: string, limit = 50) {
    const list = await this.p.db.select().from(topups).where(and(eq(topups.shopId, shopId), eq(topups.customerId, customerId))).orderBy(desc(topups.createdAt)).limit(limit);
    return list.map(presentTopup);
  }

  /**
   * WeChat says the top-up was paid: credit principal and bonus, exactly once (the ledger posting is
   * keyed by the top-up). Money that arrives after the window closed is still credited — the customer paid.
   */
  private async applyPaid(tx: Db, payment: Payment) {
    const [topup] = await tx.select().from(topups).where(and(eq(topups.id, payment.refId!), eq(topups.shopId, payment.shopId))).for('update');
    if (!topup) throw notFound('Top-up', { field: 'out_trade_no' });
    if (topup.status === 'paid') return;
    await tx.update(topups).set({ status: 'paid', paidAt: payment.paidAt ?? this.p.now() }).where(eq(topups.id, topup.id));
    await this.storedValue.creditTopup(
      tx,
      topup.shopId,
      topup.customerId,
      topup.id,
      { principalFen: topup.amountFen, bonusFen: topup.bonusFen },
      topup.bonusFen > 0 ? `充值 ¥${yuan(topup.amountFen)},赠送 ¥${yuan(topup.bonusFen)}` : `充值 ¥${yuan(topup.amountFen)}`,
    );
    await this.p.events.emit(tx, { shopId: topup.shopId, type: 'stored_value.topped_up', payload: { customerId: topup.customerId, topupId: topup.id, amountFen: topup.amountFen, bonusFen: topup.bonusFen } });
  }

  /** Job: an unpaid top-up closes when its window passes (WeChat is told, so the pay sheet stops working). */
  async expire(shopId: string, topupId: string) {
    await this.payments.syncRef(shopId, 'topup', topupId);
    const [topup] = await this.p.db.select().from(topups).where(and(eq(topups.id, topupId), eq(topups.shopId, shopId)));
    if (!topup || topup.status !== 'pending') return;
    await this.payments.closeRef(shopId, 'topup', topupId);
    await this.p.db.update(topups).set({ status: 'closed' }).where(and(eq(topups.id, topupId), eq(topups.status, 'pending')));
  }

  /** Safety net behind the per-top-up jobs. */
  async expiredPending(limit = 100) {
    return this.p.db.select({ id: topups.id, shopId: topups.shopId }).from(topups).where(and(eq(topups.status, 'pending'), lt(topups.payExpiresAt, this.p.now()))).limit(limit);
  }
}

function presentTopup(t: Topup) {
  const { requestKey: _k, ...rest } = t;
  return rest;
}
