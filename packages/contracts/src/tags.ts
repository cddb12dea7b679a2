import { z } from 'zod';
import { Fen } from './common.js';
import { SegmentRule } from './segments.js';

/** Customer tags (粉丝标签) and groups (会员分组). */

export const TAG_COLORS = ['blue', 'green', 'orange', 'red', 'purple', 'cyan', 'gold', 'magenta'] as const;

export const TagRule = z.discriminatedUnion('type', [
  /** Paid at least minFen in the last `days` days (e.g. ≥ ¥1,000 in 90 days → 高价值). */
  z.object({ type: z.literal('paid_in_days'), minFen: Fen.refine((v) => v > 0, 'must be above 0'), days: z.number().int().min(1).max(3650) }).strict(),
  /** Bought anything from this category (or its sub-categories). */
  z.object({ type: z.literal('bought_category'), categoryId: z.uuid() }).strict(),
]);
export type TagRule = z.infer<typeof TagRule>;

export const TagBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(20),
    color: z.enum(TAG_COLORS).default('blue'),
    kind: z.enum(['manual', 'auto']),
    rule: TagRule.nullable().default(null),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'auto' && !v.rule) ctx.addIssue({ code: 'custom', path: ['rule'], message: 'an automatic tag needs a rule' });
    if (v.kind === 'manual' && v.rule) ctx.addIssue({ code: 'custom', path: ['rule'], message: 'a manual tag has no rule' });
  });

export const CustomerTagsBody = z.object({ tagIds: z.array(z.uuid()).max(50) }).strict();

export const GroupConditions = z
  .object({
    levelIds: z.array(z.uuid()).max(20).optional(),
    /** 'none' means customers without a level. */
    noLevel: z.boolean().optional(),
    tagIds: z.array(z.uuid()).max(20).optional(),
    tagMatch: z.enum(['any', 'all']).default('any'),
    minSpendFen: Fen.optional(),
    maxSpendFen: Fen.optional(),
    lastOrderWithinDays: z.number().int().min(1).max(3650).optional(),
    noOrderForDays: z.number().int().min(1).max(3650).optional(),
    neverOrdered: z.boolean().optional(),
    sources: z.array(z.enum(['sms', 'wechat', 'import'])).max(5).optional(),
    registeredWithinDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((c) => c.minSpendFen === undefined || c.maxSpendFen === undefined || c.minSpendFen <= c.maxSpendFen, { message: 'minimum above maximum', path: ['maxSpendFen'] });
export type GroupConditions = z.infer<typeof GroupConditions>;

export const GroupBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(30),
    kind: z.enum(['static', 'dynamic']),
    /** A segment rule; the older flat conditions are still accepted and saved as the rule they mean. */
    conditions: z.union([SegmentRule, GroupConditions]).nullable().default(null),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'dynamic' && !v.conditions) ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'a dynamic group needs conditions' });
  });

export const GroupMembersBody = z.object({ customerIds: z.array(z.uuid()).min(1).max(10_000) }).strict();

/** Tags a customer gets from how they came in (source tags). */
export const SOURCE_TAG_NAMES: Record<string, string> = {
  sms: '商城会员',
  wechat: '商城会员',
  import: '导入客户',
  game: '活动粉丝',
  channel: '渠道粉丝',
};
