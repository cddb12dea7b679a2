import { z } from 'zod';
import { Fen } from './common.js';
import { PropertyFilter, RFM_TYPES } from './analytics.js';

/**
 * Segments (人群): a dynamic customer group is a segment — conditions on attributes and behaviour in
 * nested AND / OR groups, whose membership the server keeps incrementally and announces as
 * `segment.changed` (entered / left) for journeys. Static groups stay lists staff keep.
 */

const Days = z.number().int().min(1).max(3650);


export const SegmentCondition = z.discriminatedUnion('type', [
  /** Did (or did not) do an event at least / at most / exactly N times within the last `withinDays` days. */
  z
    .object({
      type: z.literal('event'),
      event: z.string().trim().min(1).max(200),
      did: z.boolean().default(true),
      op: z.enum(['gte', 'lte', 'eq']).default('gte'),
      count: z.number().int().min(1).max(100_000).default(1),
      withinDays: Days,
      where: z.array(PropertyFilter).max(5).default([]),
    })
    .strict(),
  /** A trait the person carries (from identify / $set), compared as text or number. */
  z.object({ type: z.literal('trait'), filter: PropertyFilter }).strict(),
  z.object({ type: z.literal('rfm'), rfmTypes: z.array(z.enum(RFM_TYPES)).min(1).max(8) }).strict(),
  z.object({ type: z.literal('level'), levelIds: z.array(z.uuid()).max(20).default([]), noLevel: z.boolean().default(false) }).strict(),
  z.object({ type: z.literal('tag'), tagIds: z.array(z.uuid()).min(1).max(20), match: z.enum(['any', 'all', 'none']).default('any') }).strict(),
  /** Paid minus refunded, over all time or the last `withinDays` days. */
  z.object({ type: z.literal('spend'), minFen: Fen.optional(), maxFen: Fen.optional(), withinDays: Days.optional() }).strict(),
  /** Number of paid orders over all time or the last `withinDays` days. */
  z.object({ type: z.literal('orders'), min: z.number().int().min(0).max(100_000).optional(), max: z.number().int().min(0).max(100_000).optional(), withinDays: Days.optional() }).strict(),
  z.object({ type: z.literal('last_order'), within: Days.optional(), notWithin: Days.optional(), never: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('bought_category'), categoryId: z.uuid(), withinDays: Days.optional() }).strict(),
  z.object({ type: z.literal('source'), sources: z.array(z.string().trim().min(1).max(30)).min(1).max(10) }).strict(),
  z.object({ type: z.literal('registered'), withinDays: Days.optional(), beforeDays: Days.optional() }).strict(),
  z.object({ type: z.literal('follows_oa'), value: z.boolean() }).strict(),
  /**
   * The customer's WeCom owner (企微归属): `has` a live relation with any of `userIds` (WeCom user ids of
   * staff), or with any staff member when the list is empty; `has: false` is the opposite (nobody owns them).
   */
  z.object({ type: z.literal('wecom_owner'), userIds: z.array(z.string().trim().min(1).max(64)).max(50).default([]), has: z.boolean().default(true) }).strict(),
]);
export type SegmentCondition = z.infer<typeof SegmentCondition>;

export interface SegmentRule {
  op: 'and' | 'or';
  items: (SegmentCondition | SegmentRule)[];
}

const depthOf = (r: SegmentRule): number => 1 + Math.max(0, ...r.items.map((i) => ('items' in i ? depthOf(i as SegmentRule) : 0)));

export const SegmentRule: z.ZodType<SegmentRule> = z.lazy(() =>
  z
    .object({
      op: z.enum(['and', 'or']),
      items: z.array(z.union([SegmentCondition, SegmentRule])).min(1).max(20),
    })
    .strict(),
).refine((r) => depthOf(r) <= 3, { message: 'at most three levels of nesting', path: ['items'] });

export const SegmentEstimateBody = z.object({ rule: SegmentRule }).strict();

export const SEGMENT_CONDITION_LABELS: Record<SegmentCondition['type'], { zh: string; en: string }> = {
  event: { zh: '行为', en: 'Did an event' },
  trait: { zh: '用户属性', en: 'Trait' },
  rfm: { zh: 'RFM 类型', en: 'RFM type' },
  level: { zh: '会员等级', en: 'Member level' },
  tag: { zh: '标签', en: 'Tags' },
  spend: { zh: '消费金额', en: 'Spend' },
  orders: { zh: '订单数', en: 'Orders' },
  last_order: { zh: '最近下单', en: 'Last order' },
  bought_category: { zh: '购买过类目', en: 'Bought a category' },
  source: { zh: '来源', en: 'Source' },
  registered: { zh: '注册时间', en: 'Registered' },
  follows_oa: { zh: '关注公众号', en: 'Follows the official account' },
  wecom_owner: { zh: '企微归属', en: 'WeCom owner' },
};
