import { bigserial, boolean, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const inventoryLevels = pgTable('inventory_levels', {
  shopId: uuid('shop_id').notNull(),
  skuId: uuid('sku_id').primaryKey(),
  received: integer('received').notNull().default(0),
  available: integer('available').notNull().default(0),
  reserved: integer('reserved').notNull().default(0),
  sold: integer('sold').notNull().default(0),
  /** Set aside for an activity (flash sale): neither on sale nor sold. */
  held: integer('held').notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type LedgerReason = 'adjust' | 'reserve' | 'release' | 'commit' | 'return' | 'hold' | 'unhold';

export const inventoryLedger = pgTable('inventory_ledger', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  deltaReceived: integer('delta_received').notNull().default(0),
  deltaAvailable: integer('delta_available').notNull().default(0),
  deltaReserved: integer('delta_reserved').notNull().default(0),
  deltaSold: integer('delta_sold').notNull().default(0),
  deltaHeld: integer('delta_held').notNull().default(0),
  reason: text('reason').$type<LedgerReason>().notNull(),
  refType: text('ref_type'),
  refId: text('ref_id'),
  note: text('note'),
  actor: text('actor').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const inventoryReservations = pgTable('inventory_reservations', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  quantity: integer('quantity').notNull(),
  returned: integer('returned').notNull().default(0),
  status: text('status').$type<'held' | 'released' | 'committed'>().notNull().default('held'),
  /** Taken from an activity's held units: a release gives them back to `held`. */
  fromHold: boolean('from_hold').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
