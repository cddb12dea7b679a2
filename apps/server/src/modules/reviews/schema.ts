import { pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type ReviewStatus = 'visible' | 'hidden';

export const productReviews = pgTable('product_reviews', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  orderId: uuid('order_id').notNull(),
  orderNo: text('order_no').notNull(),
  orderItemId: uuid('order_item_id').notNull(),
  productId: uuid('product_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  productTitle: text('product_title').notNull(),
  specText: text('spec_text').notNull().default(''),
  authorName: text('author_name').notNull(),
  rating: smallint('rating').notNull(),
  content: text('content').notNull().default(''),
  status: text('status').$type<ReviewStatus>().notNull().default('visible'),
  moderatedAt: ts('moderated_at'),
  moderatedBy: text('moderated_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
export type ReviewRow = typeof productReviews.$inferSelect;
