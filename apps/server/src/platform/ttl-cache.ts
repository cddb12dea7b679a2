/**
 * A small in-process cache with a time to live and a size cap (oldest entries go first). For lookups
 * every request repeats — the shop behind a storefront slug, the customer behind a token — where a few
 * seconds of staleness in *other* processes is acceptable and the owning process invalidates its own.
 */
export class TtlCache<V> {
  private entries = new Map<string, { value: V; until: number }>();

  constructor(
    private ttlMs: number,
    private max: number,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V) {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }

  delete(key: string) {
    this.entries.delete(key);
  }

  clear() {
    this.entries.clear();
  }
}
