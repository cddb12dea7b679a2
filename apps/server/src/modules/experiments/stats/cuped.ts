/**
 * CUPED (Deng et al. 2013): subtract the part of the metric that the pre-period already predicted.
 * For revenue a member's pre-period spend explains much of their in-experiment spend, so removing it
 * narrows the interval without biasing the difference — randomisation makes the arms' pre-period
 * means equal in expectation.
 */
import { refuse } from './inputs.js';
import { welch, type WelchResult } from './means.js';

/** Per-arm aggregates one SQL pass can produce: Y = metric in the experiment, X = same metric before. */
export interface CupedArm {
  n: number;
  sumY: number;
  sumY2: number;
  sumX: number;
  sumX2: number;
  sumXY: number;
}

export interface CupedResult {
  /** θ = Cov(X, Y) / Var(X), pooled within arms. */
  theta: number;
  /** Adjusted mean of Y per arm: mean(Y) − θ·(mean(X) − overall mean(X)). */
  adjustedMeanA: number;
  adjustedMeanB: number;
  adjustedVarianceA: number;
  adjustedVarianceB: number;
  /** Welch's test on the adjusted metric; this is the result to report. */
  adjusted: WelchResult;
  /** Welch's test on Y alone, for comparison. */
  unadjusted: WelchResult;
  /** 1 − Var(adjusted difference) / Var(unadjusted difference); 0.3 means 30 % fewer users needed. */
  varianceReduction: number;
}

/** Relative size below which a centred sum of squares is indistinguishable from rounding error. */
const ROUNDING_NOISE = 1e-12;

interface CentredMoments {
  n: number;
  meanX: number;
  meanY: number;
  sxx: number;
  syy: number;
  sxy: number;
}

/** Sums of squared and crossed deviations from the arm's own means. */
function centred(arm: CupedArm, field: string): CentredMoments {
  if (!(arm.n >= 2)) refuse(`${field}.n must be at least 2, got ${arm.n}`, `${field}.n`);
  const meanX = arm.sumX / arm.n;
  const meanY = arm.sumY / arm.n;
  return {
    n: arm.n,
    meanX,
    meanY,
    sxx: Math.max(0, arm.sumX2 - arm.sumX * meanX),
    syy: Math.max(0, arm.sumY2 - arm.sumY * meanY),
    sxy: arm.sumXY - arm.sumX * meanY,
  };
}

/**
 * θ is pooled *within* arms (Σ Sxy / Σ Sxx) rather than over the pooled sample: that is the slope of
 * the regression Y ~ X + arm, so a real treatment effect cannot leak into θ through the arm means.
 */
export function cuped(a: CupedArm, b: CupedArm, { alpha = 0.05 }: { alpha?: number } = {}): CupedResult {
  const ma = centred(a, 'a');
  const mb = centred(b, 'b');
  const sxx = ma.sxx + mb.sxx;
  // No pre-period variation (everyone new, all X = 0): nothing to adjust by. "None" includes an Sxx
  // that is only the rounding noise of ΣX² − (ΣX)²/n, or θ would be noise divided by noise.
  const theta = sxx > ROUNDING_NOISE * (a.sumX2 + b.sumX2) ? (ma.sxy + mb.sxy) / sxx : 0;
  const overallMeanX = (a.sumX + b.sumX) / (a.n + b.n);
  const adjust = (m: CentredMoments) => ({
    n: m.n,
    mean: m.meanY - theta * (m.meanX - overallMeanX),
    variance: Math.max(0, (m.syy - 2 * theta * m.sxy + theta * theta * m.sxx) / (m.n - 1)),
  });
  const adjA = adjust(ma);
  const adjB = adjust(mb);
  const adjusted = welch(adjA, adjB, { alpha });
  const unadjusted = welch({ n: ma.n, mean: ma.meanY, variance: ma.syy / (ma.n - 1) }, { n: mb.n, mean: mb.meanY, variance: mb.syy / (mb.n - 1) }, { alpha });
  const rawVariance = unadjusted.standardError ** 2;
  return {
    theta,
    adjustedMeanA: adjA.mean,
    adjustedMeanB: adjB.mean,
    adjustedVarianceA: adjA.variance,
    adjustedVarianceB: adjB.variance,
    adjusted,
    unadjusted,
    varianceReduction: rawVariance > 0 ? 1 - adjusted.standardError ** 2 / rawVariance : 0,
  };
}

/** Builds the aggregates from per-user pairs (tests, small experiments computed in memory). */
export function cupedArmFromSamples(y: readonly number[], x: readonly number[]): CupedArm {
  if (y.length !== x.length) refuse(`y and x must pair up: ${y.length} vs ${x.length}`, 'x');
  const arm: CupedArm = { n: y.length, sumY: 0, sumY2: 0, sumX: 0, sumX2: 0, sumXY: 0 };
  for (let i = 0; i < y.length; i++) {
    arm.sumY += y[i];
    arm.sumY2 += y[i] * y[i];
    arm.sumX += x[i];
    arm.sumX2 += x[i] * x[i];
    arm.sumXY += x[i] * y[i];
  }
  return arm;
}

export function cupedFromSamples(
  a: { y: readonly number[]; x: readonly number[] },
  b: { y: readonly number[]; x: readonly number[] },
  options: { alpha?: number } = {},
): CupedResult {
  return cuped(cupedArmFromSamples(a.y, a.x), cupedArmFromSamples(b.y, b.x), options);
}
