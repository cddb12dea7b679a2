import type { Actor } from '../../platform/context.js';
import type { InventoryService } from '../inventory/service.js';
import type { CatalogVersions } from './versions.js';

type Method = keyof InventoryService;

/**
 * The inventory operations that change `available` — what the storefront shows as stock and sold-out —
 * and where each takes the shop from. Orders, flash sales and pre-sales all move stock through these.
 */
export const STOCK_WRITES = {
  reserve: (a) => a[1] as string,
  reserveMany: (a) => a[1] as string,
  release: (a) => a[1] as string,
  hold: (a) => a[1] as string,
  unhold: (a) => a[1] as string,
  returnToStock: (a) => a[1] as string,
  setStock: (a) => (a[0] as Actor).shopId,
  adjust: (a) => (a[0] as Actor).shopId,
} satisfies Partial<Record<Method, (args: unknown[]) => string>>;

/** Of STOCK_WRITES, those that may raise `available`: they are restocks as well. */
export const RESTOCKS: ReadonlySet<string> = new Set<keyof typeof STOCK_WRITES>(['release', 'unhold', 'returnToStock', 'setStock', 'adjust']);

/**
 * Operations that leave `available` alone: payment (reserved → sold), an activity's orders taking their
 * held units (held → reserved), and reads (levels, history, the SQL checkout reads stock with). A new
 * InventoryService method must be put in one list or the other (storefront.test.ts fails until it is).
 */
export const STOCK_NEUTRAL: readonly Method[] = ['commit', 'reserveHeld', 'levels', 'history', 'availableSql'];

/**
 * Makes every stock change of `inventory` tell the catalog versions, after its transaction commits, so
 * the storefront's cached stock and sold-out state follow at once in this process and within
 * CHECK_EVERY_MS in the others. Wrapping the instance keeps the inventory module unaware of the
 * storefront cache, and costs its callers nothing but one hot-store write per committed transaction.
 */
export function watchStock(inventory: InventoryService, versions: CatalogVersions) {
  const target = inventory as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, shopOf] of Object.entries(STOCK_WRITES) as [string, (a: unknown[]) => string][]) {
    const original = target[name].bind(inventory);
    target[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      await versions.changed(shopOf(args), 'stock');
      if (RESTOCKS.has(name)) await versions.changed(shopOf(args), 'restock');
      return result;
    };
  }
}
