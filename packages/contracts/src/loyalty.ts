import { z } from 'zod';

/** Points (积分) rules a shop sets. */
export const PointsRulesBody = z
  .object({
    enabled: z.boolean(),
    /** Points per ¥1 paid. */
    earnPerYuan: z.number().int().min(0).max(1000),
    signupPoints: z.number().int().min(0).max(1_000_000),
    checkinPoints: z.number().int().min(0).max(100_000),
    /** Extra points on the Nth consecutive check-in day. */
    checkinStreakBonus: z
      .array(z.object({ day: z.number().int().min(2, 'from day 2').max(365), bonus: z.number().int().min(1).max(100_000) }))
      .max(10)
      .refine((l) => new Set(l.map((b) => b.day)).size === l.length, 'one bonus per day'),
    /** N points pay ¥1 at checkout. */
    pointsPerYuan: z.number().int().min(1).max(100_000),
    /** Points pay at most this share of the goods. */
    maxDeductPercent: z.number().int().min(0).max(100),
    expiry: z.enum(['never', 'end_of_next_year', 'days']),
    expiryDays: z.number().int().min(1).max(3650).nullable(),
    /** 分享得积分: points per rewarded share (0: off)… */
    sharePoints: z.number().int().min(0).max(100_000).default(0),
    /** …at most this many rewarded shares a day. */
    shareDailyCap: z.number().int().min(0).max(100).default(3),
    /** 评价有礼: points per review (0: off)… */
    reviewPoints: z.number().int().min(0).max(100_000).default(0),
    /** …of at least this many characters (0: any review). */
    reviewMinChars: z.number().int().min(0).max(500).default(0),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.expiry === 'days' && !v.expiryDays) ctx.addIssue({ code: 'custom', path: ['expiryDays'], message: 'required when points expire after N days' });
  });

export const PointsAdjustBody = z
  .object({
    delta: z.number().int().min(-1_000_000).max(1_000_000).refine((v) => v !== 0, 'must not be 0'),
    reason: z.string().trim().min(1, 'give a reason').max(100),
  })
  .strict();

export const POINTS_LEDGER_KINDS: Record<string, { zh: string; en: string }> = {
  earn_order: { zh: '购物获得', en: 'Earned on an order' },
  signup: { zh: '注册奖励', en: 'Sign-up bonus' },
  checkin: { zh: '签到', en: 'Check-in' },
  spend_order: { zh: '积分抵扣', en: 'Paid with points' },
  return_spend: { zh: '退回抵扣', en: 'Returned from an order' },
  reverse_earn: { zh: '退款扣回', en: 'Taken back on a refund' },
  expire: { zh: '过期', en: 'Expired' },
  adjust: { zh: '人工调整', en: 'Adjusted by staff' },
  redeem: { zh: '积分兑换', en: 'Redeemed in the points mall' },
  share: { zh: '分享奖励', en: 'Shared' },
  review: { zh: '评价奖励', en: 'Reviewed' },
};

/** Member levels (会员等级): what counts, over which period, and each level's threshold and benefits. */
export const MemberLevelsBody = z
  .object({
    metric: z.enum(['spend', 'orders']),
    period: z.enum(['all', 'last_3_months', 'this_month']),
    levels: z
      .array(
        z
          .object({
            rank: z.number().int().min(1).max(20),
            name: z.string().trim().min(1, 'required').max(20),
            /** Fen of spend, or a number of orders. */
            threshold: z.number().int().min(0).max(100_000_000_00),
            percentPaid: z.number().int().min(1, '1–99').max(99, '1–99').nullable(),
            freeShipping: z.boolean(),
            monthlyPackId: z.uuid().nullable(),
            /** A coupon given on the member's birthday (生日礼), once a year. */
            birthdayCouponTemplateId: z.uuid().nullable().default(null),
          })
          .strict(),
      )
      .max(20)
      .refine((l) => new Set(l.map((x) => x.rank)).size === l.length, 'each rank once'),
  })
  .strict();

export const LEVEL_METRIC_LABELS = {
  spend: { zh: '消费金额', en: 'Spend' },
  orders: { zh: '订单数', en: 'Orders' },
} as const;
export const LEVEL_PERIOD_LABELS = {
  all: { zh: '累计', en: 'All time' },
  last_3_months: { zh: '近3个月', en: 'Last 3 months' },
  this_month: { zh: '本月', en: 'This month' },
} as const;

/**
 * A points-mall item (积分商城): a coupon redeemed with points, or goods — a product SKU for points plus
 * optional cash, bought as an order the customer has delivered or picks up.
 */
export const PointsMallItemBody = z
  .object({
    kind: z.enum(['coupon', 'goods']).default('coupon'),
    title: z.string().trim().min(1, 'required').max(40),
    couponTemplateId: z.uuid().optional(),
    skuId: z.uuid().optional(),
    /** Cash on top of the points, fen (goods only; 0 for points only). */
    cashFen: z.number().int().min(0).max(100_000_000).default(0),
    points: z.number().int().min(1).max(10_000_000),
    stock: z.number().int().min(0).max(10_000_000),
    perCustomerLimit: z.number().int().min(1).max(100).default(1),
    status: z.enum(['on_sale', 'off_shelf']).default('on_sale'),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'coupon' && !v.couponTemplateId) ctx.addIssue({ code: 'custom', path: ['couponTemplateId'], message: 'choose a coupon' });
    if (v.kind === 'goods' && !v.skuId) ctx.addIssue({ code: 'custom', path: ['skuId'], message: 'choose a product' });
    if (v.kind === 'coupon' && v.cashFen > 0) ctx.addIssue({ code: 'custom', path: ['cashFen'], message: 'coupons are for points only' });
  });

/** 分享得积分: the storefront reports a share (WeChat's share callback, the share sheet or a copied link). */
export const PointsShareBody = z
  .object({
    target: z.enum(['product', 'coupon', 'page']),
    targetId: z.string().trim().min(1).max(200),
  })
  .strict();
