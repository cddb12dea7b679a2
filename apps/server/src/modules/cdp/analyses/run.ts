import {
  RFM_LABELS, RFM_TYPES, rfmTypeOf,
  type AnalysisQuery, type AnalysisResult, type AttributionQuery, type AttributionResult, type FunnelQuery, type FunnelResult,
  type LifecycleQuery, type LifecycleResult, type PathsQuery, type PathsResult, type PeopleSelector, type RetentionQuery,
  type RetentionResult, type RfmQuery, type RfmResult, type RfmType, type TrendsQuery, type TrendsResult,
} from '@siyu/contracts';
import { DAY_MS, dateFromDay, dayFromDate, weekOf, weekStartDay, type AnalyticsEngine } from '../engine/types.js';
import { SqlBuilder } from './sql.js';

/**
 * Each analysis of docs/analytics.md as SQL both engines run. Aggregation happens in the engine; the
 * TypeScript here only shapes rows into the result (filling empty periods, ordering, top-N).
 */

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
/** null sorts before any text, then UTF-8 byte order (what both engines' binary collation does). */
const cmpText = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : Buffer.compare(Buffer.from(a), Buffer.from(b)));

function periodsOf(from: string, to: string, interval: 'day' | 'week') {
  const d0 = dayFromDate(from);
  const d1 = dayFromDate(to);
  if (interval === 'day') return { first: d0, list: Array.from({ length: d1 - d0 + 1 }, (_, i) => d0 + i), label: (p: number) => dateFromDay(p) };
  const w0 = weekOf(d0);
  const w1 = weekOf(d1);
  return { first: w0, list: Array.from({ length: w1 - w0 + 1 }, (_, i) => w0 + i), label: (p: number) => dateFromDay(weekStartDay(p)) };
}

export async function runAnalysis(engine: AnalyticsEngine, shopId: string, query: AnalysisQuery): Promise<AnalysisResult> {
  switch (query.kind) {
    case 'trends':
      return trends(engine, shopId, query);
    case 'funnel':
      return funnel(engine, shopId, query);
    case 'retention':
      return retention(engine, shopId, query);
    case 'paths':
      return paths(engine, shopId, query);
    case 'lifecycle':
      return lifecycle(engine, shopId, query);
    case 'rfm':
      return rfm(engine, shopId, query);
    case 'attribution':
      return attribution(engine, shopId, query);
  }
}

async function trends(engine: AnalyticsEngine, shopId: string, q: TrendsQuery): Promise<TrendsResult> {
  const per = periodsOf(q.from, q.to, q.interval);
  const index = new Map(per.list.map((p, i) => [p, i]));
  const series: TrendsResult['series'] = [];
  for (const [i, s] of q.series.entries()) {
    const b = new SqlBuilder(engine.dialect);
    const where = `${b.shop(shopId)} AND ${b.range(q.from, q.to)} AND ${b.match({ event: s.event, where: s.where })}`;
    const bd = q.breakdown ? b.text(q.breakdown) : b.nullText();
    const measure = s.measure === 'count' ? 'count(*)' : s.measure === 'people' ? 'count(DISTINCT person_id)' : `sum(coalesce(${b.number(s.property!)}, 0))`;
    const rows = await engine.query<Row>(
      `SELECT ${b.period(q.interval)} AS p, ${bd} AS b, ${measure} AS v FROM events WHERE ${where} GROUP BY 1, 2`,
      b.params,
    );
    const groups = new Map<string | null, number[]>();
    for (const r of rows) {
      const key = str(r.b);
      const values = groups.get(key) ?? per.list.map(() => 0);
      values[index.get(num(r.p))!] = num(r.v);
      groups.set(key, values);
    }
    const totals = new Map<string | null, number>();
    if (s.measure === 'people') {
      const t = new SqlBuilder(engine.dialect);
      const tw = `${t.shop(shopId)} AND ${t.range(q.from, q.to)} AND ${t.match({ event: s.event, where: s.where })}`;
      const tb = q.breakdown ? t.text(q.breakdown) : t.nullText();
      for (const r of await engine.query<Row>(`SELECT ${tb} AS b, count(DISTINCT person_id) AS v FROM events WHERE ${tw} GROUP BY 1`, t.params)) totals.set(str(r.b), num(r.v));
    } else for (const [k, v] of groups) totals.set(k, v.reduce((x, y) => x + y, 0));
    if (!q.breakdown && groups.size === 0) groups.set(null, per.list.map(() => 0));
    const keys = [...groups.keys()].sort((a, c) => (totals.get(c) ?? 0) - (totals.get(a) ?? 0) || cmpText(a, c));
    for (const key of q.breakdown ? keys.slice(0, 10) : keys) {
      series.push({ index: i, event: s.event, measure: s.measure, breakdown: key, values: groups.get(key)!, total: totals.get(key) ?? 0 });
    }
  }
  return { kind: 'trends', periods: per.list.map(per.label), series };
}

/**
 * The funnel as a chain: s1 holds each person's entering time (and breakdown value), s(k) the time of
 * step k, found among the person's events after step k−1 and inside the window. Inner joins drop those
 * who stopped, so s(k) has exactly the people who reached step k.
 */
function funnelChain(b: SqlBuilder, shopId: string, q: FunnelQuery) {
  const window = q.windowDays * DAY_MS;
  const ctes = [
    `s0x AS (SELECT person_id, min(ts) AS t0 FROM events WHERE ${b.shop(shopId)} AND ${b.range(q.from, q.to)} AND ${b.match(q.steps[0]!)} GROUP BY person_id)`,
  ];
  if (q.breakdown) {
    const t = b.text(q.breakdown, 'e');
    ctes.push(
      `s0 AS (SELECT s.person_id AS person_id, s.t0 AS t0, CASE WHEN count(*) > count(${t}) THEN ${b.nullText()} ELSE min(${t}) END AS b
        FROM s0x s JOIN events e ON e.person_id = s.person_id
        WHERE ${b.shop(shopId, 'e')} AND e.ts = s.t0 AND ${b.match(q.steps[0]!, 'e')} GROUP BY s.person_id, s.t0)`,
    );
  } else ctes.push(`s0 AS (SELECT person_id, t0, ${b.nullText()} AS b FROM s0x)`);
  const w = b.int(window);
  for (let k = 1; k < q.steps.length; k++) {
    const carried = Array.from({ length: k }, (_, j) => `p.t${j} AS t${j}`).join(', ');
    const keys = Array.from({ length: k }, (_, j) => `p.t${j}`).join(', ');
    ctes.push(
      `s${k} AS (SELECT p.person_id AS person_id, p.b AS b, ${carried}, min(e.ts) AS t${k}
        FROM s${k - 1} p JOIN events e ON e.person_id = p.person_id
        WHERE ${b.shop(shopId, 'e')} AND ${b.match(q.steps[k]!, 'e')} AND e.ts > p.t${k - 1} AND e.ts <= p.t0 + ${w}
        GROUP BY p.person_id, p.b, ${keys})`,
    );
  }
  return `WITH ${ctes.join(',\n')}`;
}

async function funnel(engine: AnalyticsEngine, shopId: string, q: FunnelQuery): Promise<FunnelResult> {
  const b = new SqlBuilder(engine.dialect);
  const last = q.steps.length - 1;
  const parts = q.steps.map((_, k) => `SELECT ${k} AS k, b, count(*) AS n, ${k === last ? b.lowerMedian(b.idiv(`t${last} - t0`, 1000)) : 'NULL'} AS m FROM s${k} GROUP BY b`);
  const rows = await engine.query<Row>(`${funnelChain(b, shopId, q)}\n${parts.join('\nUNION ALL\n')}`, b.params);
  const groups = new Map<string | null, FunnelResult['groups'][number]>();
  for (const r of rows) {
    const key = str(r.b);
    const g = groups.get(key) ?? { breakdown: key, counts: q.steps.map(() => 0), medianSecondsToConvert: null };
    g.counts[num(r.k)] = num(r.n);
    if (num(r.k) === last && r.m !== null && r.m !== undefined) g.medianSecondsToConvert = num(r.m);
    groups.set(key, g);
  }
  if (!q.breakdown && groups.size === 0) groups.set(null, { breakdown: null, counts: q.steps.map(() => 0), medianSecondsToConvert: null });
  const list = [...groups.values()].sort((a, c) => c.counts[0]! - a.counts[0]! || cmpText(a.breakdown, c.breakdown));
  return { kind: 'funnel', groups: list.slice(0, 10) };
}

function retentionCtes(b: SqlBuilder, shopId: string, q: RetentionQuery) {
  const p = b.period(q.interval);
  return `WITH c AS (SELECT person_id, min(${p}) AS cp FROM events WHERE ${b.shop(shopId)} AND ${b.range(q.from, q.to)} AND ${b.match(q.start)} GROUP BY person_id),
    r AS (SELECT DISTINCT person_id, ${p} AS rp FROM events WHERE ${b.shop(shopId)} AND ts >= ${b.int(dayFromDate(q.from) * DAY_MS - 8 * 3600_000)} AND ${b.match(q.return)})`;
}

async function retention(engine: AnalyticsEngine, shopId: string, q: RetentionQuery): Promise<RetentionResult> {
  const per = periodsOf(q.from, q.to, q.interval);
  const b = new SqlBuilder(engine.dialect);
  const rows = await engine.query<Row>(
    `${retentionCtes(b, shopId, q)}
     SELECT cp, 0 AS n, count(*) AS people FROM c GROUP BY cp
     UNION ALL
     SELECT c.cp AS cp, r.rp - c.cp AS n, count(DISTINCT c.person_id) AS people FROM c JOIN r ON r.person_id = c.person_id
     WHERE r.rp - c.cp BETWEEN 1 AND ${b.int(q.periods)} GROUP BY c.cp, r.rp - c.cp`,
    b.params,
  );
  const cohorts = new Map<number, RetentionResult['cohorts'][number]>();
  for (const r of rows) {
    const cp = num(r.cp);
    const c = cohorts.get(cp) ?? { start: per.label(cp), size: 0, retained: Array.from({ length: q.periods }, () => 0) };
    if (num(r.n) === 0) c.size = num(r.people);
    else c.retained[num(r.n) - 1] = num(r.people);
    cohorts.set(cp, c);
  }
  return { kind: 'retention', cohorts: [...cohorts.entries()].sort((a, c) => a[0] - c[0]).map(([, c]) => c) };
}

async function paths(engine: AnalyticsEngine, shopId: string, q: PathsQuery): Promise<PathsResult> {
  const b = new SqlBuilder(engine.dialect);
  const anchorName = q.anchor.event === '$any'
    ? `an AS (SELECT a.person_id AS person_id, a.ta AS ta, min(e.event) AS name FROM a JOIN events e ON e.person_id = a.person_id WHERE ${b.shop(shopId, 'e')} AND e.ts = a.ta AND ${b.match(q.anchor, 'e')} GROUP BY a.person_id, a.ta)`
    : `an AS (SELECT person_id, ta, ${b.str(q.anchor.event)} AS name FROM a)`;
  const after = q.direction === 'after';
  const order = after ? 'e.ts, e.event' : 'e.ts DESC, e.event';
  const rows = await engine.query<Row>(
    `WITH a AS (SELECT person_id, min(ts) AS ta FROM events WHERE ${b.shop(shopId)} AND ${b.range(q.from, q.to)} AND ${b.match(q.anchor)} GROUP BY person_id),
     ${anchorName},
     s AS (SELECT e.person_id AS person_id, e.event AS event,
             row_number() OVER (PARTITION BY e.person_id ORDER BY ${order}) AS n,
             ${b.lag('e.event', 'an.name', 'e.person_id', order)} AS prev
           FROM an JOIN events e ON e.person_id = an.person_id
           WHERE ${b.shop(shopId, 'e')} AND e.ts ${after ? '>' : '<'} an.ta)
     SELECT 0 AS step, '' AS f, '' AS t, count(*) AS people FROM a
     UNION ALL
     SELECT n AS step, prev AS f, event AS t, count(*) AS people FROM s WHERE n <= ${b.int(q.depth)} GROUP BY n, prev, event`,
    b.params,
  );
  let anchorPeople = 0;
  const links: PathsResult['links'] = [];
  for (const r of rows) {
    if (num(r.step) === 0) anchorPeople = num(r.people);
    else links.push({ step: num(r.step), from: String(r.f), to: String(r.t), people: num(r.people) });
  }
  links.sort((x, y) => x.step - y.step || y.people - x.people || cmpText(x.from, y.from) || cmpText(x.to, y.to));
  return { kind: 'paths', links, anchorPeople };
}

async function lifecycle(engine: AnalyticsEngine, shopId: string, q: LifecycleQuery): Promise<LifecycleResult> {
  const per = periodsOf(q.from, q.to, q.interval);
  const b = new SqlBuilder(engine.dialect);
  const p = b.period(q.interval);
  const endMs = b.int(dayFromDate(q.to) * DAY_MS + DAY_MS - 8 * 3600_000);
  const match = b.match({ event: q.event, where: [] });
  const p0 = b.int(per.list[0]!);
  const p1 = b.int(per.list.at(-1)!);
  const rows = await engine.query<Row>(
    `WITH act AS (SELECT DISTINCT person_id, ${p} AS p, ${p} + 1 AS np FROM events WHERE ${b.shop(shopId)} AND ts < ${endMs} AND ${match}),
          f AS (SELECT person_id, min(p) AS fp FROM act GROUP BY person_id)
     SELECT a.p AS p,
            sum(CASE WHEN f.fp = a.p THEN 1 ELSE 0 END) AS new_,
            sum(CASE WHEN f.fp <> a.p AND prev.person_id IS NOT NULL THEN 1 ELSE 0 END) AS returning_,
            sum(CASE WHEN f.fp <> a.p AND prev.person_id IS NULL THEN 1 ELSE 0 END) AS resurrecting_,
            0 AS dormant_
     FROM act a JOIN f ON f.person_id = a.person_id LEFT JOIN act prev ON prev.person_id = a.person_id AND prev.np = a.p
     WHERE a.p BETWEEN ${p0} AND ${p1} GROUP BY a.p
     UNION ALL
     SELECT prev.np AS p, 0 AS new_, 0 AS returning_, 0 AS resurrecting_, count(*) AS dormant_
     FROM act prev LEFT JOIN act cur ON cur.person_id = prev.person_id AND cur.p = prev.np
     WHERE prev.np BETWEEN ${p0} AND ${p1} AND cur.person_id IS NULL GROUP BY prev.np`,
    b.params,
  );
  const index = new Map(per.list.map((x, i) => [x, i]));
  const zero = () => per.list.map(() => 0);
  const out: LifecycleResult = { kind: 'lifecycle', periods: per.list.map(per.label), new: zero(), returning: zero(), resurrecting: zero(), dormant: zero() };
  for (const r of rows) {
    const i = index.get(num(r.p))!;
    out.new[i]! += num(r.new_);
    out.returning[i]! += num(r.returning_);
    out.resurrecting[i]! += num(r.resurrecting_);
    out.dormant[i]! -= num(r.dormant_);
  }
  return out;
}

function rfmCtes(b: SqlBuilder, shopId: string, q: RfmQuery) {
  const toDay = b.int(dayFromDate(q.to));
  const thresholds = q.thresholds === 'mean'
    ? `t AS (SELECT avg(r) AS tr, avg(f) AS tf, avg(m) AS tm FROM u)`
    : `t AS (SELECT ${b.num(q.thresholds.recencyDays)} AS tr, ${b.num(q.thresholds.frequency)} AS tf, ${b.num(q.thresholds.monetaryFen)} AS tm)`;
  return `WITH u AS (SELECT person_id, ${toDay} - ${b.day('max(ts)')} AS r, count(*) AS f, sum(coalesce(amount, 0)) AS m
                     FROM events WHERE ${b.shop(shopId)} AND event = 'order_paid' AND ${b.range(q.from, q.to)} GROUP BY person_id),
          ${thresholds},
          k AS (SELECT u.person_id AS person_id, u.m AS m, CASE WHEN u.r <= t.tr THEN 1 ELSE 0 END AS rh, CASE WHEN u.f >= t.tf THEN 1 ELSE 0 END AS fh,
                       CASE WHEN u.m >= t.tm THEN 1 ELSE 0 END AS mh FROM u CROSS JOIN t)`;
}

async function rfm(engine: AnalyticsEngine, shopId: string, q: RfmQuery): Promise<RfmResult> {
  const b = new SqlBuilder(engine.dialect);
  const rows = await engine.query<Row>(
    `${rfmCtes(b, shopId, q)}
     SELECT 1 AS kind, t.tr AS rh, t.tf AS fh, t.tm AS mh, 0 AS people, 0 AS m FROM t
     UNION ALL
     SELECT 2 AS kind, rh, fh, mh, count(*) AS people, sum(m) AS m FROM k GROUP BY rh, fh, mh`,
    b.params,
  );
  const thresholds = { recencyDays: 0, frequency: 0, monetaryFen: 0 };
  const byType = new Map<RfmType, { people: number; monetaryFen: number }>();
  for (const r of rows) {
    if (num(r.kind) === 1) {
      thresholds.recencyDays = num(r.rh);
      thresholds.frequency = num(r.fh);
      thresholds.monetaryFen = num(r.mh);
    } else byType.set(rfmTypeOf(num(r.rh) === 1, num(r.fh) === 1, num(r.mh) === 1), { people: num(r.people), monetaryFen: num(r.m) });
  }
  return { kind: 'rfm', thresholds, types: RFM_TYPES.map((type) => ({ type, ...(byType.get(type) ?? { people: 0, monetaryFen: 0 }) })) };
}

async function attribution(engine: AnalyticsEngine, shopId: string, q: AttributionQuery): Promise<AttributionResult> {
  const b = new SqlBuilder(engine.dialect);
  const col = q.by.slice(1);
  const shop = b.shop(shopId);
  const range = b.range(q.from, q.to);
  const revenue = q.touch === 'first'
    ? `SELECT coalesce(fv.v, '(direct)') AS v, 0 AS newp, count(DISTINCT o.person_id) AS payers, count(*) AS orders, sum(coalesce(o.amount, 0)) AS rev
       FROM o LEFT JOIN fv ON fv.person_id = o.person_id GROUP BY 1`
    : `SELECT coalesce(nullif_v, '(direct)') AS v, 0 AS newp, count(DISTINCT person_id) AS payers, count(*) AS orders, sum(coalesce(amount, 0)) AS rev
       FROM (SELECT o.person_id AS person_id, o.amount AS amount, tc.v AS nullif_v FROM o ASOF LEFT JOIN tc ON o.person_id = tc.person_id AND o.ts >= tc.ts) x GROUP BY 1`;
  const rows = await engine.query<Row>(
    `WITH tc AS (SELECT person_id, ts, min(${col}) AS v FROM events WHERE ${shop} AND ${col} <> '' GROUP BY person_id, ts),
          ft AS (SELECT person_id, min(ts) AS t FROM tc GROUP BY person_id),
          fv AS (SELECT tc.person_id AS person_id, tc.v AS v FROM tc JOIN ft ON ft.person_id = tc.person_id AND ft.t = tc.ts),
          fs AS (SELECT person_id, min(ts) AS first_ts FROM events WHERE ${shop} GROUP BY person_id),
          o AS (SELECT person_id, ts, amount FROM events WHERE ${shop} AND event = 'order_paid' AND ${range})
     SELECT coalesce(fv.v, '(direct)') AS v, count(*) AS newp, 0 AS payers, 0 AS orders, 0 AS rev
     FROM fs LEFT JOIN fv ON fv.person_id = fs.person_id
     WHERE fs.first_ts >= ${b.int(dayFromDate(q.from) * DAY_MS - 8 * 3600_000)} AND fs.first_ts < ${b.int(dayFromDate(q.to) * DAY_MS + DAY_MS - 8 * 3600_000)}
     GROUP BY 1
     UNION ALL
     ${revenue}`,
    b.params,
  );
  const byValue = new Map<string, AttributionResult['rows'][number]>();
  for (const r of rows) {
    const v = String(r.v);
    const row = byValue.get(v) ?? { value: v, newPeople: 0, payers: 0, orders: 0, revenueFen: 0 };
    row.newPeople += num(r.newp);
    row.payers += num(r.payers);
    row.orders += num(r.orders);
    row.revenueFen += num(r.rev);
    byValue.set(v, row);
  }
  const list = [...byValue.values()].sort((x, y) => y.revenueFen - x.revenueFen || y.newPeople - x.newPeople || cmpText(x.value, y.value));
  return { kind: 'attribution', rows: list };
}

/** The people behind a number, sorted by id. */
export async function runPeople(engine: AnalyticsEngine, shopId: string, query: AnalysisQuery, select: PeopleSelector, limit?: number): Promise<string[]> {
  const b = new SqlBuilder(engine.dialect);
  let sql: string;
  if (select.kind === 'funnel_step') {
    if (query.kind !== 'funnel') throw new Error('funnel_step needs a funnel');
    if (select.step >= query.steps.length) return [];
    const k = select.step;
    const byGroup = (alias: string) => (select.breakdown === null ? `${alias}.b IS NULL` : `${alias}.b = ${b.str(select.breakdown)}`);
    const chain = funnelChain(b, shopId, query);
    const groupCond = query.breakdown ? byGroup('x') : '1 = 1';
    sql = select.dropped && k < query.steps.length - 1
      ? `${chain} SELECT x.person_id AS person_id FROM s${k} x LEFT JOIN s${k + 1} y ON y.person_id = x.person_id WHERE y.person_id IS NULL AND ${groupCond}`
      : `${chain} SELECT x.person_id AS person_id FROM s${k} x WHERE ${groupCond}`;
  } else if (select.kind === 'rfm_type') {
    if (query.kind !== 'rfm') throw new Error('rfm_type needs an RFM query');
    const l = RFM_LABELS[select.type];
    const want = [l.r, l.f, l.m].map((x) => (x ? 1 : 0));
    sql = `${rfmCtes(b, shopId, query)} SELECT person_id FROM k WHERE rh = ${want[0]} AND fh = ${want[1]} AND mh = ${want[2]}`;
  } else {
    if (query.kind !== 'retention') throw new Error('retention_cohort needs a retention query');
    const per = periodsOf(query.from, query.to, query.interval);
    const cp = per.list.find((p) => per.label(p) === select.start);
    if (cp === undefined) return [];
    sql = select.period === 0
      ? `${retentionCtes(b, shopId, query)} SELECT person_id FROM c WHERE cp = ${b.int(cp)}`
      : `${retentionCtes(b, shopId, query)} SELECT DISTINCT c.person_id AS person_id FROM c JOIN r ON r.person_id = c.person_id WHERE c.cp = ${b.int(cp)} AND r.rp = ${b.int(cp + select.period)}`;
  }
  const rows = await engine.query<{ person_id: string }>(`${sql} ORDER BY person_id${limit ? ` LIMIT ${Math.trunc(limit)}` : ''}`, b.params);
  return rows.map((r) => r.person_id);
}
