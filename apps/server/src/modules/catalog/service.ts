import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { ProductInputParsed, ProductListQuery, ProductStatus } from '@siyu/contracts';
import type { Paged } from '@siyu/contracts';
import type { Actor, Db, Platform } from '../../platform/context.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { InventoryService } from '../inventory/service.js';
import { categories, products, skus } from './schema.js';
import { cartesian, specKey, specText } from './sku-matrix.js';
import { isUniqueViolation, escapeLike } from '../../platform/db/index.js';
import { Prepared, uuidArray } from '../../platform/db/prepared.js';
import { StorefrontCatalog } from './storefront.js';
import type { CatalogVersions } from './versions.js';

export type ProductRow = typeof products.$inferSelect;
export type SkuRow = typeof skus.$inferSelect;

/** What the orders module snapshots onto an order line. */
export interface SkuForOrder {
  skuId: string;
  productId: string;
  productTitle: string;
  specText: string;
  skuCode: string;
  price: number;
  marketPrice: number | null;
  weightGrams: number;
  imageUrl: string | null;
  categoryId: string | null;
  productStatus: ProductStatus;
}

export interface ListFilters {
  q?: string;
  categoryId?: string;
  status?: ProductStatus;
  minPrice?: number;
  maxPrice?: number;
  sort: ProductListQuery['sort'];
  page: number;
  pageSize: number;
}

/** What a storefront listing may ask for: products on sale only. */
export type StoreListFilters = Pick<ListFilters, 'q' | 'categoryId' | 'sort' | 'page' | 'pageSize'>;

const newSkuCode = () => `SY${randomBytes(6).toString('hex').toUpperCase()}`;

/** Products and their SKU matrix (商品/规格), the admin and storefront listings, and what orders need. */
export class CatalogService {
  /** The storefront's reads, answered from a cache that every write below invalidates after its commit. */
  readonly storefront: StorefrontCatalog;

  constructor(
    private p: Platform,
    private inventory: InventoryService,
    /** Told of every change after its commit; the storefront cache follows them. */
    readonly versions: CatalogVersions,
  ) {
    this.storefront = new StorefrontCatalog(this, inventory, versions);
  }

  // ---- writes -------------------------------------------------------------------------------------

  async createProduct(actor: Actor, input: ProductInputParsed, db?: Db) {
    const run = async (tx: Db) => {
      const id = await this.write(tx, actor, null, input);
      return this.detail(actor.shopId, id, tx);
    };
    return db ? run(db) : this.p.database.transaction(run);
  }

  async updateProduct(actor: Actor, id: string, input: ProductInputParsed, db?: Db) {
    const run = async (tx: Db) => {
      const before = await this.detail(actor.shopId, id, tx, { lock: true });
      await this.write(tx, actor, before, input);
      return { before, after: await this.detail(actor.shopId, id, tx) };
    };
    return db ? run(db) : this.p.database.transaction(run);
  }

  /**
   * Writes the product and its SKU matrix. A combination that existed before keeps its SKU id (orders and
   * carts point at it), a new one gets a new SKU, and a combination no longer in the matrix is disabled.
   */
  private async write(tx: Db, actor: Actor, before: ProductDetail | null, input: ProductInputParsed): Promise<string> {
    const shopId = actor.shopId;
    if (input.categoryId) {
      const [cat] = await tx.select({ id: categories.id }).from(categories).where(and(eq(categories.shopId, shopId), eq(categories.id, input.categoryId)));
      if (!cat) throw unprocessable('CATEGORY_NOT_FOUND', 'Category not found', { field: 'categoryId' });
    }
    const attrs = input.specAttributes;
    const combos = cartesian(attrs);
    const comboKeys = new Map(combos.map((c, i) => [specKey(c), i]));
    const chosen = new Map<string, number>();
    input.skus.forEach((s, i) => {
      const names = Object.keys(s.specValues);
      const valid = names.length === attrs.length && attrs.every((a) => a.values.includes(s.specValues[a.name]));
      if (!valid) throw unprocessable('SKU_SPEC_INVALID', 'This SKU is not a combination of the spec attributes', { field: `skus.${i}.specValues` });
      const key = specKey(s.specValues);
      if (chosen.has(key)) throw unprocessable('SKU_SPEC_DUPLICATE', 'Two SKUs have the same spec values', { field: `skus.${i}.specValues` });
      chosen.set(key, i);
    });
    const missing = combos.filter((c) => !chosen.has(specKey(c)));
    if (missing.length > 0) {
      throw unprocessable('SKU_COMBINATION_MISSING', `Price missing for ${missing.map((c) => specText(attrs, c)).join(', ')}`, {
        field: 'skus',
        missing: missing.map((c) => specText(attrs, c)),
      });
    }
    if (input.status === 'on_sale' && !input.skus.some((s) => s.price > 0)) {
      throw unprocessable('PRODUCT_PRICE_REQUIRED', 'A product on sale needs at least one SKU with a price', { field: 'status' });
    }
    const codes = new Map<string, number>();
    input.skus.forEach((s, i) => {
      if (!s.skuCode) return;
      if (codes.has(s.skuCode)) throw conflict('SKU_CODE_DUPLICATE', 'Two SKUs have the same code', { field: `skus.${i}.skuCode`, skuCode: s.skuCode });
      codes.set(s.skuCode, i);
    });
    if (codes.size > 0) {
      const taken = await tx
        .select({ skuCode: skus.skuCode })
        .from(skus)
        .where(and(eq(skus.shopId, shopId), eq(skus.status, 'active'), inArray(skus.skuCode, [...codes.keys()]), before ? ne(skus.productId, before.id) : undefined));
      if (taken[0]) {
        throw conflict('SKU_CODE_DUPLICATE', 'Another product already uses this SKU code', { field: `skus.${codes.get(taken[0].skuCode)}.skuCode`, skuCode: taken[0].skuCode });
      }
    }

    const prices = input.skus.map((s) => s.price);
    const values = {
      title: input.title,
      subtitle: input.subtitle,
      description: input.description,
      categoryId: input.categoryId,
      status: input.status,
      images: input.images,
      specAttributes: attrs,
      weightGrams: input.weightGrams,
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      updatedAt: this.p.now(),
    };
    let productId: string;
    if (before) {
      productId = before.id;
      await tx.update(products).set(values).where(and(eq(products.id, productId), eq(products.shopId, shopId)));
    } else {
      const [row] = await tx.insert(products).values({ ...values, shopId }).returning({ id: products.id });
      productId = row.id;
    }

    const existing = await tx.select().from(skus).where(and(eq(skus.shopId, shopId), eq(skus.productId, productId)));
    const byKey = new Map(existing.map((s) => [s.specKey, s]));
    // Disable leavers first so their codes are free for the combinations that stay.
    const leavers = existing.filter((s) => s.status === 'active' && !comboKeys.has(s.specKey)).map((s) => s.id);
    if (leavers.length) await tx.update(skus).set({ status: 'disabled', updatedAt: this.p.now() }).where(inArray(skus.id, leavers));

    try {
      for (const [key, order] of comboKeys) {
        const s = input.skus[chosen.get(key)!];
        const combo = combos[order];
        const old = byKey.get(key);
        const row = {
          specValues: combo,
          specText: specText(attrs, combo),
          skuCode: s.skuCode ?? (old?.status === 'active' ? old.skuCode : newSkuCode()),
          price: s.price,
          marketPrice: s.marketPrice ?? null,
          weightGrams: s.weightGrams ?? null,
          status: 'active' as const,
          sortOrder: order,
          updatedAt: this.p.now(),
        };
        let skuId: string;
        if (old) {
          skuId = old.id;
          await tx.update(skus).set(row).where(eq(skus.id, old.id));
        } else {
          const [created] = await tx.insert(skus).values({ ...row, shopId, productId, specKey: key }).returning({ id: skus.id });
          skuId = created.id;
        }
        // A new SKU always gets its stock row; an existing one keeps its stock unless a number is given.
        if (s.stock !== undefined || !old) await this.inventory.setStock(actor, skuId, s.stock ?? 0, tx);
      }
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('SKU_CODE_DUPLICATE', 'Another SKU already uses this code', { field: 'skus' });
      throw err;
    }
    await this.versions.changed(shopId, 'content');
    return productId;
  }

  /**
   * Changes the status of many products at once, all or nothing: when any id fails, nothing changes and
   * the answer lists every failing id with the reason.
   */
  async bulkStatus(actor: Actor, ids: string[], status: ProductStatus) {
    return this.p.database.transaction(async (tx) => {
      const unique = [...new Set(ids)];
      const found = await tx
        .select({ id: products.id, status: products.status, maxPrice: products.maxPrice })
        .from(products)
        .where(and(eq(products.shopId, actor.shopId), inArray(products.id, unique), isNull(products.deletedAt)))
        .for('update');
      const byId = new Map(found.map((f) => [f.id, f]));
      const failed: { id: string; code: string; message: string }[] = [];
      for (const id of unique) {
        const f = byId.get(id);
        if (!f) failed.push({ id, code: 'NOT_FOUND', message: 'Product not found' });
        else if (status === 'on_sale' && f.maxPrice <= 0) failed.push({ id, code: 'PRODUCT_PRICE_REQUIRED', message: 'A product on sale needs at least one SKU with a price' });
      }
      if (failed.length) {
        throw unprocessable('BULK_STATUS_FAILED', `${failed.length} of ${unique.length} products cannot change status; nothing was changed`, { field: 'ids', failed });
      }
      await tx.update(products).set({ status, updatedAt: this.p.now() }).where(and(eq(products.shopId, actor.shopId), inArray(products.id, unique)));
      await this.versions.changed(actor.shopId, 'content');
      return { updated: unique.length, before: found.map((f) => ({ id: f.id, status: f.status })) };
    });
  }

  /** Only drafts are deleted (softly): a product that was ever on sale may be on orders; take it off the shelf instead. */
  async deleteProduct(actor: Actor, id: string) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.detail(actor.shopId, id, tx, { lock: true });
      if (before.status !== 'draft') throw conflict('PRODUCT_NOT_DRAFT', 'Only drafts can be deleted; take the product off the shelf instead', { field: 'status' });
      await tx.update(products).set({ deletedAt: this.p.now(), updatedAt: this.p.now() }).where(eq(products.id, id));
      await tx.update(skus).set({ status: 'disabled', updatedAt: this.p.now() }).where(and(eq(skus.productId, id), eq(skus.status, 'active')));
      await this.versions.changed(actor.shopId, 'content');
      return before;
    });
  }

  /** Sets (`available`) or changes (`delta`) the stock of one of the shop's SKUs. */
  async adjustStock(actor: Actor, skuId: string, body: { available?: number; delta?: number; reason?: string }) {
    return this.p.database.transaction(async (tx) => {
      await this.skuOf(actor.shopId, skuId, tx);
      const before = (await this.inventory.levels(actor.shopId, [skuId], tx)).get(skuId) ?? null;
      const after =
        body.available !== undefined
          ? await this.inventory.setStock(actor, skuId, body.available, tx)
          : await this.inventory.adjust(actor, skuId, body.delta!, body.reason ?? '', tx);
      return { skuId, before, after };
    });
  }

  async skuOf(shopId: string, skuId: string, db: Db = this.p.db): Promise<SkuRow> {
    const [sku] = await db.select().from(skus).where(and(eq(skus.shopId, shopId), eq(skus.id, skuId)));
    if (!sku) throw notFound('SKU', { field: 'id' });
    return sku;
  }

  async stockHistory(shopId: string, skuId: string, limit: number) {
    return this.inventory.history(shopId, skuId, limit);
  }

  // ---- for orders ---------------------------------------------------------------------------------

  /** The shop's active SKUs among `skuIds` with what an order line needs; unknown, foreign or disabled ids are absent. */
  async skusForOrder(db: Db, shopId: string, skuIds: string[]): Promise<SkuForOrder[]> {
    const ids = [...new Set(skuIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (ids.length === 0) return [];
    const list = await db
      .select({ sku: skus, product: products })
      .from(skus)
      .innerJoin(products, eq(products.id, skus.productId))
      .where(and(eq(skus.shopId, shopId), inArray(skus.id, ids), eq(skus.status, 'active'), isNull(products.deletedAt)));
    return list.map(({ sku, product }) => ({
      skuId: sku.id,
      productId: product.id,
      productTitle: product.title,
      specText: sku.specText,
      skuCode: sku.skuCode,
      price: sku.price,
      marketPrice: sku.marketPrice,
      weightGrams: sku.weightGrams ?? product.weightGrams,
      imageUrl: product.images[0] ?? null,
      categoryId: product.categoryId,
      productStatus: product.status,
    }));
  }

  /**
   * `skusForOrder` as one SQL expression yielding a JSON array, for checkout to read with everything else
   * it needs in one statement. The list is one array parameter, so the text never changes.
   */
  skusForOrderSql(shopId: string, skuIds: string[]): SQL {
    return sql`(SELECT coalesce(json_agg(json_build_object(
        'skuId', s.id, 'productId', p.id, 'productTitle', p.title, 'specText', s.spec_text, 'skuCode', s.sku_code,
        'price', s.price, 'marketPrice', s.market_price, 'weightGrams', coalesce(s.weight_grams, p.weight_grams),
        'imageUrl', p.images->>0, 'categoryId', p.category_id, 'productStatus', p.status)), '[]'::json)
      FROM skus s JOIN products p ON p.id = s.product_id
      WHERE s.shop_id = ${shopId} AND s.id = ANY(${uuidArray(skuIds)}::uuid[]) AND s.status = 'active' AND p.deleted_at IS NULL)`;
  }

  /** Which of `ids` are this shop's products (not deleted); promotions check the products they name. */
  async existingProductIds(shopId: string, ids: string[], db: Db = this.p.db): Promise<Set<string>> {
    const wanted = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (wanted.length === 0) return new Set();
    const list = await db.select({ id: products.id }).from(products).where(and(eq(products.shopId, shopId), inArray(products.id, wanted), isNull(products.deletedAt)));
    return new Set(list.map((r) => r.id));
  }

  /** Product titles by id, for labels ("兑换券:手冲咖啡豆"). */
  async titles(shopId: string, ids: string[], db: Db = this.p.db): Promise<Map<string, string>> {
    const wanted = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (wanted.length === 0) return new Map();
    const list = await db.select({ id: products.id, title: products.title }).from(products).where(and(eq(products.shopId, shopId), inArray(products.id, wanted)));
    return new Map(list.map((r) => [r.id, r.title]));
  }

  /** Adds sold units to the products' sales counts (negative for refunds; never below 0). */
  async recordSales(tx: Db, shopId: string, lines: { productId: string; quantity: number }[]): Promise<void> {
    const merged = new Map<string, number>();
    for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
    for (const id of [...merged.keys()].sort()) {
      const q = merged.get(id)!;
      if (q === 0) continue;
      await tx
        .update(products)
        .set({ salesCount: sql`GREATEST(${products.salesCount} + ${q}, 0)` })
        .where(and(eq(products.shopId, shopId), eq(products.id, id)));
    }
    if (merged.size) await this.versions.changed(shopId, 'sales');
  }

  // ---- reads --------------------------------------------------------------------------------------

  async detail(shopId: string, id: string, db: Db = this.p.db, opts: { lock?: boolean } = {}) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Product', { field: 'id' });
    const q = db
      .select()
      .from(products)
      .where(and(eq(products.shopId, shopId), eq(products.id, id), isNull(products.deletedAt)));
    const [product] = opts.lock ? await q.for('update') : await q;
    if (!product) throw notFound('Product', { field: 'id' });
    const list = await db
      .select()
      .from(skus)
      .where(and(eq(skus.productId, id), eq(skus.status, 'active')))
      .orderBy(asc(skus.sortOrder));
    const levels = await this.inventory.levels(shopId, list.map((s) => s.id), db);
    return {
      ...viewProduct(product),
      skus: list.map((s) => {
        const l = levels.get(s.id);
        return {
          id: s.id,
          specValues: s.specValues,
          specText: s.specText,
          skuCode: s.skuCode,
          price: s.price,
          marketPrice: s.marketPrice,
          weightGrams: s.weightGrams,
          stock: { available: l?.available ?? 0, reserved: l?.reserved ?? 0, sold: l?.sold ?? 0 },
        };
      }),
    };
  }

  /** Admin list: search by title or SKU code, filter by category (with its sub-categories), status, price range. */
  async list(shopId: string, f: ListFilters, db: Db = this.p.db): Promise<Paged<ReturnType<typeof viewProduct> & { stock: number; skuCount: number }>> {
    const where = this.where(shopId, f);
    const [{ n: total }] = await db.select({ n: sql<number>`count(*)::int` }).from(products).where(where);
    const page = await db
      .select()
      .from(products)
      .where(where)
      .orderBy(...order(f.sort))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize);
    const stock = await this.stockByProduct(shopId, page.map((p) => p.id), db);
    return {
      items: page.map((p) => ({ ...viewProduct(p), stock: stock.get(p.id)?.available ?? 0, skuCount: stock.get(p.id)?.skus ?? 0 })),
      total,
      page: f.page,
      pageSize: f.pageSize,
    };
  }

  /** Every active SKU of the products matching the filters (export), product by product. */
  async skusMatching(shopId: string, f: Omit<ListFilters, 'page' | 'pageSize'>, limit = 20_000, db: Db = this.p.db) {
    const list = await db
      .select({ product: products, sku: skus })
      .from(products)
      .innerJoin(skus, and(eq(skus.productId, products.id), eq(skus.status, 'active')))
      .where(this.where(shopId, f))
      .orderBy(...order(f.sort), asc(skus.sortOrder))
      .limit(limit);
    const levels = await this.inventory.levels(shopId, list.map((r) => r.sku.id), db);
    return list.map((r) => ({ ...r, available: levels.get(r.sku.id)?.available ?? 0 }));
  }

  /** Storefront list: products on sale only (cached; see storefront.ts). */
  storeList(shopId: string, f: StoreListFilters) {
    return this.storefront.list(shopId, f);
  }

  /** Storefront detail: on sale only; per SKU the available count and whether it is sold out (cached). */
  storeDetail(shopId: string, id: string) {
    return this.storefront.detail(shopId, id);
  }

  // ---- what the storefront cache reads ------------------------------------------------------------

  /** A product on sale with its active SKUs in matrix order; null when not on sale in this shop. */
  async storeProduct(shopId: string, id: string): Promise<{ product: ProductRow; skus: SkuRow[] } | null> {
    const [product] = await this.p.db
      .select()
      .from(products)
      .where(and(eq(products.shopId, shopId), eq(products.id, id), isNull(products.deletedAt), eq(products.status, 'on_sale')));
    if (!product) return null;
    const list = await this.p.db
      .select()
      .from(skus)
      .where(and(eq(skus.productId, id), eq(skus.status, 'active')))
      .orderBy(asc(skus.sortOrder));
    return { product, skus: list };
  }

  /** One page of products on sale, their total, and the active SKUs of the page's products. */
  async storePage(shopId: string, f: StoreListFilters) {
    const where = this.where(shopId, { ...f, status: 'on_sale' });
    const [{ n: total }] = await this.p.db.select({ n: sql<number>`count(*)::int` }).from(products).where(where);
    const rows = await this.p.db
      .select()
      .from(products)
      .where(where)
      .orderBy(...order(f.sort))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize);
    const list = rows.length
      ? await this.p.db
          .select({ id: skus.id, productId: skus.productId })
          .from(skus)
          .where(and(eq(skus.shopId, shopId), inArray(skus.productId, rows.map((p) => p.id)), eq(skus.status, 'active')))
          .orderBy(asc(skus.sortOrder))
      : [];
    return { total, rows, skus: list };
  }

  /** Sales counts of the shop's products among `ids` (the storefront re-reads them after payments). */
  async salesCounts(shopId: string, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const list = await SALES_COUNTS.run(this.p.db, [shopId, uuidArray(ids)]);
    return new Map(list.map((r) => [r.id, r.sales_count]));
  }

  /** Products sharing a title (imports update the one product with that title). */
  async idsByTitle(shopId: string, title: string, db: Db = this.p.db) {
    const list = await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.shopId, shopId), eq(products.title, title), isNull(products.deletedAt)));
    return list.map((r) => r.id);
  }

  private where(shopId: string, f: Omit<ListFilters, 'page' | 'pageSize' | 'sort'>): SQL {
    const conds: (SQL | undefined)[] = [eq(products.shopId, shopId), isNull(products.deletedAt)];
    if (f.status) conds.push(eq(products.status, f.status));
    if (f.categoryId) {
      conds.push(sql`${products.categoryId} IN (SELECT id FROM categories WHERE shop_id = ${shopId} AND (id = ${f.categoryId} OR parent_id = ${f.categoryId}))`);
    }
    if (f.minPrice !== undefined) conds.push(sql`${products.maxPrice} >= ${f.minPrice}`);
    if (f.maxPrice !== undefined) conds.push(sql`${products.minPrice} <= ${f.maxPrice}`);
    if (f.q) {
      const like = `%${escapeLike(f.q)}%`;
      conds.push(sql`(${products.title} ILIKE ${like} OR EXISTS (
        SELECT 1 FROM skus s WHERE s.product_id = ${products.id} AND s.status = 'active' AND s.sku_code ILIKE ${like}))`);
    }
    return and(...conds)!;
  }

  private async stockByProduct(shopId: string, productIds: string[], db: Db) {
    const out = new Map<string, { available: number; skus: number }>();
    if (productIds.length === 0) return out;
    const list = await db
      .select({ id: skus.id, productId: skus.productId })
      .from(skus)
      .where(and(eq(skus.shopId, shopId), inArray(skus.productId, productIds), eq(skus.status, 'active')));
    const levels = await this.inventory.levels(shopId, list.map((s) => s.id), db);
    for (const s of list) {
      const o = out.get(s.productId) ?? { available: 0, skus: 0 };
      o.available += levels.get(s.id)?.available ?? 0;
      o.skus += 1;
      out.set(s.productId, o);
    }
    return out;
  }
}

export type ProductDetail = Awaited<ReturnType<CatalogService['detail']>>;

const SALES_COUNTS = new Prepared<{ id: string; sales_count: number }>(
  'catalog.sales-counts',
  'SELECT id, sales_count FROM products WHERE shop_id = $1 AND id = ANY($2::uuid[])',
);

function viewProduct(p: ProductRow) {
  return {
    id: p.id,
    title: p.title,
    subtitle: p.subtitle,
    description: p.description,
    categoryId: p.categoryId,
    status: p.status,
    images: p.images,
    specAttributes: p.specAttributes,
    weightGrams: p.weightGrams,
    minPrice: p.minPrice,
    maxPrice: p.maxPrice,
    salesCount: p.salesCount,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

function order(sort: ListFilters['sort']) {
  const dir = sort.startsWith('-') ? desc : asc;
  const col = { created: products.createdAt, price: products.minPrice, sales: products.salesCount }[sort.replace('-', '') as 'created' | 'price' | 'sales'];
  return [dir(col), dir(products.id)];
}
