/**
 * Peeking-safe inference (可随时查看的显著性). Merchants open the result page every day; a fixed-horizon
 * p-value checked daily and acted on the first time it dips below 0.05 is wrong far more than 5 % of
 * the time. An always-valid p-value may be watched continuously and acted on whenever it crosses α.
 *
 * Mixture SPRT, normal approximation (Johari, Pekelis & Walsh 2017, "Always valid inference";
 * the same boundary is Howard et al. 2021's normal-mixture confidence sequence):
 *
 *   θ̂ = estimated difference (B − A), V = its variance (se²), prior on the effect θ ~ N(θ₀, τ²).
 *   Mixture likelihood ratio against H₀: θ = θ₀:
 *     Λ = √(V / (V + τ²)) · exp( τ²·(θ̂ − θ₀)² / (2·V·(V + τ²)) )
 *   Λ is a non-negative martingale under H₀, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α:
 *     always-valid p = min(1, 1/Λ)   (with θ₀ = 0)
 *   Inverting the test over θ₀ gives the confidence sequence θ̂ ± h with
 *     h² = V·(V + τ²)/τ² · (2·ln(1/α) + ln((V + τ²)/V))
 *
 * τ² is the mixing variance: the scale of effects we expect. The boundary is tightest at the look
 * where τ²/V = r*, r* solving r = 2·ln(1/α) + ln(1 + r) (≈ 8.2 at α = 0.05), so the default picks τ²
 * to make the planned sample size that look. Like GrowthBook and Optimizely we plug in the observed
 * per-user variance; τ² should otherwise be fixed before the experiment starts.
 */
import { assertAlpha, refuse, type Interval, type MeanArm, type ProportionArm } from './inputs.js';

export interface Estimate {
  difference: number;
  standardError: number;
}

export interface AlwaysValidResult {
  /** Always-valid p-value at this look. Keeping the minimum over looks so far is also valid. */
  pValue: number;
  /** Confidence sequence at this look: covers the true difference at all looks simultaneously w.p. 1 − α. */
  ci: Interval;
  tau2: number;
}

/** Default planned users per arm when no sample-size target is known. */
export const DEFAULT_PLANNED_USERS_PER_ARM = 10_000;

/** r* with r = 2·ln(1/α) + ln(1 + r); the fixed-point iteration contracts (derivative 1/(1+r) < 1). */
export function optimalVarianceRatio(alpha = 0.05): number {
  assertAlpha(alpha);
  const l = 2 * Math.log(1 / alpha);
  let r = l;
  for (let i = 0; i < 100; i++) r = l + Math.log1p(r);
  return r;
}

/**
 * τ² tuned for a planned size: at n users per arm V = unitVariance / n, where unitVariance is the
 * sum of the arms' per-user variances (p(1−p) each for a rate).
 */
export function defaultMixingVariance(unitVariance: number, plannedUsersPerArm = DEFAULT_PLANNED_USERS_PER_ARM, alpha = 0.05): number {
  if (!(plannedUsersPerArm > 0)) refuse('plannedUsersPerArm must be positive', 'plannedUsersPerArm');
  return (optimalVarianceRatio(alpha) * unitVariance) / plannedUsersPerArm;
}

export function alwaysValid({ difference, standardError }: Estimate, { alpha = 0.05, tau2 }: { alpha?: number; tau2: number }): AlwaysValidResult {
  assertAlpha(alpha);
  if (!(tau2 > 0 && Number.isFinite(tau2))) refuse(`tau2 must be positive, got ${tau2}`, 'tau2');
  if (!(standardError > 0)) {
    // No sampling variance: every user in each arm had the same value, so the difference is exact.
    return { pValue: difference === 0 || Number.isNaN(standardError) ? 1 : 0, ci: { lower: difference, upper: difference }, tau2 };
  }
  // Written in z = θ̂/se and r = τ²/V rather than θ̂, V and τ² directly: the same formula, but no
  // products of squared variances to underflow, and logs so exp(z²…) cannot overflow for z in the
  // hundreds, which big experiments reach.
  const z = difference / standardError;
  const r = tau2 / (standardError * standardError);
  const logInverseLambda = 0.5 * Math.log1p(r) - (z * z * r) / (2 * (1 + r));
  const halfWidth = standardError * Math.sqrt(((1 + r) / r) * (2 * Math.log(1 / alpha) + Math.log1p(r)));
  return {
    pValue: Math.min(1, Math.exp(logInverseLambda)),
    ci: { lower: difference - halfWidth, upper: difference + halfWidth },
    tau2,
  };
}

export interface SequentialOptions {
  alpha?: number;
  /** Mixing variance; overrides the default tuned from plannedUsersPerArm. */
  tau2?: number;
  plannedUsersPerArm?: number;
}

export function alwaysValidProportions(a: ProportionArm, b: ProportionArm, options: SequentialOptions = {}): AlwaysValidResult {
  const rateA = a.n > 0 ? a.conversions / a.n : 0;
  const rateB = b.n > 0 ? b.conversions / b.n : 0;
  const varA = rateA * (1 - rateA);
  const varB = rateB * (1 - rateB);
  // Unpooled, like the Wald interval; but when both rates sit at 0 or 1 that is zero, and 0 of 20 vs
  // 20 of 20 is not certainty — fall back to the pooled variance the z-test uses.
  const pooled = (a.conversions + b.conversions) / (a.n + b.n || 1);
  const unpooled = Math.sqrt(varA / a.n + varB / b.n);
  const standardError = a.n > 0 && b.n > 0 ? unpooled || Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n)) : Infinity;
  return alwaysValidFor({ difference: rateB - rateA, standardError }, varA + varB, options);
}

export function alwaysValidMeans(a: MeanArm, b: MeanArm, options: SequentialOptions = {}): AlwaysValidResult {
  const standardError = Math.sqrt(a.variance / a.n + b.variance / b.n);
  return alwaysValidFor({ difference: b.mean - a.mean, standardError }, a.variance + b.variance, options);
}

function alwaysValidFor(estimate: Estimate, unitVariance: number, { alpha = 0.05, tau2, plannedUsersPerArm }: SequentialOptions): AlwaysValidResult {
  // A zero unit variance (nobody converted yet) would give τ² = 0; any positive τ² is valid, so floor it.
  const tuned = tau2 ?? Math.max(defaultMixingVariance(unitVariance, plannedUsersPerArm, alpha), Number.MIN_VALUE);
  return alwaysValid(estimate, { alpha, tau2: tuned });
}
