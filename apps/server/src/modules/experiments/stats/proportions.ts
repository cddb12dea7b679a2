/**
 * Conversion-rate comparisons (转化率): Wilson interval per arm and the two-proportion z-test.
 */
import { normalQuantile, normalSf } from './distributions.js';
import { assertAlpha, assertProportionArm, relativeLift, type Interval, type ProportionArm } from './inputs.js';

/**
 * Wilson score interval. Why Wilson and not p ± z·se: the Wald interval collapses to [0, 0] at zero
 * conversions and spills outside [0, 1] for small arms — both common on a new experiment's first day.
 */
export function wilsonInterval(arm: ProportionArm, alpha = 0.05): Interval {
  assertProportionArm(arm, 'arm');
  assertAlpha(alpha);
  if (arm.n === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - alpha / 2);
  const p = arm.conversions / arm.n;
  const z2n = (z * z) / arm.n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / arm.n + z2n / (4 * arm.n))) / (1 + z2n);
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth) };
}

export interface TwoProportionResult {
  rateA: number;
  rateB: number;
  /** rateB − rateA */
  difference: number;
  /** (rateB − rateA) / rateA; null when rateA = 0 */
  relativeLift: number | null;
  /** z under H0 with the pooled rate, the textbook test statistic. */
  z: number;
  pValue: number;
  /** Unpooled (Wald) interval of the difference: under H1 the arms need not share a variance. */
  ci: Interval;
  /** Standard error of the difference, unpooled; reused by the Bayesian and sequential views. */
  standardError: number;
  wilsonA: Interval;
  wilsonB: Interval;
}

export function twoProportion(a: ProportionArm, b: ProportionArm, { alpha = 0.05 }: { alpha?: number } = {}): TwoProportionResult {
  assertProportionArm(a, 'a');
  assertProportionArm(b, 'b');
  assertAlpha(alpha);
  const rateA = a.n === 0 ? 0 : a.conversions / a.n;
  const rateB = b.n === 0 ? 0 : b.conversions / b.n;
  const difference = rateB - rateA;
  const pooled = (a.conversions + b.conversions) / (a.n + b.n || 1);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  // Zero pooled variance (nobody or everybody converted, or an empty arm) is no evidence of a difference.
  const z = pooledSe > 0 && Number.isFinite(pooledSe) ? difference / pooledSe : 0;
  const standardError = unpooledSe(a, rateA, b, rateB);
  const zCrit = normalQuantile(1 - alpha / 2);
  return {
    rateA,
    rateB,
    difference,
    relativeLift: relativeLift(rateA, rateB),
    z,
    pValue: Math.min(1, 2 * normalSf(Math.abs(z))),
    ci: { lower: difference - zCrit * standardError, upper: difference + zCrit * standardError },
    standardError,
    wilsonA: wilsonInterval(a, alpha),
    wilsonB: wilsonInterval(b, alpha),
  };
}

function unpooledSe(a: ProportionArm, rateA: number, b: ProportionArm, rateB: number): number {
  const varA = a.n === 0 ? 0 : (rateA * (1 - rateA)) / a.n;
  const varB = b.n === 0 ? 0 : (rateB * (1 - rateB)) / b.n;
  return Math.sqrt(varA + varB);
}
