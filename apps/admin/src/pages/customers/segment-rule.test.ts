import { describe, expect, it } from 'vitest';
import { SegmentRule } from '@siyu/contracts';
import { segmentsEn, segmentsZh } from '../../lib/dict-segments';
import {
  CONDITION_TYPES,
  addCondition,
  addGroup,
  canAddGroup,
  conditionIssues,
  defaultCondition,
  depthOf,
  describeRule,
  emptyRule,
  fenToYuanText,
  fromRule,
  getAt,
  issuesByPath,
  removeAt,
  ruleIssues,
  setOp,
  setType,
  toRule,
  translator,
  updateAt,
  validRule,
  yuanTextToFen,
  type DescribeContext,
  type DraftRule,
} from './segment-rule';

const TAG_A = '11111111-1111-4111-8111-111111111111';
const TAG_B = '22222222-2222-4222-8222-222222222222';
const LEVEL = '33333333-3333-4333-8333-333333333333';
const CAT = '44444444-4444-4444-8444-444444444444';

const zh: DescribeContext = { lang: 'zh', t: translator(segmentsZh), levels: { [LEVEL]: '金卡' }, tags: { [TAG_A]: '高价值', [TAG_B]: '老客' }, categories: { [CAT]: '服装 / T恤' } };

/** 近30天支付订单≥2次 且 (含任一标签 或 (累计消费≥¥1000 且 从未下单)) — three levels. */
const nested = (): DraftRule => ({
  op: 'and',
  items: [
    { type: 'event', event: 'order_paid', did: true, op: 'gte', count: 2, withinDays: 30, where: [] },
    {
      op: 'or',
      items: [
        { type: 'tag', tagIds: [TAG_A, TAG_B], match: 'any' },
        { op: 'and', items: [{ type: 'spend', minYuan: '1000', maxYuan: '' }, { type: 'last_order', never: true }] },
      ],
    },
  ],
});

describe('paths', () => {
  it('adds conditions and groups, toggles, changes type and removes at a path without touching the rest', () => {
    let r = emptyRule();
    r = addCondition(r, [], defaultCondition('tag'));
    r = addGroup(r, []);
    expect(r.items).toHaveLength(2);
    expect(getAt(r, [1])).toMatchObject({ op: 'or', items: [{ type: 'last_order' }] });
    r = addCondition(r, [1], defaultCondition('source'));
    r = addGroup(r, [1]);
    expect(getAt(r, [1, 2])).toMatchObject({ op: 'and' });
    // Level 3 takes no further group.
    expect(canAddGroup([1, 2])).toBe(false);
    expect(addGroup(r, [1, 2])).toBe(r);
    const before = r;
    r = setOp(r, [1], 'and');
    expect(getAt(r, [1])).toMatchObject({ op: 'and' });
    expect(getAt(before, [1])).toMatchObject({ op: 'or' });
    expect(r.items[0]).toBe(before.items[0]);
    r = setType(r, [1, 1], 'follows_oa');
    expect(getAt(r, [1, 1])).toEqual({ type: 'follows_oa', value: true });
    r = updateAt(r, [1, 1], (c) => ({ ...c, value: false }) as typeof c);
    expect(getAt(r, [1, 1])).toEqual({ type: 'follows_oa', value: false });
    r = removeAt(r, [1, 0]);
    expect((getAt(r, [1]) as DraftRule).items.map((i) => ('type' in i ? i.type : 'group'))).toEqual(['follows_oa', 'group']);
    expect(depthOf(r)).toBe(3);
    expect(getAt(r, [5, 1])).toBeUndefined();
    expect(updateAt(r, [9], (x) => x)).toBe(r);
  });

  it('stops at 20 items in a group', () => {
    let r = emptyRule();
    for (let i = 0; i < 25; i++) r = addCondition(r, []);
    expect(r.items).toHaveLength(20);
  });
});

describe('yuan ↔ fen', () => {
  it('reads amounts the way merchants type them and shows fen back without .00', () => {
    expect(yuanTextToFen('1000')).toBe(100000);
    expect(yuanTextToFen('¥1,299.5')).toBe(129950);
    expect(yuanTextToFen(' ')).toBeUndefined();
    expect(yuanTextToFen('1.234')).toBeNull();
    expect(yuanTextToFen('abc')).toBeNull();
    expect(fenToYuanText(100000)).toBe('1000');
    expect(fenToYuanText(1050)).toBe('10.50');
    expect(fenToYuanText(undefined)).toBe('');
  });

  it('turns a draft into a contract rule and back', () => {
    const rule = toRule(nested());
    expect(SegmentRule.safeParse(rule).success).toBe(true);
    const spend = ((rule.items[1] as SegmentRule).items[1] as SegmentRule).items[0];
    expect(spend).toEqual({ type: 'spend', minFen: 100000 });
    expect(fromRule(rule)).toEqual(nested());
    expect(fromRule(null)).toEqual(emptyRule());
  });
});

describe('checks', () => {
  it('a complete nested rule has no issues and is what the contract accepts', () => {
    expect(ruleIssues(nested())).toEqual([]);
    expect(validRule(nested())).toEqual(toRule(nested()));
  });

  it('every default condition either passes the contract or says on the row what to fill in', () => {
    for (const type of CONDITION_TYPES) {
      const c = defaultCondition(type);
      const issues = conditionIssues(c, [0]);
      const parsed = SegmentRule.safeParse({ op: 'and', items: [toRule({ op: 'and', items: [c] }).items[0]] });
      if (!issues.length) expect(parsed.success, type).toBe(true);
      for (const i of issues) expect(i.key ?? i.message, type).toBeTruthy();
    }
  });

  it('puts each problem on its condition and field', () => {
    const r: DraftRule = {
      op: 'and',
      items: [
        { type: 'event', event: 'order_paid', did: true, op: 'gte', count: 0, withinDays: 30, where: [{ property: 'channel', op: 'eq', value: '' }] },
        { op: 'or', items: [] },
        { type: 'spend', minYuan: '50', maxYuan: '10' },
        { type: 'spend', minYuan: '1.234', maxYuan: '' },
        { type: 'tag', tagIds: [], match: 'all' },
        { type: 'level', levelIds: [], noLevel: false },
        { type: 'last_order', within: 7, notWithin: 30 },
        { type: 'registered', withinDays: 30, beforeDays: 60 },
        { type: 'bought_category', categoryId: '' },
      ],
    };
    const by = issuesByPath(ruleIssues(r));
    const fields = (k: string) => (by.get(k) ?? []).map((i) => `${i.field}:${i.key ?? 'schema'}`);
    expect(fields('0')).toEqual(['where.0.value:seg.required', 'count:schema']);
    expect(fields('1')).toEqual(['null:seg.emptyGroup']);
    expect(fields('2')).toEqual(['maxYuan:seg.minAboveMax']);
    expect(fields('3')).toEqual(['minYuan:seg.moneyInvalid']);
    expect(fields('4')).toEqual(['tagIds:seg.chooseOne']);
    expect(fields('5')).toEqual(['levelIds:seg.level.required']);
    expect(fields('6')).toEqual(['notWithin:seg.last.betweenOrder']);
    expect(fields('7')).toEqual(['beforeDays:seg.registered.order']);
    expect(fields('8')).toEqual(['categoryId:seg.required']);
    expect(validRule(r)).toBeNull();
  });

  it('refuses a fourth level and an empty root', () => {
    const deep: DraftRule = { op: 'and', items: [{ op: 'or', items: [{ op: 'and', items: [{ op: 'or', items: [{ type: 'follows_oa', value: true }] }] }] }] };
    expect(ruleIssues(deep).map((i) => i.key)).toContain('seg.maxDepth');
    expect(SegmentRule.safeParse(toRule(deep)).success).toBe(false);
    expect(ruleIssues(emptyRule()).map((i) => i.key)).toEqual(['seg.emptyGroup']);
  });
});

describe('one sentence', () => {
  it('describes a nested rule in Chinese with names, money and parentheses', () => {
    expect(describeRule(toRule(nested()), zh)).toBe('近30天支付订单≥2次 且 (含任一标签“高价值、老客” 或 (累计消费≥¥1000 且 从未下单))');
  });

  it('describes every kind of condition', () => {
    const rule = SegmentRule.parse({
      op: 'or',
      items: [
        { type: 'event', event: 'product_viewed', did: false, withinDays: 7, where: [{ property: '$channel', op: 'eq', value: 'wechat' }] },
        { type: 'event', event: 'custom_evt', op: 'lte', count: 3, withinDays: 14 },
        { type: 'trait', filter: { property: 'gender', op: 'set' } },
        { type: 'rfm', rfmTypes: ['important_value', 'general_retain'] },
        { type: 'level', levelIds: [LEVEL, '55555555-5555-4555-8555-555555555555'], noLevel: true },
        { type: 'tag', tagIds: [TAG_A], match: 'none' },
        { type: 'spend', minFen: 1050, maxFen: 100000, withinDays: 90 },
        { type: 'orders', max: 5 },
        { type: 'last_order', within: 90, notWithin: 30 },
        { type: 'bought_category', categoryId: CAT, withinDays: 30 },
        { type: 'source', sources: ['wechat', 'game'] },
        { type: 'registered', beforeDays: 365 },
        { type: 'follows_oa', value: false },
      ],
    });
    expect(describeRule(rule, zh).split(' 或 ')).toEqual([
      '近7天未浏览商品($channel=“wechat”)',
      '近14天custom_evt≤3次',
      '属性 gender 有值',
      'RFM 为重要价值客户、一般挽留客户',
      '等级为金卡、(已删除)、无等级',
      '不含标签“高价值”',
      '近90天消费¥10.50–¥1000',
      '累计下单≤5次',
      '近90天下过单 且 超过30天未下单',
      '近30天买过“服装 / T恤”',
      '来源为微信授权、game',
      '注册超过365天',
      '未关注公众号',
    ]);
  });

  it('reads in English, says all customers for no conditions and … while names load', () => {
    const en: DescribeContext = { ...zh, lang: 'en', t: translator(segmentsEn), tags: null };
    expect(describeRule(toRule(nested()), en)).toBe('Paid order ≥ 2 times in the last 30 days and (has any tag of “…, …” or (all-time spend ≥ ¥1000 and never ordered))');
    expect(describeRule(null, zh)).toBe('全部客户');
    expect(describeRule({ op: 'and', items: [] }, en)).toBe('All customers');
  });
});

describe('API errors', () => {
  it('puts a field the server names on the row it is in', async () => {
    const { issueFromApiField } = await import('./segment-rule');
    expect(issueFromApiField('conditions.items.1.items.0.tagIds.0', 'No such tag')).toEqual({ path: [1, 0], field: 'tagIds.0', message: 'No such tag' });
    expect(issueFromApiField('conditions.items.2.minFen', 'x')).toEqual({ path: [2], field: 'minYuan', message: 'x' });
    expect(issueFromApiField('conditions', 'x')).toEqual({ path: [], field: null, message: 'x' });
    expect(issueFromApiField('name', 'x')).toBeNull();
  });
});
