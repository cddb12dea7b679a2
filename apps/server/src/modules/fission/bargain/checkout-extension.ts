import type { BargainBuyMode } from '@siyu/contracts';
import { unprocessable } from '../../../platform/errors.js';
import type { CheckoutExtension } from '../../orders/checkout.js';
import { STAGES, applyLineDiscount, type PricingInput, type PricingStep } from '../../orders/pricing.js';
import type { BargainService } from './service.js';

/** What a bargain order was priced with (null on every other order). */
export interface BargainCheckoutContext {
  launchId: string;
  bargainId: string;
  skuId: string;
  currentPriceFen: number;
  buyMode: BargainBuyMode;
}

const ctxOf = (input: PricingInput) => input.context?.bargain as BargainCheckoutContext | null | undefined;

/**
 * 砍价: the launch's line costs the price its helpers cut it to. The saving is what the line still costs
 * above that price, so an earlier step that already priced it lower is not stacked on.
 */
export const bargainPriceStep: PricingStep = {
  code: 'bargain',
  stage: STAGES.bargain,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c) return;
    const i = state.lines.findIndex((l) => l.skuId === c.skuId && !l.gift);
    if (i < 0) return;
    const line = state.lines[i];
    applyLineDiscount(state, i, { code: 'bargain', label: '砍价', savingFen: line.payableFen - c.currentPriceFen * line.quantity, ref: c.launchId });
  },
};

/**
 * The bargain's part in checkout: an order with `bargainLaunchId` is checked against the launch (mine,
 * buyable in its buy mode, exactly its SKU once), priced at the launch's current price, and in the order's
 * transaction claims the launch and a unit of the activity quota — a second order of the launch is refused.
 */
export function bargainCheckoutExtension(bargains: BargainService): CheckoutExtension {
  return {
    code: 'bargain',
    steps: [bargainPriceStep],
    async load(db, q) {
      if (!q.input.bargainLaunchId) return { context: null };
      if (q.input.groupBuy || q.input.presaleOrderId || q.input.mallItemId) {
        throw unprocessable('BARGAIN_NOT_COMBINABLE', 'A bargain order has its own price: no group buy, pre-sale or points-mall item with it', { field: 'bargainLaunchId' });
      }
      return { context: await bargains.forCheckout(db, q.shopId, q.customerId, q.input.bargainLaunchId, q.input.items) };
    },
    settle(raw) {
      const c = raw as BargainCheckoutContext | null;
      if (!c) return { context: raw };
      return { context: c, extras: { bargain: { launchId: c.launchId, priceFen: c.currentPriceFen } } };
    },
    async commit(tx, order, _pricing, raw) {
      const c = raw as BargainCheckoutContext | null;
      if (c) await bargains.claimForOrder(tx, order.shopId, order.customerId, c, order.id);
    },
  };
}
