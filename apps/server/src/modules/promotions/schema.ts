import { bigserial, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type CouponKind = 'amount_off' | 'percent_off' | 'no_threshold' | 'gift';
export type Validity = { type: 'fixed'; from: string; to: string } | { type: 'relative'; days: number };
export type CouponSource = 'claim' | 'issue' | 'new_customer' | 'pay_gift' | 'pack' | 'points_mall';

export const couponTemplates = pgTable('coupon_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  kind: text('kind').$type<CouponKind>().notNull(),
  thresholdFen: integer('threshold_fen').notNull().default(0),
  amountOffFen: integer('amount_off_fen'),
  percentPaid: integer('percent_paid'),
  maxDiscountFen: integer('max_discount_fen'),
  giftProductId: uuid('gift_product_id'),
  scope: text('scope').$type<'all' | 'categories' | 'products'>().notNull().default('all'),
  scopeIds: uuid('scope_ids').array().notNull().default([]),
  excludedProductIds: uuid('excluded_product_ids').array().notNull().default([]),
  audience: text('audience').$type<'all' | 'new_customers' | 'levels' | 'tags'>().notNull().default('all'),
  audienceIds: uuid('audience_ids').array().notNull().default([]),
  validity: jsonb('validity').$type<Validity>().notNull(),
  totalQuantity: integer('total_quantity').notNull(),
  issuedCount: integer('issued_count').notNull().default(0),
  perCustomerLimit: integer('per_customer_limit').notNull().default(1),
  stacksWithActivities: boolean('stacks_with_activities').notNull().default(true),
  claimable: boolean('claimable').notNull().default(true),
  description: text('description'),
  status: text('status').$type<'active' | 'paused' | 'ended'>().notNull().default('active'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type CouponTemplateRow = typeof couponTemplates.$inferSelect;

export const coupons = pgTable('coupons', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  templateId: uuid('template_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  seq: integer('seq').notNull(),
  status: text('status').$type<'unused' | 'used' | 'expired' | 'revoked'>().notNull().default('unused'),
  source: text('source').$type<CouponSource>().notNull(),
  sourceRef: text('source_ref'),
  validFrom: ts('valid_from').notNull(),
  validTo: ts('valid_to').notNull(),
  orderId: uuid('order_id'),
  usedAt: ts('used_at'),
  claimKey: text('claim_key'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type CouponRow = typeof coupons.$inferSelect;

export interface BatchFailure {
  ref: string;
  reason: string;
}

export const couponBatches = pgTable('coupon_batches', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  templateId: uuid('template_id').notNull(),
  target: jsonb('target').$type<{ type: 'phones'; phones: string[] } | { type: 'customers'; customerIds: string[] } | { type: 'segment'; segment: 'all_customers' | 'never_ordered' | 'ordered' } | { type: 'group'; groupId: string }>().notNull(),
  targetText: text('target_text').notNull(),
  quantityEach: integer('quantity_each').notNull().default(1),
  status: text('status').$type<'queued' | 'running' | 'done' | 'failed'>().notNull().default('queued'),
  total: integer('total').notNull().default(0),
  processed: integer('processed').notNull().default(0),
  issued: integer('issued').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  failures: jsonb('failures').$type<BatchFailure[]>().notNull().default([]),
  createdBy: uuid('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
});

export interface PackItem {
  templateId: string;
  quantity: number;
}

export const couponPacks = pgTable('coupon_packs', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  items: jsonb('items').$type<PackItem[]>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});

export const couponGiftRules = pgTable(
  'coupon_gift_rules',
  {
    shopId: uuid('shop_id').notNull(),
    kind: text('kind').$type<'new_customer' | 'pay'>().notNull(),
    enabled: boolean('enabled').notNull().default(false),
    packId: uuid('pack_id'),
    minPaidFen: integer('min_paid_fen').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.kind] })],
);

export type ActivityKind = 'limited_discount' | 'full_reduction' | 'bundle';

export const promotionActivities = pgTable('promotion_activities', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  kind: text('kind').$type<ActivityKind>().notNull(),
  name: text('name').notNull(),
  description: text('description'),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  status: text('status').$type<'active' | 'paused' | 'ended'>().notNull().default('active'),
  rules: jsonb('rules').$type<Record<string, unknown>>().notNull(),
  productIds: uuid('product_ids').array().notNull().default([]),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type ActivityRow = typeof promotionActivities.$inferSelect;

export const orderPromotions = pgTable('order_promotions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  kind: text('kind').$type<'coupon' | 'activity'>().notNull(),
  refId: uuid('ref_id').notNull(),
  discountFen: integer('discount_fen').notNull(),
  units: integer('units').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
});
