/**
 * Properties that must hold for any data, checked on random inputs (fast-check, fixed seed so a
 * failure reproduces).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyse } from './analyse.js';
import { chanceToWinMeans, chanceToWinProportions } from './bayes.js';
import { cuped } from './cuped.js';
import {
  betaCdf,
  betaPdf,
  betaQuantile,
  chiSquareCdf,
  chiSquarePdf,
  chiSquareQuantile,
  normalSf,
  studentTCdf,
  studentTPdf,
  studentTQuantile,
} from './distributions.js';
import { welch } from './means.js';
import { twoProportion } from './proportions.js';
import { alwaysValid } from './sequential.js';
import { srm } from './srm.js';

const SETTINGS = { seed: 20261204, numRuns: 300 };

const proportionArm = fc
  .integer({ min: 1, max: 200_000 })
  .chain((n) => fc.record({ n: fc.constant(n), conversions: fc.integer({ min: 0, max: n }) }));
const meanArm = fc.record({
  n: fc.integer({ min: 2, max: 100_000 }),
  mean: fc.double({ min: -1000, max: 1000, noNaN: true }),
  variance: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
});
const alpha = fc.constantFrom(0.01, 0.05, 0.1, 0.2);

const inUnit = (p: number) => p >= 0 && p <= 1;
const near = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe('twoProportion', () => {
  it('p in [0, 1], the CI contains the estimate, Wilson intervals contain the rates', () => {
    fc.assert(
      fc.property(proportionArm, proportionArm, alpha, (a, b, al) => {
        const r = twoProportion(a, b, { alpha: al });
        return (
          inUnit(r.pValue) &&
          r.ci.lower <= r.difference &&
          r.difference <= r.ci.upper &&
          r.wilsonA.lower <= r.rateA + 1e-15 &&
          r.rateA <= r.wilsonA.upper + 1e-15 &&
          r.wilsonB.lower >= 0 &&
          r.wilsonB.upper <= 1
        );
      }),
      SETTINGS,
    );
  });

  it('swapping the arms negates the difference and keeps the p-value', () => {
    fc.assert(
      fc.property(proportionArm, proportionArm, (a, b) => {
        const ab = twoProportion(a, b);
        const ba = twoProportion(b, a);
        return near(ab.difference, -ba.difference) && near(ab.z, -ba.z) && near(ab.pValue, ba.pValue) && near(ab.ci.lower, -ba.ci.upper);
      }),
      SETTINGS,
    );
  });
});

describe('welch', () => {
  it('p in [0, 1], CI contains the estimate, symmetric under swapping', () => {
    fc.assert(
      fc.property(meanArm, meanArm, alpha, (a, b, al) => {
        const ab = welch(a, b, { alpha: al });
        const ba = welch(b, a, { alpha: al });
        return (
          inUnit(ab.pValue) &&
          ab.ci.lower <= ab.difference &&
          ab.difference <= ab.ci.upper &&
          near(ab.t, -ba.t) &&
          near(ab.df, ba.df) &&
          near(ab.pValue, ba.pValue, 1e-8)
        );
      }),
      SETTINGS,
    );
  });

  it('the CI excludes zero exactly when p < α (test and interval agree)', () => {
    fc.assert(
      fc.property(meanArm, meanArm, alpha, (a, b, al) => {
        const r = welch(a, b, { alpha: al });
        const excludesZero = r.ci.lower > 0 || r.ci.upper < 0;
        // Skip the knife-edge where p is within rounding of α.
        return Math.abs(r.pValue - al) < 1e-9 || excludesZero === r.pValue < al;
      }),
      SETTINGS,
    );
  });
});

describe('chance to win', () => {
  it('proportions: in [0, 1]; P(B>A) + P(A>B) = 1; loss(A) − loss(B) = posterior mean(B) − mean(A)', () => {
    const smallArm = fc.integer({ min: 1, max: 3000 }).chain((n) => fc.record({ n: fc.constant(n), conversions: fc.integer({ min: 0, max: n }) }));
    fc.assert(
      fc.property(smallArm, smallArm, (a, b) => {
        const ab = chanceToWinProportions(a, b);
        const ba = chanceToWinProportions(b, a);
        const postMean = (x: { n: number; conversions: number }) => (x.conversions + 1) / (x.n + 2);
        return (
          inUnit(ab.chanceToWin) &&
          Math.abs(ab.chanceToWin + ba.chanceToWin - 1) < 1e-9 &&
          ab.expectedLossA >= 0 &&
          ab.expectedLossB >= 0 &&
          Math.abs(ab.expectedLossA - ab.expectedLossB - (postMean(b) - postMean(a))) < 1e-9 &&
          near(ab.expectedLossA, ba.expectedLossB, 1e-7)
        );
      }),
      { ...SETTINGS, numRuns: 150 },
    );
  });

  it('means: symmetric under swapping', () => {
    fc.assert(
      fc.property(meanArm, meanArm, (a, b) => {
        const ab = chanceToWinMeans(a, b);
        const ba = chanceToWinMeans(b, a);
        return inUnit(ab.chanceToWin) && Math.abs(ab.chanceToWin + ba.chanceToWin - 1) < 1e-12 && near(ab.expectedLossA, ba.expectedLossB);
      }),
      SETTINGS,
    );
  });
});

describe('mixture SPRT', () => {
  const estimate = fc.record({
    difference: fc.double({ min: -10, max: 10, noNaN: true }),
    standardError: fc.double({ min: 1e-4, max: 10, noNaN: true }),
  });
  const tau2 = fc.double({ min: 1e-8, max: 1e4, noNaN: true });

  it('the always-valid p-value is never below the fixed-horizon one, and its sequence contains the fixed CI', () => {
    fc.assert(
      fc.property(estimate, tau2, alpha, (e, t2, al) => {
        const r = alwaysValid(e, { alpha: al, tau2: t2 });
        const fixedP = Math.min(1, 2 * normalSf(Math.abs(e.difference) / e.standardError));
        return inUnit(r.pValue) && r.pValue >= fixedP * (1 - 1e-12) && r.ci.lower <= e.difference && e.difference <= r.ci.upper;
      }),
      { ...SETTINGS, numRuns: 1000 },
    );
  });

  it('p < α exactly when the confidence sequence excludes zero (they are one test, inverted)', () => {
    fc.assert(
      fc.property(estimate, tau2, alpha, (e, t2, al) => {
        const r = alwaysValid(e, { alpha: al, tau2: t2 });
        const excludesZero = r.ci.lower > 0 || r.ci.upper < 0;
        return Math.abs(r.pValue - al) < 1e-9 || excludesZero === r.pValue < al;
      }),
      { ...SETTINGS, numRuns: 1000 },
    );
  });
});

describe('srm', () => {
  it('p in [0, 1] and the order of the arms does not matter', () => {
    const counts = fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(counts, (observed) => {
        const ratios = observed.map((_, i) => i + 1);
        const r = srm(observed, ratios);
        const reversed = srm([...observed].reverse(), [...ratios].reverse());
        return inUnit(r.pValue) && near(r.chi2, reversed.chi2) && near(r.pValue, reversed.pValue);
      }),
      SETTINGS,
    );
  });
});

describe('cuped', () => {
  it('swapping arms negates the adjusted difference; variance reduction ≤ 1', () => {
    const arm = fc
      .record({ n: fc.integer({ min: 10, max: 500 }), seed: fc.integer() })
      .map(({ n, seed }) => syntheticCupedArm(n, seed));
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const ab = cuped(a, b);
        const ba = cuped(b, a);
        return near(ab.adjusted.difference, -ba.adjusted.difference, 1e-8) && near(ab.theta, ba.theta) && ab.varianceReduction <= 1 && inUnit(ab.adjusted.pValue);
      }),
      { ...SETTINGS, numRuns: 100 },
    );
  });
});

describe('quantiles invert CDFs', () => {
  /**
   * cdf(quantile(q)) = q up to what the double holding x can express: a quantile at 1 − 4e-11 is stored
   * with only ~5 significant digits of its distance from 1, which moves the CDF by pdf(x)·ulp(x).
   */
  const roundTrips = (cdf: (x: number) => number, pdf: (x: number) => number, quantile: (q: number) => number, q: number) => {
    const x = quantile(q);
    return Math.abs(cdf(x) - q) <= 1e-9 * q + 4 * pdf(x) * Number.EPSILON * Math.abs(x) + 1e-300;
  };

  it('t, χ² and beta round trips', () => {
    const p = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });
    const shape = fc.double({ min: 0.5, max: 500, noNaN: true });
    fc.assert(
      fc.property(p, shape, shape, (q, s1, s2) => {
        return (
          roundTrips((x) => studentTCdf(x, s1), (x) => studentTPdf(x, s1), (v) => studentTQuantile(v, s1), q) &&
          roundTrips((x) => chiSquareCdf(x, s1), (x) => chiSquarePdf(x, s1), (v) => chiSquareQuantile(v, s1), q) &&
          roundTrips((x) => betaCdf(x, s1, s2), (x) => betaPdf(x, s1, s2), (v) => betaQuantile(v, s1, s2), q)
        );
      }),
      SETTINGS,
    );
  });
});

describe('analyse', () => {
  it('reports an always-valid p never below the fixed-horizon p, and probabilities in [0, 1]', () => {
    const arm = fc.integer({ min: 60, max: 50_000 }).chain((users) =>
      fc.record({
        users: fc.constant(users),
        conversions: fc.integer({ min: 5, max: users }),
        spend: fc.double({ min: 0, max: 200, noNaN: true }),
        spread: fc.double({ min: 1, max: 300, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(arm, { minLength: 2, maxLength: 4 }), (arms) => {
        const result = analyse({
          arms: arms.map((a, i) => ({
            key: `arm${i}`,
            users: a.users,
            conversions: a.conversions,
            revenue: { sum: a.spend * a.users, sumSquares: (a.spread ** 2 * (a.users - 1) + a.spend ** 2 * a.users) },
          })),
        });
        return result.comparisons.every(
          (c) =>
            c.conversion.alwaysValidPValue >= c.conversion.pValue &&
            inUnit(c.conversion.alwaysValidPValue) &&
            inUnit(c.conversion.chanceToWin) &&
            c.revenue !== null &&
            c.revenue.alwaysValidPValue >= c.revenue.pValue &&
            c.revenue.alwaysValidCi.lower <= c.revenue.ci.lower,
        );
      }),
      { ...SETTINGS, numRuns: 100 },
    );
  });
});

/** A deterministic arm with a linear pre/post relation plus noise, from a seed. */
function syntheticCupedArm(n: number, seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const arm = { n, sumY: 0, sumY2: 0, sumX: 0, sumX2: 0, sumXY: 0 };
  for (let i = 0; i < n; i++) {
    const x = 100 * next();
    const y = 0.6 * x + 40 * next();
    arm.sumY += y;
    arm.sumY2 += y * y;
    arm.sumX += x;
    arm.sumX2 += x * x;
    arm.sumXY += x * y;
  }
  return arm;
}

it('the fixtures-free sanity: a fair coin flip shows no SRM', () => {
  expect(srm([500, 500], [1, 1]).pValue).toBe(1);
});
