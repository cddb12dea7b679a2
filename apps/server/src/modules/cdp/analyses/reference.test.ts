import { describe, expect, it } from 'vitest';
import { AnalysisQuery, PeopleSelector, PropertyFilter } from '@siyu/contracts';
import type { EngineEvent } from '../engine/types.js';
import { matchesFilter, referenceAnalysis, referencePeople } from './reference.js';

/**
 * Hand-computed cases: each expectation below was worked out on paper from docs/analytics.md, so these
 * pin the reference to the doc before the property tests pin the engines to the reference.
 */

const SHOP = 'shop-a';
const OTHER = 'shop-b';
let inbox = 1;

/** Shop-local wall time (UTC+8). */
const at = (date: string, time = '12:00:00') => Date.parse(`${date}T${time}+08:00`);

function ev(personId: string, event: string, ts: number, props: Record<string, unknown> = {}, cols: Partial<EngineEvent> = {}): EngineEvent {
  return {
    inboxId: inbox++, shopId: SHOP, event, personId, distinctId: personId, ts, properties: JSON.stringify(props),
    source: '', medium: '', campaign: '', channel: '', os: '', path: '', ...cols,
  };
}

const run = (events: EngineEvent[], query: unknown) => referenceAnalysis(events, SHOP, AnalysisQuery.parse(query));
const people = (events: EngineEvent[], query: unknown, select: unknown) =>
  referencePeople(events, SHOP, AnalysisQuery.parse(query), PeopleSelector.parse(select));

describe('filters', () => {
  const e = ev('p', 'x', 0, { amount: 1200, s: '1200', plan: 'gold', nul: null, flag: true, 'a.b': 'dot', a: { b: 'nested' } }, { source: 'wx' });
  const check = (property: string, op: PropertyFilter['op'], value?: string | number) => matchesFilter(e, PropertyFilter.parse({ property, op, value }));

  it.each([
    ['number text equals its literal', 'amount', 'eq', '1200', true],
    ['number filter value compares as text', 'amount', 'eq', 1200, true],
    ['string property equals a number filter by text', 's', 'eq', 1200, true],
    ['boolean text is its literal', 'flag', 'eq', 'true', true],
    ['a dotted name is one top-level key', 'a.b', 'eq', 'dot', true],
    ['an object reads as its JSON literal', 'a', 'eq', '{"b":"nested"}', true],
    ['gt on a JSON number', 'amount', 'gt', 1000, true],
    ['gt with a numeric text filter value', 'amount', 'gt', '1000', true],
    ['gt with a non-numeric filter value', 'amount', 'gt', 'abc', false],
    ['gt with an empty filter value', 'amount', 'gt', '', false],
    ['lt with an exponent text is not a plain decimal', 'amount', 'lt', '1e9', false],
    ['lt with a padded text is not a plain decimal', 'amount', 'lt', ' 5000', false],
    ['gt with a negative decimal text', 'amount', 'gt', '-1.5', true],
    ['lt is strict', 'amount', 'lt', 1200, false],
    ['a numeric string is not a number', 's', 'gt', 1000, false],
    ['a boolean is not a number', 'flag', 'gt', 0, false],
    ['a built-in is not a number', '$source', 'gt', 0, false],
    ['neq on a set property', 'plan', 'neq', 'silver', true],
    ['neq needs the property set (missing)', 'missing', 'neq', 'x', false],
    ['neq needs the property set (JSON null)', 'nul', 'neq', 'x', false],
    ['neq needs the built-in set', '$channel', 'neq', 'x', false],
    ['neq on a set built-in', '$source', 'neq', 'x', true],
    ['contains', 'plan', 'contains', 'ol', true],
    ['contains is case-sensitive', 'plan', 'contains', 'OL', false],
    ['contains takes % literally', 'plan', 'contains', '%', false],
    ['eq on an empty built-in never matches', '$channel', 'eq', '', false],
    ['JSON null is not set', 'nul', 'set', undefined, false],
    ['JSON null is not_set', 'nul', 'not_set', undefined, true],
    ['a missing key is not_set', 'missing', 'not_set', undefined, true],
    ['an empty built-in is not_set', '$channel', 'not_set', undefined, true],
    ['a filled built-in is set', '$source', 'set', undefined, true],
  ] as const)('%s', (_name, property, op, value, expected) => {
    expect(check(property, op, value)).toBe(expected);
  });
});

describe('trends', () => {
  const events = [
    ev('p1', '$pageview', at('2025-03-09', '23:59:59')), // one second before the range
    ev('p1', '$pageview', at('2025-03-10', '00:00:00')), // 2025-03-09 16:00 UTC, already the 10th locally
    ev('p1', '$pageview', at('2025-03-10', '23:59:59')),
    ev('p2', '$pageview', at('2025-03-11', '00:00:00')),
    ev('p1', '$pageview', at('2025-03-11', '08:00:00')),
    ev('p2', '$pageview', at('2025-03-12', '00:00:00')), // first instant after the range
    ev('p3', 'order_paid', at('2025-03-10', '10:00:00'), { amount: 500 }),
    ev('p3', 'order_paid', at('2025-03-11', '10:00:00'), { amount: '700' }),
    ev('p1', 'order_paid', at('2025-03-11', '11:00:00'), { amount: 300 }),
    { ...ev('p9', '$pageview', at('2025-03-10')), shopId: OTHER },
  ];

  it('counts events, people and sums per local day; people total is distinct over the range', () => {
    const r = run(events, {
      kind: 'trends', from: '2025-03-10', to: '2025-03-11',
      series: [{ event: '$pageview' }, { event: '$pageview', measure: 'people' }, { event: 'order_paid', measure: 'sum', property: 'amount' }],
    });
    expect(r).toEqual({
      kind: 'trends',
      periods: ['2025-03-10', '2025-03-11'],
      series: [
        { index: 0, event: '$pageview', measure: 'count', breakdown: null, values: [2, 2], total: 4 },
        { index: 1, event: '$pageview', measure: 'people', breakdown: null, values: [1, 2], total: 2 },
        // the string "700" is not a number, so it adds 0
        { index: 2, event: 'order_paid', measure: 'sum', breakdown: null, values: [500, 300], total: 800 },
      ],
    });
  });

  it('applies filters; a series with nothing has zeros without a breakdown and no rows with one', () => {
    const q = { kind: 'trends', from: '2025-03-10', to: '2025-03-11', series: [{ event: '$any', where: [{ property: 'amount', op: 'gt', value: 400 }] }, { event: 'nope' }] };
    expect(run(events, q)).toMatchObject({
      series: [
        { index: 0, event: '$any', values: [1, 0], total: 1 },
        { index: 1, event: 'nope', breakdown: null, values: [0, 0], total: 0 },
      ],
    });
    const broken = run(events, { ...q, breakdown: 'plan' });
    expect(broken.kind === 'trends' && broken.series).toEqual([{ index: 0, event: '$any', measure: 'count', breakdown: null, values: [1, 0], total: 1 }]);
  });

  it('lists Monday weeks of the range and counts only events inside it', () => {
    const weekly = [
      ev('p1', '$pageview', at('2025-03-11')), // Tuesday, before from
      ev('p1', '$pageview', at('2025-03-12', '00:00:00')),
      ev('p1', '$pageview', at('2025-03-16', '23:59:59')), // Sunday: still the week of the 10th
      ev('p2', '$pageview', at('2025-03-17', '00:00:00')), // Monday
      ev('p2', '$pageview', at('2025-03-18', '23:59:59')),
      ev('p2', '$pageview', at('2025-03-19', '00:00:00')), // after to
    ];
    const r = run(weekly, { kind: 'trends', from: '2025-03-12', to: '2025-03-18', interval: 'week', series: [{ event: '$pageview' }, { event: '$pageview', measure: 'people' }] });
    expect(r).toMatchObject({
      periods: ['2025-03-10', '2025-03-17'],
      series: [{ values: [2, 2], total: 4 }, { values: [1, 1], total: 2 }],
    });
  });

  it('keeps the 10 largest breakdown values, ties by text with null first', () => {
    const d = at('2025-03-10');
    const pv = (product_id?: unknown) => ev('p1', '$pageview', d, product_id === undefined ? {} : { product_id });
    const evs = [
      pv(), pv(), pv(null), // null: 3 (a JSON null is not set)
      pv('k'), pv('k'), pv('k'),
      pv('b'), pv('b'), pv('c'), pv('c'), pv(7), pv(7), // "7" sorts before letters
      ...['d', 'e', 'f', 'g', 'h', 'i', 'j'].map((v) => pv(v)),
    ];
    const r = run(evs, { kind: 'trends', from: '2025-03-10', to: '2025-03-10', series: [{ event: '$pageview' }], breakdown: 'product_id' });
    if (r.kind !== 'trends') throw new Error(r.kind);
    expect(r.series.map((s) => [s.breakdown, s.total])).toEqual([
      [null, 3], ['k', 3], ['7', 2], ['b', 2], ['c', 2], ['d', 1], ['e', 1], ['f', 1], ['g', 1], ['h', 1],
    ]);
  });

  it('orders tied texts by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5A is EF BD 9A in UTF-8 and U+1F600 is F0 9F 98 80, though its UTF-16 lead unit D83D is smaller
    const evs = [ev('p1', '$pageview', at('2025-03-10'), { plan: '😀' }), ev('p2', '$pageview', at('2025-03-10'), { plan: 'ｚ' })];
    const r = run(evs, { kind: 'trends', from: '2025-03-10', to: '2025-03-10', series: [{ event: '$pageview' }], breakdown: 'plan' });
    expect(r.kind === 'trends' && r.series.map((s) => s.breakdown)).toEqual(['ｚ', '😀']);
  });
});

describe('funnel', () => {
  const steps = [{ event: 'product_viewed' }, { event: 'product_added' }, { event: 'order_paid' }];
  const q = { kind: 'funnel', from: '2025-03-10', to: '2025-03-10', steps, windowDays: 1 };
  const events = [
    // pa: all three, 7200 s
    ev('pa', 'product_viewed', at('2025-03-10', '10:00:00')),
    ev('pa', 'product_added', at('2025-03-10', '10:30:00')),
    ev('pa', 'order_paid', at('2025-03-10', '12:00:00')),
    // pb: an add at the same instant is not after; the next one is 1 s past the window
    ev('pb', 'product_viewed', at('2025-03-10', '09:00:00')),
    ev('pb', 'product_added', at('2025-03-10', '09:00:00')),
    ev('pb', 'product_added', at('2025-03-11', '09:00:01')),
    // pc: a view before the range does not enter; 100.5 s rounds down to 100
    ev('pc', 'product_viewed', at('2025-03-09', '23:00:00')),
    ev('pc', 'product_viewed', at('2025-03-10', '08:00:00')),
    ev('pc', 'product_added', at('2025-03-10', '08:00:30')),
    ev('pc', 'order_paid', at('2025-03-10', '08:01:40') + 500),
    // pd: paid before adding, so only two steps
    ev('pd', 'product_viewed', at('2025-03-10', '11:00:00')),
    ev('pd', 'order_paid', at('2025-03-10', '11:10:00')),
    ev('pd', 'product_added', at('2025-03-10', '11:20:00')),
    // pe: an add exactly at the window's end (after `to`) counts; a pay at the same instant does not
    ev('pe', 'product_viewed', at('2025-03-10', '20:00:00')),
    ev('pe', 'product_added', at('2025-03-11', '20:00:00')),
    ev('pe', 'order_paid', at('2025-03-11', '20:00:00')),
    { ...ev('pf', 'product_viewed', at('2025-03-10')), shopId: OTHER },
  ];

  it('follows people step by step within the window; lower median time', () => {
    expect(run(events, q)).toEqual({ kind: 'funnel', groups: [{ breakdown: null, counts: [5, 4, 2], medianSecondsToConvert: 100 }] });
  });

  it('hands back the people behind each step', () => {
    expect(people(events, q, { kind: 'funnel_step', step: 0 })).toEqual(['pa', 'pb', 'pc', 'pd', 'pe']);
    expect(people(events, q, { kind: 'funnel_step', step: 0, dropped: true })).toEqual(['pb']);
    expect(people(events, q, { kind: 'funnel_step', step: 1, dropped: true })).toEqual(['pd', 'pe']);
    expect(people(events, q, { kind: 'funnel_step', step: 2 })).toEqual(['pa', 'pc']);
    expect(people(events, q, { kind: 'funnel_step', step: 2, dropped: true })).toEqual(['pa', 'pc']);
    // a step the funnel does not have: nobody reached it
    expect(people(events, q, { kind: 'funnel_step', step: 3 })).toEqual([]);
    // without a breakdown in the query the selector's breakdown is ignored
    expect(people(events, q, { kind: 'funnel_step', step: 2, breakdown: 'zzz' })).toEqual(['pa', 'pc']);
  });

  it('has one empty group when nobody enters', () => {
    expect(run(events, { ...q, from: '2025-01-01', to: '2025-01-01' })).toEqual({ kind: 'funnel', groups: [{ breakdown: null, counts: [0, 0, 0], medianSecondsToConvert: null }] });
  });

  describe('breakdown by the entering event', () => {
    const t = at('2025-03-10', '10:00:00');
    const bq = { kind: 'funnel', from: '2025-03-10', to: '2025-03-10', steps: steps.slice(0, 2), breakdown: 'plan' };
    const evs = [
      ev('f1', 'product_viewed', t, { plan: 'b' }), ev('f1', 'product_viewed', t), ev('f1', 'product_added', t + 60_000), // tie: null wins
      ev('f2', 'product_viewed', t, { plan: 'b' }), ev('f2', 'product_viewed', t, { plan: 'a' }), // tie: a wins
      ev('f3', 'product_viewed', t, { plan: 'b' }), ev('f3', 'product_viewed', t + 1, { plan: 'a' }), // the first one decides
      ev('f4', 'product_viewed', t, { plan: 'b' }), ev('f4', 'product_added', t + 120_000),
      ev('f5', 'product_viewed', t, { plan: null }),
    ];

    it('orders groups by people entering, then text with null first', () => {
      expect(run(evs, bq)).toEqual({
        kind: 'funnel',
        groups: [
          { breakdown: null, counts: [2, 1], medianSecondsToConvert: 60 },
          { breakdown: 'b', counts: [2, 1], medianSecondsToConvert: 120 },
          { breakdown: 'a', counts: [1, 0], medianSecondsToConvert: null },
        ],
      });
    });

    it('selects people of one group, null included', () => {
      expect(people(evs, bq, { kind: 'funnel_step', step: 0, breakdown: null })).toEqual(['f1', 'f5']);
      expect(people(evs, bq, { kind: 'funnel_step', step: 1, breakdown: 'b' })).toEqual(['f4']);
      expect(people(evs, bq, { kind: 'funnel_step', step: 0, dropped: true, breakdown: 'b' })).toEqual(['f3']);
      expect(people(evs, bq, { kind: 'funnel_step', step: 0, breakdown: 'zzz' })).toEqual([]);
    });

    it('reads built-in columns the same way (empty is null)', () => {
      const chq = { ...bq, breakdown: '$channel' };
      const chEvents = [ev('c1', 'product_viewed', t, {}, { channel: 'wx' }), ev('c2', 'product_viewed', t), ev('c3', 'product_viewed', t, {}, { channel: 'wx' })];
      expect(run(chEvents, chq)).toEqual({
        kind: 'funnel',
        groups: [
          { breakdown: 'wx', counts: [2, 0], medianSecondsToConvert: null },
          { breakdown: null, counts: [1, 0], medianSecondsToConvert: null },
        ],
      });
    });
  });
});

describe('retention', () => {
  const q = { kind: 'retention', from: '2025-03-10', to: '2025-03-11', start: { event: 'product_viewed' }, return: { event: 'order_paid' }, interval: 'day', periods: 3 };
  const events = [
    ev('r1', 'product_viewed', at('2025-03-10', '23:59:59')),
    ev('r1', 'order_paid', at('2025-03-10', '23:59:59')), // same period: not a return
    ev('r1', 'order_paid', at('2025-03-11', '00:00:00')), // N = 1
    ev('r1', 'order_paid', at('2025-03-13')), // N = 3, after `to`: still counts
    ev('r2', 'product_viewed', at('2025-03-09')), // before the range: not the cohort
    ev('r2', 'product_viewed', at('2025-03-10')),
    ev('r2', 'order_paid', at('2025-03-12')), // N = 2
    ev('r3', 'product_viewed', at('2025-03-11', '00:00:00')),
    ev('r3', 'order_paid', at('2025-03-09')),
    ev('r3', 'order_paid', at('2025-03-12')), // N = 1
    ev('r4', 'order_paid', at('2025-03-11')), // never started
  ];

  it('counts each cohort and its returns per later day', () => {
    expect(run(events, q)).toEqual({
      kind: 'retention',
      cohorts: [
        { start: '2025-03-10', size: 2, retained: [1, 1, 1] },
        { start: '2025-03-11', size: 1, retained: [1, 0, 0] },
      ],
    });
  });

  it('hands back a cohort or its retained people', () => {
    const sel = (start: string, period: number) => people(events, q, { kind: 'retention_cohort', start, period });
    expect(sel('2025-03-10', 0)).toEqual(['r1', 'r2']);
    expect(sel('2025-03-10', 1)).toEqual(['r1']);
    expect(sel('2025-03-10', 2)).toEqual(['r2']);
    expect(sel('2025-03-10', 3)).toEqual(['r1']);
    expect(sel('2025-03-11', 1)).toEqual(['r3']);
    expect(sel('2025-03-11', 5)).toEqual([]);
    expect(sel('2025-03-12', 0)).toEqual([]);
  });

  it('labels weekly cohorts by their Monday and counts returns by week', () => {
    const evs = [
      ev('w1', 'signed_up', at('2025-03-16', '23:59:00')), // Sunday of the week of the 10th
      ev('w1', 'order_paid', at('2025-03-17', '00:00:00')),
      ev('w2', 'signed_up', at('2025-03-17', '00:00:00')),
      ev('w2', 'order_paid', at('2025-03-30')), // Sunday: week + 1
      ev('w2', 'order_paid', at('2025-03-31')), // Monday: week + 2
    ];
    const wq = { kind: 'retention', from: '2025-03-10', to: '2025-03-23', start: { event: 'signed_up' }, return: { event: 'order_paid' }, interval: 'week', periods: 2 };
    expect(run(evs, wq)).toEqual({
      kind: 'retention',
      cohorts: [
        { start: '2025-03-10', size: 1, retained: [1, 0] },
        { start: '2025-03-17', size: 1, retained: [1, 1] },
      ],
    });
    expect(people(evs, wq, { kind: 'retention_cohort', start: '2025-03-17', period: 2 })).toEqual(['w2']);
  });
});

describe('paths', () => {
  const events = [
    ev('p1', '$pageview', at('2025-03-10', '09:00:00')),
    ev('p1', 'product_viewed', at('2025-03-10', '10:00:00')),
    ev('p1', 'product_added', at('2025-03-10', '10:05:00')),
    ev('p1', '$pageview', at('2025-03-10', '10:05:00')), // same time: by name, "$" first
    ev('p1', 'order_paid', at('2025-03-10', '11:00:00')),
    ev('p2', 'product_viewed', at('2025-03-09')), // before the range: not the anchor
    ev('p2', 'product_viewed', at('2025-03-10', '12:00:00')),
    ev('p2', 'product_viewed', at('2025-03-10', '12:00:00')), // same time as the anchor: not after
    ev('p2', '$pageview', at('2025-03-12')), // after `to`: still on the path
    ev('p3', 'product_viewed', at('2025-03-10', '08:00:00')),
    ev('p4', '$pageview', at('2025-03-10')),
  ];
  const q = { kind: 'paths', from: '2025-03-10', to: '2025-03-10', anchor: { event: 'product_viewed' }, depth: 2 };

  it('follows the first anchor forward, ordered by time then name', () => {
    expect(run(events, q)).toEqual({
      kind: 'paths',
      anchorPeople: 3,
      links: [
        { step: 1, from: 'product_viewed', to: '$pageview', people: 2 },
        { step: 2, from: '$pageview', to: 'product_added', people: 1 },
      ],
    });
  });

  it('walks backward, newest first', () => {
    expect(run(events, { ...q, direction: 'before' })).toEqual({
      kind: 'paths',
      anchorPeople: 3,
      links: [
        { step: 1, from: 'product_viewed', to: '$pageview', people: 1 },
        { step: 1, from: 'product_viewed', to: 'product_viewed', people: 1 },
      ],
    });
  });

  it('names an $any anchor by the smallest matching name at its time', () => {
    const t = at('2025-03-10');
    const evs = [
      ev('q1', 'signed_up', t), ev('q1', '$pageview', t), ev('q1', 'product_viewed', t + 1),
      ev('q2', 'signed_up', t, { plan: 'gold' }), ev('q2', '$pageview', t), ev('q2', 'product_added', t + 5),
    ];
    const anyQ = { kind: 'paths', from: '2025-03-10', to: '2025-03-10', anchor: { event: '$any' } };
    expect(run(evs, anyQ)).toEqual({
      kind: 'paths',
      anchorPeople: 2,
      links: [
        { step: 1, from: '$pageview', to: 'product_added', people: 1 },
        { step: 1, from: '$pageview', to: 'product_viewed', people: 1 },
      ],
    });
    expect(run(evs, { ...anyQ, anchor: { event: '$any', where: [{ property: 'plan', op: 'eq', value: 'gold' }] } })).toEqual({
      kind: 'paths',
      anchorPeople: 1,
      links: [{ step: 1, from: 'signed_up', to: 'product_added', people: 1 }],
    });
  });
});

describe('lifecycle', () => {
  it('sorts weekly actives into new, returning, resurrecting and dormant; before from counts, after to does not', () => {
    const events = [
      ev('l1', '$pageview', at('2025-03-04')), // week of 03-03
      ev('l1', 'product_viewed', at('2025-03-11')), // week of 03-10, before `from` yet counted
      ev('l1', '$pageview', at('2025-03-25')),
      ev('l2', '$pageview', at('2025-03-16', '23:59:59')), // first ever, week of 03-10
      ev('l2', '$pageview', at('2025-03-17', '00:00:00')),
      ev('l3', '$pageview', at('2025-02-25')),
      ev('l3', '$pageview', at('2025-03-20')),
      ev('l4', '$pageview', at('2025-03-26')), // week of 03-24, but after `to`: not seen
      { ...ev('l5', '$pageview', at('2025-03-12')), shopId: OTHER },
    ];
    expect(run(events, { kind: 'lifecycle', from: '2025-03-12', to: '2025-03-25' })).toEqual({
      kind: 'lifecycle',
      periods: ['2025-03-10', '2025-03-17', '2025-03-24'],
      new: [1, 0, 0],
      returning: [1, 1, 0],
      resurrecting: [0, 1, 1],
      dormant: [0, -1, -2],
    });
  });

  it('looks at the chosen event only, by local day', () => {
    const events = [
      ev('m1', 'order_paid', at('2025-03-09', '23:59:59')),
      ev('m1', 'order_paid', at('2025-03-10', '00:00:00')),
      ev('m2', '$pageview', at('2025-03-09')),
      ev('m2', 'order_paid', at('2025-03-11', '00:00:00')),
    ];
    const r = run(events, { kind: 'lifecycle', from: '2025-03-10', to: '2025-03-11', event: 'order_paid', interval: 'day' });
    expect(r).toEqual({ kind: 'lifecycle', periods: ['2025-03-10', '2025-03-11'], new: [0, 1], returning: [1, 0], resurrecting: [0, 0], dormant: [0, -1] });
    if (r.kind === 'lifecycle') expect(Object.is(r.dormant[0], 0)).toBe(true);
  });
});

describe('rfm', () => {
  const events = [
    ev('b1', 'order_paid', at('2025-03-10', '23:59:59'), { amount: 1000 }), // R 0
    ev('b1', 'order_paid', at('2025-03-05'), { amount: 500 }),
    ev('b2', 'order_paid', at('2025-03-01', '00:00:00'), { amount: '900' }), // R 9, M 0: a string adds nothing
    ev('b3', 'order_paid', at('2025-03-08'), { amount: 2000 }), // R 2
    ev('b3', 'order_paid', at('2025-03-11', '00:00:00'), { amount: 9999 }), // after the range
    ev('b3', 'order_paid', at('2025-02-28', '23:59:59'), { amount: 9999 }), // before it
    ev('b4', 'order_paid', at('2025-03-09'), { amount: 1200 }), // R 1
    ev('b4', 'order_paid', at('2025-03-09'), { amount: 300 }),
    ev('v1', '$pageview', at('2025-03-05')),
  ];
  const q = { kind: 'rfm', from: '2025-03-01', to: '2025-03-10' };
  const types = (r: ReturnType<typeof run>) => (r.kind === 'rfm' ? Object.fromEntries(r.types.filter((t) => t.people > 0).map((t) => [t.type, [t.people, t.monetaryFen]])) : null);

  it('splits buyers against the means', () => {
    const r = run(events, q);
    // means: R 12/4 = 3, F 6/4 = 1.5, M 5000/4 = 1250
    expect(r).toMatchObject({ thresholds: { recencyDays: 3, frequency: 1.5, monetaryFen: 1250 } });
    expect(r.kind === 'rfm' && r.types.map((t) => t.type)).toEqual([
      'important_value', 'important_develop', 'important_keep', 'important_retain', 'general_value', 'general_develop', 'general_keep', 'general_retain',
    ]);
    expect(types(r)).toEqual({ important_value: [2, 3000], important_develop: [1, 2000], general_retain: [1, 0] });
    expect(people(events, q, { kind: 'rfm_type', type: 'important_value' })).toEqual(['b1', 'b4']);
    expect(people(events, q, { kind: 'rfm_type', type: 'general_keep' })).toEqual([]);
  });

  it('counts a buyer at a merchant threshold as high', () => {
    const r = run(events, { ...q, thresholds: { recencyDays: 2, frequency: 2, monetaryFen: 1500 } });
    expect(r).toMatchObject({ thresholds: { recencyDays: 2, frequency: 2, monetaryFen: 1500 } });
    expect(types(r)).toEqual({ important_value: [2, 3000], important_develop: [1, 2000], general_retain: [1, 0] });
  });

  it('keeps a fractional mean, and a buyer exactly at the mean is high', () => {
    const evs = [
      ev('x1', 'order_paid', at('2025-03-10'), { amount: 100 }),
      ev('x2', 'order_paid', at('2025-03-09'), { amount: 100 }),
      ev('x3', 'order_paid', at('2025-03-09'), { amount: 100 }),
    ];
    const r = run(evs, q);
    if (r.kind !== 'rfm') throw new Error(r.kind);
    expect(r.thresholds.recencyDays).toBeCloseTo(2 / 3, 12);
    expect(r.thresholds).toMatchObject({ frequency: 1, monetaryFen: 100 });
    expect(types(r)).toEqual({ important_value: [1, 100], important_keep: [2, 200] });
  });

  it('reports 0 thresholds and empty types with no buyers', () => {
    const r = run([ev('v1', '$pageview', at('2025-03-05'))], q);
    expect(r).toMatchObject({ thresholds: { recencyDays: 0, frequency: 0, monetaryFen: 0 } });
    expect(r.kind === 'rfm' && r.types.every((t) => t.people === 0 && t.monetaryFen === 0)).toBe(true);
  });
});

describe('attribution', () => {
  const events = [
    { ...ev('a1', '$pageview', at('2025-02-01'), {}, { channel: 'other-shop' }), shopId: OTHER },
    ev('a1', '$pageview', at('2025-03-10', '09:00:00')),
    ev('a1', 'product_viewed', at('2025-03-10', '09:00:00'), {}, { channel: 'wechat' }),
    ev('a1', '$pageview', at('2025-03-10', '09:00:00'), {}, { channel: 'douyin' }), // tie: douyin first
    ev('a1', '$pageview', at('2025-03-10', '11:00:00'), {}, { channel: 'wechat' }),
    ev('a1', 'order_paid', at('2025-03-10', '12:00:00'), { amount: 1000 }),
    ev('a1', 'order_paid', at('2025-03-11'), { amount: 500 }, { channel: 'sms' }), // the order is its own last touch
    ev('a2', '$pageview', at('2025-03-01'), {}, { channel: 'sms' }), // first seen before the range: not new
    ev('a2', 'order_paid', at('2025-03-10'), { amount: '300' }),
    ev('a3', 'order_paid', at('2025-03-11', '23:59:59'), { amount: 200 }),
    ev('a4', '$pageview', at('2025-03-12', '00:00:00'), {}, { channel: 'wechat' }), // first seen after the range
    ev('a5', '$pageview', at('2025-03-10', '08:00:00')),
    ev('a5', 'order_paid', at('2025-03-10', '10:00:00'), { amount: 400 }),
    ev('a5', '$pageview', at('2025-03-10', '11:00:00'), {}, { channel: 'wechat' }), // first touch, though after paying
  ];
  const q = { kind: 'attribution', from: '2025-03-10', to: '2025-03-11' };

  it('credits new people and revenue to the first touch', () => {
    expect(run(events, q)).toEqual({
      kind: 'attribution',
      rows: [
        { value: 'douyin', newPeople: 1, payers: 1, orders: 2, revenueFen: 1500 },
        { value: 'wechat', newPeople: 1, payers: 1, orders: 1, revenueFen: 400 },
        { value: '(direct)', newPeople: 1, payers: 1, orders: 1, revenueFen: 200 },
        { value: 'sms', newPeople: 0, payers: 1, orders: 1, revenueFen: 0 },
      ],
    });
  });

  it('credits revenue to the last touch at or before each order, new people still by first touch', () => {
    expect(run(events, { ...q, touch: 'last' })).toEqual({
      kind: 'attribution',
      rows: [
        { value: 'wechat', newPeople: 1, payers: 1, orders: 1, revenueFen: 1000 },
        { value: '(direct)', newPeople: 1, payers: 2, orders: 2, revenueFen: 600 },
        { value: 'sms', newPeople: 0, payers: 2, orders: 2, revenueFen: 500 },
        { value: 'douyin', newPeople: 1, payers: 0, orders: 0, revenueFen: 0 },
      ],
    });
  });

  it('reads the chosen column', () => {
    const evs = [ev('s1', '$pageview', at('2025-03-10'), {}, { source: 'baidu', channel: 'search' }), ev('s1', 'order_paid', at('2025-03-10'), { amount: 10 })];
    expect(run(evs, { ...q, by: '$source' })).toEqual({ kind: 'attribution', rows: [{ value: 'baidu', newPeople: 1, payers: 1, orders: 1, revenueFen: 10 }] });
  });
});
