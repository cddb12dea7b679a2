import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { AddressSnapshot, PickupSnapshot } from '../orders/schema.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type FlashSaleStatus = 'draft' | 'published' | 'ended';
export type AttemptStatus = 'accepted' | 'ordered' | 'released' | 'failed';

export const flashSales = pgTable('flash_sales', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  status: text('status').$type<FlashSaleStatus>().notNull().default('draft'),
  perCustomerLimit: integer('per_customer_limit').notNull(),
  ipRatePerSecond: integer('ip_rate_per_second').notNull().default(20),
  customerRatePerSecond: integer('customer_rate_per_second').notNull().default(3),
  publishedAt: ts('published_at'),
  endedAt: ts('ended_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const flashSaleSessions = pgTable('flash_sale_sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  flashSaleId: uuid('flash_sale_id').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  warmedAt: ts('warmed_at'),
  remindedAt: ts('reminded_at'),
  closedAt: ts('closed_at'),
  settledAt: ts('settled_at'),
});

export const flashSaleItems = pgTable('flash_sale_items', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  flashSaleId: uuid('flash_sale_id').notNull(),
  sessionId: uuid('session_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  productId: uuid('product_id').notNull(),
  categoryId: uuid('category_id'),
  title: text('title').notNull(),
  specText: text('spec_text').notNull().default(''),
  skuCode: text('sku_code'),
  imageUrl: text('image_url'),
  weightGrams: integer('weight_grams').notNull().default(0),
  originalPriceFen: integer('original_price_fen').notNull(),
  priceFen: integer('price_fen').notNull(),
  stock: integer('stock').notNull(),
  unheld: integer('unheld').notNull().default(0),
  position: integer('position').notNull().default(0),
});

export const flashSaleAttempts = pgTable('flash_sale_attempts', {
  id: uuid('id').primaryKey(),
  shopId: uuid('shop_id').notNull(),
  flashSaleId: uuid('flash_sale_id').notNull(),
  sessionId: uuid('session_id').notNull(),
  itemId: uuid('item_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  quantity: integer('quantity').notNull(),
  fulfilment: text('fulfilment').$type<'express' | 'pickup'>().notNull(),
  address: jsonb('address').$type<AddressSnapshot>(),
  pickupPoint: jsonb('pickup_point').$type<PickupSnapshot>(),
  remark: text('remark'),
  status: text('status').$type<AttemptStatus>().notNull().default('accepted'),
  orderId: uuid('order_id'),
  failureCode: text('failure_code'),
  acceptedAt: ts('accepted_at').notNull().defaultNow(),
  orderedAt: ts('ordered_at'),
  paidAt: ts('paid_at'),
  releasedAt: ts('released_at'),
});

export const flashSaleReminders = pgTable(
  'flash_sale_reminders',
  {
    shopId: uuid('shop_id').notNull(),
    sessionId: uuid('session_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    notifiedAt: ts('notified_at'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.customerId] })],
);

export type FlashSale = typeof flashSales.$inferSelect;
export type FlashSaleSession = typeof flashSaleSessions.$inferSelect;
export type FlashSaleItem = typeof flashSaleItems.$inferSelect;
export type FlashSaleAttempt = typeof flashSaleAttempts.$inferSelect;
