import { quoteShipping, type ShippingTemplateDef } from './shipping.js';

/**
 * The one pricing function checkout, preview and the storefront use. It runs a list of steps over a
 * mutable state; the promotions module extends pricing by adding steps (activity price, coupons, points…)
 * before `shipping`, never by editing this file. Every saving is an adjustment with a human reason, and
 * order-level savings are allocated to lines so refunds can give back exactly what each line cost.
 */
export interface PricingLineInput {
  skuId: string;
  productId: string;
  categoryId: string | null;
  title: string;
  specText: string;
  unitPriceFen: number;
  quantity: number;
  weightGrams: number;
}

export interface PricingInput {
  lines: PricingLineInput[];
  fulfilment: 'express' | 'pickup';
  /** Needed for express delivery. */
  province?: string;
  shippingTemplate?: ShippingTemplateDef | null;
  customerId?: string;
  at: Date;
}

export interface Adjustment {
  /** Which step made it (e.g. `shipping`, later `coupon`, `full_reduction`). */
  code: string;
  /** Shown to the customer, e.g. "满100减20". */
  label: string;
  /** Negative for a saving, positive for a charge. */
  amountFen: number;
  skuId?: string;
}

export interface PricedLine {
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  unitPriceFen: number;
  quantity: number;
  lineTotalFen: number;
  discountFen: number;
  payableFen: number;
}

export interface PricingResult {
  lines: PricedLine[];
  itemsTotalFen: number;
  discountFen: number;
  shippingFen: number;
  payableFen: number;
  adjustments: Adjustment[];
  shipping: { method: 'express' | 'pickup'; reason: string; free: boolean };
}

export interface PricingState {
  lines: PricedLine[];
  adjustments: Adjustment[];
  shippingFen: number;
  shipping: PricingResult['shipping'];
}

export interface PricingStep {
  code: string;
  apply(state: PricingState, input: PricingInput): void;
}

/**
 * Splits `amount` over `weights` in proportion, in whole fen, so the parts always sum to `amount`
 * (largest remainder; ties go to the earlier line). Used for order-level discounts and refunds.
 */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map((_, i) => (i === 0 ? amount : 0));
  const raw = weights.map((w) => (amount * w) / total);
  const parts = raw.map(Math.floor);
  let rest = amount - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) parts[order[k].i]++;
  return parts;
}

/** Applies an order-level saving to the lines, never making a line negative. */
export function applyOrderDiscount(state: PricingState, adj: Omit<Adjustment, 'amountFen'> & { savingFen: number }) {
  const room = state.lines.reduce((s, l) => s + l.payableFen, 0);
  const saving = Math.min(adj.savingFen, room);
  if (saving <= 0) return;
  const parts = allocate(saving, state.lines.map((l) => l.payableFen));
  state.lines.forEach((l, i) => {
    l.discountFen += parts[i];
    l.payableFen -= parts[i];
  });
  state.adjustments.push({ code: adj.code, label: adj.label, amountFen: -saving });
}

export const shippingStep: PricingStep = {
  code: 'shipping',
  apply(state, input) {
    if (input.fulfilment === 'pickup') {
      state.shipping = { method: 'pickup', reason: '到店自提,无需运费', free: true };
      return;
    }
    if (!input.shippingTemplate) {
      state.shipping = { method: 'express', reason: '包邮', free: true };
      return;
    }
    const quote = quoteShipping(input.shippingTemplate, {
      province: input.province ?? '',
      pieces: state.lines.reduce((s, l) => s + l.quantity, 0),
      weightGrams: input.lines.reduce((s, l) => s + l.weightGrams * l.quantity, 0),
      goodsPayableFen: state.lines.reduce((s, l) => s + l.payableFen, 0),
    });
    state.shippingFen = quote.feeFen;
    state.shipping = { method: 'express', reason: quote.reason, free: quote.free };
    if (quote.feeFen > 0) state.adjustments.push({ code: 'shipping', label: `运费(${quote.reason})`, amountFen: quote.feeFen });
  },
};

/** Steps in the documented order; promotions insert theirs before `shipping`. */
export const defaultSteps: PricingStep[] = [shippingStep];

export function priceOrder(input: PricingInput, steps: PricingStep[] = defaultSteps): PricingResult {
  const state: PricingState = {
    lines: input.lines.map((l) => ({
      skuId: l.skuId,
      productId: l.productId,
      title: l.title,
      specText: l.specText,
      unitPriceFen: l.unitPriceFen,
      quantity: l.quantity,
      lineTotalFen: l.unitPriceFen * l.quantity,
      discountFen: 0,
      payableFen: l.unitPriceFen * l.quantity,
    })),
    adjustments: [],
    shippingFen: 0,
    shipping: { method: input.fulfilment, reason: '', free: true },
  };
  for (const step of steps) step.apply(state, input);
  const itemsTotalFen = state.lines.reduce((s, l) => s + l.lineTotalFen, 0);
  const discountFen = state.lines.reduce((s, l) => s + l.discountFen, 0);
  const goods = state.lines.reduce((s, l) => s + l.payableFen, 0);
  return {
    lines: state.lines,
    itemsTotalFen,
    discountFen,
    shippingFen: state.shippingFen,
    payableFen: goods + state.shippingFen,
    adjustments: state.adjustments,
    shipping: state.shipping,
  };
}
