import { bigserial, boolean, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type CardPeriodKind = 'month' | 'quarter' | 'year' | 'days';

export const memberCardPlans = pgTable('member_card_plans', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  periodKind: text('period_kind').$type<CardPeriodKind>().notNull(),
  days: integer('days').notNull(),
  priceFen: integer('price_fen').notNull(),
  percentPaid: integer('percent_paid'),
  freeShipping: boolean('free_shipping').notNull().default(false),
  monthlyCouponTemplateId: uuid('monthly_coupon_template_id'),
  description: text('description').notNull().default(''),
  active: boolean('active').notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type MemberCardPlan = typeof memberCardPlans.$inferSelect;

export const customerCards = pgTable(
  'customer_cards',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    planId: uuid('plan_id').notNull(),
    startsAt: ts('starts_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    expiringNotifiedFor: ts('expiring_notified_for'),
    expiredNotifiedFor: ts('expired_notified_for'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId] })],
);

export type CardLedgerKind = 'purchase' | 'renew' | 'grant' | 'revoke';

export const memberCardLedger = pgTable('member_card_ledger', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  planId: uuid('plan_id').notNull(),
  kind: text('kind').$type<CardLedgerKind>().notNull(),
  ref: text('ref').notNull(),
  days: integer('days').notNull(),
  expiresBefore: ts('expires_before'),
  expiresAfter: ts('expires_after').notNull(),
  note: text('note'),
  actorId: text('actor_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const memberCardPurchases = pgTable('member_card_purchases', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  planId: uuid('plan_id').notNull(),
  purchaseNo: text('purchase_no').notNull(),
  priceFen: integer('price_fen').notNull(),
  days: integer('days').notNull(),
  status: text('status').$type<'pending' | 'paid' | 'closed'>().notNull(),
  requestKey: text('request_key'),
  payExpiresAt: ts('pay_expires_at').notNull(),
  paidAt: ts('paid_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type MemberCardPurchase = typeof memberCardPurchases.$inferSelect;

export const memberCardMonthlyCoupons = pgTable(
  'member_card_monthly_coupons',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    month: text('month').notNull(),
    couponId: uuid('coupon_id'),
    note: text('note'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.month] })],
);
