import {
  STAGES,
  addGiftLine,
  applyLineDiscount,
  applyOrderDiscount,
  type PricingInput,
  type PricingState,
  type PricingStep,
} from '../orders/pricing.js';
import { yuan } from './labels.js';

/**
 * The promotion steps of the pricing engine. Each is pure: it reads the offers checkout loaded
 * (`input.context.promotions`) and the state so far, and records savings with a reason. A new promotion
 * type is one more `PricingStep` in `promotionSteps`, nothing else changes.
 */

export interface LimitedDiscountDef {
  id: string;
  kind: 'limited_discount';
  name: string;
  rules: { items: { productId: string; skuId?: string; percentPaid?: number; priceFen?: number }[]; perCustomerLimit: number };
}
export interface FullReductionDef {
  id: string;
  kind: 'full_reduction';
  name: string;
  rules: { tiers: { thresholdFen: number; reduceFen: number; giftSkuId?: string }[]; scope: Scope; scopeIds: string[]; excludedProductIds: string[] };
}
export interface BundleDef {
  id: string;
  kind: 'bundle';
  name: string;
  rules: { items: { productId: string; quantity: number }[]; priceFen: number };
}
export type ActivityDef = LimitedDiscountDef | FullReductionDef | BundleDef;
type Scope = 'all' | 'categories' | 'products';

export interface CouponDef {
  id: string;
  templateId: string;
  name: string;
  label: string;
  kind: 'amount_off' | 'percent_off' | 'no_threshold' | 'gift';
  thresholdFen: number;
  amountOffFen: number | null;
  percentPaid: number | null;
  maxDiscountFen: number | null;
  giftProductId: string | null;
  scope: Scope;
  scopeIds: string[];
  excludedProductIds: string[];
  audience: 'all' | 'new_customers' | 'levels' | 'tags';
  audienceIds: string[];
  stacksWithActivities: boolean;
  validFrom: string;
  validTo: string;
}

export interface PromotionContext {
  /** Activities running at the pricing time (status active, inside their period). */
  activities: ActivityDef[];
  /** Units each customer already bought at a limited-discount price, by activity id. */
  boughtAtActivity: Record<string, number>;
  isNewCustomer: boolean;
  /** The customer's unused coupons; `couponId` is the one to apply (null: none). */
  coupons: CouponDef[];
  couponId: string | null;
  /** Each category with its ancestors, so a scope on a parent category covers its children. */
  categoryPaths?: Record<string, string[]>;
  /** The customer's member level and tags, for coupons meant for some members only. */
  customerLevelId?: string | null;
  customerTagIds?: string[];
}

export const ACTIVITY_CODES = ['limited_discount', 'bundle', 'full_reduction'] as const;

const ctxOf = (input: PricingInput): PromotionContext | undefined => input.context?.promotions as PromotionContext | undefined;

/** Lines a scope covers: never gifts; by category or product; minus exclusions. */
export function linesInScope(state: PricingState, input: PricingInput, scope: { scope: Scope; scopeIds: string[]; excludedProductIds: string[] }): number[] {
  const paths = ctxOf(input)?.categoryPaths ?? {};
  const out: number[] = [];
  state.lines.forEach((l, i) => {
    if (l.gift || i >= input.lines.length) return;
    const categoryId = input.lines[i].categoryId;
    if (inScope(scope, { id: l.productId, categoryPath: categoryId ? paths[categoryId] ?? [categoryId] : [] })) out.push(i);
  });
  return out;
}

/** Whether a product falls in a scope: by product, or by its category or any ancestor of it; minus exclusions. */
export function inScope(scope: { scope: Scope; scopeIds: string[]; excludedProductIds: string[] }, product: { id: string; categoryPath: string[] }): boolean {
  if (scope.excludedProductIds.includes(product.id)) return false;
  if (scope.scope === 'products') return scope.scopeIds.includes(product.id);
  if (scope.scope === 'categories') return product.categoryPath.some((c) => scope.scopeIds.includes(c));
  return true;
}

const payableOf = (state: PricingState, idx: number[]) => idx.reduce((s, i) => s + state.lines[i].payableFen, 0);

/** Activity price of one unit: a fixed price, or the share paid rounded half up to the fen (at least 1 fen). */
export function activityUnitPrice(priceFen: number, item: { percentPaid?: number; priceFen?: number }): number {
  const p = item.priceFen !== undefined ? item.priceFen : Math.round((priceFen * (item.percentPaid ?? 100)) / 100);
  return Math.max(1, Math.min(priceFen, p));
}

export const limitedDiscountStep: PricingStep = {
  code: 'limited_discount',
  stage: STAGES.activityPrice,
  apply(state, input) {
    const ctx = ctxOf(input);
    if (!ctx) return;
    const activities = ctx.activities.filter((a): a is LimitedDiscountDef => a.kind === 'limited_discount');
    // Units left at the discount per activity for this customer, shared by every line of the order.
    const left = new Map(activities.map((a) => [a.id, a.rules.perCustomerLimit > 0 ? Math.max(0, a.rules.perCustomerLimit - (ctx.boughtAtActivity[a.id] ?? 0)) : Infinity]));
    input.lines.forEach((line, i) => {
      // The lowest activity price wins; a SKU-level price beats its product's.
      let best: { a: LimitedDiscountDef; unit: number } | null = null;
      for (const a of activities) {
        const item = a.rules.items.find((it) => it.skuId === line.skuId) ?? a.rules.items.find((it) => it.productId === line.productId && !it.skuId);
        if (!item) continue;
        const unit = activityUnitPrice(line.unitPriceFen, item);
        if (unit < line.unitPriceFen && (!best || unit < best.unit)) best = { a, unit };
      }
      if (!best) return;
      const units = Math.min(line.quantity, left.get(best.a.id) ?? 0);
      if (units <= 0) {
        state.notes.push({ code: 'limited_discount', ref: best.a.id, message: `${best.a.name}:每人限购${best.a.rules.perCustomerLimit}件,已按原价计算` });
        return;
      }
      left.set(best.a.id, (left.get(best.a.id) ?? 0) - units);
      applyLineDiscount(state, i, { code: 'limited_discount', label: `限时折扣·${best.a.name}`, ref: best.a.id, quantity: units, savingFen: (line.unitPriceFen - best.unit) * units });
      if (units < line.quantity) state.notes.push({ code: 'limited_discount', ref: best.a.id, message: `${best.a.name}:每人限购${best.a.rules.perCustomerLimit}件,超出部分按原价计算` });
    });
  },
};

export const bundleStep: PricingStep = {
  code: 'bundle',
  stage: STAGES.bundle,
  apply(state, input) {
    const ctx = ctxOf(input);
    if (!ctx) return;
    const used = new Set<number>();
    for (const a of ctx.activities) {
      if (a.kind !== 'bundle') continue;
      const linesOf = (productId: string) => input.lines.map((l, i) => ({ l, i })).filter(({ l, i }) => l.productId === productId && !used.has(i));
      const sets = Math.min(...a.rules.items.map((it) => Math.floor(linesOf(it.productId).reduce((s, { l }) => s + l.quantity, 0) / it.quantity)));
      if (!Number.isFinite(sets) || sets < 1) continue;
      // The cost of the units that form the sets, taken line by line, at what they cost so far.
      const covered: number[] = [];
      let original = 0;
      for (const it of a.rules.items) {
        let need = it.quantity * sets;
        for (const { l, i } of linesOf(it.productId)) {
          if (need <= 0) break;
          const take = Math.min(need, l.quantity);
          const lineState = state.lines[i];
          original += Math.round((lineState.payableFen * take) / lineState.quantity);
          need -= take;
          covered.push(i);
        }
      }
      const saving = original - a.rules.priceFen * sets;
      if (saving <= 0) continue;
      covered.forEach((i) => used.add(i));
      applyOrderDiscount(state, { code: 'bundle', label: `组合套餐·${a.name}${sets > 1 ? ` ×${sets}` : ''}`, ref: a.id, savingFen: saving, lines: covered });
    }
  },
};

export const fullReductionStep: PricingStep = {
  code: 'full_reduction',
  stage: STAGES.fullReduction,
  apply(state, input) {
    const ctx = ctxOf(input);
    if (!ctx) return;
    for (const a of ctx.activities) {
      if (a.kind !== 'full_reduction') continue;
      const idx = linesInScope(state, input, a.rules);
      if (idx.length === 0) continue;
      const total = payableOf(state, idx);
      const tiers = [...a.rules.tiers].sort((x, y) => x.thresholdFen - y.thresholdFen);
      const reached = tiers.filter((t) => total >= t.thresholdFen).pop();
      const next = tiers.find((t) => total < t.thresholdFen);
      if (next) state.notes.push({ code: 'full_reduction', ref: a.id, message: `再买${fenText(next.thresholdFen - total)}${tierText(next)}` });
      if (!reached) continue;
      if (reached.reduceFen > 0) applyOrderDiscount(state, { code: 'full_reduction', label: `满${yuan(reached.thresholdFen)}减${yuan(reached.reduceFen)}·${a.name}`, ref: a.id, savingFen: reached.reduceFen, lines: idx });
      if (reached.giftSkuId) {
        const gift = input.giftCandidates?.find((g) => g.skuId === reached.giftSkuId);
        if (gift) addGiftLine(state, { ...gift, quantity: 1 }, { code: 'full_reduction', label: `满${yuan(reached.thresholdFen)}赠·${a.name}`, ref: a.id });
        else state.notes.push({ code: 'full_reduction', ref: a.id, message: `${a.name}:赠品已赠完` });
      }
    }
  },
};

const fenText = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const tierText = (t: { reduceFen: number; giftSkuId?: string }) => (t.reduceFen > 0 ? `可减${fenText(t.reduceFen)}` : '') + (t.giftSkuId ? `${t.reduceFen > 0 ? '并' : '可'}得赠品` : '');

export type CouponCheck = { ok: true; savingFen: number; lines: number[] } | { ok: false; reason: string };

/** Whether a coupon applies to the order as priced so far, and what it would save. Pure. */
export function checkCoupon(c: CouponDef, state: PricingState, input: PricingInput, ctx: Pick<PromotionContext, 'isNewCustomer' | 'customerLevelId' | 'customerTagIds'>): CouponCheck {
  const at = input.at.getTime();
  if (at < new Date(c.validFrom).getTime()) return { ok: false, reason: '未到可用时间' };
  if (at >= new Date(c.validTo).getTime()) return { ok: false, reason: '已过期' };
  if (c.audience === 'new_customers' && !ctx.isNewCustomer) return { ok: false, reason: '仅限新客首单使用' };
  if (c.audience === 'levels' && !(ctx.customerLevelId && c.audienceIds.includes(ctx.customerLevelId))) return { ok: false, reason: '仅限指定会员等级使用' };
  if (c.audience === 'tags' && !(ctx.customerTagIds ?? []).some((id) => c.audienceIds.includes(id))) return { ok: false, reason: '仅限指定客户使用' };
  if (!c.stacksWithActivities && state.adjustments.some((a) => (ACTIVITY_CODES as readonly string[]).includes(a.code))) return { ok: false, reason: '不可与活动优惠同时使用' };
  const idx = linesInScope(state, input, c);
  if (idx.length === 0) return { ok: false, reason: '订单中没有可用此券的商品' };
  const eligible = payableOf(state, idx);
  if (eligible < c.thresholdFen) return { ok: false, reason: `可用商品满${fenText(c.thresholdFen)}可用,还差${fenText(c.thresholdFen - eligible)}` };
  let saving = 0;
  let lines = idx;
  switch (c.kind) {
    case 'amount_off':
    case 'no_threshold':
      saving = Math.min(c.amountOffFen ?? 0, eligible);
      break;
    case 'percent_off': {
      // Never more than the stated discount: the saving is rounded down to the fen, then capped.
      saving = Math.floor((eligible * (100 - (c.percentPaid ?? 100))) / 100);
      if (c.maxDiscountFen) saving = Math.min(saving, c.maxDiscountFen);
      break;
    }
    case 'gift': {
      const i = idx.find((k) => state.lines[k].productId === c.giftProductId && state.lines[k].payableFen > 0);
      if (i === undefined) return { ok: false, reason: '请先将兑换商品加入订单' };
      const l = state.lines[i];
      saving = Math.ceil(l.payableFen / l.quantity);
      lines = [i];
      break;
    }
  }
  if (saving <= 0) return { ok: false, reason: '此订单用券无优惠' };
  return { ok: true, savingFen: saving, lines };
}

export const couponStep: PricingStep = {
  code: 'coupon',
  stage: STAGES.coupon,
  apply(state, input) {
    const ctx = ctxOf(input);
    if (!ctx?.couponId) return;
    const c = ctx.coupons.find((x) => x.id === ctx.couponId);
    if (!c) {
      state.notes.push({ code: 'coupon', ref: ctx.couponId, message: '优惠券不可用' });
      return;
    }
    const check = checkCoupon(c, state, input, ctx);
    if (!check.ok) {
      state.notes.push({ code: 'coupon', ref: c.id, message: check.reason });
      return;
    }
    applyOrderDiscount(state, { code: 'coupon', label: c.label, ref: c.id, savingFen: check.savingFen, lines: check.lines });
  },
};

/** In the documented order (the engine sorts by stage). */
export const promotionSteps: PricingStep[] = [limitedDiscountStep, bundleStep, fullReductionStep, couponStep];
