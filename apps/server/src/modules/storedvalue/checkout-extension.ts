import type { CheckoutExtension } from '../orders/checkout.js';
import { STAGES, payableOf, type PricingInput, type PricingStep } from '../orders/pricing.js';
import { sql } from 'drizzle-orm';
import type { StoredValueService } from './service.js';
import type { StoredValueSettings } from './schema.js';

interface BalanceContext {
  enabled: boolean;
  use: boolean;
  balanceFen: number;
}

const ctxOf = (input: PricingInput) => input.context?.storedValue as BalanceContext | undefined;

/** 余额支付: the member balance pays as much of the payable as it can, postage included. Pure. */
export const storedValueStep: PricingStep = {
  code: 'stored_value',
  stage: STAGES.storedValue,
  apply(state, input) {
    const c = ctxOf(input);
    if (!c?.enabled || !c.use) return;
    const amountFen = Math.min(c.balanceFen, payableOf(state));
    if (amountFen > 0) state.tenders.push({ code: 'stored_value', label: '余额支付', amountFen });
  },
};

/**
 * Stored value's part in checkout: loads the balance, and inside the order's transaction takes what the
 * pricing said from it — a balance drained meanwhile by another checkout throws BALANCE_INSUFFICIENT and
 * the order is not placed.
 */
export function storedValueCheckoutExtension(storedValue: StoredValueService): CheckoutExtension {
  return {
    code: 'storedValue',
    steps: [storedValueStep],
    shopData: (shopId, db) => storedValue.settings(shopId, db),
    customerData: (q) => sql`coalesce((SELECT principal_fen + bonus_fen FROM stored_value_accounts WHERE shop_id = ${q.shopId} AND customer_id = ${q.customerId}), 0)`,
    async load(_db, q, data) {
      const settings = data.shop as StoredValueSettings;
      const context: BalanceContext = { enabled: settings.enabled, use: q.input.useBalance === true, balanceFen: Number(data.customer) };
      return { context };
    },
    settle(raw, price) {
      const c = raw as BalanceContext;
      const withBalance = price({ ...c, use: true });
      const usable = withBalance.tenders?.find((t) => t.code === 'stored_value')?.amountFen ?? 0;
      return { context: c, extras: { balance: { enabled: c.enabled, balanceFen: c.balanceFen, usableFen: usable, using: c.use && usable > 0 } } };
    },
    async commit(tx, order, pricing) {
      const tender = pricing.tenders?.find((t) => t.code === 'stored_value');
      if (tender) await storedValue.spend(tx, order.shopId, order.customerId, order.id, tender.amountFen, `订单 ${order.orderNo}`);
    },
  };
}
