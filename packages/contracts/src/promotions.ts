import { z } from 'zod';
import { Fen, Phone } from './common.js';

/**
 * Promotions (转化): coupon templates and the coupons issued from them, coupon packs and gift rules
 * (新客有礼 / 支付有礼), and activities (限时折扣, 满减/满赠, 组合套餐). Money is integer fen.
 */

const Name = z.string().trim().min(1, 'required').max(40, 'at most 40 characters');
const Ids = z.array(z.uuid()).max(500);

export const COUPON_KINDS = ['amount_off', 'percent_off', 'no_threshold', 'gift'] as const;
export const CouponKind = z.enum(COUPON_KINDS);
/** 满减 · 折扣 · 无门槛 · 兑换券 */
export const COUPON_KIND_LABELS: Record<(typeof COUPON_KINDS)[number], { zh: string; en: string }> = {
  amount_off: { zh: '满减券', en: 'Spend & save' },
  percent_off: { zh: '折扣券', en: 'Percent off' },
  no_threshold: { zh: '无门槛券', en: 'No threshold' },
  gift: { zh: '兑换券', en: 'Gift voucher' },
};

export const COUPON_TEMPLATE_STATUSES = ['active', 'paused', 'ended'] as const;
export const COUPON_STATUSES = ['unused', 'used', 'expired', 'revoked'] as const;
export const COUPON_SOURCES = ['claim', 'issue', 'new_customer', 'pay_gift', 'pack', 'points_mall'] as const;

export const Scope = z.enum(['all', 'categories', 'products']);
export const Audience = z.enum(['all', 'new_customers', 'levels', 'tags']);

const CouponTemplateFields = z.object({
  name: Name,
  kind: CouponKind,
  /** 满 X: goods in scope must reach this (0 for 无门槛 and, usually, 兑换券). */
  thresholdFen: Fen,
  /** 减 Y (满减 and 无门槛). */
  amountOffFen: Fen.optional(),
  /** 折扣: the share paid, 1–99 (85 = 8.5 折), and an optional cap on the saving. */
  percentPaid: z.number().int().min(1, '1–99').max(99, '1–99').optional(),
  maxDiscountFen: Fen.optional(),
  /** 兑换券: one unit of this product free. */
  giftProductId: z.uuid().optional(),
  scope: Scope,
  scopeIds: Ids,
  excludedProductIds: Ids,
  audience: Audience,
  /** Member level ids (audience levels) or tag ids (audience tags); empty otherwise. */
  audienceIds: Ids,
  validity: z.discriminatedUnion('type', [
    z.object({ type: z.literal('fixed'), from: z.coerce.date(), to: z.coerce.date() }),
    z.object({ type: z.literal('relative'), days: z.number().int().min(1, '1–365').max(365, '1–365') }),
  ]),
  /** Total that may ever be issued. */
  totalQuantity: z.number().int().min(1, 'at least 1').max(10_000_000),
  perCustomerLimit: z.number().int().min(1, 'at least 1').max(100, 'at most 100'),
  /** Whether it can be used on an order that already has an activity saving. */
  stacksWithActivities: z.boolean(),
  /** Listed in the storefront claim centre (领券中心); claim links work either way. */
  claimable: z.boolean(),
  description: z.string().trim().max(500).optional(),
});

function checkCoupon(v: Partial<z.infer<typeof CouponTemplateFields>>, ctx: z.RefinementCtx) {
  const need = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
  if (v.kind === 'amount_off') {
    if (!v.amountOffFen) need('amountOffFen', 'required for 满减');
    if (!v.thresholdFen) need('thresholdFen', 'required for 满减');
    else if (v.amountOffFen && v.amountOffFen >= v.thresholdFen) need('amountOffFen', 'must be less than the threshold');
  }
  if (v.kind === 'no_threshold' && !v.amountOffFen) need('amountOffFen', 'required for 无门槛');
  if (v.kind === 'percent_off' && !v.percentPaid) need('percentPaid', 'required for 折扣');
  if (v.kind === 'gift' && !v.giftProductId) need('giftProductId', 'required for 兑换券');
  if (v.scope && v.scope !== 'all' && (!v.scopeIds || v.scopeIds.length === 0)) need('scopeIds', 'choose at least one');
  if ((v.audience === 'levels' || v.audience === 'tags') && (!v.audienceIds || v.audienceIds.length === 0)) need('audienceIds', 'choose at least one');
  if (v.validity?.type === 'fixed' && v.validity.to <= v.validity.from) need('validity.to', 'must be after the start');
}

export const CouponTemplateBody = CouponTemplateFields.extend({
  thresholdFen: Fen.default(0),
  scope: Scope.default('all'),
  scopeIds: Ids.default([]),
  excludedProductIds: Ids.default([]),
  audience: Audience.default('all'),
  audienceIds: Ids.default([]),
  perCustomerLimit: CouponTemplateFields.shape.perCustomerLimit.default(1),
  stacksWithActivities: z.boolean().default(true),
  claimable: z.boolean().default(true),
})
  .strict()
  .superRefine(checkCoupon);
/** Once coupons were issued their value fields are frozen (409 COUPON_TEMPLATE_LOCKED); name, copy, quantity, limits may change. */
export const CouponTemplatePatch = CouponTemplateFields.partial().strict();
export type CouponTemplateInput = z.infer<typeof CouponTemplateBody>;

export const CouponListQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(COUPON_TEMPLATE_STATUSES).optional(),
  kind: CouponKind.optional(),
  q: z.string().trim().max(40).optional(),
});

/** Issue to a list (phones, e.g. from Excel, or customer ids) or to everyone / new customers as a job. */
export const CouponIssueBody = z
  .object({
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('phones'), phones: z.array(Phone).min(1, 'at least one').max(100_000) }),
      z.object({ type: z.literal('customers'), customerIds: z.array(z.uuid()).min(1).max(100_000) }),
      z.object({ type: z.literal('segment'), segment: z.enum(['all_customers', 'never_ordered', 'ordered']) }),
      /** A customer group (会员分组), static or dynamic, as it is when the batch runs. */
      z.object({ type: z.literal('group'), groupId: z.uuid() }),
    ]),
    quantityEach: z.number().int().min(1).max(10).default(1),
  })
  .strict();

export const CouponPackBody = z
  .object({
    name: Name,
    items: z.array(z.object({ templateId: z.uuid(), quantity: z.number().int().min(1).max(10) })).min(1, 'at least one coupon').max(20),
  })
  .strict();

/** 新客有礼: on first registration. 支付有礼: after a paid order of at least minPaidFen. */
export const GiftRuleBody = z
  .object({
    enabled: z.boolean(),
    packId: z.uuid().nullable(),
    minPaidFen: Fen.default(0),
  })
  .strict();
export const GIFT_RULE_KINDS = ['new_customer', 'pay'] as const;

// ---------------------------------------------------------------------------------------------------
// Activities

export const ACTIVITY_KINDS = ['limited_discount', 'full_reduction', 'bundle'] as const;
export const ActivityKind = z.enum(ACTIVITY_KINDS);
export const ACTIVITY_KIND_LABELS: Record<(typeof ACTIVITY_KINDS)[number], { zh: string; en: string }> = {
  limited_discount: { zh: '限时折扣', en: 'Limited-time discount' },
  full_reduction: { zh: '满减/满赠', en: 'Spend & save / gift' },
  bundle: { zh: '组合套餐', en: 'Bundle' },
};
export const ACTIVITY_STATUSES = ['active', 'paused', 'ended'] as const;

const Period = { name: Name, startsAt: z.coerce.date(), endsAt: z.coerce.date(), description: z.string().trim().max(500).optional() };

export const LimitedDiscountRules = z.object({
  /** Per product (all its SKUs) or per SKU: either a share paid (80 = 8 折) or a fixed price. */
  items: z
    .array(
      z.object({
        productId: z.uuid(),
        skuId: z.uuid().optional(),
        percentPaid: z.number().int().min(1).max(99).optional(),
        priceFen: Fen.optional(),
      }).refine((i) => (i.percentPaid === undefined) !== (i.priceFen === undefined), 'give a discount or a price, not both'),
    )
    .min(1, 'at least one product')
    .max(200),
  /** Units per customer at the discount price, across orders (0 = no limit). */
  perCustomerLimit: z.number().int().min(0).max(999).default(0),
});

export const FullReductionRules = z.object({
  /** Ascending tiers; the highest reached applies. Each saves money, gives a gift SKU, or both. */
  tiers: z
    .array(z.object({ thresholdFen: Fen.refine((v) => v > 0, 'must be above 0'), reduceFen: Fen.default(0), giftSkuId: z.uuid().optional() }))
    .min(1, 'at least one tier')
    .max(5, 'at most 5 tiers')
    .refine((t) => t.every((x, i) => i === 0 || x.thresholdFen > t[i - 1].thresholdFen), 'thresholds must rise')
    .refine((t) => t.every((x) => x.reduceFen > 0 || x.giftSkuId), 'each tier saves money or gives a gift')
    .refine((t) => t.every((x) => x.reduceFen < x.thresholdFen), 'a saving must be less than its threshold'),
  scope: Scope.default('all'),
  scopeIds: Ids.default([]),
  excludedProductIds: Ids.default([]),
});

export const BundleRules = z.object({
  /** Any SKU of each product counts; the set is sold at priceFen each time all quantities are in the cart. */
  items: z.array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1).max(10) })).min(2, 'at least two products').max(10),
  priceFen: Fen.refine((v) => v > 0, 'must be above 0'),
});

export const ActivityBody = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('limited_discount'), ...Period, rules: LimitedDiscountRules }).strict(),
    z.object({ kind: z.literal('full_reduction'), ...Period, rules: FullReductionRules }).strict(),
    z.object({ kind: z.literal('bundle'), ...Period, rules: BundleRules }).strict(),
  ])
  .superRefine((v, ctx) => {
    if (v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after the start' });
  });
export type ActivityInput = z.infer<typeof ActivityBody>;

export const ActivityListQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  kind: ActivityKind.optional(),
  status: z.enum(['active', 'paused', 'ended', 'upcoming', 'running']).optional(),
  q: z.string().trim().max(40).optional(),
});
