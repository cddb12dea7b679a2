import { EVENT_LABELS, RFM_LABELS, SegmentCondition, SegmentRule, type PropertyFilter } from '@siyu/contracts';
import type { SegmentsKey } from '../../lib/dict-segments';
import { fenToYuan, YUAN_PATTERN, yuanToFen } from '../../lib/money';
import { SOURCES, yuanText } from './audience';

/**
 * Pure helpers of the segment builder (人群): the draft the builder edits, paths into nested groups,
 * yuan ↔ fen, checks per condition (the contract's schema plus what it lets through but means nothing),
 * and the one-sentence description the group list shows. No React, no i18n runtime: unit-tested as is.
 */

export type CondType = SegmentCondition['type'];
/** The order the type picker offers them: behaviour first, then who they are, then orders. */
export const CONDITION_TYPES: CondType[] = ['event', 'trait', 'rfm', 'level', 'tag', 'spend', 'orders', 'last_order', 'bought_category', 'source', 'registered', 'follows_oa', 'wecom_owner'];
/** Levels of nesting a rule may have (the contract refuses more). */
export const MAX_DEPTH = 3;
export const MAX_ITEMS = 20;

/** Spend is typed in yuan; the draft keeps the text so a half-typed amount is not lost. */
export interface SpendDraft {
  type: 'spend';
  minYuan: string;
  maxYuan: string;
  withinDays?: number;
}
export type DraftCondition = Exclude<SegmentCondition, { type: 'spend' }> | SpendDraft;
export interface DraftRule {
  op: 'and' | 'or';
  items: DraftItem[];
}
export type DraftItem = DraftCondition | DraftRule;
/** Indexes into `items` from the root: [] is the root group, [2, 0] the first item of its third. */
export type Path = number[];

export const isGroup = <T extends object>(x: T): x is Extract<T, { items: unknown }> => 'items' in x && 'op' in x;
export const pathKey = (p: Path) => p.join('.');

export const emptyRule = (): DraftRule => ({ op: 'and', items: [] });

/** A new condition of a type, filled so it means something where a default is obvious. */
export function defaultCondition(type: CondType): DraftCondition {
  switch (type) {
    case 'event':
      return { type, event: 'order_paid', did: true, op: 'gte', count: 1, withinDays: 30, where: [] };
    case 'trait':
      return { type, filter: { property: '', op: 'eq', value: '' } };
    case 'rfm':
      return { type, rfmTypes: [] };
    case 'level':
      return { type, levelIds: [], noLevel: false };
    case 'tag':
      return { type, tagIds: [], match: 'any' };
    case 'spend':
      return { type, minYuan: '', maxYuan: '' };
    case 'orders':
      return { type, min: 1 };
    case 'last_order':
      return { type, within: 30 };
    case 'bought_category':
      return { type, categoryId: '' };
    case 'source':
      return { type, sources: [] };
    case 'registered':
      return { type, withinDays: 30 };
    case 'follows_oa':
      return { type, value: true };
    case 'wecom_owner':
      return { type, userIds: [], has: true };
  }
}

// ---- yuan ↔ fen -----------------------------------------------------------------------------------

/** 100000 → "1000", 1050 → "10.50", undefined → "" (what the spend inputs show). */
export function fenToYuanText(fen: number | undefined | null): string {
  if (fen === undefined || fen === null) return '';
  return fenToYuan(fen).replace(/\.00$/, '');
}

/** "1,000" → 100000; "" → undefined (no bound); text that is not an amount → null. */
export function yuanTextToFen(text: string | undefined | null): number | undefined | null {
  const s = String(text ?? '').trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim();
  if (!s) return undefined;
  if (!YUAN_PATTERN.test(s)) return null;
  return yuanToFen(s);
}

// ---- draft ↔ rule ---------------------------------------------------------------------------------

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

/** A condition as the API takes it (spend in fen, no empty bounds). */
export function toCondition(c: DraftCondition): SegmentCondition {
  if (c.type === 'spend') {
    const min = yuanTextToFen(c.minYuan);
    const max = yuanTextToFen(c.maxYuan);
    return defined({ type: 'spend' as const, minFen: min ?? undefined, maxFen: max ?? undefined, withinDays: c.withinDays });
  }
  return defined(c) as SegmentCondition;
}

export function toRule(d: DraftRule): SegmentRule {
  return { op: d.op, items: d.items.map((i) => (isGroup(i) ? toRule(i) : toCondition(i))) };
}

/** The draft of a saved rule (null: none yet). Flat conditions of older groups arrive as rules already. */
export function fromRule(r: SegmentRule | null | undefined): DraftRule {
  if (!r || !Array.isArray(r.items)) return emptyRule();
  return {
    op: r.op === 'or' ? 'or' : 'and',
    items: r.items.map((i): DraftItem => {
      if (isGroup(i)) return fromRule(i as SegmentRule);
      const c = i as SegmentCondition;
      if (c.type === 'spend') return defined({ type: 'spend' as const, minYuan: fenToYuanText(c.minFen), maxYuan: fenToYuanText(c.maxFen), withinDays: c.withinDays }) as SpendDraft;
      return c;
    }),
  };
}

// ---- paths ----------------------------------------------------------------------------------------

export function getAt(rule: DraftRule, path: Path): DraftItem | undefined {
  let cur: DraftItem | undefined = rule;
  for (const i of path) {
    if (!cur || !isGroup(cur)) return undefined;
    cur = cur.items[i];
  }
  return cur;
}

/** The rule with the item at `path` replaced by `fn(item)`; unchanged when the path leads nowhere. */
export function updateAt(rule: DraftRule, path: Path, fn: (item: DraftItem) => DraftItem): DraftRule {
  if (!path.length) {
    const next = fn(rule);
    return isGroup(next) ? next : rule;
  }
  const [head, ...rest] = path;
  const child = rule.items[head];
  if (child === undefined) return rule;
  if (rest.length && !isGroup(child)) return rule;
  const next = rest.length ? updateAt(child as DraftRule, rest, fn) : fn(child);
  if (next === child) return rule;
  return { ...rule, items: rule.items.map((x, i) => (i === head ? next : x)) };
}

export function removeAt(rule: DraftRule, path: Path): DraftRule {
  if (!path.length) return rule;
  const parent = path.slice(0, -1);
  const index = path[path.length - 1];
  return updateAt(rule, parent, (g) => (isGroup(g) ? { ...g, items: g.items.filter((_, i) => i !== index) } : g));
}

const addTo = (rule: DraftRule, groupPath: Path, item: DraftItem) =>
  updateAt(rule, groupPath, (g) => (isGroup(g) && g.items.length < MAX_ITEMS ? { ...g, items: [...g.items, item] } : g));

export function addCondition(rule: DraftRule, groupPath: Path, cond: DraftCondition = defaultCondition('last_order')): DraftRule {
  return addTo(rule, groupPath, cond);
}

/** Whether the group at `groupPath` may take a sub-group (the root is level 1 of MAX_DEPTH). */
export const canAddGroup = (groupPath: Path) => groupPath.length + 2 <= MAX_DEPTH;

/** A sub-group with one condition, combining the other way than its parent (A 且 (B 或 C)). */
export function addGroup(rule: DraftRule, groupPath: Path, cond: DraftCondition = defaultCondition('last_order')): DraftRule {
  if (!canAddGroup(groupPath)) return rule;
  const parent = getAt(rule, groupPath);
  if (!parent || !isGroup(parent)) return rule;
  return addTo(rule, groupPath, { op: parent.op === 'and' ? 'or' : 'and', items: [cond] });
}

export function setOp(rule: DraftRule, groupPath: Path, op: 'and' | 'or'): DraftRule {
  return updateAt(rule, groupPath, (g) => (isGroup(g) && g.op !== op ? { ...g, op } : g));
}

/** Changing a condition's type starts it over with that type's defaults. */
export function setType(rule: DraftRule, path: Path, type: CondType): DraftRule {
  return updateAt(rule, path, (c) => (isGroup(c) || c.type === type ? c : defaultCondition(type)));
}

/** Levels of nesting: a group of conditions only is 1. */
export function depthOf(r: { items: readonly object[] }): number {
  return 1 + Math.max(0, ...r.items.map((i) => (isGroup(i) ? depthOf(i as { items: object[] }) : 0)));
}

/** Conditions anywhere in the rule. */
export function countConditions(r: DraftRule | SegmentRule): number {
  return r.items.reduce<number>((n, i) => n + (isGroup(i) ? countConditions(i as DraftRule) : 1), 0);
}

// ---- checks ---------------------------------------------------------------------------------------

/**
 * One problem of the draft: on the item at `path`, at `field` of a condition (dotted, as the contract
 * names it: `count`, `where.0.value`, `minYuan`) or on the group itself (field null). `key` is the
 * builder's own message; `message` one from the schema (localised by the console's zod locale).
 */
export interface RuleIssue {
  path: Path;
  field: string | null;
  key?: SegmentsKey;
  message?: string;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const valueless = (op: PropertyFilter['op']) => op === 'set' || op === 'not_set';

/** What the contract lets through but selects nothing sensible, or what it would word poorly. */
function ownIssues(c: DraftCondition): { field: string; key: SegmentsKey }[] {
  const out: { field: string; key: SegmentsKey }[] = [];
  const filterIssues = (f: PropertyFilter, at: string) => {
    if (blank(f.property)) out.push({ field: `${at}property`, key: 'seg.required' });
    if (!valueless(f.op) && blank(f.value)) out.push({ field: `${at}value`, key: 'seg.required' });
  };
  switch (c.type) {
    case 'event':
      if (blank(c.event)) out.push({ field: 'event', key: 'seg.required' });
      if (blank(c.withinDays)) out.push({ field: 'withinDays', key: 'seg.needDays' });
      if (c.did !== false && blank(c.count)) out.push({ field: 'count', key: 'seg.required' });
      (c.where ?? []).forEach((f, i) => filterIssues(f, `where.${i}.`));
      break;
    case 'trait':
      filterIssues(c.filter, 'filter.');
      break;
    case 'rfm':
      if (!c.rfmTypes?.length) out.push({ field: 'rfmTypes', key: 'seg.chooseOne' });
      break;
    case 'level':
      if (!c.levelIds?.length && !c.noLevel) out.push({ field: 'levelIds', key: 'seg.level.required' });
      break;
    case 'tag':
      if (!c.tagIds?.length) out.push({ field: 'tagIds', key: 'seg.chooseOne' });
      break;
    case 'spend': {
      const min = yuanTextToFen(c.minYuan);
      const max = yuanTextToFen(c.maxYuan);
      if (min === null) out.push({ field: 'minYuan', key: 'seg.moneyInvalid' });
      if (max === null) out.push({ field: 'maxYuan', key: 'seg.moneyInvalid' });
      if (min === undefined && max === undefined) out.push({ field: 'minYuan', key: 'seg.needBound' });
      if (typeof min === 'number' && typeof max === 'number' && min > max) out.push({ field: 'maxYuan', key: 'seg.minAboveMax' });
      break;
    }
    case 'orders':
      if (blank(c.min) && blank(c.max)) out.push({ field: 'min', key: 'seg.needBound' });
      if (typeof c.min === 'number' && typeof c.max === 'number' && c.min > c.max) out.push({ field: 'max', key: 'seg.minAboveMax' });
      break;
    case 'last_order':
      if (!c.never && blank(c.within) && blank(c.notWithin)) out.push({ field: 'within', key: 'seg.needDays' });
      if (!c.never && typeof c.within === 'number' && typeof c.notWithin === 'number' && c.within <= c.notWithin) out.push({ field: 'notWithin', key: 'seg.last.betweenOrder' });
      break;
    case 'bought_category':
      if (blank(c.categoryId)) out.push({ field: 'categoryId', key: 'seg.required' });
      break;
    case 'source':
      if (!c.sources?.length) out.push({ field: 'sources', key: 'seg.chooseOne' });
      break;
    case 'registered':
      if (blank(c.withinDays) && blank(c.beforeDays)) out.push({ field: 'withinDays', key: 'seg.needDays' });
      if (typeof c.withinDays === 'number' && typeof c.beforeDays === 'number' && c.beforeDays >= c.withinDays) out.push({ field: 'beforeDays', key: 'seg.registered.order' });
      break;
    case 'follows_oa':
    case 'wecom_owner':
      break;
  }
  return out;
}

/** Fields of the draft that the contract names differently (spend is fen there). */
const DRAFT_FIELD: Record<string, string> = { minFen: 'minYuan', maxFen: 'maxYuan' };

/** Every problem of one condition: the builder's own checks, then the contract's schema for the rest. */
export function conditionIssues(c: DraftCondition, path: Path = []): RuleIssue[] {
  const own = ownIssues(c).map((i) => ({ path, field: i.field, key: i.key }));
  const res = SegmentCondition.safeParse(toCondition(c));
  const fromSchema: RuleIssue[] = res.success
    ? []
    : res.error.issues.map((i) => {
        const field = i.path.map(String).join('.');
        return { path, field: DRAFT_FIELD[field] ?? (field || null), message: i.message };
      });
  // The own message says it better where both speak of one field.
  const taken = new Set(own.map((i) => i.field));
  return [...own, ...fromSchema.filter((i) => !(i.field && [...taken].some((f) => i.field === f || i.field!.startsWith(`${f}.`))))];
}

/** Every problem of the draft, groups and conditions, in the order the builder shows them. */
export function ruleIssues(rule: DraftRule, path: Path = []): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (path.length >= MAX_DEPTH) out.push({ path, field: null, key: 'seg.maxDepth' });
  if (!rule.items.length) out.push({ path, field: null, key: 'seg.emptyGroup' });
  if (rule.items.length > MAX_ITEMS) out.push({ path, field: null, key: 'seg.maxItems' });
  rule.items.forEach((item, i) => {
    const at = [...path, i];
    out.push(...(isGroup(item) ? ruleIssues(item, at) : conditionIssues(item, at)));
  });
  return out;
}

/** Issues grouped by the item they are on (pathKey). */
export function issuesByPath(issues: RuleIssue[]): Map<string, RuleIssue[]> {
  const map = new Map<string, RuleIssue[]>();
  for (const i of issues) {
    const k = pathKey(i.path);
    map.set(k, [...(map.get(k) ?? []), i]);
  }
  return map;
}

/** The rule to send when the draft has no problems (and the contract agrees), else null. */
export function validRule(rule: DraftRule): SegmentRule | null {
  if (ruleIssues(rule).length) return null;
  const r = SegmentRule.safeParse(toRule(rule));
  return r.success ? r.data : null;
}

// ---- one sentence ---------------------------------------------------------------------------------

export type SegTranslate = (key: SegmentsKey, vars?: Record<string, string | number>) => string;

/** A translator over a plain dictionary (the console passes its own; tests pass segmentsZh). */
export function translator(dict: Record<string, string>): SegTranslate {
  return (key, vars) => {
    let s = dict[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

export interface DescribeContext {
  lang: 'zh' | 'en';
  t: SegTranslate;
  /** id → name; null while loading (shown as …), a missing id then reads as deleted. */
  levels: Record<string, string> | null;
  tags: Record<string, string> | null;
  categories: Record<string, string> | null;
  /** WeCom user id → staff name; a user id without a name reads as itself. */
  staff?: Record<string, string> | null;
}

const OP_SIGN = { gte: '≥', lte: '≤', eq: '=' } as const;

function filterText(f: PropertyFilter, ctx: DescribeContext): string {
  const value = typeof f.value === 'string' ? `“${f.value}”` : String(f.value ?? '');
  switch (f.op) {
    case 'eq':
      return `${f.property}=${value}`;
    case 'neq':
      return `${f.property}≠${value}`;
    case 'gt':
      return `${f.property}>${value}`;
    case 'lt':
      return `${f.property}<${value}`;
    case 'contains':
      return `${f.property} ${ctx.t('seg.d.filter.contains')} ${value}`;
    default:
      return `${f.property} ${ctx.t(`seg.d.filter.${f.op}`)}`;
  }
}

const nameOf = (names: Record<string, string> | null, id: string, ctx: DescribeContext) => (names ? (names[id] ?? ctx.t('seg.d.gone')) : '…');

/** One condition as a short phrase: "近30天支付订单≥2次", "含任一标签高价值、老客". */
export function describeCondition(c: SegmentCondition, ctx: DescribeContext): string {
  const { t, lang } = ctx;
  const list = (xs: string[]) => xs.join(t('seg.d.listSep'));
  const window = (days?: number) => (days ? t('seg.d.window.days', { n: days }) : t('seg.d.window.all'));
  const range = (prefix: 'seg.d.spend' | 'seg.d.orders', min: string | undefined, max: string | undefined, days?: number) =>
    min !== undefined && max !== undefined
      ? t(`${prefix}.between`, { window: window(days), min, max })
      : min !== undefined
        ? t(`${prefix}.min`, { window: window(days), min })
        : t(`${prefix}.max`, { window: window(days), max: max ?? '' });
  switch (c.type) {
    case 'event': {
      const event = EVENT_LABELS[c.event]?.[lang] ?? c.event;
      const filters = c.where?.length ? `(${list(c.where.map((f) => filterText(f, ctx)))})` : '';
      if (c.did === false) return t('seg.d.eventNot', { days: c.withinDays, event, filters });
      return t('seg.d.eventDid', { days: c.withinDays, event, filters, op: OP_SIGN[c.op ?? 'gte'], count: c.count ?? 1 });
    }
    case 'trait':
      return t('seg.d.trait', { filter: filterText(c.filter, ctx) });
    case 'rfm':
      return t('seg.d.rfm', { list: list(c.rfmTypes.map((r) => RFM_LABELS[r]?.[lang] ?? r)) });
    case 'level': {
      const names = (c.levelIds ?? []).map((id) => nameOf(ctx.levels, id, ctx));
      if (c.noLevel) names.push(t('seg.level.noLevel'));
      return t('seg.d.level', { list: list(names) });
    }
    case 'tag':
      return t(`seg.d.tag.${c.match ?? 'any'}`, { list: list(c.tagIds.map((id) => nameOf(ctx.tags, id, ctx))) });
    case 'spend':
      return range('seg.d.spend', c.minFen === undefined ? undefined : yuanText(c.minFen), c.maxFen === undefined ? undefined : yuanText(c.maxFen), c.withinDays);
    case 'orders':
      return range('seg.d.orders', c.min === undefined ? undefined : String(c.min), c.max === undefined ? undefined : String(c.max), c.withinDays);
    case 'last_order': {
      if (c.never) return t('seg.d.last.never');
      const parts: string[] = [];
      if (c.within) parts.push(t('seg.d.last.within', { n: c.within }));
      if (c.notWithin) parts.push(t('seg.d.last.notWithin', { n: c.notWithin }));
      return parts.join(t('seg.d.and'));
    }
    case 'bought_category': {
      const name = nameOf(ctx.categories, c.categoryId, ctx);
      return c.withinDays ? t('seg.d.categoryWithin', { name, n: c.withinDays }) : t('seg.d.category', { name });
    }
    case 'source':
      return t('seg.d.source', { list: list(c.sources.map((s) => ((SOURCES as readonly string[]).includes(s) ? t(`seg.source.${s as (typeof SOURCES)[number]}`) : s))) });
    case 'registered': {
      const parts: string[] = [];
      if (c.withinDays) parts.push(t('seg.d.registered.within', { n: c.withinDays }));
      if (c.beforeDays) parts.push(t('seg.d.registered.before', { n: c.beforeDays }));
      return parts.join(t('seg.d.and'));
    }
    case 'follows_oa':
      return t(c.value ? 'seg.d.follows' : 'seg.d.notFollows');
    case 'wecom_owner': {
      const ids = c.userIds ?? [];
      const names = list(ids.map((id) => ctx.staff?.[id] ?? id));
      if (c.has === false) return ids.length ? t('seg.d.wecom.notOwnedBy', { list: names }) : t('seg.d.wecom.none');
      return ids.length ? t('seg.d.wecom.ownedBy', { list: names }) : t('seg.d.wecom.any');
    }
  }
}

/**
 * A whole rule in one sentence: conditions joined by 且 / 或, a sub-group of more than one item in
 * parentheses. "近30天支付订单≥2次 且 (含任一标签高价值 或 累计消费≥¥1000)".
 */
export function describeRule(rule: SegmentRule | null | undefined, ctx: DescribeContext, nested = false): string {
  if (!rule || !rule.items?.length) return ctx.t('seg.d.empty');
  const parts = rule.items.map((i) => (isGroup(i) ? describeRule(i as SegmentRule, ctx, true) : describeCondition(i as SegmentCondition, ctx)));
  const text = parts.join(ctx.t(rule.op === 'or' ? 'seg.d.or' : 'seg.d.and'));
  return nested && parts.length > 1 ? `(${text})` : text;
}

/**
 * A field the API named in an error (`conditions.items.1.items.0.tagIds.0`) as an issue on that item,
 * so the builder shows it on the row; null when it is not inside the rule.
 */
export function issueFromApiField(field: string | undefined, message: string, prefix = 'conditions'): RuleIssue | null {
  if (!field || (field !== prefix && !field.startsWith(`${prefix}.`))) return null;
  const parts = field.split('.').slice(1);
  const path: Path = [];
  while (parts[0] === 'items' && parts[1] !== undefined && /^\d+$/.test(parts[1])) {
    path.push(Number(parts[1]));
    parts.splice(0, 2);
  }
  const rest = parts.join('.');
  return { path, field: DRAFT_FIELD[rest] ?? (rest || null), message };
}
