import { boolean, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const presaleActivities = pgTable('presale_activities', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  productId: uuid('product_id').notNull(),
  depositStartsAt: ts('deposit_starts_at').notNull(),
  depositEndsAt: ts('deposit_ends_at').notNull(),
  balanceStartsAt: ts('balance_starts_at').notNull(),
  balanceEndsAt: ts('balance_ends_at').notNull(),
  depositRefundable: boolean('deposit_refundable').notNull().default(false),
  perCustomerLimit: integer('per_customer_limit').notNull().default(1),
  status: text('status').$type<'active' | 'ended'>().notNull().default('active'),
  remindedAt: ts('reminded_at'),
  closedAt: ts('closed_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type PresaleActivity = typeof presaleActivities.$inferSelect;

export const presaleItems = pgTable(
  'presale_items',
  {
    activityId: uuid('activity_id').notNull(),
    shopId: uuid('shop_id').notNull(),
    skuId: uuid('sku_id').notNull(),
    depositFen: integer('deposit_fen').notNull(),
    deductFen: integer('deduct_fen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.activityId, t.skuId] })],
);
export type PresaleItem = typeof presaleItems.$inferSelect;

export type PresaleStatus = 'pending_deposit' | 'deposit_paid' | 'balance_ordered' | 'completed' | 'closed' | 'forfeited' | 'refunding' | 'refunded';

export const presaleOrders = pgTable('presale_orders', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  activityId: uuid('activity_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  quantity: integer('quantity').notNull(),
  depositFen: integer('deposit_fen').notNull(),
  deductFen: integer('deduct_fen').notNull(),
  depositNo: text('deposit_no').notNull(),
  status: text('status').$type<PresaleStatus>().notNull(),
  unitsHeld: boolean('units_held').notNull().default(false),
  balanceOrderId: uuid('balance_order_id'),
  requestKey: text('request_key'),
  payExpiresAt: ts('pay_expires_at').notNull(),
  depositPaidAt: ts('deposit_paid_at'),
  completedAt: ts('completed_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type PresaleOrder = typeof presaleOrders.$inferSelect;
