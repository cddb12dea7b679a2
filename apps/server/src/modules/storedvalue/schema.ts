import { bigint, bigserial, boolean, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const fen = (name: string) => bigint(name, { mode: 'number' });

export const storedValueSettings = pgTable('stored_value_settings', {
  shopId: uuid('shop_id').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  customAmountEnabled: boolean('custom_amount_enabled').notNull().default(true),
  minCustomFen: integer('min_custom_fen').notNull().default(100),
  maxCustomFen: integer('max_custom_fen').notNull().default(500000),
  terms: text('terms').notNull().default(''),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type StoredValueSettings = Omit<typeof storedValueSettings.$inferSelect, 'shopId' | 'updatedAt'>;

export const storedValueAccounts = pgTable(
  'stored_value_accounts',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    principalFen: fen('principal_fen').notNull().default(0),
    bonusFen: fen('bonus_fen').notNull().default(0),
    toppedUpFen: fen('topped_up_fen').notNull().default(0),
    spentFen: fen('spent_fen').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId] })],
);

export type StoredValueKind = 'topup' | 'spend' | 'refund' | 'cancel' | 'adjust' | 'reward';

export const storedValueLedger = pgTable('stored_value_ledger', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  kind: text('kind').$type<StoredValueKind>().notNull(),
  ref: text('ref').notNull(),
  principalDelta: fen('principal_delta').notNull(),
  bonusDelta: fen('bonus_delta').notNull(),
  principalAfter: fen('principal_after').notNull(),
  bonusAfter: fen('bonus_after').notNull(),
  orderId: uuid('order_id'),
  note: text('note'),
  actorId: text('actor_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type StoredValuePosting = typeof storedValueLedger.$inferSelect;

export const topupPlans = pgTable('topup_plans', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  amountFen: integer('amount_fen').notNull(),
  bonusFen: integer('bonus_fen').notNull().default(0),
  active: boolean('active').notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(0),
  deletedAt: ts('deleted_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type TopupPlan = typeof topupPlans.$inferSelect;

export const topups = pgTable('topups', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  planId: uuid('plan_id'),
  topupNo: text('topup_no').notNull(),
  amountFen: integer('amount_fen').notNull(),
  bonusFen: integer('bonus_fen').notNull().default(0),
  status: text('status').$type<'pending' | 'paid' | 'closed'>().notNull(),
  requestKey: text('request_key'),
  payExpiresAt: ts('pay_expires_at').notNull(),
  paidAt: ts('paid_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type Topup = typeof topups.$inferSelect;
