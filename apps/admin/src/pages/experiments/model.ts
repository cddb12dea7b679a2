import type { z } from 'zod';
import type { ExperimentBody, ExperimentStatus, ExperimentVariant } from '@siyu/contracts';
import type { MessageKey } from '../../lib/dict';
import type { ArmSummary, Experiment, ExperimentResults } from './types';

/**
 * The experiment form's values and their conversion to and from the API body (ExperimentBody), and the
 * small number helpers of the result page. Pure: no React, no antd; tested in model.test.ts.
 */

export type PayloadType = 'text' | 'number' | 'boolean';

/** One key/value row of a variant's payload. Values are edited as text and typed on the way out. */
export interface PayloadRow {
  key: string;
  type: PayloadType;
  value: string;
}

export interface VariantValues {
  key: string;
  name: string;
  weight: number | null;
  payload: PayloadRow[];
}

export interface FormValues {
  key: string;
  name: string;
  hypothesis: string;
  variants: VariantValues[];
  trafficPercent: number | null;
  metricEvent: string;
  windowDays: number | null;
  minimumDetectableEffectPercent: number | null;
  primaryMetric: 'conversion' | 'revenue';
}

/** What the form sends: ExperimentBody's input (the contract fills its defaults). */
export type BodyInput = z.input<typeof ExperimentBody>;

/** A problem the contract cannot see (payload rows are a record there), on a form field path. */
export interface FormIssue {
  path: (string | number)[];
  message: MessageKey;
}

/**
 * The storefront's product page reads flag `buy_button`, payload `buttonText` (apps/shop Product.tsx):
 * a new experiment starts as exactly that test, so it works end to end as soon as it is started.
 */
export function defaultValues(): FormValues {
  return {
    key: 'buy_button',
    name: '购买按钮文案',
    hypothesis: '',
    variants: [
      { key: 'control', name: '对照组', weight: 50, payload: [{ key: 'buttonText', type: 'text', value: '立即购买' }] },
      { key: 'urgent', name: '紧迫感', weight: 50, payload: [{ key: 'buttonText', type: 'text', value: '马上抢' }] },
    ],
    trafficPercent: 100,
    metricEvent: 'order_paid',
    windowDays: 14,
    minimumDetectableEffectPercent: 10,
    primaryMetric: 'conversion',
  };
}

/** A new variant row: the next free `variant_n` key, half the weight of an even split, the control's payload keys. */
export function newVariant(variants: VariantValues[]): VariantValues {
  const used = new Set(variants.map((v) => v.key));
  let n = variants.length;
  while (used.has(`variant_${n}`)) n++;
  const keys = variants[0]?.payload.map((r) => ({ key: r.key, type: r.type, value: '' })) ?? [];
  return { key: `variant_${n}`, name: `变体 ${n}`, weight: 50, payload: keys };
}

const isNumberText = (s: string) => s.trim() !== '' && Number.isFinite(Number(s.trim()));

/** Payload rows → the contract's record; empty rows (no key, no value) are dropped. */
export function rowsToPayload(rows: PayloadRow[], at: (string | number)[] = []): { payload: Record<string, string | number | boolean>; issues: FormIssue[] } {
  const payload: Record<string, string | number | boolean> = {};
  const issues: FormIssue[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const key = (r.key ?? '').trim();
    const value = r.value ?? '';
    if (!key && !value.trim()) return;
    if (!key) return issues.push({ path: [...at, i, 'key'], message: 'exp.payload.keyRequired' });
    if (seen.has(key)) return issues.push({ path: [...at, i, 'key'], message: 'exp.payload.keyTwice' });
    seen.add(key);
    if (r.type === 'number') {
      if (!isNumberText(value)) return issues.push({ path: [...at, i, 'value'], message: 'exp.payload.notNumber' });
      payload[key] = Number(value.trim());
    } else if (r.type === 'boolean') payload[key] = value === 'true';
    else payload[key] = value;
  });
  return { payload, issues };
}

/** The contract's record → rows, each typed by its value. */
export function payloadToRows(payload: Record<string, unknown> | undefined): PayloadRow[] {
  return Object.entries(payload ?? {}).map(([key, v]) =>
    typeof v === 'number' ? { key, type: 'number', value: String(v) } : typeof v === 'boolean' ? { key, type: 'boolean', value: String(v) } : { key, type: 'text', value: String(v ?? '') },
  );
}

/** An emptied number stays null, so the contract reports it on its field instead of filling its default. */
const num = (v: number | null | undefined) => (v ?? null) as number;

/** Form values → the request body, with the payload rows' own issues (the contract sees only records). */
export function toBody(v: FormValues): { body: BodyInput; issues: FormIssue[] } {
  const issues: FormIssue[] = [];
  const variants = (v.variants ?? []).map((x, i) => {
    const { payload, issues: rowIssues } = rowsToPayload(x.payload ?? [], ['variants', i, 'payload']);
    issues.push(...rowIssues);
    return { key: (x.key ?? '').trim(), name: (x.name ?? '').trim(), weight: num(x.weight), payload };
  });
  return {
    body: {
      key: (v.key ?? '').trim(),
      name: (v.name ?? '').trim(),
      hypothesis: (v.hypothesis ?? '').trim(),
      variants,
      trafficPercent: num(v.trafficPercent),
      metricEvent: (v.metricEvent ?? '').trim(),
      windowDays: num(v.windowDays),
      minimumDetectableEffectPercent: num(v.minimumDetectableEffectPercent),
      primaryMetric: v.primaryMetric ?? 'conversion',
    },
    issues,
  };
}

/** An experiment from the API → form values. */
export function fromExperiment(e: Pick<Experiment, 'key' | 'name' | 'hypothesis' | 'variants' | 'trafficPercent' | 'metricEvent' | 'windowDays' | 'minimumDetectableEffectPercent' | 'primaryMetric'>): FormValues {
  return {
    key: e.key,
    name: e.name,
    hypothesis: e.hypothesis ?? '',
    variants: e.variants.map((x) => ({ key: x.key, name: x.name, weight: x.weight, payload: payloadToRows(x.payload) })),
    trafficPercent: e.trafficPercent,
    metricEvent: e.metricEvent,
    windowDays: e.windowDays,
    minimumDetectableEffectPercent: e.minimumDetectableEffectPercent,
    primaryMetric: e.primaryMetric,
  };
}

/**
 * Where a contract issue's path shows on the form: a payload value is `variants.0.payload.buttonText` in
 * the body and row `variants.0.payload.<row>.value` on the form. For validateBody / applyApiError.
 */
export function payloadFieldMap(v: FormValues): Record<string, string> {
  const map: Record<string, string> = {};
  (v.variants ?? []).forEach((x, i) =>
    (x.payload ?? []).forEach((r, j) => {
      const key = (r.key ?? '').trim();
      if (key && !(`variants.${i}.payload.${key}` in map)) map[`variants.${i}.payload.${key}`] = `variants.${i}.payload.${j}.value`;
    }),
  );
  return map;
}

/** Once people are assigned, the key, variants and weights are fixed (the server refuses a change). */
export const variantsLocked = (status: ExperimentStatus | undefined) => !!status && status !== 'draft';

/** Each variant's share of the experiment's traffic, in percent (weights are on any scale). */
export function weightShares(variants: Pick<ExperimentVariant, 'weight'>[] | { weight: number | null }[]): number[] {
  const ws = variants.map((v) => (typeof v.weight === 'number' && v.weight > 0 ? v.weight : 0));
  const total = ws.reduce((s, w) => s + w, 0);
  return ws.map((w) => (total > 0 ? Math.round((w / total) * 1000) / 10 : 0));
}

// ---- the result page ----

/** One arm's row: the API's counts, with the analysis' rate and interval when there is one. */
export interface ArmRow {
  key: string;
  name: string;
  control: boolean;
  users: number;
  conversions: number;
  rate: number | null;
  ci: { lower: number; upper: number } | null;
  /** Fen per user. */
  revenuePerUser: number | null;
}

export function armRows(r: ExperimentResults): ArmRow[] {
  const counts = new Map(r.arms.map((a) => [a.key, a]));
  const stats = new Map<string, ArmSummary>((r.analysis?.arms ?? []).map((a) => [a.key, a]));
  return r.experiment.variants.map((v, i) => {
    const c = counts.get(v.key) ?? { users: 0, conversions: 0, revenueFen: 0 };
    const s = stats.get(v.key);
    return {
      key: v.key,
      name: v.name,
      control: i === 0,
      users: c.users,
      conversions: c.conversions,
      rate: s ? s.conversionRate : c.users > 0 ? c.conversions / c.users : null,
      ci: s ? s.conversionCi : null,
      revenuePerUser: s ? s.revenuePerUser : c.users > 0 ? c.revenueFen / c.users : null,
    };
  });
}

/** Users of an arm against the target, 0–100; null when there is no target (unreachable or unknown). */
export function sampleProgress(users: number, required: number | null | undefined): number | null {
  if (required === null || required === undefined || !Number.isFinite(required) || required <= 0) return null;
  return Math.min(100, Math.floor((users / required) * 100));
}

/** 0.0345 → "3.45%". */
export const pct = (r: number | null | undefined, digits = 2) => (r === null || r === undefined || !Number.isFinite(r) ? '-' : `${(r * 100).toFixed(digits)}%`);

/** A signed percentage: 0.123 → "+12.3%". */
export const signedPct = (r: number | null | undefined, digits = 1) => (r === null || r === undefined || !Number.isFinite(r) ? '-' : `${r > 0 ? '+' : r < 0 ? '-' : '±'}${Math.abs(r * 100).toFixed(digits)}%`);

/** A difference of rates in percentage points: 0.0123 → "+1.23". */
export const signedPoints = (d: number | null | undefined, digits = 2) => (d === null || d === undefined || !Number.isFinite(d) ? '-' : `${d > 0 ? '+' : d < 0 ? '-' : '±'}${Math.abs(d * 100).toFixed(digits)}`);

/** A p-value as people read it: "< 0.001" below that, else three decimals. */
export const pValueText = (p: number | null | undefined) => (p === null || p === undefined || !Number.isFinite(p) ? '-' : p < 0.001 ? '< 0.001' : p.toFixed(3));

/** A p-value as a statement: "p < 0.001", "p = 0.046". */
export const pStatement = (p: number) => (Number.isFinite(p) && p < 0.001 ? 'p < 0.001' : `p = ${pValueText(p)}`);

/** The comparisons' confidence level in percent: α per comparison 0.025 → "97.5". */
export const confidenceText = (alphaPerComparison: number) => String(Math.round((1 - alphaPerComparison) * 1000) / 10);

/** Fen with a sign, as yuan: -1234.5 → "-¥12.35". */
export function signedYuan(fen: number | null | undefined, digits = 2): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '-';
  const sign = fen > 0 ? '+' : fen < 0 ? '-' : '';
  return `${sign}¥${(Math.abs(fen) / 100).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** The variant the stop dialog proposes: the winner when there is one, else the control (null). */
export const proposedShip = (r: Pick<ExperimentResults, 'analysis'> | null | undefined) => (r?.analysis?.verdict === 'variant_wins' ? r.analysis.winner : null);
