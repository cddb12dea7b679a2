import { z } from 'zod';

/** A group buy (拼团): one product's SKUs at a group price, groups of `groupSize` that fill within `durationMinutes`. */
export const GroupBuyBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    productId: z.uuid(),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date(),
    groupSize: z.number().int().min(2).max(50),
    durationMinutes: z.number().int().min(5).max(10_080),
    /** same: the leader pays the group price; discount: a lower leader price (团长优惠); free: the leader's goods are free (团长免单). */
    leaderMode: z.enum(['same', 'discount', 'free']).default('same'),
    /** 老带新: only customers who never paid here may join (anyone may open). */
    newCustomerOnly: z.boolean().default(false),
    /** 模拟成团: at expiry a group with at least this share of real members succeeds; empty seats are shown as 系统补位. */
    virtualThresholdPct: z.number().int().min(1).max(100).nullable().optional(),
    perOrderLimit: z.number().int().min(1).max(100).default(1),
    perCustomerLimit: z.number().int().min(1).max(100).default(1),
    /** 阶梯团: the group sizes at which the price falls (2–5 tiers, rising, the last is groupSize); null for one price. */
    tierSizes: z.array(z.number().int().min(2).max(50)).min(2).max(5).nullable().optional(),
    items: z
      .array(
        z
          .object({
            skuId: z.uuid(),
            groupPriceFen: z.number().int().min(1).max(100_000_000),
            leaderPriceFen: z.number().int().min(0).max(100_000_000).optional(),
            /** 阶梯团: the price at each tier; the first is groupPriceFen, what every buyer pays before the difference comes back. */
            tierPricesFen: z.array(z.number().int().min(0).max(100_000_000)).min(2).max(5).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200)
      .refine((l) => new Set(l.map((i) => i.skuId)).size === l.length, 'one entry per SKU'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after the start' });
    v.items.forEach((it, i) => {
      if (it.leaderPriceFen !== undefined && it.leaderPriceFen > it.groupPriceFen) ctx.addIssue({ code: 'custom', path: ['items', i, 'leaderPriceFen'], message: 'the leader pays at most the group price' });
    });
  });
export type GroupBuyBodyInput = z.input<typeof GroupBuyBody>;

export const GroupBuyGroupsQuery = z.object({
  status: z.enum(['open', 'succeeded', 'failed']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
