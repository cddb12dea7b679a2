import type { CheckoutExtension } from '../orders/checkout.js';
import { STAGES, applyOrderDiscount, type PricingInput, type PricingStep } from '../orders/pricing.js';
import type { PointsService, RulesInput } from './points-service.js';

interface PointsContext {
  enabled: boolean;
  use: boolean;
  balance: number;
  pointsPerYuan: number;
  maxDeductPercent: number;
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

/** Loyalty's part in checkout: loads the balance and rules, spends the points in the order's transaction. */
export function loyaltyCheckoutExtension(points: PointsService): CheckoutExtension {
  return {
    code: 'loyalty',
    steps: [pointsStep],
    async load(db, q) {
      const rules: RulesInput = await points.rules(q.shopId, db);
      const balance = await points.balance(q.shopId, q.customerId, db);
      const context: PointsContext = { enabled: rules.enabled, use: q.input.usePoints === true, balance, pointsPerYuan: rules.pointsPerYuan, maxDeductPercent: rules.maxDeductPercent };
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
