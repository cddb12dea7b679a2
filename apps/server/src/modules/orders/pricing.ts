import type { LineSaving } from '@siyu/contracts';
import { quoteShipping, type ShippingTemplateDef } from './shipping.js';

/**
 * The one pricing function checkout, preview and the storefront use: pure and deterministic — (cart,
 * customer facts, time, loaded offers) → lines, savings, payable. It runs steps sorted by `stage` over a
 * mutable state; a module extends pricing by adding a step (activity price, bundle, coupon, points…),
 * never by editing this file. Every saving is an adjustment with a human reason, and order-level savings
 * are allocated to lines so refunds can give back exactly what each line cost.
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
  /** Data each extension loaded for its steps (activities, the chosen coupon…), by extension code. */
  context?: Record<string, unknown>;
  /** Lines the steps may add (满赠 gifts), with what checkout needs to reserve them. */
  giftCandidates?: PricingLineInput[];
}

/**
 * The documented order in which savings apply. Stored value is not a saving but a way of paying (a
 * tender): it runs after shipping so the balance can pay the postage too.
 */
export const STAGES = {
  activityPrice: 100,
  groupBuy: 105,
  presaleDeposit: 110,
  bargain: 120,
  memberPrice: 150,
  bundle: 200,
  fullReduction: 300,
  coupon: 400,
  points: 500,
  shipping: 900,
  storedValue: 950,
} as const;

export interface Adjustment {
  /** Which step made it (e.g. `shipping`, later `coupon`, `full_reduction`). */
  code: string;
  /** Shown to the customer, e.g. "满100减20". */
  label: string;
  /** Negative for a saving, positive for a charge. */
  amountFen: number;
  skuId?: string;
  /** The activity or coupon that gave it. */
  ref?: string;
  /** Units it covered, where that matters (a per-customer limit on discounted units). */
  quantity?: number;
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
  /** A 满赠 gift: charged at ¥0 (its whole price is the saving). */
  gift?: boolean;
  /**
   * `discountFen` by where it came from (the step's code), so the customer can see why a line costs what
   * it does ("含优惠券分摊 −¥10.77"). Absent on orders priced before it was recorded.
   */
  savings?: LineSaving[];
}

/** Books a saving on a line under its step's code (one entry per code). */
function noteSaving(line: PricedLine, code: string, amountFen: number) {
  if (amountFen <= 0) return;
  line.savings ??= [];
  const same = line.savings.find((s) => s.code === code);
  if (same) same.amountFen += amountFen;
  else line.savings.push({ code, amountFen });
}

export interface PricingResult {
  lines: PricedLine[];
  itemsTotalFen: number;
  discountFen: number;
  shippingFen: number;
  payableFen: number;
  adjustments: Adjustment[];
  gifts: GiftLine[];
  notes: PricingNote[];
  shipping: { method: 'express' | 'pickup'; reason: string; free: boolean };
  /** Non-cash ways the payable is covered (stored value); absent on orders priced before tenders existed. */
  tenders?: Tender[];
  /** What is left for WeChat Pay: payable − tenders. */
  cashDueFen?: number;
}

export interface Tender {
  code: string;
  /** Shown to the customer, e.g. "余额支付". */
  label: string;
  amountFen: number;
}

export interface GiftLine {
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  quantity: number;
  reason: string;
}

export interface PricingNote {
  code: string;
  ref?: string;
  message: string;
}

export interface PricingState {
  lines: PricedLine[];
  adjustments: Adjustment[];
  gifts: GiftLine[];
  /** The input rows of gift lines (weight for shipping). */
  giftInputs: PricingLineInput[];
  /** Why an offer did not apply, or what would unlock it ("再买¥5.00可减¥20"). */
  notes: PricingNote[];
  /** Set by a step that waives shipping (a member benefit), with the reason shown. */
  shippingWaived?: string;
  shippingFen: number;
  shipping: PricingResult['shipping'];
  tenders: Tender[];
}

export interface PricingStep {
  code: string;
  /** Where it runs in the documented order (STAGES); equal stages keep registration order. */
  stage?: number;
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

/**
 * Applies an order-level saving to the lines (all, or the `lines` indexes a promotion covers) in
 * proportion to what each still costs, never making a line negative. Returns the saving applied.
 */
export function applyOrderDiscount(state: PricingState, adj: Omit<Adjustment, 'amountFen'> & { savingFen: number; lines?: number[] }): number {
  const idx = adj.lines ?? state.lines.map((_, i) => i);
  const room = idx.reduce((s, i) => s + state.lines[i].payableFen, 0);
  const saving = Math.min(adj.savingFen, room);
  if (saving <= 0) return 0;
  const parts = allocate(saving, idx.map((i) => state.lines[i].payableFen));
  idx.forEach((lineIndex, k) => {
    const l = state.lines[lineIndex];
    l.discountFen += parts[k];
    l.payableFen -= parts[k];
    noteSaving(l, adj.code, parts[k]);
  });
  state.adjustments.push({ code: adj.code, label: adj.label, amountFen: -saving, ...(adj.ref ? { ref: adj.ref } : {}) });
  return saving;
}

/** Lowers one line's price (an activity price), recording the saving against its SKU. */
export function applyLineDiscount(state: PricingState, lineIndex: number, adj: Omit<Adjustment, 'amountFen' | 'skuId'> & { savingFen: number }): number {
  const l = state.lines[lineIndex];
  const saving = Math.min(adj.savingFen, l.payableFen);
  if (saving <= 0) return 0;
  l.discountFen += saving;
  l.payableFen -= saving;
  noteSaving(l, adj.code, saving);
  state.adjustments.push({ code: adj.code, label: adj.label, amountFen: -saving, skuId: l.skuId, ...(adj.ref ? { ref: adj.ref } : {}), ...(adj.quantity ? { quantity: adj.quantity } : {}) });
  return saving;
}

/** What the order costs right now (goods after savings plus shipping); tenders cover part of it. */
export function payableOf(state: PricingState): number {
  return state.lines.reduce((s, l) => s + l.payableFen, 0) + state.shippingFen;
}

/** Adds a free gift line (满赠): its price is shown and wholly discounted. */
export function addGiftLine(state: PricingState, gift: PricingLineInput, adj: { code: string; label: string; ref?: string }) {
  const total = gift.unitPriceFen * gift.quantity;
  state.lines.push({
    skuId: gift.skuId,
    productId: gift.productId,
    title: gift.title,
    specText: gift.specText,
    unitPriceFen: gift.unitPriceFen,
    quantity: gift.quantity,
    lineTotalFen: total,
    discountFen: total,
    payableFen: 0,
    gift: true,
    ...(total > 0 ? { savings: [{ code: 'gift', amountFen: total }] } : {}),
  });
  state.gifts.push({ skuId: gift.skuId, productId: gift.productId, title: gift.title, specText: gift.specText, quantity: gift.quantity, reason: adj.label });
  state.giftInputs.push(gift);
  if (total > 0) state.adjustments.push({ code: adj.code, label: `${adj.label}(赠品)`, amountFen: -total, skuId: gift.skuId, ...(adj.ref ? { ref: adj.ref } : {}) });
}

export const shippingStep: PricingStep = {
  code: 'shipping',
  stage: STAGES.shipping,
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
      weightGrams: [...input.lines, ...state.giftInputs].reduce((s, l) => s + l.weightGrams * l.quantity, 0),
      goodsPayableFen: state.lines.reduce((s, l) => s + l.payableFen, 0),
    });
    // A waiver (member free shipping) still needs a region the template delivers to: quote first.
    if (state.shippingWaived) {
      state.shipping = { method: 'express', reason: state.shippingWaived, free: true };
      return;
    }
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
    gifts: [],
    giftInputs: [],
    notes: [],
    shippingFen: 0,
    shipping: { method: input.fulfilment, reason: '', free: true },
    tenders: [],
  };
  const ordered = steps.map((step, i) => ({ step, i })).sort((a, b) => (a.step.stage ?? STAGES.fullReduction) - (b.step.stage ?? STAGES.fullReduction) || a.i - b.i);
  for (const { step } of ordered) step.apply(state, input);
  const itemsTotalFen = state.lines.reduce((s, l) => s + l.lineTotalFen, 0);
  const discountFen = state.lines.reduce((s, l) => s + l.discountFen, 0);
  const payableFen = payableOf(state);
  const tendered = state.tenders.reduce((s, t) => s + t.amountFen, 0);
  if (tendered > payableFen) throw new Error(`tenders (${tendered}) exceed the payable (${payableFen})`);
  return {
    lines: state.lines,
    itemsTotalFen,
    discountFen,
    shippingFen: state.shippingFen,
    payableFen,
    adjustments: state.adjustments,
    gifts: state.gifts,
    notes: state.notes,
    shipping: state.shipping,
    tenders: state.tenders,
    cashDueFen: payableFen - tendered,
  };
}
