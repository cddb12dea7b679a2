import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutSequence, nextCut } from './cuts.js';

/** A launch: start and floor in fen, helpers needed (each cut ≥ 1 fen so N ≤ start − floor), first-cut range. */
const launch = fc
  .record({ start: fc.integer({ min: 1, max: 2_000_000 }), floorShare: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), nShare: fc.double({ min: 0, max: 1, noNaN: true }), lo: fc.integer({ min: 1, max: 90 }), width: fc.integer({ min: 0, max: 89 }) })
  .map(({ start, floorShare, nShare, lo, width }) => {
    const floor = Math.min(start - 1, Math.floor(start * floorShare));
    const total = start - floor;
    const n = Math.max(1, Math.min(total, 1 + Math.floor(nShare * Math.min(total - 1, 400))));
    return { start, floor, n, pct: [lo, Math.min(90, lo + width)] as const };
  });

/** Random draws, including the extremes a random source may return. */
const draws = fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.constant(0), fc.constant(0.999_999_999_9)), { minLength: 1, maxLength: 50 });

describe('bargain cut curve', () => {
  it('sums to start − floor, cuts ≥ 1 fen, lands on the floor after exactly N helps and never below (2,000 launches)', () => {
    fc.assert(
      fc.property(launch, draws, ({ start, floor, n, pct }, rs) => {
        let k = 0;
        const rnd = () => rs[k++ % rs.length];
        const cuts = cutSequence(start - floor, n, rnd, pct);
        expect(cuts).toHaveLength(n);
        expect(cuts.reduce((a, b) => a + b, 0)).toBe(start - floor);
        let price = start;
        cuts.forEach((c, i) => {
          expect(Number.isInteger(c) && c >= 1).toBe(true);
          price -= c;
          expect(price).toBeGreaterThanOrEqual(floor);
          // Before the last helper the floor is not reached: one fen at least per helper still to come.
          expect(price - floor).toBeGreaterThanOrEqual(n - 1 - i);
        });
        expect(price).toBe(floor);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the first helper a share of the whole cut within the first-cut range (when the others leave room)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 1_000_000 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (total, n, lo, width, r) => {
        const hi = lo + width;
        const cut = nextCut(total, n, () => r, { first: true, firstCutPct: [lo, hi] });
        expect(cut).toBeGreaterThanOrEqual(Math.floor((total * lo) / 100));
        expect(cut).toBeLessThanOrEqual(Math.ceil((total * hi) / 100));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps later cuts near the average share so no helper is left with a pittance or a windfall', () => {
    // ¥100 over 10 helpers after a 40 % first cut: ¥60 over 9, each cut between half and 1.5 times ¥6.67.
    for (const r of [0, 0.5, 0.999]) {
      const cut = nextCut(6_000, 9, () => r, { first: false, firstCutPct: [30, 50] });
      expect(cut).toBeGreaterThanOrEqual(333);
      expect(cut).toBeLessThanOrEqual(1_000);
    }
    expect(nextCut(6_000, 9, () => 0, { first: false, firstCutPct: [30, 50] })).toBe(333);
    expect(nextCut(10_000, 10, () => 0.5, { first: true, firstCutPct: [30, 50] })).toBe(4_000);
  });

  it('cuts 1 fen each when there is exactly 1 fen per helper, and the rest for the last helper', () => {
    expect(cutSequence(5, 5, () => 0.9, [30, 50])).toEqual([1, 1, 1, 1, 1]);
    expect(nextCut(777, 1, () => 0, { first: false, firstCutPct: [30, 50] })).toBe(777);
    expect(nextCut(777, 1, () => 0, { first: true, firstCutPct: [30, 50] })).toBe(777);
  });

  it('refuses a cut that cannot leave 1 fen per helper', () => {
    expect(() => nextCut(3, 4, Math.random, { first: false, firstCutPct: [30, 50] })).toThrow(RangeError);
    expect(() => nextCut(10, 0, Math.random, { first: false, firstCutPct: [30, 50] })).toThrow(RangeError);
    expect(() => nextCut(10.5, 2, Math.random, { first: false, firstCutPct: [30, 50] })).toThrow(RangeError);
  });
});
