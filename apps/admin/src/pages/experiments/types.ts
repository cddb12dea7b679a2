import type { ArmSummary, ExperimentStatus, ExperimentVariant, MetricComparison, Verdict } from '@siyu/contracts';

export type { ArmSummary, Interval, MetricComparison, Verdict } from '@siyu/contracts';

/**
 * Answers of /api/admin/experiments the console reads. The statistics mirror the server's
 * ExperimentAnalysis (apps/server/src/modules/experiments/stats/analyse.ts); JSON turns an Infinity
 * (a sample-size target the baseline makes unreachable) into null.
 */
export interface Experiment {
  id: string;
  key: string;
  name: string;
  hypothesis: string;
  variants: ExperimentVariant[];
  trafficPercent: number;
  metricEvent: string;
  windowDays: number;
  minimumDetectableEffectPercent: number;
  primaryMetric: 'conversion' | 'revenue';
  status: ExperimentStatus;
  shippedVariant: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  createdAt: string;
}

export interface ExperimentListItem extends Experiment {
  /** Devices (anonymous ids) assigned so far. */
  exposedDevices: number;
}

export interface CupedSummary {
  theta: number;
  varianceReduction: number;
}

export interface VariantComparison {
  key: string;
  conversion: MetricComparison;
  revenue: MetricComparison | null;
  cuped: CupedSummary | null;
  verdict: Verdict;
}

export interface ExperimentAnalysis {
  arms: ArmSummary[];
  srm: { chi2: number; df: number; pValue: number; expected: number[]; flagged: boolean };
  primaryMetric: 'conversion' | 'revenue';
  alphaPerComparison: number;
  /** null when the control's baseline makes the target unreachable (Infinity on the server). */
  requiredUsersPerArm: number | null;
  sampleSizeReached: boolean;
  comparisons: VariantComparison[];
  verdict: Verdict;
  winner: string | null;
}

export interface ExperimentResults {
  experiment: Experiment;
  arms: { key: string; users: number; conversions: number; revenueFen: number }[];
  /** null until every arm has at least two people. */
  analysis: ExperimentAnalysis | null;
}
