/**
 * How many users each arm needs before a fixed-horizon test can detect the effect we care about
 * (最小样本量). Shown on the result page so nobody calls an experiment on day two.
 */
import { normalQuantile } from './distributions.js';
import { assertAlpha, refuse } from './inputs.js';

export interface PowerOptions {
  /** Two-sided significance level. */
  alpha?: number;
  /** Probability of detecting the effect when it is real. */
  power?: number;
}

/** The smallest effect worth detecting: an absolute change in rate (0.01 = one point) or relative (0.1 = +10 %). */
export type MinimumDetectableEffect = { absolute: number } | { relative: number };

export interface SampleSize {
  /** Users needed per arm, rounded up. */
  perArm: number;
  /** The unrounded value of the formula, for checking. */
  exact: number;
}

function criticalValues({ alpha = 0.05, power = 0.8 }: PowerOptions): { zAlpha: number; zBeta: number } {
  assertAlpha(alpha);
  if (!(power > 0 && power < 1)) refuse(`power must lie in (0, 1), got ${power}`, 'power');
  return { zAlpha: normalQuantile(1 - alpha / 2), zBeta: normalQuantile(power) };
}

/**
 * Two-proportion test, equal arms. The standard formula: the null's variance uses the average rate
 * (that is what the pooled z-test sees), the alternative's uses each arm's own rate:
 *   n = (z_{1−α/2}·√(2·p̄(1−p̄)) + z_{power}·√(p₁(1−p₁) + p₂(1−p₂)))² / (p₂ − p₁)²
 */
export function minSampleSizeProportions(baselineRate: number, mde: MinimumDetectableEffect, options: PowerOptions = {}): SampleSize & { variantRate: number } {
  if (!(baselineRate > 0 && baselineRate < 1)) refuse(`baselineRate must lie in (0, 1), got ${baselineRate}`, 'baselineRate');
  const variantRate = 'absolute' in mde ? baselineRate + mde.absolute : baselineRate * (1 + mde.relative);
  if (!(variantRate > 0 && variantRate < 1) || variantRate === baselineRate) {
    refuse(`the effect must move the rate to another value inside (0, 1), got ${variantRate}`, 'mde');
  }
  const { zAlpha, zBeta } = criticalValues(options);
  const average = (baselineRate + variantRate) / 2;
  const nullSd = Math.sqrt(2 * average * (1 - average));
  const altSd = Math.sqrt(baselineRate * (1 - baselineRate) + variantRate * (1 - variantRate));
  const exact = (zAlpha * nullSd + zBeta * altSd) ** 2 / (variantRate - baselineRate) ** 2;
  return { perArm: Math.ceil(exact), exact, variantRate };
}

/** Difference of means with a common standard deviation: n = 2·(z_{1−α/2} + z_{power})²·σ² / δ². */
export function minSampleSizeMeans(standardDeviation: number, minimumDetectableDifference: number, options: PowerOptions = {}): SampleSize {
  if (!(standardDeviation > 0)) refuse('standardDeviation must be positive', 'standardDeviation');
  if (!(minimumDetectableDifference !== 0 && Number.isFinite(minimumDetectableDifference))) refuse('the difference must be non-zero', 'mde');
  const { zAlpha, zBeta } = criticalValues(options);
  const exact = (2 * (zAlpha + zBeta) ** 2 * standardDeviation ** 2) / minimumDetectableDifference ** 2;
  return { perArm: Math.ceil(exact), exact };
}
