import type { JourneyBody, JourneyNodeStats, JourneyStatus, JourneyTrigger, SplitAnalysis } from '@siyu/contracts';

/** What the 自动化营销 (journeys) admin routes answer, as the pages use it (normalize.ts reads the wire shapes). */

export const JOURNEY_READ = 'journeys:read';
export const JOURNEY_WRITE = 'journeys:write';

export interface JourneyCounts {
  entered: number;
  /** In the journey now (treatment, at a node or waiting). */
  active: number;
  converted: number;
  holdout: number;
}

export interface JourneyListItem {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  /** The list carries the trigger's kind and, where it has them, its event and group only. */
  trigger: Partial<JourneyTrigger> & { kind: JourneyTrigger['kind'] };
  createdAt: string;
  updatedAt: string;
  stats: JourneyCounts;
}

export interface Journey {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: JourneyBody;
  versions: { version: number; createdAt: string; publishedAt?: string | null }[];
}

export interface ArmResult {
  customers: number;
  converted: number;
  orders: number;
  revenueFen: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface JourneyResult {
  treatment: ArmResult;
  holdout: ArmResult;
  /** Incremental revenue per treated customer with its 95% interval (null: too few people to say). */
  perCustomer: Interval | null;
  /** Every random split of the version shown, read as an A/B test. */
  splits: SplitResult[];
}

/** One branch of a random split: the customers its instances took it with, their conversions and revenue. */
export interface SplitBranch {
  key: string;
  percent: number;
  customers: number;
  converted: number;
  revenueFen: number;
  conversion: number;
  revenuePerCustomerFen: number;
  /** The branch against the holdout, scaled to the branch's customers (null: too few on either side). */
  incrementalRevenueFen: Interval | null;
}

export interface SplitResult {
  nodeId: string;
  branches: SplitBranch[];
  /** The branches against the first (null: too few customers to compare). */
  analysis: SplitAnalysis | null;
}

export interface JourneyStatsData {
  nodes: Record<string, JourneyNodeStats>;
  entry: { entered: number; holdout: number };
  result: JourneyResult | null;
}

export interface TestRunStep {
  nodeId: string;
  type: string;
  outcome: string;
  at?: string;
}

export interface TestRun {
  steps: TestRunStep[];
  /** Where the test instance ended (done / exited / …) and why a node could not run, when the server says. */
  status?: string;
  error?: string | null;
}

export interface Playbook {
  key: string;
  name: { zh: string; en: string };
  description: { zh: string; en: string };
  body: JourneyBody;
}
