import {
  BUILTIN_PROPERTIES,
  RFM_TYPES,
  rfmTypeOf,
  type AnalysisQuery,
  type AnalysisResult,
  type AttributionQuery,
  type AttributionResult,
  type FunnelQuery,
  type FunnelResult,
  type LifecycleQuery,
  type LifecycleResult,
  type PathsQuery,
  type PathsResult,
  type PeopleSelector,
  type PropertyFilter,
  type RetentionQuery,
  type RetentionResult,
  type RfmQuery,
  type RfmResult,
  type RfmType,
  type TrendsQuery,
  type TrendsResult,
} from '@siyu/contracts';
import { DAY_MS, dateFromDay, dayFromDate, dayOf, startOfDayMs, weekOf, weekStartDay, type EngineEvent } from '../engine/types.js';

/**
 * The golden model of docs/analytics.md: every analysis computed over plain arrays, person by person,
 * with no cleverness, so a disagreement with the SQL engines is settled by reading this file next to the
 * doc. Speed does not matter here; the property tests feed it at most a few hundred events.
 */

type Interval = 'day' | 'week';

// ---- texts, values, matchers ----

/** Texts order by their UTF-8 bytes, as both engines compare strings; null comes before any text. */
export function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const sortIds = (ids: Iterable<string>) => [...new Set(ids)].sort(compareText);

/** What a filter or a breakdown sees of one property of one event. */
interface Value {
  set: boolean;
  /** the value's text when set */
  text: string | null;
  /** only JSON numbers are numbers; strings like "12" and built-in columns are not */
  number: number | null;
}
const NOT_SET: Value = { set: false, text: null, number: null };

const isBuiltin = (name: string): boolean => (BUILTIN_PROPERTIES as readonly string[]).includes(name);

export function readProperty(e: EngineEvent, name: string): Value {
  if (isBuiltin(name)) {
    const column = e[name.slice(1) as 'source' | 'medium' | 'campaign' | 'channel' | 'os' | 'path'];
    return column === '' ? NOT_SET : { set: true, text: column, number: null };
  }
  const props = JSON.parse(e.properties) as Record<string, unknown>;
  // The name is one top-level key, dots included: `a.b` is the key "a.b", never a nested path.
  if (props === null || typeof props !== 'object' || !Object.prototype.hasOwnProperty.call(props, name)) return NOT_SET;
  const v = props[name];
  if (v === null || v === undefined) return NOT_SET;
  return { set: true, text: typeof v === 'string' ? v : JSON.stringify(v), number: typeof v === 'number' ? v : null };
}

/** A filter's value read as a number for gt / lt: a number, or a plain decimal text such as "12" or "-1.5". */
export function filterNumber(value: string | number | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

export function matchesFilter(e: EngineEvent, f: PropertyFilter): boolean {
  const v = readProperty(e, f.property);
  const text = f.value === undefined ? '' : String(f.value);
  switch (f.op) {
    case 'set':
      return v.set;
    case 'not_set':
      return !v.set;
    case 'eq':
      return v.set && v.text === text;
    case 'neq':
      return v.set && v.text !== text;
    case 'contains':
      return v.set && v.text!.includes(text);
    case 'gt': {
      const n = filterNumber(f.value);
      return v.number !== null && n !== null && v.number > n;
    }
    case 'lt': {
      const n = filterNumber(f.value);
      return v.number !== null && n !== null && v.number < n;
    }
  }
}

export function matches(e: EngineEvent, m: { event: string; where?: PropertyFilter[] }): boolean {
  if (m.event !== '$any' && e.event !== m.event) return false;
  return (m.where ?? []).every((f) => matchesFilter(e, f));
}

/** Sums count only JSON numbers; anything else adds 0. */
const numberOf = (e: EngineEvent, property: string) => readProperty(e, property).number ?? 0;

// ---- time ----

const rangeStart = (from: string) => startOfDayMs(dayFromDate(from));
const rangeEnd = (to: string) => startOfDayMs(dayFromDate(to) + 1);
const inRange = (e: EngineEvent, q: { from: string; to: string }) => e.ts >= rangeStart(q.from) && e.ts < rangeEnd(q.to);

const periodOf = (ts: number, interval: Interval) => (interval === 'day' ? dayOf(ts) : weekOf(dayOf(ts)));
const periodLabel = (p: number, interval: Interval) => dateFromDay(interval === 'day' ? p : weekStartDay(p));

/** Every period of the range: its days, or the Monday-weeks from the week of `from` to the week of `to`. */
function periodsOf(from: string, to: string, interval: Interval): number[] {
  const first = dayFromDate(from);
  const last = dayFromDate(to);
  const [a, b] = interval === 'day' ? [first, last] : [weekOf(first), weekOf(last)];
  const out: number[] = [];
  for (let p = a; p <= b; p++) out.push(p);
  return out;
}

// ---- people ----

const ofShop = (events: EngineEvent[], shopId: string) => events.filter((e) => e.shopId === shopId);

/** Each person's events, oldest first (ties by name, so "first" is well defined everywhere). */
function byPerson(events: EngineEvent[]): Map<string, EngineEvent[]> {
  const out = new Map<string, EngineEvent[]>();
  for (const id of sortIds(events.map((e) => e.personId))) out.set(id, []);
  for (const e of events) out.get(e.personId)!.push(e);
  for (const list of out.values()) list.sort((a, b) => a.ts - b.ts || compareText(a.event, b.event));
  return out;
}

const minBy = <T>(items: T[], key: (t: T) => number): number => Math.min(...items.map(key));
const lowerMedian = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

// ---- trends ----

export function referenceTrends(events: EngineEvent[], shopId: string, q: TrendsQuery): TrendsResult {
  const ranged = ofShop(events, shopId).filter((e) => inRange(e, q));
  const periods = periodsOf(q.from, q.to, q.interval);
  const series: TrendsResult['series'] = [];
  q.series.forEach((s, index) => {
    const matching = ranged.filter((e) => matches(e, s));
    const measure = (evs: EngineEvent[]): number => {
      if (s.measure === 'count') return evs.length;
      if (s.measure === 'people') return new Set(evs.map((e) => e.personId)).size;
      return evs.reduce((sum, e) => sum + numberOf(e, s.property!), 0);
    };
    const groups = new Map<string | null, EngineEvent[]>();
    if (!q.breakdown) groups.set(null, matching);
    else
      for (const e of matching) {
        const key = readProperty(e, q.breakdown).text;
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
    let rows = [...groups].map(([breakdown, evs]) => {
      const values = periods.map((p) => measure(evs.filter((e) => periodOf(e.ts, q.interval) === p)));
      const total = s.measure === 'people' ? measure(evs) : values.reduce((a, b) => a + b, 0);
      return { index, event: s.event, measure: s.measure, breakdown, values, total };
    });
    if (q.breakdown) rows = rows.sort((a, b) => b.total - a.total || compareText(a.breakdown, b.breakdown)).slice(0, 10);
    series.push(...rows);
  });
  return { kind: 'trends', periods: periods.map((p) => periodLabel(p, q.interval)), series };
}

// ---- funnel ----

interface FunnelPerson {
  personId: string;
  breakdown: string | null;
  /** when each reached step was reached; times[0] is t1 */
  times: number[];
}

function funnelPeople(events: EngineEvent[], shopId: string, q: FunnelQuery): FunnelPerson[] {
  const out: FunnelPerson[] = [];
  for (const [personId, evs] of byPerson(ofShop(events, shopId))) {
    const entering = evs.filter((e) => inRange(e, q) && matches(e, q.steps[0]));
    if (entering.length === 0) continue;
    const t1 = minBy(entering, (e) => e.ts);
    const breakdown = q.breakdown
      ? entering
          .filter((e) => e.ts === t1)
          .map((e) => readProperty(e, q.breakdown!).text)
          .sort(compareText)[0]
      : null;
    const deadline = t1 + q.windowDays * DAY_MS;
    const times = [t1];
    for (let k = 1; k < q.steps.length; k++) {
      const prev = times[k - 1];
      const next = evs.filter((e) => e.ts > prev && e.ts <= deadline && matches(e, q.steps[k]));
      if (next.length === 0) break;
      times.push(minBy(next, (e) => e.ts));
    }
    out.push({ personId, breakdown, times });
  }
  return out;
}

export function referenceFunnel(events: EngineEvent[], shopId: string, q: FunnelQuery): FunnelResult {
  const people = funnelPeople(events, shopId, q);
  const groups = new Map<string | null, FunnelPerson[]>();
  if (!q.breakdown) groups.set(null, people);
  else for (const p of people) groups.set(p.breakdown, [...(groups.get(p.breakdown) ?? []), p]);
  const last = q.steps.length - 1;
  const rows = [...groups].map(([breakdown, ps]) => ({
    breakdown,
    counts: q.steps.map((_, k) => ps.filter((p) => p.times.length > k).length),
    medianSecondsToConvert: lowerMedian(ps.filter((p) => p.times.length > last).map((p) => Math.floor((p.times[last] - p.times[0]) / 1000))),
  }));
  if (q.breakdown) return { kind: 'funnel', groups: rows.sort((a, b) => b.counts[0] - a.counts[0] || compareText(a.breakdown, b.breakdown)).slice(0, 10) };
  return { kind: 'funnel', groups: rows };
}

// ---- retention ----

interface RetentionPerson {
  personId: string;
  cohort: number;
  /** periods with a return event, at any time */
  returns: Set<number>;
}

function retentionPeople(events: EngineEvent[], shopId: string, q: RetentionQuery): RetentionPerson[] {
  const out: RetentionPerson[] = [];
  for (const [personId, evs] of byPerson(ofShop(events, shopId))) {
    const starts = evs.filter((e) => inRange(e, q) && matches(e, q.start));
    if (starts.length === 0) continue;
    const cohort = periodOf(minBy(starts, (e) => e.ts), q.interval);
    const returns = new Set(evs.filter((e) => matches(e, q.return)).map((e) => periodOf(e.ts, q.interval)));
    out.push({ personId, cohort, returns });
  }
  return out;
}

export function referenceRetention(events: EngineEvent[], shopId: string, q: RetentionQuery): RetentionResult {
  const people = retentionPeople(events, shopId, q);
  const cohorts = [...new Set(people.map((p) => p.cohort))].sort((a, b) => a - b);
  return {
    kind: 'retention',
    cohorts: cohorts.map((c) => {
      const members = people.filter((p) => p.cohort === c);
      const retained: number[] = [];
      for (let n = 1; n <= q.periods; n++) retained.push(members.filter((p) => p.returns.has(c + n)).length);
      return { start: periodLabel(c, q.interval), size: members.length, retained };
    }),
  };
}

// ---- paths ----

export function referencePaths(events: EngineEvent[], shopId: string, q: PathsQuery): PathsResult {
  const counts = new Map<string, { step: number; from: string; to: string; people: number }>();
  let anchorPeople = 0;
  for (const evs of byPerson(ofShop(events, shopId)).values()) {
    const anchors = evs.filter((e) => inRange(e, q) && matches(e, q.anchor));
    if (anchors.length === 0) continue;
    anchorPeople++;
    const at = minBy(anchors, (e) => e.ts);
    const anchorName = anchors
      .filter((e) => e.ts === at)
      .map((e) => e.event)
      .sort(compareText)[0];
    const steps =
      q.direction === 'after'
        ? evs.filter((e) => e.ts > at).sort((a, b) => a.ts - b.ts || compareText(a.event, b.event))
        : evs.filter((e) => e.ts < at).sort((a, b) => b.ts - a.ts || compareText(a.event, b.event));
    const names = [anchorName, ...steps.slice(0, q.depth).map((e) => e.event)];
    for (let n = 1; n < names.length; n++) {
      const key = JSON.stringify([n, names[n - 1], names[n]]);
      const link = counts.get(key) ?? { step: n, from: names[n - 1], to: names[n], people: 0 };
      link.people++;
      counts.set(key, link);
    }
  }
  const links = [...counts.values()].sort((a, b) => a.step - b.step || b.people - a.people || compareText(a.from, b.from) || compareText(a.to, b.to));
  return { kind: 'paths', links, anchorPeople };
}

// ---- lifecycle ----

export function referenceLifecycle(events: EngineEvent[], shopId: string, q: LifecycleQuery): LifecycleResult {
  const periods = periodsOf(q.from, q.to, q.interval);
  const active = [...byPerson(ofShop(events, shopId)).values()]
    .map((evs) => new Set(evs.filter((e) => e.ts < rangeEnd(q.to) && matches(e, { event: q.event })).map((e) => periodOf(e.ts, q.interval))))
    .filter((s) => s.size > 0);
  const result: LifecycleResult = { kind: 'lifecycle', periods: periods.map((p) => periodLabel(p, q.interval)), new: [], returning: [], resurrecting: [], dormant: [] };
  for (const p of periods) {
    let fresh = 0;
    let returning = 0;
    let resurrecting = 0;
    let dormant = 0;
    for (const s of active) {
      if (s.has(p)) {
        if (Math.min(...s) === p) fresh++;
        else if (s.has(p - 1)) returning++;
        else resurrecting++;
      } else if (s.has(p - 1)) dormant++;
    }
    result.new.push(fresh);
    result.returning.push(returning);
    result.resurrecting.push(resurrecting);
    // 0 - n rather than -n: a quiet period must read 0, not -0
    result.dormant.push(0 - dormant);
  }
  return result;
}

// ---- RFM ----

interface Buyer {
  personId: string;
  r: number;
  f: number;
  m: number;
}

function rfmBuyers(events: EngineEvent[], shopId: string, q: RfmQuery): { buyers: Buyer[]; typeOf: (b: Buyer) => RfmType; thresholds: RfmResult['thresholds'] } {
  const toDay = dayFromDate(q.to);
  const buyers: Buyer[] = [];
  for (const [personId, evs] of byPerson(ofShop(events, shopId))) {
    const orders = evs.filter((e) => e.event === 'order_paid' && inRange(e, q));
    if (orders.length === 0) continue;
    buyers.push({
      personId,
      r: toDay - dayOf(Math.max(...orders.map((e) => e.ts))),
      f: orders.length,
      m: orders.reduce((sum, e) => sum + numberOf(e, 'amount'), 0),
    });
  }
  if (q.thresholds !== 'mean') {
    const t = q.thresholds;
    return { buyers, thresholds: { ...t }, typeOf: (b) => rfmTypeOf(b.r <= t.recencyDays, b.f >= t.frequency, b.m >= t.monetaryFen) };
  }
  const n = buyers.length;
  const sum = (k: 'r' | 'f' | 'm') => buyers.reduce((s, b) => s + b[k], 0);
  const [sr, sf, sm] = [sum('r'), sum('f'), sum('m')];
  // Compared as x·n against the sum so that a buyer exactly at the mean is never misjudged by rounding.
  return {
    buyers,
    thresholds: n === 0 ? { recencyDays: 0, frequency: 0, monetaryFen: 0 } : { recencyDays: sr / n, frequency: sf / n, monetaryFen: sm / n },
    typeOf: (b) => rfmTypeOf(b.r * n <= sr, b.f * n >= sf, b.m * n >= sm),
  };
}

export function referenceRfm(events: EngineEvent[], shopId: string, q: RfmQuery): RfmResult {
  const { buyers, typeOf, thresholds } = rfmBuyers(events, shopId, q);
  return {
    kind: 'rfm',
    thresholds,
    types: RFM_TYPES.map((type) => {
      const of = buyers.filter((b) => typeOf(b) === type);
      return { type, people: of.length, monetaryFen: of.reduce((s, b) => s + b.m, 0) };
    }),
  };
}

// ---- attribution ----

export function referenceAttribution(events: EngineEvent[], shopId: string, q: AttributionQuery): AttributionResult {
  const column = q.by.slice(1) as 'source' | 'medium' | 'campaign' | 'channel';
  const rows = new Map<string, { value: string; newPeople: number; payers: Set<string>; orders: number; revenueFen: number }>();
  const row = (value: string) => {
    if (!rows.has(value)) rows.set(value, { value, newPeople: 0, payers: new Set(), orders: 0, revenueFen: 0 });
    return rows.get(value)!;
  };
  /** The touch of the earliest (or latest) time among the touches, the smaller text on a tie. */
  const valueAt = (touches: EngineEvent[], pick: 'earliest' | 'latest'): string => {
    if (touches.length === 0) return '(direct)';
    const ts = pick === 'earliest' ? Math.min(...touches.map((e) => e.ts)) : Math.max(...touches.map((e) => e.ts));
    return touches
      .filter((e) => e.ts === ts)
      .map((e) => e[column])
      .sort(compareText)[0];
  };
  for (const [personId, evs] of byPerson(ofShop(events, shopId))) {
    const touches = evs.filter((e) => e[column] !== '');
    const first = valueAt(touches, 'earliest');
    const firstEvent = minBy(evs, (e) => e.ts);
    if (firstEvent >= rangeStart(q.from) && firstEvent < rangeEnd(q.to)) row(first).newPeople++;
    for (const order of evs.filter((e) => e.event === 'order_paid' && inRange(e, q))) {
      const r = row(q.touch === 'first' ? first : valueAt(touches.filter((e) => e.ts <= order.ts), 'latest'));
      r.payers.add(personId);
      r.orders++;
      r.revenueFen += numberOf(order, 'amount');
    }
  }
  return {
    kind: 'attribution',
    rows: [...rows.values()]
      .map((r) => ({ value: r.value, newPeople: r.newPeople, payers: r.payers.size, orders: r.orders, revenueFen: r.revenueFen }))
      .sort((a, b) => b.revenueFen - a.revenueFen || b.newPeople - a.newPeople || compareText(a.value, b.value)),
  };
}

// ---- dispatch ----

export function referenceAnalysis(events: EngineEvent[], shopId: string, query: AnalysisQuery): AnalysisResult {
  switch (query.kind) {
    case 'trends':
      return referenceTrends(events, shopId, query);
    case 'funnel':
      return referenceFunnel(events, shopId, query);
    case 'retention':
      return referenceRetention(events, shopId, query);
    case 'paths':
      return referencePaths(events, shopId, query);
    case 'lifecycle':
      return referenceLifecycle(events, shopId, query);
    case 'rfm':
      return referenceRfm(events, shopId, query);
    case 'attribution':
      return referenceAttribution(events, shopId, query);
  }
}

/** The people behind one number of an analysis, as sorted person ids. */
export function referencePeople(events: EngineEvent[], shopId: string, query: AnalysisQuery, select: PeopleSelector): string[] {
  if (select.kind === 'funnel_step' && query.kind === 'funnel') {
    const people = funnelPeople(events, shopId, query).filter((p) => !query.breakdown || p.breakdown === select.breakdown);
    const chosen = people.filter((p) => p.times.length > select.step && !(select.dropped && p.times.length > select.step + 1));
    return sortIds(chosen.map((p) => p.personId));
  }
  if (select.kind === 'rfm_type' && query.kind === 'rfm') {
    const { buyers, typeOf } = rfmBuyers(events, shopId, query);
    return sortIds(buyers.filter((b) => typeOf(b) === select.type).map((b) => b.personId));
  }
  if (select.kind === 'retention_cohort' && query.kind === 'retention') {
    const people = retentionPeople(events, shopId, query).filter((p) => periodLabel(p.cohort, query.interval) === select.start);
    const chosen = select.period === 0 ? people : people.filter((p) => p.returns.has(p.cohort + select.period));
    return sortIds(chosen.map((p) => p.personId));
  }
  throw new Error(`a ${select.kind} selection does not apply to a ${query.kind} analysis`);
}
