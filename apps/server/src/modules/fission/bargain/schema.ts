import { date, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type BuyMode = 'floor_only' | 'current_price';
export type LaunchStatus = 'ongoing' | 'succeeded' | 'expired' | 'ordered';

export const bargains = pgTable('bargains', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  productId: uuid('product_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  status: text('status').$type<'active' | 'ended'>().notNull().default('active'),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  startPriceFen: integer('start_price_fen').notNull(),
  floorPriceFen: integer('floor_price_fen').notNull(),
  helpersNeeded: integer('helpers_needed').notNull(),
  launchHours: integer('launch_hours').notNull(),
  buyMode: text('buy_mode').$type<BuyMode>().notNull(),
  helpsPerHelperPerDay: integer('helps_per_helper_per_day').notNull(),
  launchesPerCustomer: integer('launches_per_customer').notNull(),
  stock: integer('stock').notNull(),
  sold: integer('sold').notNull().default(0),
  firstCutMinPct: integer('first_cut_min_pct').notNull(),
  firstCutMaxPct: integer('first_cut_max_pct').notNull(),
  endedAt: ts('ended_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type Bargain = typeof bargains.$inferSelect;

export const bargainLaunches = pgTable('bargain_launches', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  bargainId: uuid('bargain_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  startPriceFen: integer('start_price_fen').notNull(),
  floorPriceFen: integer('floor_price_fen').notNull(),
  currentPriceFen: integer('current_price_fen').notNull(),
  helpersNeeded: integer('helpers_needed').notNull(),
  helpsCount: integer('helps_count').notNull().default(0),
  status: text('status').$type<LaunchStatus>().notNull().default('ongoing'),
  statusBeforeOrder: text('status_before_order').$type<'ongoing' | 'succeeded'>(),
  deviceId: text('device_id'),
  expiresAt: ts('expires_at').notNull(),
  succeededAt: ts('succeeded_at'),
  orderId: uuid('order_id'),
  orderedAt: ts('ordered_at'),
  paidAt: ts('paid_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type BargainLaunch = typeof bargainLaunches.$inferSelect;

export const bargainHelps = pgTable('bargain_helps', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  launchId: uuid('launch_id').notNull(),
  bargainId: uuid('bargain_id').notNull(),
  helperId: uuid('helper_id').notNull(),
  deviceId: text('device_id'),
  cutFen: integer('cut_fen').notNull(),
  priceAfterFen: integer('price_after_fen').notNull(),
  nickname: text('nickname'),
  avatarUrl: text('avatar_url'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type BargainHelp = typeof bargainHelps.$inferSelect;

export const bargainHelperDays = pgTable(
  'bargain_helper_days',
  {
    shopId: uuid('shop_id').notNull(),
    helperId: uuid('helper_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    helps: integer('helps').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.helperId, t.day] })],
);
