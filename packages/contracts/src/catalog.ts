import { z } from 'zod';
import { Fen, Id, Page } from './common.js';

/** Catalog requests: categories, products with their SKU matrix, stock, bulk status and listings. */

export const PRODUCT_STATUSES = ['draft', 'on_sale', 'off_shelf'] as const;
export const ProductStatus = z.enum(PRODUCT_STATUSES);
export type ProductStatus = z.infer<typeof ProductStatus>;

/** Stock a merchant can type in one go; anything above is a typo (an extra zero), not a warehouse. */
export const MAX_STOCK = 1_000_000;
export const Quantity = z.number().int().min(0).max(MAX_STOCK);
/** The import/export template has two spec columns, so a product has at most two spec attributes. */
export const MAX_SPEC_ATTRIBUTES = 2;

export const CategoryCreate = z.object({
  name: z.string().trim().min(1).max(30),
  parentId: Id.nullable().optional(),
  sortOrder: z.number().int().min(0).max(100_000).optional(),
  imageUrl: z.string().trim().max(500).nullable().optional(),
});
export const CategoryUpdate = CategoryCreate.partial();

export const SpecAttribute = z.object({
  name: z.string().trim().min(1).max(20),
  values: z.array(z.string().trim().min(1).max(30)).min(1).max(50),
});
export type SpecAttribute = z.infer<typeof SpecAttribute>;

export const SkuInput = z.object({
  /** Which combination of the spec attributes this SKU is, e.g. {颜色: '红', 尺码: 'M'}; {} without attributes. */
  specValues: z.record(z.string(), z.string()).default({}),
  price: Fen,
  marketPrice: Fen.nullable().optional(),
  /** Sets the available stock; left out on update keeps the current stock. */
  stock: Quantity.optional(),
  skuCode: z.string().trim().min(1).max(64).regex(/^[\w.\-/#]+$/, 'letters, digits and _ . - / # only').optional(),
  weightGrams: z.number().int().min(0).max(1_000_000).nullable().optional(),
});
export type SkuInput = z.infer<typeof SkuInput>;

export const ProductInput = z
  .object({
    title: z.string().trim().min(1).max(100),
    subtitle: z.string().trim().max(200).default(''),
    description: z.string().max(100_000).default(''),
    categoryId: Id.nullable().default(null),
    status: ProductStatus.default('draft'),
    images: z.array(z.string().trim().min(1).max(500)).max(20).default([]),
    specAttributes: z.array(SpecAttribute).max(MAX_SPEC_ATTRIBUTES).default([]),
    weightGrams: z.number().int().min(0).max(1_000_000).default(0),
    skus: z.array(SkuInput).min(1).max(2500),
  })
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.specAttributes.forEach((a, i) => {
      if (names.has(a.name)) ctx.addIssue({ code: 'custom', path: ['specAttributes', i, 'name'], message: 'duplicate attribute name' });
      names.add(a.name);
      const seen = new Set<string>();
      a.values.forEach((v, j) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: ['specAttributes', i, 'values', j], message: 'duplicate value' });
        seen.add(v);
      });
    });
    p.skus.forEach((s, i) => {
      if (s.marketPrice != null && s.marketPrice < s.price) {
        ctx.addIssue({ code: 'custom', path: ['skus', i, 'marketPrice'], message: 'market price must not be below the price' });
      }
    });
  });
export type ProductInput = z.input<typeof ProductInput>;
export type ProductInputParsed = z.output<typeof ProductInput>;

export const ProductSort = z.enum(['created', '-created', 'price', '-price', 'sales', '-sales']);

const PriceFilter = z.coerce.number().int().min(0).max(100_000_000_00);
export const ProductListQuery = Page.extend({
  q: z.string().trim().max(100).optional(),
  categoryId: Id.optional(),
  status: ProductStatus.optional(),
  minPrice: PriceFilter.optional(),
  maxPrice: PriceFilter.optional(),
  sort: ProductSort.default('-created'),
});
export type ProductListQuery = z.infer<typeof ProductListQuery>;

export const StoreProductListQuery = Page.extend({
  q: z.string().trim().max(100).optional(),
  categoryId: Id.optional(),
  sort: ProductSort.default('-created'),
});

export const BulkStatus = z.object({
  ids: z.array(Id).min(1).max(200),
  status: ProductStatus,
});

/** Either set the counted stock (`available`) or add/remove received goods (`delta`). */
export const StockAdjust = z
  .object({
    available: Quantity.optional(),
    delta: z.number().int().min(-MAX_STOCK).max(MAX_STOCK).refine((d) => d !== 0, 'must not be 0').optional(),
    reason: z.string().trim().max(200).optional(),
  })
  .refine((b) => (b.available === undefined) !== (b.delta === undefined), { message: 'give either available or delta', path: ['available'] });
