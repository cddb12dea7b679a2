/**
 * Input shapes shared by the tests, and the one place bad input is refused.
 *
 * Why refuse rather than return NaN: a negative count or more conversions than users means the SQL that
 * fed us is wrong, and a result page showing "p = NaN" hides that. The error carries a stable code so
 * the HTTP layer maps it once.
 */
import type { Interval } from '@siyu/contracts';
import { badRequest } from '../../../platform/errors.js';

export const INVALID_INPUT = 'EXPERIMENT_STATS_INVALID_INPUT';

/** One arm of a conversion metric: users exposed and how many of them converted. */
export interface ProportionArm {
  n: number;
  conversions: number;
}

/** One arm of a continuous metric (revenue per user): size, mean and sample variance (n − 1). */
export interface MeanArm {
  n: number;
  mean: number;
  variance: number;
}

export type { Interval };

export function refuse(message: string, field: string): never {
  throw badRequest(INVALID_INPUT, message, { field });
}

export function assertCount(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0) refuse(`${field} must be a non-negative integer, got ${value}`, field);
}

export function assertProportionArm(arm: ProportionArm, field: string): void {
  assertCount(arm.n, `${field}.n`);
  assertCount(arm.conversions, `${field}.conversions`);
  if (arm.conversions > arm.n) refuse(`${field}.conversions (${arm.conversions}) exceeds ${field}.n (${arm.n})`, field);
}

export function assertMeanArm(arm: MeanArm, field: string): void {
  if (!(arm.n >= 2)) refuse(`${field}.n must be at least 2 to estimate a variance, got ${arm.n}`, `${field}.n`);
  if (!Number.isFinite(arm.mean)) refuse(`${field}.mean must be finite`, `${field}.mean`);
  if (!(arm.variance >= 0) || !Number.isFinite(arm.variance)) refuse(`${field}.variance must be finite and ≥ 0`, `${field}.variance`);
}

export function assertAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) refuse(`alpha must lie in (0, 1), got ${alpha}`, 'alpha');
}

/** Relative lift (b − a) / a; null when the control is zero, because "∞ % better" helps nobody. */
export function relativeLift(a: number, b: number): number | null {
  return a === 0 ? null : (b - a) / a;
}
