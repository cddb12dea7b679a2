import { conflict } from '../../platform/errors.js';
import type { CatalogVersions } from '../catalog/versions.js';

interface Memo {
  /** At most this many units were left when a reservation was refused. */
  available: number;
  /** The shop's restock generation before that reservation ran. */
  restock: number;
  at: number;
}

/** Forgotten after this long whatever happened: covers a restock whose hot-store word was lost. */
const MAX_AGE_MS = 30_000;
/** SKUs remembered per process, all shops together; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * The stock pre-check of checkout: what a refused reservation said was left of a SKU, remembered in this
 * process. A checkout asking for more of it is refused before anything is read or written, as long as no
 * stock of the shop may have come back since — a released order, a return, a staff count: the catalog's
 * `restock` generation, which other processes' restocks reach within 250 ms through the hot store. Units
 * only taken meanwhile (other orders) can only make the remembered figure more true, so they do not count.
 * A rush on a sold-out product then costs each late checkout no database work.
 */
export class ShortStock {
  /** By `shop:sku`, in the order noted (a Map keeps insertion order), so the oldest is first. */
  private memo = new Map<string, Memo & { shopId: string }>();
  /** SKUs remembered per shop, so a shop with none costs a checkout one lookup. */
  private perShop = new Map<string, number>();

  constructor(private versions: CatalogVersions) {}

  /** The shop's restock generation now: taken before a reservation runs, and given back to `note`. */
  generation(shopId: string): number {
    return this.versions.of(shopId).restock;
  }

  note(shopId: string, skuId: string, available: number, restock: number) {
    const key = `${shopId}:${skuId}`;
    this.forget(key);
    this.perShop.set(shopId, (this.perShop.get(shopId) ?? 0) + 1);
    this.memo.set(key, { shopId, available: Math.max(0, available), restock, at: Date.now() });
    if (this.memo.size > MAX_ENTRIES) this.forget(this.memo.keys().next().value!);
  }

  /** Refuses with STOCK_INSUFFICIENT, as the reservation would, a checkout that asks more than is known to be left. */
  async check(shopId: string, items: readonly { skuId: string; quantity: number }[]): Promise<void> {
    if (!this.perShop.get(shopId)) return;
    const syncing = this.versions.sync(shopId);
    if (syncing) await syncing;
    const restock = this.generation(shopId);
    const now = Date.now();
    const want = new Map<string, number>();
    for (const i of items) want.set(i.skuId, (want.get(i.skuId) ?? 0) + i.quantity);
    for (const [skuId, requested] of want) {
      const key = `${shopId}:${skuId}`;
      const m = this.memo.get(key);
      if (!m) continue;
      if (m.restock !== restock || now - m.at > MAX_AGE_MS) {
        this.forget(key);
        continue;
      }
      if (requested > m.available) {
        const index = items.findIndex((i) => i.skuId === skuId);
        throw conflict('STOCK_INSUFFICIENT', `Only ${m.available} in stock, ${requested} requested`, { field: `items.${index}.skuId`, skuId, available: m.available, requested });
      }
    }
  }

  /** Drops one entry; answers whether there was one. */
  private forget(key: string): boolean {
    const m = this.memo.get(key);
    if (!m) return false;
    this.memo.delete(key);
    const left = (this.perShop.get(m.shopId) ?? 1) - 1;
    if (left > 0) this.perShop.set(m.shopId, left);
    else this.perShop.delete(m.shopId);
    return true;
  }
}
