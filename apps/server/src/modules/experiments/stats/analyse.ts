/**
 * One call for the experiment result page (实验报告): per-arm rates, every variant against control on
 * conversion and revenue, the SRM check, the sample-size target and a plain verdict.
 *
 * Inputs are the per-arm aggregates one SQL query returns, so the page never loads per-user rows.
 */
import type { ArmSummary, MetricComparison, SplitAnalysis, Verdict } from '@siyu/contracts';
import { chanceToWinMeans, chanceToWinProportions } from './bayes.js';
import { cuped, type CupedResult } from './cuped.js';
import { assertAlpha, refuse, type Interval, type MeanArm, type ProportionArm } from './inputs.js';
import { meanArmFromSums, welch } from './means.js';
import { twoProportion, wilsonInterval } from './proportions.js';
import { minSampleSizeMeans, minSampleSizeProportions } from './sample-size.js';
import { alwaysValidMeans, alwaysValidProportions, DEFAULT_PLANNED_USERS_PER_ARM } from './sequential.js';
import { srm, type SrmResult } from './srm.js';

/** The result shapes live in the contracts, where the console reads them too. */
export type { ArmSummary, MetricComparison, Verdict };

export interface ExperimentArm {
  key: string;
  /** Users exposed to the arm (进组人数). */
  users: number;
  /** Users who converted on the goal metric. */
  conversions: number;
  /** Planned traffic weight (any positive scale); equal split when omitted on every arm. */
  weight?: number;
  /** Revenue per user in the experiment window: SUM and SUM of squares over users (zeros included). */
  revenue?: { sum: number; sumSquares: number };
  /**
   * Revenue per user in the pre-period, for CUPED: SUM(x), SUM(x²) and SUM(x·y) with y the
   * experiment-window revenue of the same user. Users with no history count as x = 0.
   */
  preRevenue?: { sum: number; sumSquares: number; sumProducts: number };
}

export interface Experiment {
  /** The control arm first, then the variants. */
  arms: ExperimentArm[];
  /** Family-wise significance level; split over the variants (Bonferroni). */
  alpha?: number;
  power?: number;
  /** Relative lift worth detecting on the primary metric, e.g. 0.1 for +10 %. */
  minimumDetectableEffect?: number;
  primaryMetric?: 'conversion' | 'revenue';
  /** Mixing variances for the always-valid view; tuned to the sample-size target when omitted. */
  sequential?: { tau2Conversion?: number; tau2Revenue?: number };
}

export interface VariantComparison {
  key: string;
  conversion: MetricComparison;
  /** Present when every arm has revenue; uses the CUPED-adjusted estimate when pre-period data exist. */
  revenue: MetricComparison | null;
  cuped: CupedResult | null;
  verdict: Verdict;
}

export interface ExperimentAnalysis {
  arms: ArmSummary[];
  srm: SrmResult;
  primaryMetric: 'conversion' | 'revenue';
  /** α after splitting over the variants; comparison CIs are drawn at this level so they agree with the p-values. */
  alphaPerComparison: number;
  /** Users per arm for the fixed-horizon test; Infinity when the baseline makes it unreachable. */
  requiredUsersPerArm: number;
  sampleSizeReached: boolean;
  comparisons: VariantComparison[];
  verdict: Verdict;
  /** The variant to ship when verdict is 'variant_wins'. */
  winner: string | null;
}

/** Below these, normal approximations are not to be trusted (PostHog's thresholds). */
export const MIN_USERS_PER_ARM = 50;
export const MIN_CONVERSIONS_PER_ARM = 5;
const DEFAULT_MDE = 0.1;

export function analyse(experiment: Experiment): ExperimentAnalysis {
  const { arms, alpha = 0.05, power = 0.8, minimumDetectableEffect = DEFAULT_MDE, primaryMetric = 'conversion' } = experiment;
  if (arms.length < 2) refuse('an experiment needs a control and at least one variant', 'arms');
  assertAlpha(alpha);
  if (primaryMetric === 'revenue' && !arms.every((a) => a.revenue)) refuse('primary metric revenue needs revenue on every arm', 'arms');
  // Bonferroni: with k variants each compared at α/k, P(any false winner) ≤ α. Simple and conservative.
  const alphaPerComparison = alpha / (arms.length - 1);
  const [control, ...variants] = arms;
  const srmCheck = srm(
    arms.map((a) => a.users),
    arms.map((a) => a.weight ?? 1),
  );
  const requiredUsersPerArm = requiredUsers(control, primaryMetric, minimumDetectableEffect, alphaPerComparison, power);
  const sampleSizeReached = arms.every((a) => a.users >= requiredUsersPerArm);
  const plannedUsers = Number.isFinite(requiredUsersPerArm) ? requiredUsersPerArm : DEFAULT_PLANNED_USERS_PER_ARM;
  const context: ComparisonContext = { alpha: alphaPerComparison, plannedUsers, primaryMetric, sampleSizeReached, srmFlagged: srmCheck.flagged, sequential: experiment.sequential ?? {} };
  const comparisons = variants.map((v) => compare(control, v, context));
  const { verdict, winner } = overallVerdict(comparisons, srmCheck.flagged, primaryMetric);
  return {
    // Per-arm intervals describe one arm, not a comparison, so they keep the family α (a plain 95 %).
    arms: arms.map((a) => summarise(a, alpha)),
    srm: srmCheck,
    primaryMetric,
    alphaPerComparison,
    requiredUsersPerArm,
    sampleSizeReached,
    comparisons,
    verdict,
    winner,
  };
}

function summarise(arm: ExperimentArm, alpha: number): ArmSummary {
  const proportion = toProportion(arm);
  return {
    key: arm.key,
    users: arm.users,
    conversions: arm.conversions,
    conversionRate: arm.users > 0 ? arm.conversions / arm.users : 0,
    conversionCi: wilsonInterval(proportion, alpha),
    revenuePerUser: arm.revenue && arm.users > 0 ? arm.revenue.sum / arm.users : null,
  };
}

const toProportion = (arm: ExperimentArm): ProportionArm => ({ n: arm.users, conversions: arm.conversions });

/** The target is computed from the control's observed baseline: the best estimate we have of it. */
function requiredUsers(control: ExperimentArm, metric: 'conversion' | 'revenue', mde: number, alpha: number, power: number): number {
  if (metric === 'conversion') {
    const baseline = control.users > 0 ? control.conversions / control.users : 0;
    const variantRate = baseline * (1 + mde);
    if (!(baseline > 0 && variantRate < 1)) return Infinity;
    return minSampleSizeProportions(baseline, { relative: mde }, { alpha, power }).perArm;
  }
  if (!control.revenue || control.users < 2) return Infinity;
  const arm = meanArmFromSums({ n: control.users, sum: control.revenue.sum, sumSquares: control.revenue.sumSquares });
  const difference = arm.mean * mde;
  if (!(arm.variance > 0 && difference !== 0 && Number.isFinite(difference))) return Infinity;
  return minSampleSizeMeans(Math.sqrt(arm.variance), difference, { alpha, power }).perArm;
}

interface ComparisonContext {
  alpha: number;
  plannedUsers: number;
  primaryMetric: 'conversion' | 'revenue';
  sampleSizeReached: boolean;
  srmFlagged: boolean;
  sequential: { tau2Conversion?: number; tau2Revenue?: number };
}

function compare(control: ExperimentArm, variant: ExperimentArm, context: ComparisonContext): VariantComparison {
  const conversion = compareConversion(toProportion(control), toProportion(variant), context);
  const { revenue, cupedResult } = compareRevenue(control, variant, context);
  const primary = context.primaryMetric === 'conversion' ? conversion : revenue;
  const bigEnough = hasMinimumData(control, context.primaryMetric) && hasMinimumData(variant, context.primaryMetric);
  return { key: variant.key, conversion, revenue, cuped: cupedResult, verdict: comparisonVerdict(primary, bigEnough, context) };
}

function compareConversion(a: ProportionArm, b: ProportionArm, { alpha, plannedUsers, sequential }: ComparisonContext): MetricComparison {
  const fixed = twoProportion(a, b, { alpha });
  const av = alwaysValidProportions(a, b, { alpha, tau2: sequential.tau2Conversion, plannedUsersPerArm: plannedUsers });
  const bayes = chanceToWinProportions(a, b);
  return {
    difference: fixed.difference,
    relativeLift: fixed.relativeLift,
    ci: fixed.ci,
    pValue: fixed.pValue,
    ...conservativeAlwaysValid(fixed.pValue, fixed.ci, av.pValue, av.ci),
    chanceToWin: bayes.chanceToWin,
    expectedLoss: bayes.expectedLossB,
  };
}

/**
 * The fixed test uses the pooled z (proportions) or Student t (revenue), the always-valid one a plain
 * normal, so on small arms the always-valid p could dip below the fixed one. Taking the larger p and
 * the union of intervals keeps the promise shown on the page — "always-valid is the stricter" — and
 * stays valid: a p-value made larger remains a valid p-value.
 */
function conservativeAlwaysValid(pValue: number, ci: Interval, avP: number, avCi: Interval): Pick<MetricComparison, 'alwaysValidPValue' | 'alwaysValidCi'> {
  return {
    alwaysValidPValue: Math.max(pValue, avP),
    alwaysValidCi: { lower: Math.min(ci.lower, avCi.lower), upper: Math.max(ci.upper, avCi.upper) },
  };
}

function compareRevenue(control: ExperimentArm, variant: ExperimentArm, context: ComparisonContext): { revenue: MetricComparison | null; cupedResult: CupedResult | null } {
  if (!control.revenue || !variant.revenue || control.users < 2 || variant.users < 2) return { revenue: null, cupedResult: null };
  const cupedResult = control.preRevenue && variant.preRevenue ? cuped(toCupedArm(control), toCupedArm(variant), { alpha: context.alpha }) : null;
  const a = revenueArm(control, cupedResult, 'a');
  const b = revenueArm(variant, cupedResult, 'b');
  const fixed = welch(a, b, { alpha: context.alpha });
  const av = alwaysValidMeans(a, b, { alpha: context.alpha, tau2: context.sequential.tau2Revenue, plannedUsersPerArm: context.plannedUsers });
  const bayes = chanceToWinMeans(a, b);
  return {
    cupedResult,
    revenue: {
      difference: fixed.difference,
      relativeLift: fixed.relativeLift,
      ci: fixed.ci,
      pValue: fixed.pValue,
      ...conservativeAlwaysValid(fixed.pValue, fixed.ci, av.pValue, av.ci),
      chanceToWin: bayes.chanceToWin,
      expectedLoss: bayes.expectedLossB,
    },
  };
}

/** The arm's revenue as a mean; the CUPED-adjusted one when we have it, since it is the sharper estimate. */
function revenueArm(arm: ExperimentArm, cupedResult: CupedResult | null, side: 'a' | 'b'): MeanArm {
  const raw = meanArmFromSums({ n: arm.users, sum: arm.revenue?.sum ?? 0, sumSquares: arm.revenue?.sumSquares ?? 0 });
  if (!cupedResult) return raw;
  return side === 'a'
    ? { n: raw.n, mean: cupedResult.adjustedMeanA, variance: cupedResult.adjustedVarianceA }
    : { n: raw.n, mean: cupedResult.adjustedMeanB, variance: cupedResult.adjustedVarianceB };
}

function toCupedArm(arm: ExperimentArm) {
  return {
    n: arm.users,
    sumY: arm.revenue?.sum ?? 0,
    sumY2: arm.revenue?.sumSquares ?? 0,
    sumX: arm.preRevenue?.sum ?? 0,
    sumX2: arm.preRevenue?.sumSquares ?? 0,
    sumXY: arm.preRevenue?.sumProducts ?? 0,
  };
}

function hasMinimumData(arm: ExperimentArm, metric: 'conversion' | 'revenue'): boolean {
  return arm.users >= MIN_USERS_PER_ARM && (metric === 'revenue' || arm.conversions >= MIN_CONVERSIONS_PER_ARM);
}

/**
 * Order matters. SRM first: a broken split invalidates everything after it. Then the data floor. Then
 * the always-valid p, which may end an experiment early because it tolerates peeking. Only once the
 * planned sample is reached do we let the fixed-horizon p decide — before that it is not yet valid.
 */
function comparisonVerdict(primary: MetricComparison | null, bigEnough: boolean, context: ComparisonContext): Verdict {
  if (context.srmFlagged) return 'srm';
  if (!primary || !bigEnough) return 'too_small';
  const direction: Verdict = primary.difference > 0 ? 'variant_wins' : 'control_wins';
  if (primary.alwaysValidPValue < context.alpha) return direction;
  if (!context.sampleSizeReached) return 'too_small';
  if (primary.pValue < context.alpha) return direction;
  return 'no_difference_yet';
}

function overallVerdict(comparisons: VariantComparison[], srmFlagged: boolean, metric: 'conversion' | 'revenue'): { verdict: Verdict; winner: string | null } {
  if (srmFlagged) return { verdict: 'srm', winner: null };
  const winners = comparisons.filter((c) => c.verdict === 'variant_wins');
  if (winners.length > 0) {
    const chance = (c: VariantComparison) => (metric === 'conversion' ? c.conversion.chanceToWin : (c.revenue?.chanceToWin ?? 0));
    const best = winners.reduce((x, y) => (chance(y) > chance(x) ? y : x));
    return { verdict: 'variant_wins', winner: best.key };
  }
  if (comparisons.every((c) => c.verdict === 'control_wins')) return { verdict: 'control_wins', winner: null };
  if (comparisons.some((c) => c.verdict === 'too_small')) return { verdict: 'too_small', winner: null };
  return { verdict: 'no_difference_yet', winner: null };
}

/**
 * The arms of a split that is not an experiment of its own (a broadcast's variants, a journey's random
 * split) compared on buyers and revenue per person; null until every arm has two people.
 */
export function compareArms(arms: { key: string; users: number; conversions: number; weight: number; revenue: { sum: number; sumSquares: number } }[]): SplitAnalysis | null {
  if (arms.length < 2 || arms.some((a) => a.users < 2)) return null;
  const a = analyse({ arms, primaryMetric: 'conversion' });
  return {
    srm: { chi2: a.srm.chi2, pValue: a.srm.pValue, flagged: a.srm.flagged },
    verdict: a.verdict,
    winner: a.winner,
    comparisons: a.comparisons.map((c) => ({ key: c.key, conversion: c.conversion, revenue: c.revenue, verdict: c.verdict })),
    requiredUsersPerArm: Number.isFinite(a.requiredUsersPerArm) ? a.requiredUsersPerArm : null,
    sampleSizeReached: a.sampleSizeReached,
  };
}
