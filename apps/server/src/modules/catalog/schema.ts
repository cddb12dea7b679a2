import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { SpecAttribute } from '@siyu/contracts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const categories = pgTable('categories', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  parentId: uuid('parent_id'),
  name: text('name').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  imageUrl: text('image_url'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type ProductStatus = 'draft' | 'on_sale' | 'off_shelf';

export const products = pgTable('products', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  title: text('title').notNull(),
  subtitle: text('subtitle').notNull().default(''),
  description: text('description').notNull().default(''),
  categoryId: uuid('category_id'),
  status: text('status').$type<ProductStatus>().notNull().default('draft'),
  images: jsonb('images').$type<string[]>().notNull().default([]),
  specAttributes: jsonb('spec_attributes').$type<SpecAttribute[]>().notNull().default([]),
  weightGrams: integer('weight_grams').notNull().default(0),
  minPrice: integer('min_price').notNull().default(0),
  maxPrice: integer('max_price').notNull().default(0),
  salesCount: integer('sales_count').notNull().default(0),
  deletedAt: ts('deleted_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const skus = pgTable('skus', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  productId: uuid('product_id').notNull(),
  specValues: jsonb('spec_values').$type<Record<string, string>>().notNull().default({}),
  specKey: text('spec_key').notNull(),
  specText: text('spec_text').notNull().default(''),
  skuCode: text('sku_code').notNull(),
  price: integer('price').notNull(),
  marketPrice: integer('market_price'),
  weightGrams: integer('weight_grams'),
  status: text('status').$type<'active' | 'disabled'>().notNull().default('active'),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const media = pgTable('media', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  storageKey: text('storage_key').notNull(),
  url: text('url').notNull(),
  contentType: text('content_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  fileName: text('file_name'),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export interface ImportRowError {
  row: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportRow {
  row: number;
  cells: string[];
}

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

export const catalogImports = pgTable('catalog_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  fileName: text('file_name').notNull(),
  status: text('status').$type<ImportStatus>().notNull().default('queued'),
  headers: jsonb('headers').$type<string[]>().notNull(),
  /** Cell texts of each non-empty data row with its row number as Excel shows it (header = 1). */
  rows: jsonb('rows').$type<ImportRow[]>().notNull(),
  total: integer('total').notNull().default(0),
  processed: integer('processed').notNull().default(0),
  succeeded: integer('succeeded').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  productsCreated: integer('products_created').notNull().default(0),
  productsUpdated: integer('products_updated').notNull().default(0),
  errors: jsonb('errors').$type<ImportRowError[]>().notNull().default([]),
  failure: text('failure'),
  createdBy: text('created_by').notNull(),
  createdByName: text('created_by_name'),
  createdAt: ts('created_at').notNull().defaultNow(),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
});
