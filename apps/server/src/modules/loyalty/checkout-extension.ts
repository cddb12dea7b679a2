import { hasOwnPrice, type CheckoutExtension } from '../orders/checkout.js';
import { STAGES, applyLineDiscount, applyOrderDiscount, type PricingInput, type PricingStep } from '../orders/pricing.js';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { memberCardPlans } from './card-schema.js';
import { memberLevels } from './schema.js';
import { zhe } from '../promotions/labels.js';
import type { PointsService, RulesInput } from './points-service.js';

interface MemberContext {
  name: string;
  percentPaid: number | null;
  freeShipping: boolean;
}

interface PointsContext {
  member: MemberContext | null;
  enabled: boolean;
  use: boolean;
  balance: number;
  pointsPerYuan: number;
  maxDeductPercent: number;
}

interface ShopLoyalty {
  rules: RulesInput;
  levels: Record<string, MemberContext>;
  plans: Record<string, MemberContext>;
}

const ctxOf = (input: PricingInput) => input.context?.loyalty as PointsContext | undefined;

/**
 * How much of the order points may pay: whole yuan only (N points = ¥1), at most the shop's share of
 * the goods still payable after every earlier saving, at most what the customer holds. Pure.
 */
export function pointsDeduction(goodsPayableFen: number, c: Pick<PointsContext, 'balance' | 'pointsPerYuan' | 'maxDeductPercent'>): { yuan: number; points: number } {
  const capYuan = Math.floor((goodsPayableFen * c.maxDeductPercent) / 100 / 100);
  const yuan = Math.max(0, Math.min(Math.floor(c.balance / c.pointsPerYuan), capYuan));
  return { yuan, points: yuan * c.pointsPerYuan };
}

/**
 * A member level and a paid card do not stack: the better discount applies, named after whichever gives
 * it; free shipping comes from either. Pure.
 */
export function memberBenefits(level: MemberContext | null, card: MemberContext | null): MemberContext | null {
  if (!level || !card) return level ?? card;
  const better = (card.percentPaid ?? 100) < (level.percentPaid ?? 100) ? card : level;
  return { name: better.name, percentPaid: better.percentPaid, freeShipping: level.freeShipping || card.freeShipping };
}

/** 会员价: the level's discount on what each line still costs, and free shipping where the level has it. */
export const memberPriceStep: PricingStep = {
  code: 'member_price',
  stage: STAGES.memberPrice,
  apply(state, input) {
    const m = ctxOf(input)?.member;
    if (!m) return;
    if (m.percentPaid) {
      const pct = m.percentPaid;
      state.lines.forEach((l, i) => {
        if (l.gift) return;
        const saving = l.payableFen - Math.round((l.payableFen * pct) / 100);
        applyLineDiscount(state, i, { code: 'member_price', label: `会员价·${m.name} ${zhe(pct)}`, savingFen: saving });
      });
    }
    if (m.freeShipping) state.shippingWaived = `${m.name}包邮`;
  },
};

export const pointsStep: PricingStep = {
  code: 'points',
  stage: STAGES.points,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c?.enabled || !c.use) return;
    const goods = state.lines.reduce((s, l) => s + l.payableFen, 0);
    const d = pointsDeduction(goods, c);
    if (d.yuan === 0) {
      state.notes.push({ code: 'points', message: c.balance < c.pointsPerYuan ? `积分满${c.pointsPerYuan}可抵¥1` : '订单金额不足以使用积分' });
      return;
    }
    const applied = applyOrderDiscount(state, { code: 'points', label: `积分抵扣(${d.points}积分)`, savingFen: d.yuan * 100 });
    const last = state.adjustments[state.adjustments.length - 1];
    if (applied > 0 && last?.code === 'points') last.quantity = d.points;
  },
};

/** Loyalty's part in checkout: loads the member level, the balance and rules; spends the points in the order's transaction. */
export function loyaltyCheckoutExtension(points: PointsService): CheckoutExtension {
  return {
    code: 'loyalty',
    steps: [memberPriceStep, pointsStep],
    // Rules, level and card-plan definitions change only when staff change them: cached per shop.
    async shopData(shopId, db): Promise<ShopLoyalty> {
      const [rules, levelRows, planRows] = await Promise.all([
        points.rules(shopId, db),
        db.select().from(memberLevels).where(and(eq(memberLevels.shopId, shopId), isNull(memberLevels.deletedAt))),
        db.select().from(memberCardPlans).where(eq(memberCardPlans.shopId, shopId)),
      ]);
      const benefits = (r: { name: string; percentPaid: number | null; freeShipping: boolean }): MemberContext => ({ name: r.name, percentPaid: r.percentPaid, freeShipping: r.freeShipping });
      return { rules, levels: Object.fromEntries(levelRows.map((l) => [l.id, benefits(l)])), plans: Object.fromEntries(planRows.map((c) => [c.id, benefits(c)])) };
    },

    customerData(q) {
      return sql`json_build_object(
        'balance', coalesce((SELECT balance FROM points_accounts WHERE shop_id = ${q.shopId} AND customer_id = ${q.customerId}), 0),
        'levelId', (SELECT level_id FROM customer_levels WHERE shop_id = ${q.shopId} AND customer_id = ${q.customerId}),
        'cardPlanId', (SELECT plan_id FROM customer_cards WHERE shop_id = ${q.shopId} AND customer_id = ${q.customerId} AND expires_at > ${q.at.toISOString()}::timestamptz))`;
    },

    async load(_db, q, data) {
      const shop = data.shop as ShopLoyalty;
      const mine = data.customer as { balance: number; levelId: string | null; cardPlanId: string | null };
      const { rules } = shop;
      const balance = Number(mine.balance);
      // A points-mall redemption is already paid in points, a group or bargain price is the price: no member price, no points deduction on top.
      if (hasOwnPrice(q.input) && !q.input.presaleOrderId) return { context: { member: null, enabled: false, use: false, balance, pointsPerYuan: rules.pointsPerYuan, maxDeductPercent: rules.maxDeductPercent } satisfies PointsContext };
      const member = memberBenefits((mine.levelId && shop.levels[mine.levelId]) || null, (mine.cardPlanId && shop.plans[mine.cardPlanId]) || null);
      const context: PointsContext = { member, enabled: rules.enabled, use: q.input.usePoints === true, balance, pointsPerYuan: rules.pointsPerYuan, maxDeductPercent: rules.maxDeductPercent };
      return { context };
    },
    settle(raw, price) {
      const c = raw as PointsContext;
      // What points could pay on this order, shown whether or not the customer ticked it.
      const withPoints = price({ ...c, use: true });
      const adj = withPoints.adjustments.find((a) => a.code === 'points');
      return { context: c, extras: { points: { enabled: c.enabled, balance: c.balance, pointsPerYuan: c.pointsPerYuan, maxDeductPercent: c.maxDeductPercent, usable: adj?.quantity ?? 0, deductFen: adj ? -adj.amountFen : 0, using: c.use && !!adj } } };
    },
    async commit(tx, order, pricing) {
      const adj = pricing.adjustments.find((a) => a.code === 'points');
      if (adj?.quantity) await points.spendForOrder(tx, order.shopId, order.customerId, adj.quantity, order.id);
    },
  };
}
