import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, applyOrderDiscount, priceOrder, type PricingInput, type PricingStep } from './pricing.js';
import { lineRefundFen, quotePriceDifference } from './refund-math.js';
import { quoteShipping, type ShippingTemplateDef } from './shipping.js';

const line = (skuId: string, unitPriceFen: number, quantity: number, weightGrams = 500) => ({
  skuId, productId: `p-${skuId}`, categoryId: null, title: skuId, specText: '', unitPriceFen, quantity, weightGrams,
});

const byPiece: ShippingTemplateDef = {
  chargeBy: 'piece',
  rules: [
    { regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 },
    { regions: ['新疆维吾尔自治区', '西藏自治区'], first: 1, firstFeeFen: 2000, additional: 1, additionalFeeFen: 1000 },
  ],
  freeOverFen: 9900,
  excludedRegions: ['台湾省'],
};

describe('shipping fee templates', () => {
  it.each([
    ['default region, 1 piece', '广东省', 1, 0, 1000, 800],
    ['default region, 3 pieces', '广东省', 3, 0, 1000, 1200],
    ['named region', '西藏自治区', 2, 0, 1000, 3000],
    ['free exactly at the threshold', '广东省', 3, 0, 9900, 0],
    ['one fen below the threshold pays', '广东省', 1, 0, 9899, 800],
  ])('%s', (_name, province, pieces, weightGrams, goods, fee) => {
    expect(quoteShipping(byPiece, { province, pieces, weightGrams, goodsPayableFen: goods }).feeFen).toBe(fee);
  });

  it('charges by weight in started steps', () => {
    const tpl: ShippingTemplateDef = { chargeBy: 'weight', rules: [{ regions: [], first: 1000, firstFeeFen: 1000, additional: 500, additionalFeeFen: 300 }], freeOverFen: null, excludedRegions: [] };
    expect(quoteShipping(tpl, { province: '浙江省', pieces: 1, weightGrams: 1000, goodsPayableFen: 1 }).feeFen).toBe(1000);
    expect(quoteShipping(tpl, { province: '浙江省', pieces: 1, weightGrams: 1001, goodsPayableFen: 1 }).feeFen).toBe(1300);
    expect(quoteShipping(tpl, { province: '浙江省', pieces: 1, weightGrams: 2000, goodsPayableFen: 1 }).feeFen).toBe(1600);
  });

  it('refuses excluded regions and regions with no rule', () => {
    expect(() => quoteShipping(byPiece, { province: '台湾省', pieces: 1, weightGrams: 0, goodsPayableFen: 0 })).toThrow(/deliver/);
    const noDefault = { ...byPiece, rules: [byPiece.rules[1]] };
    expect(() => quoteShipping(noDefault, { province: '广东省', pieces: 1, weightGrams: 0, goodsPayableFen: 0 })).toThrow(/deliver/);
  });
});

describe('priceOrder', () => {
  const base = (lines: PricingInput['lines'], extra: Partial<PricingInput> = {}): PricingInput => ({ lines, fulfilment: 'express', province: '广东省', shippingTemplate: byPiece, at: new Date(), ...extra });

  it('breaks the order down line by line with shipping', () => {
    const r = priceOrder(base([line('a', 1999, 2), line('b', 500, 1)]));
    expect(r.lines.map((l) => l.lineTotalFen)).toEqual([3998, 500]);
    expect(r.itemsTotalFen).toBe(4498);
    expect(r.shippingFen).toBe(1200);
    expect(r.payableFen).toBe(5698);
    expect(r.adjustments).toEqual([expect.objectContaining({ code: 'shipping', amountFen: 1200 })]);
  });

  it('charges no shipping for store pickup', () => {
    const r = priceOrder(base([line('a', 1999, 2)], { fulfilment: 'pickup', province: undefined }));
    expect(r.shippingFen).toBe(0);
    expect(r.shipping.method).toBe('pickup');
  });

  it('lets a pluggable step give an order-level saving spread over lines to the fen', () => {
    const tenOff: PricingStep = { code: 'demo', apply: (s) => applyOrderDiscount(s, { code: 'demo', label: '立减10元', savingFen: 1000 }) };
    const r = priceOrder(base([line('a', 333, 1), line('b', 333, 1), line('c', 334, 1)], { fulfilment: 'pickup' }), [tenOff]);
    expect(r.discountFen).toBe(1000);
    expect(r.lines.every((l) => l.payableFen === 0)).toBe(true);
    const r2 = priceOrder(base([line('a', 100, 3), line('b', 700, 1)], { fulfilment: 'pickup' }), [{ code: 'x', apply: (s) => applyOrderDiscount(s, { code: 'x', label: 'x', savingFen: 1 }) }]);
    expect(r2.lines.reduce((s, l) => s + l.discountFen, 0)).toBe(1);
  });

  it('never makes a line negative when the saving is larger than the goods', () => {
    const huge: PricingStep = { code: 'huge', apply: (s) => applyOrderDiscount(s, { code: 'huge', label: 'huge', savingFen: 10_000 }) };
    const r = priceOrder(base([line('a', 100, 1)], { fulfilment: 'pickup' }), [huge]);
    expect(r.payableFen).toBe(0);
    expect(r.adjustments[0].amountFen).toBe(-100);
  });
});

describe('money properties', () => {
  it('allocate always sums to the amount and never goes negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 30 }), (amount, weights) => {
        const parts = allocate(amount, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
        expect(parts.every((p) => p >= 0)).toBe(true);
      }),
    );
  });

  it('line discounts sum to the order discount and payable is never negative', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ price: fc.integer({ min: 0, max: 100_000 }), qty: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (lines, saving) => {
          const step: PricingStep = { code: 's', apply: (s) => applyOrderDiscount(s, { code: 's', label: 's', savingFen: saving }) };
          const r = priceOrder({ lines: lines.map((l, i) => line(`k${i}`, l.price, l.qty)), fulfilment: 'pickup', at: new Date() }, [step]);
          expect(r.lines.reduce((s, l) => s + l.discountFen, 0)).toBe(r.discountFen);
          expect(r.payableFen).toBeGreaterThanOrEqual(0);
          expect(r.lines.every((l) => l.payableFen >= 0 && l.payableFen + l.discountFen === l.lineTotalFen)).toBe(true);
        },
      ),
    );
  });

  it('refunding every unit of a line in any number of steps, with price differences in between, returns exactly what the line cost', () => {
    // A step is a number of units, or (negative) a price difference in fen given back without units (阶梯团).
    const stepArb = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -200_000, max: -1 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 1_000_000 }), fc.infiniteStream(stepArb), (quantity, payableFen, steps) => {
        const line = { id: 'l', quantity, payableFen, refundedQty: 0, refundedFen: 0 };
        const order = { paidFen: payableFen, refundedFen: 0, balanceFen: 0 };
        const it = steps[Symbol.iterator]();
        while (line.refundedQty < quantity) {
          const step = it.next().value as number;
          let fen: number;
          if (step < 0) {
            fen = quotePriceDifference({ ...order, refundedFen: line.refundedFen }, line, -step, 0).amountFen;
          } else {
            const q = Math.min(quantity - line.refundedQty, step);
            fen = lineRefundFen(line, q);
            line.refundedQty += q;
          }
          expect(fen).toBeGreaterThanOrEqual(0);
          line.refundedFen += fen;
          expect(line.refundedFen).toBeLessThanOrEqual(payableFen);
        }
        expect(line.refundedFen).toBe(payableFen);
      }),
    );
  });

});
