import { z } from 'zod';

/**
 * Customer data (CDP) and analyses (数据分析). Every analysis is a plain JSON query: the console builds it,
 * the server compiles it to the analytics engine's SQL (DuckDB embedded, ClickHouse scaled), and a saved
 * insight stores it unchanged.
 *
 * Time: dates are shop-local calendar days (Asia/Shanghai) written YYYY-MM-DD, both ends included.
 * Weeks start on Monday. Money in events is fen (integer).
 */

export const DateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/**
 * A property of an event. Plain names read the event's `properties` (e.g. `product_id`); names starting
 * with `$` are columns every event has: `$source` `$medium` `$campaign` `$channel` (where the visitor came
 * from), `$os`, `$path`.
 */
export const PropertyName = z.string().trim().min(1, 'required').max(64).regex(/^\$?[A-Za-z_][A-Za-z0-9_.]*$/, 'letters, digits, _ and . only');
export const BUILTIN_PROPERTIES = ['$source', '$medium', '$campaign', '$channel', '$os', '$path'] as const;

export const PropertyFilter = z
  .object({
    property: PropertyName,
    op: z.enum(['eq', 'neq', 'contains', 'gt', 'lt', 'set', 'not_set']),
    value: z.union([z.string().max(200), z.number()]).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!['set', 'not_set'].includes(v.op) && v.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'required' });
  });
export type PropertyFilter = z.infer<typeof PropertyFilter>;

export const EventName = z.string().trim().min(1, 'required').max(100);
/** One event with optional property conditions (all must hold). `$any` matches every event. */
export const EventMatcher = z.object({ event: EventName, where: z.array(PropertyFilter).max(10).default([]) }).strict();
export type EventMatcher = z.infer<typeof EventMatcher>;

const Range = { from: DateString, to: DateString };
const rangeCheck = (v: { from: string; to: string }, ctx: z.RefinementCtx) => {
  if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  else if ((Date.parse(v.to) - Date.parse(v.from)) / 86_400_000 > 731) ctx.addIssue({ code: 'custom', path: ['to'], message: 'at most two years' });
};

export const TrendsQuery = z
  .object({
    kind: z.literal('trends'),
    ...Range,
    interval: z.enum(['day', 'week']).default('day'),
    series: z
      .array(
        z
          .object({
            event: EventName,
            where: z.array(PropertyFilter).max(10).default([]),
            /** count of events, unique people, or the sum of a numeric property (e.g. amount) */
            measure: z.enum(['count', 'people', 'sum']).default('count'),
            property: PropertyName.optional(),
          })
          .strict()
          .superRefine((v, ctx) => {
            if (v.measure === 'sum' && !v.property) ctx.addIssue({ code: 'custom', path: ['property'], message: 'required for a sum' });
          }),
      )
      .min(1)
      .max(5),
    breakdown: PropertyName.optional(),
  })
  .strict()
  .superRefine(rangeCheck);
export type TrendsQuery = z.infer<typeof TrendsQuery>;

/**
 * Ordered funnel. A person enters at their first step-1 event within [from, to]; each later step counts
 * when it happens after the previous step and within `windowDays` of the entering step-1 event.
 */
export const FunnelQuery = z
  .object({
    kind: z.literal('funnel'),
    ...Range,
    steps: z.array(EventMatcher).min(2).max(8),
    windowDays: z.number().int().min(1).max(90).default(7),
    /** breaks down by the property of the entering step-1 event */
    breakdown: PropertyName.optional(),
  })
  .strict()
  .superRefine(rangeCheck);
export type FunnelQuery = z.infer<typeof FunnelQuery>;

/**
 * A person's cohort is the period of their first `start` event within [from, to]; they are retained in
 * period N (1..periods) when they did the `return` event in the Nth period after it.
 */
export const RetentionQuery = z
  .object({
    kind: z.literal('retention'),
    ...Range,
    start: EventMatcher,
    return: EventMatcher,
    interval: z.enum(['day', 'week']).default('day'),
    periods: z.number().int().min(1).max(60).default(30),
  })
  .strict()
  .superRefine(rangeCheck);
export type RetentionQuery = z.infer<typeof RetentionQuery>;

/** What people did after (or before) their first `anchor` event within [from, to], step by step. */
export const PathsQuery = z
  .object({
    kind: z.literal('paths'),
    ...Range,
    anchor: EventMatcher,
    direction: z.enum(['after', 'before']).default('after'),
    depth: z.number().int().min(1).max(5).default(3),
  })
  .strict()
  .superRefine(rangeCheck);
export type PathsQuery = z.infer<typeof PathsQuery>;

/**
 * Per period, each person active (any event, or the given one) is new (first ever activity is in this
 * period), returning (also active the period before), or resurrecting (seen before, not the period
 * before); dormant counts those active the period before and not in this one.
 */
export const LifecycleQuery = z
  .object({ kind: z.literal('lifecycle'), ...Range, event: EventName.default('$any'), interval: z.enum(['day', 'week']).default('week') })
  .strict()
  .superRefine(rangeCheck);
export type LifecycleQuery = z.infer<typeof LifecycleQuery>;

/**
 * RFM over paid orders (`order_paid` events, `amount` in fen) in [from, to]: R = days from the last
 * purchase to `to`, F = purchases, M = fen. Each is high or low against the mean of the buyers, or
 * against the merchant's thresholds. R is high when the days are at most the threshold.
 */
export const RfmQuery = z
  .object({
    kind: z.literal('rfm'),
    ...Range,
    thresholds: z
      .union([
        z.literal('mean'),
        z.object({ recencyDays: z.number().int().min(0).max(3650), frequency: z.number().min(0).max(100000), monetaryFen: z.number().int().min(0) }).strict(),
      ])
      .default('mean'),
  })
  .strict()
  .superRefine(rangeCheck);
export type RfmQuery = z.infer<typeof RfmQuery>;

export const RFM_TYPES = [
  'important_value', 'important_develop', 'important_keep', 'important_retain',
  'general_value', 'general_develop', 'general_keep', 'general_retain',
] as const;
export type RfmType = (typeof RFM_TYPES)[number];
/** The classic 8: R high/low × F high/low × M high/low. */
export const RFM_LABELS: Record<RfmType, { zh: string; en: string; r: boolean; f: boolean; m: boolean }> = {
  important_value: { zh: '重要价值客户', en: 'Important value', r: true, f: true, m: true },
  important_develop: { zh: '重要发展客户', en: 'Important to develop', r: true, f: false, m: true },
  important_keep: { zh: '重要保持客户', en: 'Important to keep', r: false, f: true, m: true },
  important_retain: { zh: '重要挽留客户', en: 'Important to win back', r: false, f: false, m: true },
  general_value: { zh: '一般价值客户', en: 'General value', r: true, f: true, m: false },
  general_develop: { zh: '一般发展客户', en: 'General to develop', r: true, f: false, m: false },
  general_keep: { zh: '一般保持客户', en: 'General to keep', r: false, f: true, m: false },
  general_retain: { zh: '一般挽留客户', en: 'General to win back', r: false, f: false, m: false },
};
export function rfmTypeOf(r: boolean, f: boolean, m: boolean): RfmType {
  return (Object.keys(RFM_LABELS) as RfmType[]).find((k) => RFM_LABELS[k].r === r && RFM_LABELS[k].f === f && RFM_LABELS[k].m === m)!;
}

/**
 * New people and revenue by where they came from: each person's first (or last before paying) touch
 * with a known `by` value; people first seen in [from, to] are new; revenue is `order_paid` amount in
 * [from, to].
 */
export const AttributionQuery = z
  .object({ kind: z.literal('attribution'), ...Range, by: z.enum(['$source', '$medium', '$campaign', '$channel']).default('$channel'), touch: z.enum(['first', 'last']).default('first') })
  .strict()
  .superRefine(rangeCheck);
export type AttributionQuery = z.infer<typeof AttributionQuery>;

export const AnalysisQuery = z.union([TrendsQuery, FunnelQuery, RetentionQuery, PathsQuery, LifecycleQuery, RfmQuery, AttributionQuery]);
export type AnalysisQuery = z.infer<typeof AnalysisQuery>;
export type AnalysisKind = AnalysisQuery['kind'];

// ---- results ----

export interface TrendsResult {
  kind: 'trends';
  /** period starts, YYYY-MM-DD */
  periods: string[];
  series: { index: number; event: string; measure: string; breakdown: string | null; values: number[]; total: number }[];
}
export interface FunnelResult {
  kind: 'funnel';
  groups: {
    breakdown: string | null;
    /** people reaching each step */
    counts: number[];
    /** median seconds from step 1 to the last step, among those who reached it */
    medianSecondsToConvert: number | null;
  }[];
}
export interface RetentionResult {
  kind: 'retention';
  cohorts: { start: string; size: number; retained: number[] }[];
}
export interface PathsResult {
  kind: 'paths';
  /** people whose Nth event after (before) the anchor was `event` coming from `from` at step N-1 */
  links: { step: number; from: string; to: string; people: number }[];
  anchorPeople: number;
}
export interface LifecycleResult {
  kind: 'lifecycle';
  periods: string[];
  new: number[];
  returning: number[];
  resurrecting: number[];
  /** negative counts, drawn below the axis */
  dormant: number[];
}
export interface RfmResult {
  kind: 'rfm';
  thresholds: { recencyDays: number; frequency: number; monetaryFen: number };
  types: { type: RfmType; people: number; monetaryFen: number }[];
}
export interface AttributionResult {
  kind: 'attribution';
  rows: { value: string; newPeople: number; payers: number; orders: number; revenueFen: number }[];
}
export type AnalysisResult = TrendsResult | FunnelResult | RetentionResult | PathsResult | LifecycleResult | RfmResult | AttributionResult;

// ---- people behind a number, saved as a customer group ----

/** Who is behind a number of an analysis: funnel step reached / dropped after, retention cohort, RFM type. */
export const PeopleSelector = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('funnel_step'), step: z.number().int().min(0).max(7), dropped: z.boolean().default(false), breakdown: z.string().max(200).nullable().default(null) }).strict(),
  z.object({ kind: z.literal('rfm_type'), type: z.enum(RFM_TYPES) }).strict(),
  z.object({ kind: z.literal('retention_cohort'), start: DateString, period: z.number().int().min(0).max(60) }).strict(),
]);
export type PeopleSelector = z.infer<typeof PeopleSelector>;

export const PeopleBody = z.object({ query: AnalysisQuery, select: PeopleSelector }).strict();
export const SaveGroupBody = z
  .object({ query: AnalysisQuery, select: PeopleSelector, name: z.string().trim().min(1, 'required').max(30) })
  .strict();

export const InsightBody = z
  .object({ name: z.string().trim().min(1, 'required').max(40), query: AnalysisQuery, pinned: z.boolean().default(false) })
  .strict();

export const DashboardQuery = z.object({ from: DateString, to: DateString }).strict().superRefine(rangeCheck);

export interface DashboardMetrics {
  from: string;
  to: string;
  visitors: number;
  newVisitors: number;
  returningVisitors: number;
  payers: number;
  /** payers / visitors */
  conversionRate: number;
  orders: number;
  gmvFen: number;
  /** 客单价: GMV per paying person */
  perCustomerFen: number;
  /** buyers in the range who bought again within 30 / 90 days of a purchase */
  repurchaseRate30: number;
  repurchaseRate90: number;
  /** share of GMV paid by members (a level or a paid card at the time) */
  memberGmvShare: number;
  /** GMV of orders that used a coupon / the coupons' discount */
  couponRoi: number | null;
  couponDiscountFen: number;
  topSources: { value: string; visitors: number; gmvFen: number }[];
  daily: { date: string; visitors: number; orders: number; gmvFen: number }[];
}

export const WriteKeyBody = z.object({ name: z.string().trim().min(1, 'required').max(40) }).strict();

/** `before` is the cursor a page returned (`<epoch ms>_<event id>`: text, as it is past PostgreSQL's integer range). */
export const TimelineQuery = z.object({ before: z.string().regex(/^\d{1,16}_\d{1,19}$/, 'a cursor from the previous page').optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

/** Labels of the events the mall records itself (server side) and the storefront's SDK sends. */
export const EVENT_LABELS: Record<string, { zh: string; en: string }> = {
  $pageview: { zh: '浏览页面', en: 'Page view' },
  $identify: { zh: '识别身份', en: 'Identified' },
  product_viewed: { zh: '浏览商品', en: 'Viewed product' },
  product_added: { zh: '加入购物车', en: 'Added to cart' },
  product_shared: { zh: '分享', en: 'Shared' },
  products_searched: { zh: '搜索', en: 'Searched' },
  checkout_started: { zh: '去结算', en: 'Started checkout' },
  order_placed: { zh: '提交订单', en: 'Placed order' },
  order_paid: { zh: '支付订单', en: 'Paid order' },
  order_refunded: { zh: '退款', en: 'Refunded' },
  order_completed: { zh: '完成订单', en: 'Completed order' },
  coupon_claimed: { zh: '领取优惠券', en: 'Claimed coupon' },
  coupon_used: { zh: '使用优惠券', en: 'Used coupon' },
  points_changed: { zh: '积分变动', en: 'Points changed' },
  checked_in: { zh: '签到', en: 'Checked in' },
  level_changed: { zh: '会员等级变化', en: 'Level changed' },
  signed_up: { zh: '注册', en: 'Signed up' },
  flash_sale_attempted: { zh: '参与秒杀', en: 'Flash-sale attempt' },
  topped_up: { zh: '储值', en: 'Topped up' },
  review_posted: { zh: '评价', en: 'Reviewed' },
};
