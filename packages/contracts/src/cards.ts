import { z } from 'zod';

/** A paid member card (付费会员卡) a shop sells. */
export const MemberCardPlanBody = z
  .object({
    name: z.string().trim().min(1).max(40),
    periodKind: z.enum(['month', 'quarter', 'year', 'days']),
    /** Only for periodKind 'days'. */
    days: z.number().int().min(1).max(3660).nullable().optional(),
    priceFen: z.number().int().min(1).max(10_000_000),
    /** 95 = 9.5折 on goods; null: no discount. */
    percentPaid: z.number().int().min(1).max(99).nullable(),
    freeShipping: z.boolean(),
    /** A no-threshold coupon given every month while the card lasts. */
    monthlyCouponTemplateId: z.uuid().nullable(),
    description: z.string().trim().max(500).default(''),
    active: z.boolean().default(true),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.periodKind === 'days' && !v.days) ctx.addIssue({ code: 'custom', path: ['days'], message: 'required when the card lasts N days' });
  });

/** Staff give card days (or take them away with a negative number). */
export const MemberCardGrantBody = z
  .object({
    planId: z.uuid(),
    days: z.number().int().min(-3660).max(3660).refine((v) => v !== 0, 'must not be 0'),
    reason: z.string().trim().min(1, 'give a reason').max(100),
  })
  .strict();

export const MemberCardPurchaseBody = z
  .object({
    planId: z.uuid(),
    returnUrl: z.string().max(500).optional(),
  })
  .strict();
