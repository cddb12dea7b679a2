/**
 * Sample ratio mismatch (分流比例异常): the arms did not get the share of users the split promised.
 * When that happens the assignment or the logging is broken, and no comparison of the arms can be
 * trusted — so the result page shows this check before anything else.
 */
import { chiSquareSf } from './distributions.js';
import { assertCount, refuse } from './inputs.js';

/** The industry's threshold (GrowthBook, Microsoft ExP): strict, because the check runs on every view. */
export const SRM_P_THRESHOLD = 0.001;

export interface SrmResult {
  chi2: number;
  df: number;
  pValue: number;
  /** Expected count per arm from the planned ratios. */
  expected: number[];
  flagged: boolean;
}

/** Pearson's χ² goodness of fit of observed arm sizes to the planned ratios (any positive scale). */
export function srm(observed: readonly number[], expectedRatios: readonly number[], { threshold = SRM_P_THRESHOLD } = {}): SrmResult {
  if (observed.length < 2) refuse('SRM needs at least two arms', 'observed');
  if (observed.length !== expectedRatios.length) refuse('one expected ratio per arm', 'expectedRatios');
  observed.forEach((o, i) => assertCount(o, `observed[${i}]`));
  if (expectedRatios.some((r) => !(r > 0 && Number.isFinite(r)))) refuse('expected ratios must be positive', 'expectedRatios');
  const total = observed.reduce((s, o) => s + o, 0);
  const ratioSum = expectedRatios.reduce((s, r) => s + r, 0);
  const expected = expectedRatios.map((r) => (total * r) / ratioSum);
  const df = observed.length - 1;
  if (total === 0) return { chi2: 0, df, pValue: 1, expected, flagged: false };
  const chi2 = observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
  const pValue = chiSquareSf(chi2, df);
  return { chi2, df, pValue, expected, flagged: pValue < threshold };
}
