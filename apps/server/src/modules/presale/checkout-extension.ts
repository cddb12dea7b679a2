import type { CheckoutExtension } from '../orders/checkout.js';
import { STAGES, applyLineDiscount, type PricingInput, type PricingStep } from '../orders/pricing.js';
import { deductLabel, type PresaleService } from './service.js';

interface BalanceContext {
  presaleOrderId: string;
  skuId: string;
  depositFen: number;
  deductFen: number;
}

const ctxOf = (input: PricingInput) => input.context?.presale as BalanceContext | null | undefined;

/** 定金抵扣: the deposit comes off the pre-sale line at what it counts for (定金膨胀). Pure. */
export const presaleDepositStep: PricingStep = {
  code: 'presale_deposit',
  stage: STAGES.presaleDeposit,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c) return;
    const i = state.lines.findIndex((l) => l.skuId === c.skuId && !l.gift);
    if (i >= 0) applyLineDiscount(state, i, { code: 'presale_deposit', label: `定金抵扣(${deductLabel(c.depositFen, c.deductFen)})`, savingFen: c.deductFen, ref: c.presaleOrderId });
  },
};

/**
 * The pre-sale's part in checkout: a balance order (`presaleOrderId`) is checked against its deposit,
 * priced with the deposit deducted, gives its set-aside units back just before it reserves them, and
 * marks the deposit as being paid off — a second balance order for the same deposit is refused.
 */
export function presaleCheckoutExtension(presales: PresaleService): CheckoutExtension {
  return {
    code: 'presale',
    steps: [presaleDepositStep],
    async load(db, q) {
      if (!q.input.presaleOrderId) return { context: null };
      const o = await presales.forBalance(db, q.shopId, q.customerId, q.input.presaleOrderId, q.input.items);
      const context: BalanceContext = { presaleOrderId: o.id, skuId: o.skuId, depositFen: o.depositFen, deductFen: o.deductFen };
      return { context };
    },
    bringsUnits: (input) => !!input.presaleOrderId,
    async beforeReserve(tx, q, context) {
      const c = context as BalanceContext | null;
      if (c) await presales.releaseForBalance(tx, q.shopId, c.presaleOrderId);
    },
    async commit(tx, order, _pricing, context) {
      const c = context as BalanceContext | null;
      if (c) await presales.attachBalanceOrder(tx, order.shopId, c.presaleOrderId, order.id);
    },
  };
}
