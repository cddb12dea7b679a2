import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultSteps, priceOrder, type PricingInput, type PricingLineInput } from '../orders/pricing.js';
import { lineRefundFen } from '../orders/refund-math.js';
import { activityUnitPrice, promotionSteps, type ActivityDef, type CouponDef, type PromotionContext } from './engine.js';
import { couponLabel } from './labels.js';

const steps = [...defaultSteps, ...promotionSteps];
const NOW = new Date('2026-11-23T04:00:00Z');

const line = (id: string, unitPriceFen: number, quantity: number, extra: Partial<PricingLineInput> = {}): PricingLineInput => ({
  skuId: `sku-${id}`, productId: `prod-${id}`, categoryId: 'cat-a', title: id, specText: '', unitPriceFen, quantity, weightGrams: 0, ...extra,
});

const coupon = (over: Partial<CouponDef> = {}): CouponDef => {
  const c: CouponDef = {
    id: 'c1', templateId: 't1', name: '券', label: '', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, percentPaid: null, maxDiscountFen: null,
    giftProductId: null, scope: 'all', scopeIds: [], excludedProductIds: [], audience: 'all', audienceIds: [], stacksWithActivities: true,
    validFrom: '2026-11-01T00:00:00Z', validTo: '2026-12-01T00:00:00Z', ...over,
  };
  return { ...c, label: c.label || couponLabel(c) };
};

const price = (lines: PricingLineInput[], promo: Partial<PromotionContext> = {}, extra: Partial<PricingInput> = {}) =>
  priceOrder(
    {
      lines,
      fulfilment: 'pickup',
      at: NOW,
      context: { promotions: { activities: [], boughtAtActivity: {}, isNewCustomer: false, coupons: [], couponId: null, ...promo } },
      ...extra,
    },
    steps,
  );

const withCoupon = (lines: PricingLineInput[], c: CouponDef, promo: Partial<PromotionContext> = {}) => price(lines, { coupons: [c], couponId: c.id, ...promo });

describe('coupons', () => {
  it.each([
    ['满100减20, threshold exactly met', [line('a', 10000, 1)], coupon(), 8000],
    ['满100减20, one fen short', [line('a', 9999, 1)], coupon(), 9999],
    ['满100减20 across two lines', [line('a', 6000, 1), line('b', 4000, 1)], coupon(), 8000],
    ['无门槛减5', [line('a', 300, 1)], coupon({ kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500 }), 0],
    ['discount larger than the price never goes negative', [line('a', 100, 1)], coupon({ kind: 'no_threshold', thresholdFen: 0, amountOffFen: 5000 }), 0],
    ['8.5折 rounds the saving down to the fen', [line('a', 999, 1)], coupon({ kind: 'percent_off', thresholdFen: 0, amountOffFen: null, percentPaid: 85 }), 850],
    ['8折 capped at ¥30', [line('a', 50000, 1)], coupon({ kind: 'percent_off', thresholdFen: 0, amountOffFen: null, percentPaid: 80, maxDiscountFen: 3000 }), 47000],
    ['兑换券 frees one unit of the named product', [line('a', 2500, 2), line('b', 1000, 1)], coupon({ kind: 'gift', thresholdFen: 0, amountOffFen: null, giftProductId: 'prod-a' }), 3500],
  ])('%s', (_name, lines, c, payable) => {
    expect(withCoupon(lines, c).payableFen).toBe(payable);
  });

  it('counts only the lines in scope toward the threshold and the saving', () => {
    const c = coupon({ scope: 'categories', scopeIds: ['cat-a'], kind: 'percent_off', thresholdFen: 5000, amountOffFen: null, percentPaid: 50 });
    const r = withCoupon([line('a', 6000, 1), line('b', 6000, 1, { categoryId: 'cat-b' })], c);
    expect(r.lines.map((l) => l.discountFen)).toEqual([3000, 0]);
    const short = withCoupon([line('a', 4000, 1), line('b', 6000, 1, { categoryId: 'cat-b' })], c);
    expect(short.discountFen).toBe(0);
    expect(short.notes).toEqual([expect.objectContaining({ code: 'coupon', message: expect.stringContaining('还差¥10.00') })]);
  });

  it('counts a sub-category under a scope on its parent category', () => {
    const c = coupon({ scope: 'categories', scopeIds: ['cat-parent'], kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500 });
    const lines = [line('a', 6000, 1), line('b', 6000, 1, { categoryId: 'cat-b' })];
    const r = withCoupon(lines, c, { categoryPaths: { 'cat-a': ['cat-a', 'cat-parent'], 'cat-b': ['cat-b'] } });
    expect(r.lines.map((l) => l.discountFen)).toEqual([500, 0]);
    expect(withCoupon(lines, c).discountFen).toBe(0);
  });

  it('leaves out excluded products', () => {
    const c = coupon({ excludedProductIds: ['prod-b'] });
    expect(withCoupon([line('a', 6000, 1), line('b', 6000, 1)], c).discountFen).toBe(0);
  });

  it('refuses an expired, not-yet-valid or new-customers-only coupon with a reason', () => {
    expect(withCoupon([line('a', 20000, 1)], coupon({ validTo: '2026-11-23T03:59:59Z' })).notes[0].message).toBe('已过期');
    expect(withCoupon([line('a', 20000, 1)], coupon({ validFrom: '2026-11-24T00:00:00Z' })).notes[0].message).toBe('未到可用时间');
    expect(withCoupon([line('a', 20000, 1)], coupon({ audience: 'new_customers' })).notes[0].message).toBe('仅限新客首单使用');
    expect(withCoupon([line('a', 20000, 1)], coupon({ audience: 'new_customers' }), { isNewCustomer: true }).discountFen).toBe(2000);
  });

  it('does not stack with activities when the template says so', () => {
    const sale: ActivityDef = { id: 'ld', kind: 'limited_discount', name: '双11', rules: { items: [{ productId: 'prod-a', percentPaid: 90 }], perCustomerLimit: 0 } };
    const r = withCoupon([line('a', 20000, 1)], coupon({ stacksWithActivities: false }), { activities: [sale] });
    expect(r.adjustments.map((a) => a.code)).toEqual(['limited_discount']);
    expect(r.notes[0].message).toBe('不可与活动优惠同时使用');
  });

  it('spreads an order saving over many lines to the fen, summing exactly', () => {
    const lines = [line('a', 333, 1), line('b', 333, 1), line('c', 334, 1)];
    const r = withCoupon(lines, coupon({ kind: 'no_threshold', thresholdFen: 0, amountOffFen: 100 }));
    expect(r.lines.map((l) => l.discountFen)).toEqual([33, 33, 34]);
    expect(r.discountFen).toBe(100);
  });
});

describe('activities', () => {
  const ld = (items: { productId: string; skuId?: string; percentPaid?: number; priceFen?: number }[], perCustomerLimit = 0): ActivityDef => ({ id: 'ld1', kind: 'limited_discount', name: '限时', rules: { items, perCustomerLimit } });

  it('prices by percent, half up to the fen, at least 1 fen', () => {
    expect(activityUnitPrice(999, { percentPaid: 80 })).toBe(799);
    expect(activityUnitPrice(1, { percentPaid: 10 })).toBe(1);
    expect(activityUnitPrice(1000, { priceFen: 1200 })).toBe(1000);
  });

  it('lets a SKU price beat its product price and the lowest price win', () => {
    const r = price([line('a', 10000, 1)], { activities: [ld([{ productId: 'prod-a', percentPaid: 90 }, { productId: 'prod-a', skuId: 'sku-a', priceFen: 7000 }])] });
    expect(r.payableFen).toBe(7000);
  });

  it('holds the per-customer limit across orders', () => {
    const act = ld([{ productId: 'prod-a', percentPaid: 50 }], 3);
    const first = price([line('a', 1000, 5)], { activities: [act] });
    expect(first.payableFen).toBe(3 * 500 + 2 * 1000);
    const later = price([line('a', 1000, 2)], { activities: [act], boughtAtActivity: { ld1: 3 } });
    expect(later.payableFen).toBe(2000);
    expect(later.notes[0].message).toContain('每人限购3件');
  });

  it('sells complete bundle sets at the bundle price, leaving the rest', () => {
    const b: ActivityDef = { id: 'b1', kind: 'bundle', name: '早餐套餐', rules: { items: [{ productId: 'prod-a', quantity: 1 }, { productId: 'prod-b', quantity: 2 }], priceFen: 3000 } };
    const r = price([line('a', 2000, 3), line('b', 1000, 4)], { activities: [b] });
    // two sets of (1 a + 2 b) = 2 × ¥40 → 2 × ¥30; the third a stays at ¥20
    expect(r.payableFen).toBe(6000 + 2000);
    expect(r.adjustments).toEqual([expect.objectContaining({ code: 'bundle', amountFen: -2000, label: expect.stringContaining('×2') })]);
    expect(price([line('a', 2000, 1), line('b', 1000, 1)], { activities: [b] }).discountFen).toBe(0);
  });

  it('applies the highest full-reduction tier reached and says what the next one needs', () => {
    const fr: ActivityDef = { id: 'fr', kind: 'full_reduction', name: '满减', rules: { tiers: [{ thresholdFen: 10000, reduceFen: 1000 }, { thresholdFen: 20000, reduceFen: 3000 }], scope: 'all', scopeIds: [], excludedProductIds: [] } };
    expect(price([line('a', 9999, 1)], { activities: [fr] }).notes[0].message).toBe('再买¥0.01可减¥10.00');
    expect(price([line('a', 15000, 1)], { activities: [fr] }).payableFen).toBe(14000);
    expect(price([line('a', 20000, 1)], { activities: [fr] }).payableFen).toBe(17000);
  });

  it('adds a 满赠 gift line at ¥0 when its SKU is in stock', () => {
    const fr: ActivityDef = { id: 'fr', kind: 'full_reduction', name: '满赠', rules: { tiers: [{ thresholdFen: 5000, reduceFen: 0, giftSkuId: 'sku-g' }], scope: 'all', scopeIds: [], excludedProductIds: [] } };
    const gift = { ...line('g', 1500, 1), skuCode: null, imageUrl: null };
    const r = price([line('a', 5000, 1)], { activities: [fr] }, { giftCandidates: [gift] });
    expect(r.lines).toHaveLength(2);
    expect(r.lines[1]).toMatchObject({ skuId: 'sku-g', gift: true, payableFen: 0, discountFen: 1500 });
    expect(r.payableFen).toBe(5000);
    expect(r.gifts).toEqual([expect.objectContaining({ skuId: 'sku-g', quantity: 1 })]);
    expect(price([line('a', 5000, 1)], { activities: [fr] }).notes[0].message).toContain('赠品已赠完');
  });

  it('applies in the documented order: activity price, bundle, full reduction, coupon', () => {
    const acts: ActivityDef[] = [
      { id: 'fr', kind: 'full_reduction', name: '满减', rules: { tiers: [{ thresholdFen: 10000, reduceFen: 1000 }], scope: 'all', scopeIds: [], excludedProductIds: [] } },
      ld([{ productId: 'prod-a', percentPaid: 50 }]),
    ];
    // ¥300 → 5折 ¥150 → 满100减10 → ¥140 → coupon 满100减20 → ¥120
    const r = withCoupon([line('a', 30000, 1)], coupon(), { activities: acts });
    expect(r.adjustments.map((a) => a.code)).toEqual(['limited_discount', 'full_reduction', 'coupon']);
    expect(r.payableFen).toBe(12000);
  });
});

describe('pricing properties', () => {
  const lineArb = fc.record({ price: fc.integer({ min: 1, max: 500_000 }), qty: fc.integer({ min: 1, max: 20 }), cat: fc.constantFrom('cat-a', 'cat-b') });
  const couponArb = fc.oneof(
    fc.record({ kind: fc.constant('amount_off' as const), thresholdFen: fc.integer({ min: 1, max: 1_000_000 }), amountOffFen: fc.integer({ min: 1, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('no_threshold' as const), thresholdFen: fc.constant(0), amountOffFen: fc.integer({ min: 1, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('percent_off' as const), thresholdFen: fc.integer({ min: 0, max: 100_000 }), percentPaid: fc.integer({ min: 1, max: 99 }), maxDiscountFen: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }) }),
  );
  const actArb = fc.record({
    pct: fc.integer({ min: 1, max: 99 }),
    threshold: fc.integer({ min: 1, max: 500_000 }),
    reduce: fc.integer({ min: 1, max: 499_999 }),
    bundlePrice: fc.integer({ min: 1, max: 500_000 }),
    scopeCat: fc.boolean(),
  });

  const build = (ls: { price: number; qty: number; cat: string }[], cp: Partial<CouponDef>, a: { pct: number; threshold: number; reduce: number; bundlePrice: number; scopeCat: boolean }) => {
    const lines = ls.map((l, i) => line(String(i), l.price, l.qty, { categoryId: l.cat }));
    const acts: ActivityDef[] = [
      { id: 'ld', kind: 'limited_discount', name: 'ld', rules: { items: [{ productId: 'prod-0', percentPaid: a.pct }], perCustomerLimit: 0 } },
      { id: 'b', kind: 'bundle', name: 'b', rules: { items: [{ productId: 'prod-1', quantity: 1 }, { productId: 'prod-2', quantity: 1 }], priceFen: a.bundlePrice } },
      { id: 'fr', kind: 'full_reduction', name: 'fr', rules: { tiers: [{ thresholdFen: Math.max(a.threshold, a.reduce + 1), reduceFen: a.reduce }], scope: a.scopeCat ? 'categories' : 'all', scopeIds: ['cat-a'], excludedProductIds: [] } },
    ];
    return withCoupon(lines, coupon({ amountOffFen: null, percentPaid: null, maxDiscountFen: null, ...cp }), { activities: acts });
  };

  it('never makes the payable or a line negative, and line savings sum to the order saving', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 6 }), couponArb, actArb, (ls, cp, a) => {
        const r = build(ls, cp, a);
        expect(r.payableFen).toBeGreaterThanOrEqual(0);
        for (const l of r.lines) {
          expect(l.payableFen).toBeGreaterThanOrEqual(0);
          expect(l.discountFen + l.payableFen).toBe(l.lineTotalFen);
        }
        const savings = r.adjustments.filter((x) => x.code !== 'shipping').reduce((s, x) => s - x.amountFen, 0);
        expect(r.lines.reduce((s, l) => s + l.discountFen, 0)).toBe(savings);
        expect(r.discountFen).toBe(savings);
        expect(r.payableFen).toBe(r.itemsTotalFen - r.discountFen + r.shippingFen);
      }),
      { numRuns: 400 },
    );
  });

  it('refunding every line, unit by unit, returns exactly what was paid', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 6 }), couponArb, actArb, (ls, cp, a) => {
        const r = build(ls, cp, a);
        let refunded = 0;
        for (const l of r.lines) {
          let lineBack = 0;
          for (let k = 0; k < l.quantity; k++) lineBack += lineRefundFen({ payableFen: l.payableFen, quantity: l.quantity, refundedQty: k, refundedFen: lineBack }, 1);
          refunded += lineBack;
        }
        expect(refunded).toBe(r.payableFen - r.shippingFen);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 6 }), couponArb, actArb, (ls, cp, a) => {
        expect(build(ls, cp, a)).toEqual(build(ls, cp, a));
      }),
      { numRuns: 100 },
    );
  });
});
