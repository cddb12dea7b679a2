import { describe, expect, it } from 'vitest';
import { listItem, mergeJourney, playbook, result, splits, stats, testRun } from './normalize';
import type { Journey } from './types';

describe('journeys API shapes', () => {
  it('reads list counts as `counts` (live) or `stats` (active)', () => {
    expect(listItem({ id: 'j', trigger: { kind: 'event', event: 'order.paid' }, counts: { live: 3, entered: 10, converted: 2, holdout: 1 } }).stats).toEqual({ entered: 10, active: 3, converted: 2, holdout: 1 });
    expect(listItem({ id: 'j', stats: { entered: 5, active: 1, converted: 0, holdout: 2 } }).stats).toEqual({ entered: 5, active: 1, converted: 0, holdout: 2 });
  });

  it('reads the result with arms and an interval, or flat with ci95', () => {
    const a = { customers: 100, converted: 10, orders: 12, revenueFen: 50000 };
    const h = { customers: 10, converted: 0, orders: 0, revenueFen: 0 };
    expect(result({ arms: { treatment: { ...a, conversion: 0.1 }, holdout: h }, incrementalRevenuePerCustomerFen: { estimate: 500, low: 100, high: 900 } })).toEqual({ treatment: a, holdout: h, perCustomer: { estimate: 500, low: 100, high: 900 }, splits: [] });
    expect(result({ treatment: a, holdout: h, incrementalRevenuePerCustomerFen: 500, ci95: [100, 900] })?.perCustomer).toEqual({ estimate: 500, low: 100, high: 900 });
    expect(result({ arms: { treatment: a, holdout: h }, incrementalRevenuePerCustomerFen: null })?.perCustomer).toBeNull();
    expect(result(undefined)).toBeNull();
  });

  it('reads each random split as its branches and their analysis', () => {
    const comparison = { difference: 0.5, relativeLift: null, ci: { lower: 0.3, upper: 0.7 }, pValue: 0.001, alwaysValidPValue: 0.01, alwaysValidCi: { lower: 0.2, upper: 0.8 }, chanceToWin: 1, expectedLoss: 0 };
    const analysis = { srm: { chi2: 0.4, pValue: 0.8, flagged: false }, verdict: 'variant_wins', winner: 'c', comparisons: [{ key: 'b', conversion: { ...comparison, difference: 0 }, revenue: null, verdict: 'no_difference_yet' }, { key: 'c', conversion: comparison, revenue: null, verdict: 'variant_wins' }], requiredUsersPerArm: 30, sampleSizeReached: true };
    const wire = {
      arms: { treatment: { customers: 120 }, holdout: { customers: 12 } },
      incrementalRevenuePerCustomerFen: null,
      splits: [
        {
          nodeId: 's',
          branches: [
            { key: 'a', percent: 20, customers: 24, converted: 0, revenueFen: 0, conversion: 0, revenuePerCustomerFen: 0, incrementalRevenueFen: null },
            { key: 'b', percent: 30, customers: 36, converted: 0, revenueFen: 0, conversion: 0, revenuePerCustomerFen: 0, incrementalRevenueFen: { estimate: 0, low: -10, high: 10 } },
            // Rates left out are derived from the counts.
            { key: 'c', percent: 50, customers: 60, converted: 30, revenueFen: 297000 },
          ],
          analysis,
        },
        // A split nobody reached yet has no analysis; a malformed entry is dropped.
        { nodeId: 's2', branches: [{ key: 'x', percent: 50 }, { key: 'y', percent: 50, customers: 'many' }], analysis: null },
        { branches: [] },
      ],
    };
    const r = result(wire)!;
    expect(r.splits.map((s) => s.nodeId)).toEqual(['s', 's2']);
    expect(r.splits[0]!.branches.map((b) => [b.key, b.percent, b.customers, b.converted])).toEqual([['a', 20, 24, 0], ['b', 30, 36, 0], ['c', 50, 60, 30]]);
    expect(r.splits[0]!.branches[1]!.incrementalRevenueFen).toEqual({ estimate: 0, low: -10, high: 10 });
    expect(r.splits[0]!.branches[2]).toMatchObject({ conversion: 0.5, revenuePerCustomerFen: 4950, incrementalRevenueFen: null });
    expect(r.splits[0]!.analysis).toEqual(analysis);
    expect(r.splits[1]!.branches[1]).toEqual({ key: 'y', percent: 50, customers: 0, converted: 0, revenueFen: 0, conversion: 0, revenuePerCustomerFen: 0, incrementalRevenueFen: null });
    expect(r.splits[1]!.analysis).toBeNull();
    // An analysis missing its comparisons cannot be drawn: none, not a crash.
    expect(splits([{ nodeId: 's', branches: [], analysis: { verdict: 'too_small' } }])[0]!.analysis).toBeNull();
    expect(splits(undefined)).toEqual([]);
  });

  it('reads stats with missing pieces as zero', () => {
    const s = stats({ nodes: { a: { entered: 2, waiting: 1 } }, entry: { entered: 9, holdout: 1, live: 3 } });
    expect(s.nodes.a).toEqual({ entered: 2, waiting: 1, passed: 0, converted: 0 });
    expect(s.entry).toEqual({ entered: 9, holdout: 1 });
    expect(s.result).toBeNull();
  });

  it('reads a test run as `path` or `steps`', () => {
    expect(testRun({ path: [{ seq: 1, nodeId: 'w', type: 'wait', outcome: 'skipped', detail: null }], status: 'done', error: null })).toEqual({ steps: [{ nodeId: 'w', type: 'wait', outcome: 'skipped' }], status: 'done', error: null });
    expect(testRun({ steps: [{ nodeId: 'w', type: 'wait', outcome: 'yes', at: '2026-01-01T00:00:00Z' }] }).steps[0]!.at).toBe('2026-01-01T00:00:00Z');
  });

  it('keeps the definition and versions an action answer leaves out', () => {
    const prev = { id: 'j', name: 'n', status: 'draft', version: 1, definition: { name: 'n' }, versions: [{ version: 1, createdAt: 'x' }] } as unknown as Journey;
    const next = mergeJourney(prev, { id: 'j', status: 'live', version: 2 } as Partial<Journey>);
    expect(next.status).toBe('live');
    expect(next.definition).toBe(prev.definition);
    expect(next.versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('reads a playbook with its flow as `definition` or `body`', () => {
    const def = { name: 'x', nodes: [], edges: [] };
    expect(playbook({ key: 'k', name: { zh: '甲', en: 'A' }, description: { zh: '说明' }, definition: def })).toEqual({ key: 'k', name: { zh: '甲', en: 'A' }, description: { zh: '说明', en: '说明' }, body: def });
    expect(playbook({ key: 'k', body: def }).body).toBe(def);
  });
});
