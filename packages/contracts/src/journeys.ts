import { z } from 'zod';
import { PropertyFilter } from './analytics.js';
import { SegmentRule } from './segments.js';

/**
 * Journeys (自动化营销): a trigger and a graph of nodes drawn on a canvas. Each customer walks one live
 * instance per journey, on the version it entered; a random holdout enters but is never acted on, so
 * every journey reports its effect against it.
 */

/** Domain events a journey can start on or wait for. */
export const JOURNEY_EVENTS = [
  'cart.item_added',
  'order.created',
  'order.paid',
  'order.completed',
  'order.shipped',
  'customer.registered',
  'mp.followed',
  'review.created',
  'member.level_changed',
  'coupon.claimed',
] as const;
export type JourneyEvent = (typeof JOURNEY_EVENTS)[number];

export const JOURNEY_EVENT_LABELS: Record<JourneyEvent, { zh: string; en: string }> = {
  'cart.item_added': { zh: '加入购物车', en: 'Added to cart' },
  'order.created': { zh: '提交订单', en: 'Placed an order' },
  'order.paid': { zh: '支付订单', en: 'Paid an order' },
  'order.completed': { zh: '确认收货', en: 'Order completed' },
  'order.shipped': { zh: '订单发货', en: 'Order shipped' },
  'customer.registered': { zh: '注册会员', en: 'Signed up' },
  'mp.followed': { zh: '关注公众号', en: 'Followed the official account' },
  'review.created': { zh: '发表评价', en: 'Wrote a review' },
  'member.level_changed': { zh: '等级变化', en: 'Level changed' },
  'coupon.claimed': { zh: '领取优惠券', en: 'Claimed a coupon' },
};

export const Duration = z
  .object({ amount: z.number().int().min(1).max(100_000), unit: z.enum(['minutes', 'hours', 'days']) })
  .strict();
export type Duration = z.infer<typeof Duration>;
export const durationMs = (d: Duration) => d.amount * (d.unit === 'minutes' ? 60_000 : d.unit === 'hours' ? 3_600_000 : 86_400_000);

const DateProperty = z.enum(['birthday', 'member_card_end', 'last_paid_at']);

export const JourneyTrigger = z.discriminatedUnion('kind', [
  /** The event happens (optionally with property filters, e.g. order.paid of a category). */
  z.object({ kind: z.literal('event'), event: z.enum(JOURNEY_EVENTS), where: z.array(PropertyFilter).max(5).default([]) }).strict(),
  /** The customer enters a segment (a dynamic customer group). */
  z.object({ kind: z.literal('segment_entered'), groupId: z.uuid() }).strict(),
  /** Days before (negative) or after a date property, at an hour of the shop's day. */
  z.object({ kind: z.literal('date_property'), property: DateProperty, offsetDays: z.number().int().min(-60).max(365), hour: z.number().int().min(0).max(23).default(10) }).strict(),
  /** Everyone in a group at a time, once or repeating. */
  z.object({ kind: z.literal('schedule'), groupId: z.uuid(), at: z.iso.datetime({ offset: true }), every: z.enum(['once', 'day', 'week', 'month']).default('once') }).strict(),
]);
export type JourneyTrigger = z.infer<typeof JourneyTrigger>;

const NodeId = z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, - and _');

export const JourneyNode = z.discriminatedUnion('type', [
  z.object({ id: NodeId, type: z.literal('wait'), duration: Duration }).strict(),
  /** Until the next given time of the shop's day. */
  z.object({ id: NodeId, type: z.literal('wait_until_time'), hour: z.number().int().min(0).max(23), minute: z.number().int().min(0).max(59).default(0) }).strict(),
  /** Until a date property plus offset (e.g. 3 days before the birthday). */
  z.object({ id: NodeId, type: z.literal('wait_until_date'), property: DateProperty, offsetDays: z.number().int().min(-60).max(365), hour: z.number().int().min(0).max(23).default(10) }).strict(),
  /** Waits for an event; branches `yes` when it happens, `timeout` when it does not within the time. */
  z.object({ id: NodeId, type: z.literal('wait_event'), event: z.enum(JOURNEY_EVENTS), timeout: Duration }).strict(),
  /** Branches `yes` / `no` on segment-style conditions about the customer now. */
  z.object({ id: NodeId, type: z.literal('condition'), rule: SegmentRule }).strict(),
  /** Branches by chance; percentages add up to 100 (an A/B test inside the journey). */
  z.object({ id: NodeId, type: z.literal('random_split'), branches: z.array(z.object({ key: z.string().regex(/^[a-z0-9_]{1,20}$/), percent: z.number().int().min(1).max(99) }).strict()).min(2).max(5) }).strict(),
  /** A message through the messaging core (contact budget, consent, fallback chain). */
  z.object({ id: NodeId, type: z.literal('send'), channels: z.array(z.enum(['mini_subscribe', 'oa_template', 'sms'])).min(1).max(3), templateIds: z.record(z.string(), z.uuid()), vars: z.record(z.string(), z.string().max(200)).default({}) }).strict(),
  z.object({ id: NodeId, type: z.literal('coupon'), couponTemplateId: z.uuid() }).strict(),
  z.object({ id: NodeId, type: z.literal('points'), points: z.number().int().min(1).max(1_000_000) }).strict(),
  z.object({ id: NodeId, type: z.literal('tag'), action: z.enum(['add', 'remove']), tagIds: z.array(z.uuid()).min(1).max(10) }).strict(),
  /** POSTs the customer and journey to a URL, signed with the journey's secret (X-Siyu-Signature). */
  z.object({ id: NodeId, type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }).max(500) }).strict(),
  z.object({ id: NodeId, type: z.literal('exit') }).strict(),
]);
export type JourneyNode = z.infer<typeof JourneyNode>;
export type JourneyNodeType = JourneyNode['type'];

/** `from` is a node id or `entry`; `branch` names the way out of a branching node (yes / no / timeout / a split key). */
export const JourneyEdge = z.object({ from: z.union([NodeId, z.literal('entry')]), to: NodeId, branch: z.string().max(20).optional() }).strict();
export type JourneyEdge = z.infer<typeof JourneyEdge>;

export const JourneyBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(60),
    trigger: JourneyTrigger,
    nodes: z.array(JourneyNode).min(1).max(100),
    edges: z.array(JourneyEdge).max(200),
    /** Canvas positions by node id (and `entry`); layout only. */
    positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() }).strict()).default({}),
    /** Leaves the journey as converted when the customer pays within the journey. */
    goal: z.object({ event: z.enum(JOURNEY_EVENTS), withinDays: z.number().int().min(1).max(90) }).strict().nullable().default({ event: 'order.paid', withinDays: 7 }),
    /** For a segment trigger: leave when no longer in the segment. */
    exitOnSegmentLeft: z.boolean().default(false),
    reentry: z.discriminatedUnion('kind', [z.object({ kind: z.literal('never') }).strict(), z.object({ kind: z.literal('after_exit') }).strict(), z.object({ kind: z.literal('after_days'), days: z.number().int().min(1).max(365) }).strict()]).default({ kind: 'after_exit' }),
    holdoutPercent: z.number().int().min(0).max(50).default(10),
  })
  .strict();
export type JourneyBody = z.infer<typeof JourneyBody>;

export const JOURNEY_STATUSES = ['draft', 'live', 'paused', 'ended'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];
export const JOURNEY_STATUS_LABELS: Record<JourneyStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  live: { zh: '运行中', en: 'Live' },
  paused: { zh: '已暂停', en: 'Paused' },
  ended: { zh: '已结束', en: 'Ended' },
};

export const JOURNEY_NODE_LABELS: Record<JourneyNodeType, { zh: string; en: string }> = {
  wait: { zh: '等待', en: 'Wait' },
  wait_until_time: { zh: '等到时刻', en: 'Wait until a time' },
  wait_until_date: { zh: '等到日期', en: 'Wait until a date' },
  wait_event: { zh: '等待事件', en: 'Wait for an event' },
  condition: { zh: '条件分支', en: 'Condition' },
  random_split: { zh: '随机分流', en: 'Random split' },
  send: { zh: '发送消息', en: 'Send a message' },
  coupon: { zh: '发优惠券', en: 'Give a coupon' },
  points: { zh: '送积分', en: 'Give points' },
  tag: { zh: '打标签', en: 'Tag' },
  webhook: { zh: 'Webhook', en: 'Webhook' },
  exit: { zh: '退出', en: 'Exit' },
};

/** Per-node counts on the canvas. */
export interface JourneyNodeStats {
  entered: number;
  waiting: number;
  passed: number;
  converted: number;
}

export const JourneyTestRunBody = z.object({ customerId: z.uuid() }).strict();

export const JourneyFromPlaybookBody = z.object({ key: z.string().regex(/^[a-z_]{1,40}$/) }).strict();
export const JourneyStatsQuery = z.object({ version: z.coerce.number().int().min(1).max(100_000).optional() }).strict();
