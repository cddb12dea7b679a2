import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../context.js';
import { isUniqueViolation, type Db } from '../db/index.js';
import { conflict, notFound } from '../errors.js';
import { hashPassword } from '../auth/passwords.js';
import type { Role } from '../auth/rbac.js';
import { writeAuditEntry, type AuditEntry } from './audit.js';
import { auditLog, shops, staff, type ShopSettings, type ShopStatus } from './schema.js';

export type Shop = typeof shops.$inferSelect;

export const DEFAULT_SETTINGS: Required<Pick<ShopSettings, 'unpaidTimeoutMinutes' | 'autoCompleteDays'>> = {
  unpaidTimeoutMinutes: 30,
  autoCompleteDays: 10,
};

/** Shops (tenants) and the audit log that records every staff write in them. */
export class TenancyService {
  constructor(private p: Platform) {}

  /**
   * `owner.passwordHash` takes a hash made earlier (merchant sign-up hashes at sign-up); `within` runs in
   * the same transaction, after the shop and its owner are written.
   */
  async createShop(input: {
    slug: string;
    name: string;
    logoUrl?: string | null;
    settings?: Partial<ShopSettings>;
    owner: { login: string; displayName: string; phone?: string | null } & ({ password: string } | { passwordHash: string });
    within?: (tx: Db, created: { shop: Shop; owner: { id: string; login: string; role: string } }) => Promise<void>;
  }) {
    const passwordHash = 'passwordHash' in input.owner ? input.owner.passwordHash : await hashPassword(input.owner.password);
    try {
      return await this.p.database.transaction(async (tx) => {
        const [taken] = await tx.select({ id: shops.id }).from(shops).where(eq(shops.slug, input.slug));
        if (taken) throw conflict('SHOP_SLUG_TAKEN', 'This shop address is already taken', { field: 'slug' });
        const [loginTaken] = await tx.select({ id: staff.id }).from(staff).where(eq(staff.login, input.owner.login));
        if (loginTaken) throw conflict('LOGIN_TAKEN', 'This login is already used', { field: 'owner.login' });
        const [shop] = await tx
          .insert(shops)
          .values({ slug: input.slug, name: input.name, logoUrl: input.logoUrl ?? null, settings: { ...DEFAULT_SETTINGS, ...(input.settings ?? {}) } })
          .returning();
        const [owner] = await tx
          .insert(staff)
          .values({ shopId: shop.id, login: input.owner.login, displayName: input.owner.displayName, phone: input.owner.phone ?? null, passwordHash, role: 'owner' })
          .returning({ id: staff.id, login: staff.login, role: staff.role });
        await this.p.events.emit(tx, { shopId: shop.id, type: 'shop.created', payload: { shopId: shop.id, slug: shop.slug } });
        await input.within?.(tx, { shop, owner });
        return { shop, owner };
      });
    } catch (err) {
      // Two sign-ups racing for one slug or login both pass the checks above on PostgreSQL; the unique
      // indexes let one in and the other lands here.
      if (!isUniqueViolation(err)) throw err;
      const text = `${(err as Error).message} ${String((err as { cause?: { constraint?: string; message?: string } }).cause?.constraint ?? '')} ${String((err as { constraint?: string }).constraint ?? '')}`;
      if (text.includes('shops_slug')) throw conflict('SHOP_SLUG_TAKEN', 'This shop address is already taken', { field: 'slug' });
      if (text.includes('staff_login')) throw conflict('LOGIN_TAKEN', 'This login is already used', { field: 'owner.login' });
      throw err;
    }
  }

  /**
   * Suspends or resumes a shop. Answers `changed: false` when it already was so (a retried click).
   * `also` runs in the same transaction with the rows before and after (the operator's audit entries).
   * The storefront cache of this process forgets the shop at once (`shopChanged`).
   */
  async setStatus(
    shopId: string,
    change: { status: ShopStatus; reason: string; reasonPublic?: boolean },
    also?: (tx: Db, before: Shop, after: Shop) => Promise<void>,
  ): Promise<{ before: Shop; after: Shop; changed: boolean }> {
    const res = await this.p.database.transaction(async (tx) => {
      const [before] = await tx.select().from(shops).where(eq(shops.id, shopId)).for('update');
      if (!before) throw notFound('Shop', { field: 'id' });
      if (before.status === change.status) return { before, after: before, changed: false };
      const suspending = change.status === 'suspended';
      const [after] = await tx
        .update(shops)
        .set({
          status: change.status,
          suspendedAt: suspending ? this.p.now() : null,
          suspensionReason: suspending ? change.reason : null,
          suspensionReasonPublic: suspending ? !!change.reasonPublic : false,
          updatedAt: this.p.now(),
        })
        .where(eq(shops.id, shopId))
        .returning();
      await also?.(tx, before, after);
      return { before, after, changed: true };
    });
    if (res.changed) await this.shopChanged(res.after);
    return res;
  }

  /**
   * The one place that says "this shop changed" outside a staff request (which invalidates by itself):
   * every process drops what it cached of the shop (the storefront's shop and status, checkout's data)
   * at once here and within the shop cache's check interval elsewhere.
   */
  async shopChanged(shop: { id: string; slug: string }) {
    await this.p.shopCache.invalidate(shop.id);
  }

  /** Whether a shop has this slug already (sign-up checks as the merchant types; the unique index decides). */
  async slugTaken(slug: string): Promise<boolean> {
    const [row] = await this.p.db.select({ id: shops.id }).from(shops).where(eq(shops.slug, slug));
    return !!row;
  }

  /** Whether a staff account, in any shop, signs in with this login. */
  async loginTaken(login: string): Promise<boolean> {
    const [row] = await this.p.db.select({ id: staff.id }).from(staff).where(eq(staff.login, login));
    return !!row;
  }

  async getShop(shopId: string, db: Db = this.p.db): Promise<Shop> {
    const [shop] = await db.select().from(shops).where(eq(shops.id, shopId));
    if (!shop) throw notFound('Shop');
    return shop;
  }

  async getShopBySlug(slug: string): Promise<Shop> {
    const [shop] = await this.p.db.select().from(shops).where(eq(shops.slug, slug));
    if (!shop) throw notFound('Shop', { field: 'shop' });
    return shop;
  }

  async settings(shopId: string, db: Db = this.p.db): Promise<ShopSettings & typeof DEFAULT_SETTINGS> {
    const shop = await this.getShop(shopId, db);
    return { ...DEFAULT_SETTINGS, ...shop.settings };
  }

  async updateShop(actor: Actor, patch: { name?: string; logoUrl?: string | null; settings?: Partial<ShopSettings> }) {
    return this.p.database.transaction(async (tx) => {
      const before = await this.getShop(actor.shopId, tx);
      const [after] = await tx
        .update(shops)
        .set({
          name: patch.name ?? before.name,
          logoUrl: patch.logoUrl === undefined ? before.logoUrl : patch.logoUrl,
          settings: { ...before.settings, ...(patch.settings ?? {}) },
          updatedAt: new Date(),
        })
        .where(eq(shops.id, actor.shopId))
        .returning();
      return { before: publicShop(before), after: publicShop(after) };
    }).then(async (res) => {
      await this.shopChanged(res.after);
      return res;
    });
  }

  /** An audit entry of a change made with `db` (pass the change's transaction, so they commit together). */
  async record(entry: AuditEntry, db: Db = this.p.db) {
    await writeAuditEntry(db, entry);
  }

  async listAudit(shopId: string, opts: { limit: number; beforeId?: number }) {
    const where = opts.beforeId ? and(eq(auditLog.shopId, shopId), lt(auditLog.id, opts.beforeId)) : eq(auditLog.shopId, shopId);
    return this.p.db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(opts.limit);
  }

  async countShops() {
    const [r] = await this.p.db.select({ n: sql<number>`count(*)::int` }).from(shops);
    return r.n;
  }
}

/** A shop as staff may see it: payment secrets never leave the server. */
export function publicShop(shop: Shop) {
  const { wechatPay, wechat, ...settings } = shop.settings ?? {};
  return {
    id: shop.id,
    slug: shop.slug,
    name: shop.name,
    logoUrl: shop.logoUrl,
    status: shop.status,
    suspendedAt: shop.suspendedAt,
    suspensionReason: shop.suspensionReason,
    suspensionReasonPublic: shop.suspensionReasonPublic,
    settings: { ...DEFAULT_SETTINGS, ...settings, wechatPayConfigured: !!wechatPay, wechatConfigured: !!wechat },
  };
}

export type StaffRole = Role;
