import { z } from 'zod';
import { EventName } from './analytics.js';

/**
 * Experiments (A/B 实验) on the storefront: a feature flag with variants, assigned sticky per person
 * (the device's anonymous id, and the customer once signed in), evaluated on the server; exposures become
 * `experiment_exposed` events and the result reads conversion and revenue from the event store.
 */

const Key = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case letters, digits and _, starting with a letter');

export const ExperimentVariant = z
  .object({
    key: Key,
    name: z.string().trim().min(1).max(30),
    /** Share of the experiment's traffic, any positive scale (50 / 50). */
    weight: z.number().int().min(1).max(1000),
    /** What the storefront does differently, read by the page (e.g. { "buttonText": "立即抢购" }). */
    payload: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()])).default({}),
  })
  .strict();
export type ExperimentVariant = z.infer<typeof ExperimentVariant>;

export const ExperimentBody = z
  .object({
    key: Key,
    name: z.string().trim().min(1, 'required').max(60),
    hypothesis: z.string().max(500).default(''),
    /** The control first. */
    variants: z.array(ExperimentVariant).min(2).max(5),
    /** Share of visitors in the experiment at all; the rest see the control and are not counted. */
    trafficPercent: z.number().int().min(1).max(100).default(100),
    /** The goal: a person converts when they do this event within the window after their first exposure. */
    metricEvent: EventName.default('order_paid'),
    windowDays: z.number().int().min(1).max(60).default(14),
    /** Relative lift worth detecting (sample-size target), in percent. */
    minimumDetectableEffectPercent: z.number().min(1).max(200).default(10),
    primaryMetric: z.enum(['conversion', 'revenue']).default('conversion'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.variants.forEach((x, i) => {
      if (seen.has(x.key)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'key'], message: 'a variant key appears twice' });
      seen.add(x.key);
    });
  });
export type ExperimentBody = z.infer<typeof ExperimentBody>;

export const EXPERIMENT_STATUSES = ['draft', 'running', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export const EXPERIMENT_STATUS_LABELS: Record<ExperimentStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  running: { zh: '进行中', en: 'Running' },
  stopped: { zh: '已结束', en: 'Stopped' },
};

/** `device`: the SDK's anonymous id of this browser or phone (not a UUID in every SDK). */
export const FlagsQuery = z.object({ device: z.string().trim().min(1).max(200).optional() }).strict();

/** Variants an SDK evaluated itself and showed: the server checks each and records the first exposure. */
export const FlagExposuresBody = z
  .object({
    device: z.string().trim().min(1).max(200),
    exposures: z.array(z.object({ key: Key, variant: Key }).strict()).min(1).max(50),
  })
  .strict();

/** What `GET /flags/config` gives an SDK to evaluate flags without asking per visitor. */
export interface FlagsConfig {
  experiments: {
    key: string;
    status: 'running' | 'stopped';
    salt: string;
    trafficPercent: number;
    variants: { key: string; weight: number; payload: Record<string, string | number | boolean> }[];
    /** For a stopped experiment: the variant everyone sees. */
    shippedVariant: string | null;
  }[];
  /** The signed-in customer's variants so far (they win over a fresh draw). */
  assigned: Record<string, string>;
}

export const VERDICT_LABELS: Record<Verdict, { zh: string; en: string }> = {
  variant_wins: { zh: '实验组胜出', en: 'A variant wins' },
  control_wins: { zh: '对照组更好', en: 'Control is better' },
  no_difference_yet: { zh: '暂无显著差异', en: 'No difference yet' },
  srm: { zh: '分流比例异常 (SRM)', en: 'Sample ratio mismatch' },
  too_small: { zh: '样本量不足', en: 'Too few people yet' },
};

// ── The result page's statistics (computed by the server's experiments/stats, read by the console) ──────

export type Verdict = 'variant_wins' | 'control_wins' | 'no_difference_yet' | 'srm' | 'too_small';

export interface Interval {
  lower: number;
  upper: number;
}

export interface ArmSummary {
  key: string;
  users: number;
  conversions: number;
  conversionRate: number;
  /** Wilson interval (95 %). */
  conversionCi: Interval;
  /** Per exposed user, in the revenue's unit (fen). */
  revenuePerUser: number | null;
}

export interface MetricComparison {
  difference: number;
  relativeLift: number | null;
  ci: Interval;
  pValue: number;
  /** Safe to watch daily: never smaller than pValue, valid at whatever look you stop. */
  alwaysValidPValue: number;
  alwaysValidCi: Interval;
  chanceToWin: number;
  /** Expected loss of shipping the variant, in the metric's units. */
  expectedLoss: number;
}

/**
 * Arms compared without an experiment around them (a broadcast's A/B arms, a journey's random split):
 * buyers and revenue per person, each arm against the first, with the experiments' statistics.
 */
export interface SplitAnalysis {
  srm: { chi2: number; pValue: number; flagged: boolean };
  verdict: Verdict;
  winner: string | null;
  comparisons: { key: string; conversion: MetricComparison; revenue: MetricComparison | null; verdict: Verdict }[];
  /** People per arm the test needs to see the smallest lift worth having (10 %); null when unreachable. */
  requiredUsersPerArm: number | null;
  sampleSizeReached: boolean;
}
