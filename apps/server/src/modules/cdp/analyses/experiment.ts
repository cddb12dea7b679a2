import { DAY_MS, type AnalyticsEngine } from '../engine/types.js';
import { SqlBuilder } from './sql.js';

export interface ExperimentArmRow {
  variant: string;
  users: number;
  conversions: number;
  revenue: { sum: number; sumSquares: number };
  preRevenue: { sum: number; sumSquares: number; sumProducts: number };
}

/**
 * Per-variant aggregates of an experiment from the event store: the people with an `experiment_exposed`
 * event of it, from their first exposure on; converted when they did `metricEvent` within the window after
 * it; revenue = `order_paid` amounts in that window, pre-revenue = the same in `preDays` before (CUPED).
 * Sums of squares and products let the statistics run on aggregates, never per-person rows.
 */
export async function experimentArms(
  engine: AnalyticsEngine,
  shopId: string,
  q: { experimentKey: string; metricEvent: string; windowDays: number; preDays: number },
): Promise<ExperimentArmRow[]> {
  const b = new SqlBuilder(engine.dialect);
  const window = b.int(q.windowDays * DAY_MS);
  const pre = b.int(q.preDays * DAY_MS);
  const metric = b.str(q.metricEvent);
  const rows = await engine.query<Record<string, number | string>>(
    `WITH x AS (SELECT person_id, min(${b.text('variant')}) AS v, min(ts) AS t0 FROM events
                WHERE ${b.shop(shopId)} AND event = 'experiment_exposed' AND ${b.text('experiment')} = ${b.str(q.experimentKey)} GROUP BY person_id),
          e AS (SELECT person_id, event, ts, coalesce(amount, 0) AS amount FROM events
                WHERE ${b.shop(shopId)} AND (event = ${metric} OR event = 'order_paid') AND person_id IN (SELECT person_id FROM x)),
          y AS (SELECT x.person_id AS person_id, x.v AS v,
                  max(CASE WHEN e.event = ${metric} AND e.ts >= x.t0 AND e.ts < x.t0 + ${window} THEN 1 ELSE 0 END) AS conv,
                  sum(CASE WHEN e.event = 'order_paid' AND e.ts >= x.t0 AND e.ts < x.t0 + ${window} THEN e.amount ELSE 0 END) AS rev,
                  sum(CASE WHEN e.event = 'order_paid' AND e.ts < x.t0 AND e.ts >= x.t0 - ${pre} THEN e.amount ELSE 0 END) AS pre
                FROM x LEFT JOIN e ON e.person_id = x.person_id GROUP BY x.person_id, x.v)
     SELECT v, count(*) AS users, sum(conv) AS conversions, sum(rev) AS rs, sum(rev * rev) AS rss,
            sum(pre) AS ps, sum(pre * pre) AS pss, sum(pre * rev) AS psr
     FROM y WHERE v IS NOT NULL GROUP BY v ORDER BY v`,
    b.params,
  );
  const n = (v: unknown) => Number(v ?? 0);
  return rows.map((r) => ({
    variant: String(r.v),
    users: n(r.users),
    conversions: n(r.conversions),
    revenue: { sum: n(r.rs), sumSquares: n(r.rss) },
    preRevenue: { sum: n(r.ps), sumSquares: n(r.pss), sumProducts: n(r.psr) },
  }));
}
