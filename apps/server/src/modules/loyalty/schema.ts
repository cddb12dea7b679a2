import { bigint, bigserial, boolean, date, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export interface StreakBonus {
  /** On the Nth consecutive day… */
  day: number;
  /** …this many extra points. */
  bonus: number;
}

export const pointsRules = pgTable('points_rules', {
  shopId: uuid('shop_id').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  earnPerYuan: integer('earn_per_yuan').notNull().default(1),
  signupPoints: integer('signup_points').notNull().default(0),
  checkinPoints: integer('checkin_points').notNull().default(0),
  checkinStreakBonus: jsonb('checkin_streak_bonus').$type<StreakBonus[]>().notNull().default([]),
  pointsPerYuan: integer('points_per_yuan').notNull().default(100),
  maxDeductPercent: integer('max_deduct_percent').notNull().default(50),
  expiry: text('expiry').$type<'never' | 'end_of_next_year' | 'days'>().notNull().default('end_of_next_year'),
  expiryDays: integer('expiry_days'),
  /** 分享得积分: points per rewarded share, at most `shareDailyCap` rewarded shares a day. */
  sharePoints: integer('share_points').notNull().default(0),
  shareDailyCap: integer('share_daily_cap').notNull().default(3),
  /** 评价有礼: points per review of at least `reviewMinChars` characters. */
  reviewPoints: integer('review_points').notNull().default(0),
  reviewMinChars: integer('review_min_chars').notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type PointsRules = typeof pointsRules.$inferSelect;

export const pointsAccounts = pgTable(
  'points_accounts',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    balance: integer('balance').notNull().default(0),
    earnedTotal: integer('earned_total').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId] })],
);

export const pointsLots = pgTable('points_lots', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  amount: integer('amount').notNull(),
  remaining: integer('remaining').notNull(),
  expiresAt: ts('expires_at'),
  expiringNotified: boolean('expiring_notified').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export type LedgerKind = 'earn_order' | 'signup' | 'checkin' | 'spend_order' | 'return_spend' | 'reverse_earn' | 'expire' | 'adjust' | 'redeem' | 'share' | 'review';

export const pointsLedger = pgTable('points_ledger', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  delta: integer('delta').notNull(),
  balanceAfter: integer('balance_after').notNull(),
  kind: text('kind').$type<LedgerKind>().notNull(),
  ref: text('ref').notNull(),
  note: text('note'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const pointsOrderSpends = pgTable(
  'points_order_spends',
  {
    orderId: uuid('order_id').notNull(),
    lotId: bigint('lot_id', { mode: 'number' }).notNull(),
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    amount: integer('amount').notNull(),
    returned: integer('returned').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lotId] })],
);

export const pointsCheckins = pgTable(
  'points_checkins',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    streak: integer('streak').notNull(),
    points: integer('points').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.day] })],
);

export type LevelMetric = 'spend' | 'orders';
export type LevelPeriod = 'all' | 'last_3_months' | 'this_month';

export const memberLevelSettings = pgTable('member_level_settings', {
  shopId: uuid('shop_id').primaryKey(),
  metric: text('metric').$type<LevelMetric>().notNull().default('spend'),
  period: text('period').$type<LevelPeriod>().notNull().default('all'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const memberLevels = pgTable('member_levels', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  rank: integer('rank').notNull(),
  name: text('name').notNull(),
  threshold: integer('threshold').notNull(),
  percentPaid: integer('percent_paid'),
  freeShipping: boolean('free_shipping').notNull().default(false),
  monthlyPackId: uuid('monthly_pack_id'),
  birthdayCouponTemplateId: uuid('birthday_coupon_template_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});
export type MemberLevel = typeof memberLevels.$inferSelect;

export const customerLevels = pgTable(
  'customer_levels',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    levelId: uuid('level_id'),
    metricValue: integer('metric_value').notNull().default(0),
    evaluatedAt: ts('evaluated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId] })],
);

export const customerLevelHistory = pgTable('customer_level_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  fromLevelId: uuid('from_level_id'),
  toLevelId: uuid('to_level_id'),
  metricValue: integer('metric_value').notNull(),
  reason: text('reason').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const pointsMallItems = pgTable('points_mall_items', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  title: text('title').notNull(),
  kind: text('kind').$type<MallItemKind>().notNull().default('coupon'),
  couponTemplateId: uuid('coupon_template_id'),
  productId: uuid('product_id'),
  skuId: uuid('sku_id'),
  cashFen: integer('cash_fen').notNull().default(0),
  points: integer('points').notNull(),
  stock: integer('stock').notNull(),
  redeemed: integer('redeemed').notNull().default(0),
  perCustomerLimit: integer('per_customer_limit').notNull().default(1),
  status: text('status').$type<'on_sale' | 'off_shelf'>().notNull().default('on_sale'),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type PointsMallItem = typeof pointsMallItems.$inferSelect;

export const pointsMallRedemptions = pgTable('points_mall_redemptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  itemId: uuid('item_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  points: integer('points').notNull(),
  couponId: uuid('coupon_id'),
  orderId: uuid('order_id'),
  cashFen: integer('cash_fen').notNull().default(0),
  requestKey: text('request_key'),
  returnedAt: ts('returned_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export type MallItemKind = 'coupon' | 'goods';
export type ShareTarget = 'product' | 'coupon' | 'page';

export const pointsShares = pgTable(
  'points_shares',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    target: text('target').$type<ShareTarget>().notNull(),
    targetId: text('target_id').notNull(),
    points: integer('points').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.day, t.target, t.targetId] })],
);

export const birthdayGifts = pgTable(
  'birthday_gifts',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    year: integer('year').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    levelId: uuid('level_id'),
    couponId: uuid('coupon_id'),
    note: text('note'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.year] })],
);
