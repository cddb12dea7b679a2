import { notFound } from '../../platform/errors.js';
import type { InventoryService } from '../inventory/service.js';
import type { CategoryNode, CategoryService } from './categories.js';
import type { CatalogService, ProductRow, SkuRow, StoreListFilters } from './service.js';
import { liveGen, type CatalogVersions } from './versions.js';

/** What the storefront shows of a product on sale: the same for every shopper, so cached as JSON. */
export interface StoreProductView {
  id: string;
  title: string;
  subtitle: string | null;
  description: string | null;
  categoryId: string | null;
  images: string[];
  specAttributes: ProductRow['specAttributes'];
  minPrice: number;
  maxPrice: number;
  salesCount: number;
  soldOut: boolean;
  skus: { id: string; specValues: SkuRow['specValues']; specText: string; price: number; marketPrice: number | null; available: number; soldOut: boolean }[];
}

export interface StoreCard {
  id: string;
  title: string;
  subtitle: string | null;
  imageUrl: string | null;
  categoryId: string | null;
  minPrice: number;
  maxPrice: number;
  salesCount: number;
  soldOut: boolean;
}

export interface StorePage {
  items: StoreCard[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * Entries this many milliseconds old are rebuilt even when no change was heard of: it matters only for
 * a change whose hot-store write failed (Redis away for a moment).
 */
export const MAX_AGE_MS = 30_000;
/** Cached answers per process, all shops together; the oldest go first. */
const MAX_ENTRIES = 10_000;
/** A live refresh re-reads the numbers of at most this many entries, those used most lately. */
const REFRESH_BATCH = 500;
/** Entries not asked for in this long are left out of a shop's live refresh; they refresh when next asked. */
const RECENT_MS = 10_000;

interface Gens {
  content: number;
  live: number;
  sales: number;
}

interface EntryBase {
  shopId: string;
  key: string;
  /** The generations it was built under, and when. */
  built: Gens;
  builtAt: number;
  /** The live generation its numbers were last read under. */
  liveGen: number;
  usedAt: number;
  /** Serialized answer; null after its numbers changed, until the next request renders it. */
  json: string | null;
}

type Content =
  /** view null: not on sale in this shop (a 404, cached like an answer). */
  | { kind: 'detail'; view: StoreProductView | null }
  /** bySales: the order itself is a live number, so the page is rebuilt when sales move. */
  | { kind: 'page'; value: StorePage; skuIds: string[][]; bySales: boolean }
  | { kind: 'categories' };

type Entry = EntryBase & { content: Content };

interface ShopCache {
  entries: Map<string, Entry>;
  loading: Map<string, { gens: Gens; promise: Promise<Entry> }>;
  refreshing: Promise<void> | null;
}

/**
 * The storefront's product pages, listings and category tree, answered from process memory.
 *
 * An answer is kept in two parts: content (titles, images, SKUs, prices, on/off sale), rebuilt from the
 * database when the shop's content generation moves; and live numbers (stock per SKU, sold-out, sales
 * count), re-read in one round of two queries for every recently used answer of the shop when stock or
 * sales move. Generations move after the commit of any catalog write or stock change in this process,
 * and within CHECK_EVERY_MS of one in another (versions.ts). The serialized JSON is kept with the answer:
 * a hit costs no query and no serialization.
 */
export class StorefrontCatalog {
  private shops = new Map<string, ShopCache>();
  /** Every entry, oldest first (insertion order), for the size cap. */
  private all = new Set<Entry>();

  constructor(
    private catalog: CatalogService,
    private inventory: InventoryService,
    private versions: CatalogVersions,
  ) {}

  // ---- answers ------------------------------------------------------------------------------------

  /** A product on sale with its SKUs and stock state (shared: read it, do not change it); 404 otherwise. */
  async detail(shopId: string, productId: string): Promise<StoreProductView> {
    return (await this.detailEntry(shopId, productId)).view;
  }

  async detailJson(shopId: string, productId: string): Promise<string> {
    const { entry, view } = await this.detailEntry(shopId, productId);
    return (entry.json ??= JSON.stringify(view));
  }

  /** A page of products on sale (shared: read it, do not change it). */
  async list(shopId: string, f: StoreListFilters): Promise<StorePage> {
    return (await this.pageEntry(shopId, f)).value;
  }

  async listJson(shopId: string, f: StoreListFilters): Promise<string> {
    const { entry, value } = await this.pageEntry(shopId, f);
    return (entry.json ??= JSON.stringify(value));
  }

  /** The category tree as shoppers see it (no counts), serialized. */
  async categoriesJson(shopId: string, categories: CategoryService): Promise<string> {
    const wait = this.versions.sync(shopId);
    if (wait) await wait;
    const e = await this.current(shopId, 'c', async () => {
      const strip = (n: CategoryNode): unknown => ({ id: n.id, name: n.name, imageUrl: n.imageUrl, children: n.children.map(strip) });
      const tree = await categories.tree(shopId);
      return { content: { kind: 'categories' }, json: JSON.stringify({ items: tree.map(strip) }) };
    });
    return e.json!;
  }

  // ---- entries ------------------------------------------------------------------------------------

  private async detailEntry(shopId: string, productId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(productId)) throw notFound('Product', { field: 'id' });
    const wait = this.versions.sync(shopId);
    if (wait) await wait;
    const e = await this.current(shopId, `d:${productId}`, async () => ({ content: { kind: 'detail', view: await this.loadProduct(shopId, productId) }, json: null }));
    if (e.content.kind !== 'detail' || !e.content.view) throw notFound('Product', { field: 'id' });
    return { entry: e, view: e.content.view };
  }

  private async pageEntry(shopId: string, f: StoreListFilters) {
    const wait = this.versions.sync(shopId);
    if (wait) await wait;
    const e = await this.current(shopId, `l:${f.sort}|${f.page}|${f.pageSize}|${f.categoryId ?? ''}|${f.q ?? ''}`, async () => {
      const { value, skuIds } = await this.loadPage(shopId, f);
      return { content: { kind: 'page', value, skuIds, bySales: f.sort === 'sales' || f.sort === '-sales' }, json: null };
    });
    if (e.content.kind !== 'page') throw new Error(`storefront cache: ${e.key} is not a page`);
    return { entry: e, value: e.content.value };
  }

  /**
   * The entry under `key`, current for the shop's generations as they were when the request came:
   * rebuilt when its content is older (or older than MAX_AGE_MS, or a sales-ordered page whose sales
   * moved); its numbers re-read when only they are older. Concurrent requests share one build.
   */
  private async current(shopId: string, key: string, build: () => Promise<{ content: Content; json: string | null }>): Promise<Entry> {
    const v = this.versions.of(shopId);
    const want: Gens = { content: v.content, live: liveGen(v), sales: v.sales };
    const now = Date.now();
    const shop = this.shop(shopId);
    let e = shop.entries.get(key);
    if (!e || e.built.content < want.content || now - e.builtAt >= MAX_AGE_MS || (e.content.kind === 'page' && e.content.bySales && e.built.sales < want.sales)) {
      e = await this.load(shop, shopId, key, want, build);
    }
    e.usedAt = now;
    if (e.liveGen < want.live && hasLiveNumbers(e)) await this.refreshLive(shop, shopId, e, want.live);
    return e;
  }

  private load(shop: ShopCache, shopId: string, key: string, want: Gens, build: () => Promise<{ content: Content; json: string | null }>): Promise<Entry> {
    const running = shop.loading.get(key);
    // A build that started under these generations or later ones reads everything this request must see.
    if (running && !older(running.gens, want)) return running.promise;
    const promise = (async () => {
      const builtAt = Date.now();
      const made = await build();
      const entry: Entry = { shopId, key, built: want, builtAt, liveGen: want.live, usedAt: builtAt, json: made.json, content: made.content };
      this.store(shop, entry);
      return entry;
    })();
    shop.loading.set(key, { gens: want, promise });
    const done = () => {
      if (shop.loading.get(key)?.promise === promise) shop.loading.delete(key);
    };
    promise.then(done, done);
    return promise;
  }

  private store(shop: ShopCache, entry: Entry) {
    const old = shop.entries.get(entry.key);
    // A slower build of older generations must not replace a newer one.
    if (old && older(entry.built, old.built)) return;
    if (old) this.all.delete(old);
    shop.entries.set(entry.key, entry);
    this.all.add(entry);
    if (this.all.size > MAX_ENTRIES) {
      const oldest: Entry = this.all.values().next().value!;
      this.all.delete(oldest);
      const s = this.shops.get(oldest.shopId);
      if (s?.entries.get(oldest.key) === oldest) s.entries.delete(oldest.key);
    }
  }

  private shop(shopId: string): ShopCache {
    let s = this.shops.get(shopId);
    if (!s) this.shops.set(shopId, (s = { entries: new Map(), loading: new Map(), refreshing: null }));
    return s;
  }

  // ---- live numbers -------------------------------------------------------------------------------

  /**
   * Waits until `entry`'s numbers were read under `target` or later. One refresh at a time per shop,
   * covering every recently used entry of the shop: a burst of stock changes costs one round of queries
   * per refresh, not one per product asked for.
   */
  private async refreshLive(shop: ShopCache, shopId: string, entry: Entry, target: number) {
    for (let round = 0; entry.liveGen < target && round < 3; round++) {
      if (shop.refreshing) {
        await shop.refreshing;
        continue;
      }
      const promise = this.readLive(shop, shopId).finally(() => {
        if (shop.refreshing === promise) shop.refreshing = null;
      });
      shop.refreshing = promise;
      await promise;
    }
    // Still behind (stock moving under a long queue of refreshes): read this one on its own.
    if (entry.liveGen < target) await this.readLive(shop, shopId, [entry]);
  }

  private async readLive(shop: ShopCache, shopId: string, only?: Entry[]) {
    const v = this.versions.of(shopId);
    const gen = liveGen(v);
    const since = Date.now() - RECENT_MS;
    let stale = only ?? [...shop.entries.values()].filter((e) => e.liveGen < gen && e.usedAt >= since && e.built.content === v.content && hasLiveNumbers(e));
    if (stale.length > REFRESH_BATCH) stale = stale.sort((a, b) => b.usedAt - a.usedAt).slice(0, REFRESH_BATCH);
    const productIds = new Set<string>();
    const skuIds: string[] = [];
    for (const e of stale) {
      const c = e.content;
      if (c.kind === 'detail' && c.view) {
        productIds.add(c.view.id);
        for (const s of c.view.skus) skuIds.push(s.id);
      } else if (c.kind === 'page') {
        c.value.items.forEach((it, i) => {
          productIds.add(it.id);
          skuIds.push(...c.skuIds[i]);
        });
      }
    }
    const [sales, levels] = await Promise.all([this.catalog.salesCounts(shopId, [...productIds]), this.inventory.levels(shopId, skuIds)]);
    const available = (id: string) => levels.get(id)?.available ?? 0;
    for (const e of stale) {
      const c = e.content;
      let changed = false;
      if (c.kind === 'detail' && c.view) changed = applyDetail(c.view, sales.get(c.view.id), available);
      else if (c.kind === 'page') {
        c.value.items.forEach((it, i) => {
          const soldOut = c.skuIds[i].reduce((n, id) => n + Math.max(0, available(id)), 0) <= 0;
          const salesCount = sales.get(it.id) ?? it.salesCount;
          if (soldOut !== it.soldOut || salesCount !== it.salesCount) {
            it.soldOut = soldOut;
            it.salesCount = salesCount;
            changed = true;
          }
        });
      }
      if (changed) e.json = null;
      if (e.liveGen < gen) e.liveGen = gen;
    }
  }

  // ---- loading from the database ----------------------------------------------------------------

  private async loadProduct(shopId: string, productId: string): Promise<StoreProductView | null> {
    const found = await this.catalog.storeProduct(shopId, productId);
    if (!found) return null;
    const { product: d, skus } = found;
    const levels = await this.inventory.levels(shopId, skus.map((s) => s.id));
    const view: StoreProductView = {
      id: d.id,
      title: d.title,
      subtitle: d.subtitle,
      description: d.description,
      categoryId: d.categoryId,
      images: d.images,
      specAttributes: d.specAttributes,
      minPrice: d.minPrice,
      maxPrice: d.maxPrice,
      salesCount: d.salesCount,
      soldOut: true,
      skus: skus.map((s) => ({ id: s.id, specValues: s.specValues, specText: s.specText, price: s.price, marketPrice: s.marketPrice, available: 0, soldOut: true })),
    };
    applyDetail(view, d.salesCount, (id) => levels.get(id)?.available ?? 0);
    return view;
  }

  private async loadPage(shopId: string, f: StoreListFilters): Promise<{ value: StorePage; skuIds: string[][] }> {
    const { total, rows, skus } = await this.catalog.storePage(shopId, f);
    const levels = await this.inventory.levels(shopId, skus.map((s) => s.id));
    const byProduct = new Map<string, string[]>();
    for (const s of skus) {
      const list = byProduct.get(s.productId);
      if (list) list.push(s.id);
      else byProduct.set(s.productId, [s.id]);
    }
    const skuIds = rows.map((p) => byProduct.get(p.id) ?? []);
    const items = rows.map((p, i) => ({
      id: p.id,
      title: p.title,
      subtitle: p.subtitle,
      imageUrl: p.images[0] ?? null,
      categoryId: p.categoryId,
      minPrice: p.minPrice,
      maxPrice: p.maxPrice,
      salesCount: p.salesCount,
      soldOut: skuIds[i].reduce((n, id) => n + Math.max(0, levels.get(id)?.available ?? 0), 0) <= 0,
    }));
    return { value: { items, total, page: f.page, pageSize: f.pageSize }, skuIds };
  }
}

/** Whether generations `a` are older than `b` in any kind. */
const older = (a: Gens, b: Gens) => a.content < b.content || a.live < b.live || a.sales < b.sales;

const hasLiveNumbers = (e: Entry) => (e.content.kind === 'detail' && e.content.view !== null) || e.content.kind === 'page';

/** Puts the live numbers into a product view; answers whether any changed. */
function applyDetail(view: StoreProductView, salesCount: number | undefined, available: (skuId: string) => number): boolean {
  let changed = false;
  let total = 0;
  for (const s of view.skus) {
    const a = available(s.id);
    total += Math.max(0, a);
    if (a !== s.available || (a <= 0) !== s.soldOut) {
      s.available = a;
      s.soldOut = a <= 0;
      changed = true;
    }
  }
  if ((total <= 0) !== view.soldOut) {
    view.soldOut = total <= 0;
    changed = true;
  }
  if (salesCount !== undefined && salesCount !== view.salesCount) {
    view.salesCount = salesCount;
    changed = true;
  }
  return changed;
}
