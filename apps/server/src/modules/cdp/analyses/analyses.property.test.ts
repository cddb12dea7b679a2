import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributionQuery, FunnelQuery, LifecycleQuery, PathsQuery, PeopleSelector, RetentionQuery, RfmQuery, RFM_TYPES, TrendsQuery,
  type AnalysisQuery, type AnalysisResult,
} from '@siyu/contracts';
import { startClickHouseSandbox } from '@siyu/sandbox';
import { openClickHouse } from '../engine/clickhouse.js';
import { openDuckDb } from '../engine/duckdb.js';
import { DAY_MS, dateFromDay, dayFromDate, startOfDayMs, weekOf, weekStartDay, type AnalyticsEngine, type EngineEvent } from '../engine/types.js';
import { referenceAnalysis, referencePeople } from './reference.js';
import { runAnalysis, runPeople } from './run.js';

/**
 * Both engines against the reference (reference.ts, the golden model of docs/analytics.md) over random
 * event sets. One engine serves the whole file; every run writes under a shop id of its own, so runs
 * never see each other's events, while the other runs' shops (same person ids) stay in the table as the
 * "other shops" every query must ignore.
 */

// ---- events ----

/** Monday 2025-03-10 00:00 in the shop's zone; events spread ±10 days around it. */
const BASE_DAY = dayFromDate('2025-03-10');
const NAMES = ['$pageview', 'product_viewed', 'product_added', 'order_paid', 'signed_up'] as const;

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Times of day that sit on the edges: local midnight and its neighbours, UTC midnight (08:00 local). */
const timeOfDay = fc.oneof(
  { weight: 5, arbitrary: pick(0, 1, DAY_MS - 1, 8 * 3600_000, 8 * 3600_000 - 1, 12 * 3600_000) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: DAY_MS - 1 }) },
);
const absent = Symbol('absent');
const optional = <T>(arb: fc.Arbitrary<T>, weight = 3) => fc.oneof({ weight: 1, arbitrary: fc.constant(absent) }, { weight, arbitrary: arb });

const propertiesArb = fc
  .record({
    // fen as an integer mostly; a numeric string and a JSON null are not numbers
    amount: optional(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 30_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 30_000 }).map(String) }, { weight: 1, arbitrary: fc.constant(null) }), 2),
    product_id: optional(pick<unknown>('p1', 'p2', 'p3', 7, 'p10'), 2),
    // '😀' (beyond the BMP) and 'ｚ' order one way by UTF-8 bytes and the other by UTF-16 units
    plan: optional(pick<unknown>('gold', 'silver', 'Gold', '会员', 'x_y%', '😀', 'ｚ', null, true), 2),
    'a.b': optional(pick<unknown>('dot', 12), 1),
    // enough values that a breakdown by it has more than ten groups
    sku: optional(fc.integer({ min: 1, max: 14 }).map((n) => (n % 4 === 0 ? n : `s${n}`)), 2),
  })
  .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== absent))));

interface RawEvent {
  person: number;
  event: string;
  day: number;
  time: number;
  /** reuse the previous event's instant: exact ties within a person */
  tie: boolean;
  properties: string;
  source: string;
  medium: string;
  campaign: string;
  channel: string;
  os: string;
  path: string;
}

const rawEventArb = (people: number): fc.Arbitrary<RawEvent> =>
  fc.record({
    person: fc.integer({ min: 0, max: people - 1 }),
    event: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: pick('checkout_started', 'order_placed') }),
    day: fc.integer({ min: -10, max: 10 }),
    time: timeOfDay,
    tie: fc.boolean(),
    properties: propertiesArb,
    source: pick('', '', 'baidu', 'wechat'),
    medium: pick('', 'cpc', 'social'),
    campaign: pick('', '', 'spring', 'x_y%'),
    channel: pick('', '', 'wechat', 'douyin', 'sms'),
    os: pick('', 'ios', 'android'),
    path: pick('', '/', '/p/1', '/cart'),
  });

interface Dataset {
  main: RawEvent[];
  /** events of another shop, with the same person ids: they must never count */
  other: RawEvent[];
}

// Few people with many events each make long funnels and paths; many people make wide breakdowns.
const datasetArb: fc.Arbitrary<Dataset> = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 })).chain((people) =>
  fc.record({
    main: fc.array(rawEventArb(people), { minLength: 0, maxLength: 160, size: 'max' }),
    other: fc.array(rawEventArb(people), { minLength: 0, maxLength: 5 }),
  }),
);

/** Person ids whose text order differs from their number order (p10 < p2). */
const personId = (n: number) => `p${n}`;
let nextInbox = 1;
let nextShop = 1;

function materialize(raw: RawEvent[], shopId: string): EngineEvent[] {
  const last = new Map<number, number>();
  return raw.map((r) => {
    const ts = r.tie && last.has(r.person) ? last.get(r.person)! : startOfDayMs(BASE_DAY + r.day) + r.time;
    last.set(r.person, ts);
    const { person, day: _day, time: _time, tie: _tie, ...rest } = r;
    return { ...rest, inboxId: nextInbox++, shopId, personId: personId(person), distinctId: `d-${personId(person)}`, ts };
  });
}

// ---- queries ----

// Mostly short ranges (edges matter), sometimes nearly all the data (wide breakdowns, long paths).
const rangeArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ start: fc.integer({ min: -9, max: 7 }), len: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ start: fc.integer({ min: -10, max: -8 }), len: fc.integer({ min: 15, max: 20 }) }) },
).map(({ start, len }) => ({
  from: dateFromDay(BASE_DAY + start),
  to: dateFromDay(BASE_DAY + start + len),
}));

const PROPERTIES = ['amount', 'product_id', 'plan', 'sku', 'a.b', 'missing', '$source', '$medium', '$campaign', '$channel', '$os', '$path'];
const textValue = pick<string | number>('gold', 'Gold', 'wechat', 'douyin', 'p1', 'p10', '7', 7, '1000', 'ol', '%', '_', 'x_y%', 'true', '会员', '/p', 'dot', '');
// texts too: "1000" reads as a number, while "", "1e3" and " 5" are not plain decimals and match nothing
const numberValue = fc.oneof(
  { weight: 3, arbitrary: pick<string | number>(0, 100, 1000, 15_000, -1, 2.5, '1000', '-1') },
  { weight: 1, arbitrary: pick('abc', '', '1e3', ' 5') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 30_000 }) },
);
const filterArb = fc.oneof(
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: pick('eq', 'neq', 'contains'), value: textValue }),
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: pick('gt', 'lt'), value: numberValue }),
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: pick('set', 'not_set') }),
);
const eventNameArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...NAMES) }, { weight: 3, arbitrary: fc.constant('$any') }, { weight: 1, arbitrary: fc.constant('nope') });
const matcherArb = fc.record({ event: eventNameArb, where: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(filterArb, { minLength: 1, maxLength: 2 }) }) });
const breakdownArb = fc.option(fc.oneof(fc.constantFrom(...PROPERTIES), pick('amount', 'sku')), { nil: undefined, freq: 2 });
const intervalArb = pick('day' as const, 'week' as const);

const trendsArb = fc
  .record({
    range: rangeArb,
    interval: intervalArb,
    breakdown: breakdownArb,
    series: fc.array(
      fc.record({ m: matcherArb, measure: pick('count', 'people', 'sum'), property: fc.constantFrom('amount', 'amount', 'product_id', 'sku', 'a.b', '$source') }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ range, interval, breakdown, series }) =>
    TrendsQuery.parse({
      kind: 'trends', ...range, interval, breakdown,
      series: series.map((s) => ({ ...s.m, measure: s.measure, property: s.measure === 'sum' ? s.property : undefined })),
    }),
  );

const funnelArb = fc
  .record({
    range: rangeArb,
    steps: fc.array(fc.oneof({ weight: 3, arbitrary: fc.record({ event: eventNameArb, where: fc.constant([]) }) }, { weight: 1, arbitrary: matcherArb }), { minLength: 2, maxLength: 4 }),
    windowDays: fc.integer({ min: 1, max: 10 }),
    breakdown: breakdownArb,
  })
  .map(({ range, ...q }) => FunnelQuery.parse({ kind: 'funnel', ...range, ...q }));

const retentionArb = fc
  .record({ range: rangeArb, start: matcherArb, ret: matcherArb, interval: intervalArb, periods: fc.integer({ min: 1, max: 8 }) })
  .map(({ range, ret, ...q }) => RetentionQuery.parse({ kind: 'retention', ...range, return: ret, ...q }));

const pathsArb = fc
  .record({ range: rangeArb, anchor: matcherArb, direction: pick('after', 'before'), depth: fc.integer({ min: 1, max: 5 }) })
  .map(({ range, ...q }) => PathsQuery.parse({ kind: 'paths', ...range, ...q }));

const lifecycleArb = fc
  .record({ range: rangeArb, event: eventNameArb, interval: intervalArb })
  .map(({ range, ...q }) => LifecycleQuery.parse({ kind: 'lifecycle', ...range, ...q }));

const rfmArb = fc
  .record({
    range: rangeArb,
    thresholds: fc.oneof(
      { weight: 2, arbitrary: fc.constant('mean' as const) },
      { weight: 1, arbitrary: fc.record({ recencyDays: fc.integer({ min: 0, max: 10 }), frequency: pick(0, 1, 1.5, 2, 3), monetaryFen: fc.integer({ min: 0, max: 40_000 }) }) },
    ),
  })
  .map(({ range, thresholds }) => RfmQuery.parse({ kind: 'rfm', ...range, thresholds }));

const attributionArb = fc
  .record({ range: rangeArb, by: pick('$source', '$medium', '$campaign', '$channel'), touch: pick('first', 'last') })
  .map(({ range, ...q }) => AttributionQuery.parse({ kind: 'attribution', ...range, ...q }));

type Case = { query: AnalysisQuery; selects: PeopleSelector[] };

const funnelCase: fc.Arbitrary<Case> = funnelArb.chain((query) =>
  fc
    .array(
      fc.record({
        step: fc.oneof(fc.integer({ min: 0, max: query.steps.length }), fc.constant(query.steps.length - 1)),
        dropped: fc.boolean(),
        breakdown: fc.option(pick('gold', 'silver', 'p1', '7', 's1', 's2', '12', 'dot', 'wechat', 'douyin', 'baidu', 'cpc', 'spring', 'ios', '/'), { nil: null, freq: 3 }),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((ss) => ({ query, selects: ss.map((s) => PeopleSelector.parse({ kind: 'funnel_step', ...s })) })),
);

const rfmCase: fc.Arbitrary<Case> = rfmArb.chain((query) =>
  fc.subarray([...RFM_TYPES], { minLength: 1, maxLength: 3 }).map((types) => ({ query, selects: types.map((type) => PeopleSelector.parse({ kind: 'rfm_type', type })) })),
);

const retentionCase: fc.Arbitrary<Case> = retentionArb.chain((query) => {
  const d0 = dayFromDate(query.from);
  const d1 = dayFromDate(query.to);
  // cohort labels of the range, plus a date that labels nothing for weeks (a Wednesday)
  const starts =
    query.interval === 'day'
      ? Array.from({ length: d1 - d0 + 1 }, (_, i) => dateFromDay(d0 + i))
      : [...Array.from({ length: weekOf(d1) - weekOf(d0) + 1 }, (_, i) => dateFromDay(weekStartDay(weekOf(d0) + i))), dateFromDay(weekStartDay(weekOf(d0)) + 2)];
  return fc
    .array(fc.record({ start: fc.constantFrom(...starts), period: fc.integer({ min: 0, max: query.periods + 1 }) }), { minLength: 1, maxLength: 5 })
    .map((ss) => ({ query, selects: ss.map((s) => PeopleSelector.parse({ kind: 'retention_cohort', ...s })) }));
});

const noPeople = (arb: fc.Arbitrary<AnalysisQuery>): fc.Arbitrary<Case> => arb.map((query) => ({ query, selects: [] }));

const CASES: Record<AnalysisQuery['kind'], fc.Arbitrary<Case>> = {
  trends: noPeople(trendsArb),
  funnel: funnelCase,
  retention: retentionCase,
  paths: noPeople(pathsArb),
  lifecycle: noPeople(lifecycleArb),
  rfm: rfmCase,
  attribution: noPeople(attributionArb),
};

// ---- comparison ----

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** Exact equality, except RFM mean thresholds: the engines' averages may round differently from ours. */
function expectSame(actual: AnalysisResult, expected: AnalysisResult) {
  if (actual.kind === 'rfm' && expected.kind === 'rfm') {
    for (const k of ['recencyDays', 'frequency', 'monetaryFen'] as const) {
      expect(close(actual.thresholds[k], expected.thresholds[k]), `thresholds.${k}: ${actual.thresholds[k]} vs ${expected.thresholds[k]}`).toBe(true);
    }
    expect({ ...actual, thresholds: null }).toEqual({ ...expected, thresholds: null });
  } else expect(actual).toEqual(expected);
}

function suite(name: string, numRuns: number, open: () => Promise<{ engine: AnalyticsEngine; close: () => Promise<void> }>) {
  describe(name, () => {
    let engine: AnalyticsEngine;
    let shutdown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const opened = await open();
      engine = opened.engine;
      shutdown = opened.close;
      await engine.init();
    }, 120_000);
    afterAll(async () => {
      await shutdown?.();
    });

    for (const kind of Object.keys(CASES) as AnalysisQuery['kind'][]) {
      it(`${kind} agrees with the reference`, async () => {
        await fc.assert(
          fc.asyncProperty(datasetArb, CASES[kind], async (data, { query, selects }) => {
            const n = nextShop++;
            const shopId = `shop-${n}`;
            const events = [...materialize(data.main, shopId), ...materialize(data.other, `other-${n}`)];
            await engine.append(events);
            expectSame(await runAnalysis(engine, shopId, query), referenceAnalysis(events, shopId, query));
            for (const select of selects) {
              expect(await runPeople(engine, shopId, query, select), JSON.stringify(select)).toEqual(referencePeople(events, shopId, query, select));
            }
          }),
          // a failure's shrinking stops in time for vitest to print the smallest case found so far
          { numRuns, interruptAfterTimeLimit: 20_000 },
        );
      }, 60_000);
    }
  });
}

suite('DuckDB', 40, async () => {
  const engine = await openDuckDb({ path: ':memory:' });
  return { engine, close: () => engine.close() };
});

suite('ClickHouse', 15, async () => {
  const sandbox = await startClickHouseSandbox();
  const engine = await openClickHouse({ url: sandbox.url, database: 'analyses_property' });
  return {
    engine,
    close: async () => {
      await engine.close();
      await sandbox.close();
    },
  };
});
