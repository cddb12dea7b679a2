import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { GroupConditions, SegmentRule, TagRule } from '@siyu/contracts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const customerTags = pgTable('customer_tags', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  color: text('color').notNull().default('blue'),
  kind: text('kind').$type<'manual' | 'auto' | 'source'>().notNull(),
  rule: jsonb('rule').$type<TagRule | null>(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});
export type CustomerTag = typeof customerTags.$inferSelect;

export const customerTagLinks = pgTable(
  'customer_tag_links',
  {
    shopId: uuid('shop_id').notNull(),
    tagId: uuid('tag_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tagId, t.customerId] })],
);

export const audienceCustomers = pgTable(
  'audience_customers',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    source: text('source').notNull(),
    registeredAt: ts('registered_at').notNull(),
    levelId: uuid('level_id'),
    followsOa: boolean('follows_oa').notNull().default(false),
    wecomOwners: text('wecom_owners').array().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId] })],
);

export const audiencePayments = pgTable('audience_payments', {
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').primaryKey(),
  customerId: uuid('customer_id').notNull(),
  paidFen: integer('paid_fen').notNull(),
  refundedFen: integer('refunded_fen').notNull().default(0),
  paidAt: ts('paid_at').notNull(),
  categoryIds: uuid('category_ids').array().notNull().default([]),
});

export const customerGroups = pgTable('customer_groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  kind: text('kind').$type<'static' | 'dynamic'>().notNull(),
  /** A segment rule (dynamic groups); groups saved before segments hold the older flat form. */
  conditions: jsonb('conditions').$type<SegmentRule | GroupConditions | null>(),
  memberCount: integer('member_count').notNull().default(0),
  refreshedAt: ts('refreshed_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});
export type CustomerGroup = typeof customerGroups.$inferSelect;

export const customerGroupMembers = pgTable(
  'customer_group_members',
  {
    groupId: uuid('group_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    shopId: uuid('shop_id').notNull(),
    addedAt: ts('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.customerId] })],
);
