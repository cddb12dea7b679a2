import type { HotStore } from './hotstore/index.js';

const MAX_AGE_MS = 60_000;

/**
 * Shop-level data that every checkout, claim or page view needs and that staff change rarely (settings,
 * shipping template, points rules, running activities …), kept per process and dropped when the shop
 * changes. One version number per shop lives in the hot store: a change bumps it (`invalidate`), the
 * process that made the change forgets at once, and other processes look at the version at most every
 * `checkEveryMs`, so they see a change within that time. Any successful staff write of the shop
 * invalidates (platform/http/admin-auth.ts), so modules need not remember to.
 */
export class ShopCache {
  private entries = new Map<string, { version: number; value: Promise<unknown>; loadedAt: number }>();
  private versions = new Map<string, { version: number; checkedAt: number; pending?: Promise<number> }>();

  constructor(
    private hot: HotStore,
    private opts: { checkEveryMs: number; now?: () => number } = { checkEveryMs: 250 },
  ) {}

  private now() {
    return this.opts.now?.() ?? performance.now();
  }

  private key = (shopId: string) => `shopver:${shopId}`;

  /** The shop's current version, as known to this process (re-read from the hot store when stale). */
  private async version(shopId: string): Promise<number> {
    const known = this.versions.get(shopId);
    if (known?.pending) return known.pending;
    // One process alone (the in-memory hot store) sees every change as it happens: no need to look again.
    const fresh = known && (this.hot.kind === 'memory' || this.now() - known.checkedAt < this.opts.checkEveryMs);
    if (known && fresh) return known.version;
    const pending = this.hot.get(this.key(shopId)).then((v) => {
      const version = v === null ? 0 : Number(v);
      this.versions.set(shopId, { version, checkedAt: this.now() });
      return version;
    });
    this.versions.set(shopId, { version: known?.version ?? -1, checkedAt: known?.checkedAt ?? 0, pending });
    return pending;
  }

  /** `load`'s answer for the shop, computed once per version and shared by concurrent callers. */
  async get<T>(shopId: string, name: string, load: () => Promise<T>): Promise<T> {
    const version = await this.version(shopId);
    const k = `${shopId}:${name}`;
    const hit = this.entries.get(k);
    // The age cap covers a hot store that lost its data and counted back up to a version seen before.
    if (hit && hit.version === version && this.now() - hit.loadedAt < MAX_AGE_MS) return hit.value as Promise<T>;
    const value = load();
    this.entries.set(k, { version, value, loadedAt: this.now() });
    // A failed load is not remembered.
    value.catch(() => {
      if (this.entries.get(k)?.value === value) this.entries.delete(k);
    });
    return value;
  }

  /** The shop changed: this process forgets now, the others within `checkEveryMs`. */
  async invalidate(shopId: string): Promise<void> {
    const version = await this.hot.incrBy(this.key(shopId), 1);
    this.versions.set(shopId, { version, checkedAt: this.now() });
    for (const k of this.entries.keys()) if (k.startsWith(`${shopId}:`)) this.entries.delete(k);
  }
}
