/**
 * Continuous metrics (客单价, revenue per user): Welch's t-test, fed by raw samples or by the
 * aggregates SQL returns (COUNT, SUM(x), SUM(x*x)).
 */
import { studentTQuantile, studentTTwoSided } from './distributions.js';
import { assertAlpha, assertMeanArm, refuse, relativeLift, type Interval, type MeanArm } from './inputs.js';

/** Aggregates one SQL pass produces per arm; the sufficient statistics of a mean and its variance. */
export interface SumsArm {
  n: number;
  sum: number;
  sumSquares: number;
}

export function meanArmFromSamples(values: readonly number[]): MeanArm {
  const n = values.length;
  if (n < 2) refuse(`need at least 2 samples, got ${n}`, 'values');
  // Two passes (mean, then squared deviations): exact where the one-pass formula cancels.
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const squares = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { n, mean, variance: squares / (n - 1) };
}

/**
 * From SUM and SUM of squares. The subtraction loses about 2·log10(mean/sd) digits, so it matters only
 * when the mean dwarfs the spread; revenue per user (mostly zeros, sd above the mean) is far from
 * that. The real limit is upstream: a SUM(x²) beyond 2⁵³ ≈ 9e15 (amounts in 分 over many big spenders)
 * arrives already rounded unless SQL returns it as numeric/text. Clamped at 0 because rounding can
 * push a zero variance slightly negative.
 */
export function meanArmFromSums({ n, sum, sumSquares }: SumsArm): MeanArm {
  if (n < 2) refuse(`need n ≥ 2, got ${n}`, 'n');
  const mean = sum / n;
  const variance = Math.max(0, (sumSquares - sum * mean) / (n - 1));
  return { n, mean, variance };
}

export interface WelchResult {
  meanA: number;
  meanB: number;
  /** meanB − meanA */
  difference: number;
  relativeLift: number | null;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  pValue: number;
  ci: Interval;
  standardError: number;
}

/**
 * Welch's unequal-variance t-test. Why not Student's pooled test: a price or coupon variant changes the
 * spread of revenue as well as its mean, and the pooled test's error rate is wrong when that happens
 * with unequal arm sizes.
 */
export function welch(a: MeanArm, b: MeanArm, { alpha = 0.05 }: { alpha?: number } = {}): WelchResult {
  assertMeanArm(a, 'a');
  assertMeanArm(b, 'b');
  assertAlpha(alpha);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const standardError = Math.sqrt(va + vb);
  const difference = b.mean - a.mean;
  const df = standardError > 0 ? satterthwaite(va, a.n, vb, b.n) : a.n + b.n - 2;
  const t = standardError > 0 ? difference / standardError : difference === 0 ? 0 : Math.sign(difference) * Infinity;
  const tCrit = studentTQuantile(1 - alpha / 2, df);
  const halfWidth = standardError > 0 ? tCrit * standardError : 0;
  return {
    meanA: a.mean,
    meanB: b.mean,
    difference,
    relativeLift: relativeLift(a.mean, b.mean),
    t,
    df,
    pValue: Math.min(1, studentTTwoSided(t, df)),
    ci: { lower: difference - halfWidth, upper: difference + halfWidth },
    standardError,
  };
}

/**
 * Welch–Satterthwaite df = (va + vb)² / (va²/(na−1) + vb²/(nb−1)), with va = s²/n. Computed on the
 * ratios va/max, vb/max so tiny variances (a metric in 分 stored as 元·1e-4) cannot underflow to 0/0.
 */
function satterthwaite(va: number, na: number, vb: number, nb: number): number {
  const scale = Math.max(va, vb);
  const ra = va / scale;
  const rb = vb / scale;
  return (ra + rb) ** 2 / (ra ** 2 / (na - 1) + rb ** 2 / (nb - 1));
}

export function welchFromSamples(a: readonly number[], b: readonly number[], options: { alpha?: number } = {}): WelchResult {
  return welch(meanArmFromSamples(a), meanArmFromSamples(b), options);
}

export function welchFromSums(a: SumsArm, b: SumsArm, options: { alpha?: number } = {}): WelchResult {
  return welch(meanArmFromSums(a), meanArmFromSums(b), options);
}
