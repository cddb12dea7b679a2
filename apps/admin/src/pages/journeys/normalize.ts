import type { JourneyNodeStats, SplitAnalysis } from '@siyu/contracts';
import type { ArmResult, Interval, Journey, JourneyCounts, JourneyListItem, JourneyResult, JourneyStatsData, Playbook, SplitBranch, SplitResult, TestRun, TestRunStep } from './types';

/**
 * The journeys API as the pages read it. The wire shapes are taken loosely (the list's `counts` or
 * `stats`, the result's `arms` or flat arms, a playbook's `body` or `definition`, a per-customer increment as an interval or a number with
 * `ci95`, a test run's `path` or `steps`), so a field renamed on one side shows as zero, not as a crash.
 */

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v && typeof v === 'object' ? (v as Raw) : {});
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function listItem(raw: unknown): JourneyListItem {
  const r = obj(raw);
  const c = obj(r.stats ?? r.counts);
  const stats: JourneyCounts = { entered: num(c.entered), active: num(c.active ?? c.live), converted: num(c.converted), holdout: num(c.holdout) };
  return { ...(r as unknown as JourneyListItem), trigger: (r.trigger ?? { kind: 'event' }) as JourneyListItem['trigger'], stats };
}

const arm = (raw: unknown): ArmResult => {
  const a = obj(raw);
  return { customers: num(a.customers), converted: num(a.converted), orders: num(a.orders), revenueFen: num(a.revenueFen) };
};

const interval = (v: unknown): Interval | null => {
  const o = obj(v);
  return typeof o.estimate === 'number' && typeof o.low === 'number' && typeof o.high === 'number' ? { estimate: o.estimate, low: o.low, high: o.high } : null;
};

const branch = (raw: unknown): SplitBranch => {
  const b = obj(raw);
  const customers = num(b.customers);
  const converted = num(b.converted);
  const revenueFen = num(b.revenueFen);
  return {
    key: String(b.key ?? ''),
    percent: num(b.percent),
    customers,
    converted,
    revenueFen,
    // Derived when absent, so an older server's answer still draws the rates.
    conversion: typeof b.conversion === 'number' ? b.conversion : customers ? converted / customers : 0,
    revenuePerCustomerFen: typeof b.revenuePerCustomerFen === 'number' ? b.revenuePerCustomerFen : customers ? revenueFen / customers : 0,
    incrementalRevenueFen: interval(b.incrementalRevenueFen),
  };
};

/** An analysis without its comparisons or split check cannot be drawn; it reads as none rather than as a crash. */
const splitAnalysis = (v: unknown): SplitAnalysis | null => {
  const a = obj(v);
  return Array.isArray(a.comparisons) && a.srm && typeof a.verdict === 'string' ? (a as unknown as SplitAnalysis) : null;
};

export function splits(raw: unknown): SplitResult[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .map(obj)
    .filter((s) => typeof s.nodeId === 'string' && Array.isArray(s.branches))
    .map((s) => ({ nodeId: s.nodeId as string, branches: (s.branches as unknown[]).map(branch), analysis: splitAnalysis(s.analysis) }));
}

export function result(raw: unknown): JourneyResult | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = obj(raw);
  const arms = obj(r.arms);
  const per = r.incrementalRevenuePerCustomerFen;
  const ci = Array.isArray(r.ci95) && r.ci95.length === 2 ? (r.ci95 as number[]) : null;
  return {
    treatment: arm(arms.treatment ?? r.treatment),
    holdout: arm(arms.holdout ?? r.holdout),
    perCustomer: typeof per === 'number' ? (ci ? { estimate: per, low: ci[0]!, high: ci[1]! } : null) : interval(per),
    splits: splits(r.splits),
  };
}

export function stats(raw: unknown): JourneyStatsData {
  const r = obj(raw);
  const nodes: Record<string, JourneyNodeStats> = {};
  for (const [id, v] of Object.entries(obj(r.nodes))) {
    const s = obj(v);
    nodes[id] = { entered: num(s.entered), waiting: num(s.waiting), passed: num(s.passed), converted: num(s.converted) };
  }
  const e = obj(r.entry);
  return { nodes, entry: { entered: num(e.entered), holdout: num(e.holdout) }, result: result(r.result) };
}

export function testRun(raw: unknown): TestRun {
  const r = obj(raw);
  const list = (Array.isArray(r.steps) ? r.steps : Array.isArray(r.path) ? r.path : []) as Raw[];
  const steps: TestRunStep[] = list.map((s) => ({ nodeId: String(s.nodeId ?? ''), type: String(s.type ?? ''), outcome: String(s.outcome ?? ''), ...(typeof s.at === 'string' ? { at: s.at } : {}) }));
  return { steps, ...(typeof r.status === 'string' ? { status: r.status } : {}), error: typeof r.error === 'string' ? r.error : null };
}

/** A journey after an action or a save: the answer wins, but what it leaves out (definition, versions) is kept. */
export function mergeJourney(prev: Journey | null, next: Partial<Journey>): Journey {
  const merged = { ...(prev ?? {}), ...next } as Journey;
  merged.definition = next.definition ?? prev!.definition;
  merged.versions = next.versions ?? prev?.versions ?? [];
  if (!merged.versions.some((v) => v.version === merged.version)) merged.versions = [...merged.versions, { version: merged.version, createdAt: new Date().toISOString() }];
  return merged;
}

/** A playbook: its flow as `body` or `definition`. */
export function playbook(raw: unknown): Playbook {
  const r = obj(raw);
  const text = (v: unknown) => ({ zh: String(obj(v).zh ?? ''), en: String(obj(v).en ?? obj(v).zh ?? '') });
  return { key: String(r.key ?? ''), name: text(r.name), description: text(r.description), body: (r.body ?? r.definition) as Playbook['body'] };
}
