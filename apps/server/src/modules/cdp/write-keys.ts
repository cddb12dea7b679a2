import { randomBytes } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { notFound } from '../../platform/errors.js';
import { TtlCache } from '../../platform/ttl-cache.js';

export interface WriteKey {
  id: string;
  name: string;
  key: string;
  storefront: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

const view = (r: { id: string; name: string; key: string; storefront: boolean; created_at: Date | string; last_used_at: Date | string | null }): WriteKey => ({
  id: r.id, name: r.name, key: r.key, storefront: r.storefront,
  createdAt: new Date(r.created_at).toISOString(), lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
});

/**
 * Write keys say which shop an event is for. Like Segment's they are not secrets (a browser holds one);
 * revoking one stops it everywhere within the cache's 10 seconds.
 */
export class WriteKeys {
  private byKey = new TtlCache<{ shopId: string; id: string } | null>(10_000, 10_000);
  private used = new Map<string, number>();

  constructor(private p: Platform) {}

  async list(shopId: string) {
    const r = await rows<Parameters<typeof view>[0]>(this.p.db, sql`SELECT * FROM cdp_write_keys WHERE shop_id = ${shopId} AND revoked_at IS NULL ORDER BY created_at`);
    return r.map(view);
  }

  async create(shopId: string, name: string, storefront = false) {
    const key = `wk_${randomBytes(18).toString('base64url')}`;
    const [r] = await this.p.database.transaction((tx) =>
      rows<Parameters<typeof view>[0]>(tx, sql`INSERT INTO cdp_write_keys (shop_id, name, key, storefront) VALUES (${shopId}, ${name}, ${key}, ${storefront}) RETURNING *`),
    );
    return view(r!);
  }

  async revoke(shopId: string, id: string) {
    const r = await this.p.database.transaction(async (tx) => {
      const [row] = await rows<Parameters<typeof view>[0]>(tx, sql`UPDATE cdp_write_keys SET revoked_at = now() WHERE shop_id = ${shopId} AND id = ${id} AND revoked_at IS NULL RETURNING *`);
      if (!row) throw notFound('Write key', { field: 'id' });
      return row;
    });
    this.byKey.set(r.key, null);
    return view(r);
  }

  /** The storefront's key, made the first time a storefront asks (two at once get the same one). */
  async storefrontKey(shopId: string): Promise<string> {
    const find = async () => (await rows<{ key: string }>(this.p.db, sql`SELECT key FROM cdp_write_keys WHERE shop_id = ${shopId} AND storefront AND revoked_at IS NULL`))[0]?.key;
    const have = await find();
    if (have) return have;
    const key = `wk_${randomBytes(18).toString('base64url')}`;
    await this.p.db.execute(sql`INSERT INTO cdp_write_keys (shop_id, name, key, storefront) VALUES (${shopId}, '商城', ${key}, true) ON CONFLICT DO NOTHING`);
    return (await find())!;
  }

  /** The shop a key writes to, or null. Last use is written at most once a minute per key. */
  async resolve(key: string): Promise<{ shopId: string; id: string } | null> {
    let hit = this.byKey.get(key);
    if (hit === undefined) {
      const [r] = await rows<{ id: string; shop_id: string }>(this.p.db, sql`SELECT id, shop_id FROM cdp_write_keys WHERE key = ${key} AND revoked_at IS NULL`);
      hit = r ? { shopId: r.shop_id, id: r.id } : null;
      this.byKey.set(key, hit);
    }
    if (hit) {
      const now = Date.now();
      if ((this.used.get(hit.id) ?? 0) < now - 60_000) {
        this.used.set(hit.id, now);
        void this.p.db.execute(sql`UPDATE cdp_write_keys SET last_used_at = now() WHERE id = ${hit.id}`).catch(() => undefined);
      }
    }
    return hit;
  }
}
