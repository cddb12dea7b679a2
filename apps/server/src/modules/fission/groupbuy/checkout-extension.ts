import type { CheckoutExtension } from '../../orders/checkout.js';
import { STAGES, applyLineDiscount, type PricingInput, type PricingStep } from '../../orders/pricing.js';
import type { GroupBuyContext, GroupBuyService } from './service.js';

const ctxOf = (input: PricingInput) => input.context?.groupbuy as GroupBuyContext | null | undefined;

/** 拼团价 / 团长价: the line costs the group (or leader) price. Pure. */
export const groupBuyPriceStep: PricingStep = {
  code: 'group_buy',
  stage: STAGES.groupBuy,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c) return;
    const i = state.lines.findIndex((l) => l.skuId === c.skuId && !l.gift);
    if (i < 0) return;
    const line = state.lines[i]!;
    const saving = line.lineTotalFen - c.unitPriceFen * line.quantity;
    applyLineDiscount(state, i, { code: 'group_buy', label: c.unitPriceFen === 0 ? '团长免单' : c.unitPriceFen < c.groupPriceFen ? '团长价' : '拼团价', savingFen: saving, ref: c.groupBuyId });
  },
};

/** The group buy's part in checkout: check, price, and hold the order until its group forms. */
export function groupBuyCheckoutExtension(groupBuys: GroupBuyService): CheckoutExtension {
  return {
    code: 'groupbuy',
    steps: [groupBuyPriceStep],
    async load(db, q) {
      if (!q.input.groupBuy) return { context: null };
      const context = await groupBuys.forCheckout(db, { shopId: q.shopId, customerId: q.customerId, at: q.at, groupBuy: q.input.groupBuy, items: q.input.items });
      return { context };
    },
    async commit(tx, order, _pricing, context) {
      const c = context as GroupBuyContext | null;
      if (c) await groupBuys.commitOrder(tx, order, c);
    },
  };
}
