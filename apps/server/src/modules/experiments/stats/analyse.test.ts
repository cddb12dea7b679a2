/** The result page's one call, read as the rules a merchant sees. */
import { describe, expect, it } from 'vitest';
import { analyse, type ExperimentArm } from './analyse.js';
import { INVALID_INPUT } from './inputs.js';

const arm = (key: string, users: number, conversions: number, extra: Partial<ExperimentArm> = {}): ExperimentArm => ({ key, users, conversions, ...extra });

describe('analyse', () => {
  it('a clear, large lift wins early through the always-valid p-value, before the planned sample size', () => {
    const result = analyse({ arms: [arm('control', 10_000, 1000), arm('new_coupon', 10_000, 1200)] });
    const [comparison] = result.comparisons;
    expect(result.sampleSizeReached).toBe(false);
    // 10 % → 11 % at α = 0.05, power 0.8: 14,750.79 by the formula (checked with scipy), rounded up.
    expect(result.requiredUsersPerArm).toBe(14_751);
    expect(comparison.conversion.alwaysValidPValue).toBeLessThan(0.05);
    expect(comparison.conversion.chanceToWin).toBeGreaterThan(0.99);
    expect(comparison.conversion.relativeLift).toBeCloseTo(0.2, 12);
    expect(comparison.verdict).toBe('variant_wins');
    expect(result.verdict).toBe('variant_wins');
    expect(result.winner).toBe('new_coupon');
    expect(result.arms[0]).toMatchObject({ key: 'control', conversionRate: 0.1, revenuePerUser: null });
    expect(result.arms[0].conversionCi.lower).toBeLessThan(0.1);
    expect(result.arms[0].conversionCi.upper).toBeGreaterThan(0.1);
  });

  it('a modest lift with p < 0.05 is still "too small" before the planned sample size: peeking is not allowed', () => {
    const result = analyse({ arms: [arm('control', 8000, 800), arm('variant', 8000, 880)] });
    const [c] = result.comparisons;
    expect(c.conversion.pValue).toBeLessThan(0.05);
    expect(c.conversion.alwaysValidPValue).toBeGreaterThan(0.05);
    expect(c.verdict).toBe('too_small');
    expect(result.verdict).toBe('too_small');
  });

  it('once the planned sample size is reached, the fixed-horizon test decides', () => {
    const result = analyse({ arms: [arm('control', 20_000, 2000), arm('variant', 20_000, 2130)] });
    const [c] = result.comparisons;
    expect(result.sampleSizeReached).toBe(true);
    expect(c.conversion.pValue).toBeLessThan(0.05);
    expect(c.conversion.alwaysValidPValue).toBeGreaterThan(0.05);
    expect(c.verdict).toBe('variant_wins');
  });

  it('no difference at full size says so', () => {
    const result = analyse({ arms: [arm('control', 20_000, 2000), arm('variant', 20_000, 2010)] });
    expect(result.verdict).toBe('no_difference_yet');
    expect(result.winner).toBeNull();
  });

  it('a variant that hurts is reported as control winning', () => {
    const result = analyse({ arms: [arm('control', 10_000, 1200), arm('variant', 10_000, 950)] });
    expect(result.comparisons[0].verdict).toBe('control_wins');
    expect(result.verdict).toBe('control_wins');
  });

  it('a sample ratio mismatch overrides everything, even an apparent winner', () => {
    const result = analyse({ arms: [arm('control', 50_000, 5000), arm('variant', 51_500, 6500)] });
    expect(result.srm.flagged).toBe(true);
    expect(result.comparisons[0].verdict).toBe('srm');
    expect(result.verdict).toBe('srm');
    expect(result.winner).toBeNull();
  });

  it('planned weights are respected: a 90/10 split with 90/10 traffic is fine', () => {
    const result = analyse({ arms: [arm('control', 9000, 900, { weight: 90 }), arm('variant', 1000, 100, { weight: 10 })] });
    expect(result.srm.flagged).toBe(false);
  });

  it('fewer than 50 users or 5 conversions per arm is too small, whatever the numbers say', () => {
    expect(analyse({ arms: [arm('control', 40, 1), arm('variant', 40, 30)] }).verdict).toBe('too_small');
    expect(analyse({ arms: [arm('control', 400, 4), arm('variant', 400, 60)] }).verdict).toBe('too_small');
  });

  it('with several variants α is split (Bonferroni) and the most likely winner is named', () => {
    const result = analyse({ arms: [arm('control', 10_000, 1000), arm('b', 10_000, 1200), arm('c', 10_000, 1250), arm('d', 10_000, 1010)] });
    expect(result.alphaPerComparison).toBeCloseTo(0.05 / 3, 15);
    expect(result.comparisons.map((c) => c.verdict)).toEqual(['variant_wins', 'variant_wins', 'too_small']);
    expect(result.winner).toBe('c');
  });

  it('revenue as the primary metric uses CUPED when pre-period aggregates are given', () => {
    const result = analyse({ primaryMetric: 'revenue', arms: [revenueArm('control', 0, 1), revenueArm('variant', 2, 2)] });
    const [c] = result.comparisons;
    expect(c.cuped).not.toBeNull();
    expect(c.cuped?.varianceReduction).toBeGreaterThan(0.5);
    expect(c.revenue?.difference).toBeCloseTo(c.cuped?.adjusted.difference ?? NaN, 12);
    expect(c.revenue?.pValue).toBeLessThan(c.cuped?.unadjusted.pValue ?? 0);
    expect(c.revenue?.alwaysValidPValue).toBeGreaterThanOrEqual(c.revenue?.pValue ?? 1);
    expect(['variant_wins', 'too_small']).toContain(c.verdict);
  });

  it('refuses impossible input with a stable code', () => {
    expect(() => analyse({ arms: [arm('control', 10, 11), arm('variant', 10, 1)] })).toThrow(expect.objectContaining({ code: INVALID_INPUT }));
    expect(() => analyse({ arms: [arm('control', 10, 1)] })).toThrow(expect.objectContaining({ code: INVALID_INPUT }));
    expect(() => analyse({ primaryMetric: 'revenue', arms: [arm('control', 100, 1), arm('variant', 100, 1)] })).toThrow(
      expect.objectContaining({ code: INVALID_INPUT }),
    );
  });
});

/**
 * 2,000 users whose in-experiment spend y = 0.9·x + noise follows their pre-period spend x; `lift` is
 * added to every user's y. Deterministic: x and noise come from fixed sequences, so both arms have
 * the same spread and differ by `lift` plus the `seed`-dependent noise.
 */
function revenueArm(key: string, lift: number, seed: number): ExperimentArm {
  const users = 2000;
  const revenue = { sum: 0, sumSquares: 0 };
  const pre = { sum: 0, sumSquares: 0, sumProducts: 0 };
  let conversions = 0;
  for (let i = 0; i < users; i++) {
    const x = ((i * 7919 + seed * 104729) % 2003) / 10;
    const noise = ((((i + seed) * 48271) % 2147) / 2147 - 0.5) * 20;
    const y = Math.max(0, 0.9 * x + noise + lift);
    if (y > 0) conversions += 1;
    revenue.sum += y;
    revenue.sumSquares += y * y;
    pre.sum += x;
    pre.sumSquares += x * x;
    pre.sumProducts += x * y;
  }
  return { key, users, conversions, revenue, preRevenue: pre };
}
