import { describe, expect, it } from 'vitest';
import { ExperimentBody } from '@siyu/contracts';
import { EXPERIMENTS_CONTRACT_MESSAGES, experimentsEn, experimentsZh } from '../../lib/dict-experiments';
import { armRatesOption, differenceOption } from './charts';
import {
  armRows,
  confidenceText,
  defaultValues,
  fromExperiment,
  newVariant,
  payloadFieldMap,
  payloadToRows,
  proposedShip,
  pStatement,
  pValueText,
  rowsToPayload,
  sampleProgress,
  signedPct,
  signedPoints,
  signedYuan,
  toBody,
  variantsLocked,
  weightShares,
  type FormValues,
} from './model';
import type { ExperimentAnalysis, ExperimentResults } from './types';

describe('the default experiment', () => {
  it('is the storefront buy-button test, valid as it stands', () => {
    const { body, issues } = toBody(defaultValues());
    expect(issues).toEqual([]);
    const parsed = ExperimentBody.parse(body);
    expect(parsed.key).toBe('buy_button');
    expect(parsed.variants.map((v) => [v.key, v.payload])).toEqual([
      ['control', { buttonText: '立即购买' }],
      ['urgent', { buttonText: '马上抢' }],
    ]);
    expect(parsed).toMatchObject({ trafficPercent: 100, metricEvent: 'order_paid', windowDays: 14, minimumDetectableEffectPercent: 10, primaryMetric: 'conversion' });
  });
});

describe('form ↔ body', () => {
  it('round-trips an experiment through the contract', () => {
    const values: FormValues = {
      ...defaultValues(),
      key: 'checkout_copy',
      hypothesis: '  shorter copy sells more ',
      variants: [
        { key: 'control', name: 'A', weight: 1, payload: [{ key: 'text', type: 'text', value: 'Buy' }] },
        { key: 'short', name: 'B', weight: 2, payload: [{ key: 'text', type: 'text', value: 'Go' }, { key: 'size', type: 'number', value: '1.5' }, { key: 'bold', type: 'boolean', value: 'true' }] },
      ],
      primaryMetric: 'revenue',
    };
    const body = ExperimentBody.parse(toBody(values).body);
    expect(body.hypothesis).toBe('shorter copy sells more');
    expect(body.variants[1]!.payload).toEqual({ text: 'Go', size: 1.5, bold: true });
    expect(fromExperiment(body)).toEqual({ ...values, hypothesis: 'shorter copy sells more' });
  });

  it('trims keys and names and leaves emptied numbers for the contract to report', () => {
    const v = defaultValues();
    v.key = ' buy_button ';
    v.trafficPercent = null;
    v.variants[1]!.weight = null;
    const { body } = toBody(v);
    expect(body.key).toBe('buy_button');
    const res = ExperimentBody.safeParse(body);
    expect(res.success).toBe(false);
    const paths = res.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('trafficPercent');
    expect(paths).toContain('variants.1.weight');
  });

  it('lets the contract find twice-used variant keys and bad keys', () => {
    const v = defaultValues();
    v.variants[1]!.key = 'control';
    v.key = 'Buy-Button';
    const res = ExperimentBody.safeParse(toBody(v).body);
    expect(res.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['key', 'lower-case letters, digits and _, starting with a letter'],
        ['variants.1.key', 'a variant key appears twice'],
      ]),
    );
  });
});

describe('payload rows', () => {
  it('types values and drops empty rows', () => {
    const { payload, issues } = rowsToPayload([
      { key: 'buttonText', type: 'text', value: ' 马上抢 ' },
      { key: '', type: 'text', value: '' },
      { key: 'n', type: 'number', value: ' 3 ' },
      { key: 'on', type: 'boolean', value: 'false' },
    ]);
    expect(issues).toEqual([]);
    expect(payload).toEqual({ buttonText: ' 马上抢 ', n: 3, on: false });
  });

  it('puts row problems on the row, under the path it is given', () => {
    const { issues } = rowsToPayload(
      [
        { key: 'a', type: 'text', value: 'x' },
        { key: 'a', type: 'text', value: 'y' },
        { key: '', type: 'text', value: 'orphan' },
        { key: 'n', type: 'number', value: 'ten' },
        { key: 'm', type: 'number', value: '' },
      ],
      ['variants', 1, 'payload'],
    );
    expect(issues).toEqual([
      { path: ['variants', 1, 'payload', 1, 'key'], message: 'exp.payload.keyTwice' },
      { path: ['variants', 1, 'payload', 2, 'key'], message: 'exp.payload.keyRequired' },
      { path: ['variants', 1, 'payload', 3, 'value'], message: 'exp.payload.notNumber' },
      { path: ['variants', 1, 'payload', 4, 'value'], message: 'exp.payload.notNumber' },
    ]);
    const v = defaultValues();
    v.variants[0]!.payload.push({ key: 'buttonText', type: 'text', value: 'again' });
    expect(toBody(v).issues).toEqual([{ path: ['variants', 0, 'payload', 1, 'key'], message: 'exp.payload.keyTwice' }]);
  });

  it('reads a record back as typed rows', () => {
    expect(payloadToRows({ a: 'x', b: 2, c: true })).toEqual([
      { key: 'a', type: 'text', value: 'x' },
      { key: 'b', type: 'number', value: '2' },
      { key: 'c', type: 'boolean', value: 'true' },
    ]);
    expect(payloadToRows(undefined)).toEqual([]);
  });

  it('maps a contract issue on a payload value to its row', () => {
    const v = defaultValues();
    v.variants[1]!.payload = [{ key: 'x', type: 'text', value: '' }, { key: 'buttonText', type: 'text', value: '抢'.repeat(201) }];
    const res = ExperimentBody.safeParse(toBody(v).body);
    const path = res.error!.issues[0]!.path.join('.');
    expect(path).toBe('variants.1.payload.buttonText');
    expect(payloadFieldMap(v)[path]).toBe('variants.1.payload.1.value');
  });
});

describe('variants', () => {
  it('adds a variant with a free key and the control\'s parameter names', () => {
    const v = defaultValues().variants;
    const n = newVariant(v);
    expect(n.key).toBe('variant_2');
    expect(n.payload).toEqual([{ key: 'buttonText', type: 'text', value: '' }]);
    expect(newVariant([...v, n]).key).toBe('variant_3');
    expect(newVariant([...v, { ...n, key: 'variant_3' }]).key).toBe('variant_4');
  });

  it('shares traffic by weight', () => {
    expect(weightShares([{ weight: 50 }, { weight: 50 }])).toEqual([50, 50]);
    expect(weightShares([{ weight: 1 }, { weight: 2 }])).toEqual([33.3, 66.7]);
    expect(weightShares([{ weight: null }, { weight: 0 }])).toEqual([0, 0]);
  });

  it('locks variants once started', () => {
    expect(variantsLocked(undefined)).toBe(false);
    expect(variantsLocked('draft')).toBe(false);
    expect(variantsLocked('running')).toBe(true);
    expect(variantsLocked('stopped')).toBe(true);
  });
});

const experiment = { ...ExperimentBody.parse(toBody(defaultValues()).body), id: 'e1', status: 'running' as const, shippedVariant: null, startedAt: '2026-12-01T00:00:00Z', stoppedAt: null, createdAt: '2026-12-01T00:00:00Z' };
const metric = (difference: number) => ({ difference, relativeLift: difference / 0.1, ci: { lower: difference - 0.02, upper: difference + 0.02 }, pValue: 0.2, alwaysValidPValue: 0.6, alwaysValidCi: { lower: difference - 0.05, upper: difference + 0.05 }, chanceToWin: 0.8, expectedLoss: 0.001 });
const analysis: ExperimentAnalysis = {
  arms: [
    { key: 'control', users: 100, conversions: 10, conversionRate: 0.1, conversionCi: { lower: 0.05, upper: 0.17 }, revenuePerUser: 500 },
    { key: 'urgent', users: 110, conversions: 14, conversionRate: 14 / 110, conversionCi: { lower: 0.07, upper: 0.2 }, revenuePerUser: 600 },
  ],
  srm: { chi2: 0.48, df: 1, pValue: 0.49, expected: [105, 105], flagged: false },
  primaryMetric: 'conversion',
  alphaPerComparison: 0.05,
  requiredUsersPerArm: 400,
  sampleSizeReached: false,
  comparisons: [{ key: 'urgent', conversion: metric(0.027), revenue: metric(100), cuped: null, verdict: 'too_small' }],
  verdict: 'too_small',
  winner: null,
};

describe('the report', () => {
  it('joins counts, names and the analysis per arm', () => {
    const r: ExperimentResults = {
      experiment,
      arms: [
        { key: 'control', users: 100, conversions: 10, revenueFen: 50000 },
        { key: 'urgent', users: 110, conversions: 14, revenueFen: 66000 },
      ],
      analysis,
    };
    const rows = armRows(r);
    expect(rows.map((x) => [x.name, x.control, x.users, x.rate, x.ci?.lower, x.revenuePerUser])).toEqual([
      ['对照组', true, 100, 0.1, 0.05, 500],
      ['紧迫感', false, 110, 14 / 110, 0.07, 600],
    ]);
    // Without an analysis (too few people): raw rates and no interval; an arm nobody reached reads 0 people.
    const bare = armRows({ ...r, arms: [{ key: 'control', users: 1, conversions: 1, revenueFen: 100 }], analysis: null });
    expect(bare.map((x) => [x.users, x.rate, x.ci, x.revenuePerUser])).toEqual([
      [1, 1, null, 100],
      [0, null, null, null],
    ]);
  });

  it('measures the sample against its target', () => {
    expect(sampleProgress(100, 400)).toBe(25);
    expect(sampleProgress(900, 400)).toBe(100);
    expect(sampleProgress(100, null)).toBeNull();
    expect(sampleProgress(100, Infinity)).toBeNull();
  });

  it('proposes the winner to ship, else the control', () => {
    expect(proposedShip({ analysis })).toBeNull();
    expect(proposedShip({ analysis: { ...analysis, verdict: 'variant_wins', winner: 'urgent' } })).toBe('urgent');
    expect(proposedShip({ analysis: null })).toBeNull();
  });

  it('formats numbers as people read them', () => {
    expect(pValueText(0.0004)).toBe('< 0.001');
    expect(pValueText(0.04567)).toBe('0.046');
    expect(pValueText(null)).toBe('-');
    expect(pStatement(5e-21)).toBe('p < 0.001');
    expect(pStatement(0.27)).toBe('p = 0.270');
    expect(signedPct(0.123)).toBe('+12.3%');
    expect(signedPct(-0.05)).toBe('-5.0%');
    expect(signedPct(null)).toBe('-');
    expect(signedPoints(0.0123)).toBe('+1.23');
    expect(signedPoints(-0.0004)).toBe('-0.04');
    expect(confidenceText(0.05)).toBe('95');
    expect(confidenceText(0.025)).toBe('97.5');
    expect(signedYuan(-123456)).toBe('-¥1,234.56');
    expect(signedYuan(50)).toBe('+¥0.50');
  });
});

describe('the charts', () => {
  it('draws one error bar per arm with an interval', () => {
    const o = armRatesOption(
      [
        { name: 'A', rate: 0.1, lower: 0.05, upper: 0.17 },
        { name: 'B', rate: 0.12, lower: null, upper: null },
      ],
      { rate: 'rate', interval: 'ci' },
    ) as { series: { type: string; data: unknown[] }[] };
    expect(o.series.map((s) => s.type)).toEqual(['bar', 'line']);
    expect(o.series[1]!.data).toEqual([
      [0, 5],
      [0, 17],
    ]);
  });

  it('colours a difference by where its interval lies', () => {
    const rows = [
      { name: 'win', estimate: 2, lower: 1, upper: 3, avLower: 0.5, avUpper: 3.5 },
      { name: 'unsure', estimate: 0.5, lower: -1, upper: 2, avLower: -2, avUpper: 3 },
      { name: 'lose', estimate: -2, lower: -3, upper: -1, avLower: -4, avUpper: 0.5 },
    ];
    const o = differenceOption(rows, String, { estimate: 'e', interval: 'i', avInterval: 'a' }) as { series: { name: string; lineStyle?: { color: string } }[]; xAxis: { min: number; max: number } };
    const colour = (name: string) => o.series.find((s) => s.name === `ci\u200b${name}`)!.lineStyle!.color;
    expect([colour('win'), colour('unsure'), colour('lose')]).toEqual(['#2fc25b', '#8c8c8c', '#d4380d']);
    expect(o.xAxis.min).toBeLessThan(-4);
    expect(o.xAxis.max).toBeGreaterThan(3.5);
  });
});

describe('the copy', () => {
  it('has an English twin with the same placeholders for every Chinese text', () => {
    for (const [key, zh] of Object.entries(experimentsZh)) {
      const en = experimentsEn[key as keyof typeof experimentsZh];
      expect(en, key).toBeTruthy();
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(en), key).toEqual(vars(zh));
    }
    expect(Object.keys(EXPERIMENTS_CONTRACT_MESSAGES).length).toBeGreaterThan(0);
  });
});
