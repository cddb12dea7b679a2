import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../context.js';
import type { Db } from '../db/index.js';
import { conflict, notFound } from '../errors.js';
import { hashPassword } from '../auth/passwords.js';
import type { Role } from '../auth/rbac.js';
import { auditLog, shops, staff, type ShopSettings } from './schema.js';

export type Shop = typeof shops.$inferSelect;

export const DEFAULT_SETTINGS: Required<Pick<ShopSettings, 'unpaidTimeoutMinutes' | 'autoCompleteDays'>> = {
  unpaidTimeoutMinutes: 30,
  autoCompleteDays: 10,
};

/** Shops (tenants) and the audit log that records every staff write in them. */
export class TenancyService {
  constructor(private p: Platform) {}

  async createShop(input: { slug: string; name: string; owner: { login: string; password: string; displayName: string; phone?: string } }) {
    const passwordHash = await hashPassword(input.owner.password);
    return this.p.database.transaction(async (tx) => {
      const [taken] = await tx.select({ id: shops.id }).from(shops).where(eq(shops.slug, input.slug));
      if (taken) throw conflict('SHOP_SLUG_TAKEN', 'This shop address is already taken', { field: 'slug' });
      const [loginTaken] = await tx.select({ id: staff.id }).from(staff).where(eq(staff.login, input.owner.login));
      if (loginTaken) throw conflict('LOGIN_TAKEN', 'This login is already used', { field: 'owner.login' });
      const [shop] = await tx.insert(shops).values({ slug: input.slug, name: input.name, settings: { ...DEFAULT_SETTINGS } }).returning();
      const [owner] = await tx
        .insert(staff)
        .values({ shopId: shop.id, login: input.owner.login, displayName: input.owner.displayName, phone: input.owner.phone, passwordHash, role: 'owner' })
        .returning({ id: staff.id, login: staff.login, role: staff.role });
      await this.p.events.emit(tx, { shopId: shop.id, type: 'shop.created', payload: { shopId: shop.id, slug: shop.slug } });
      return { shop, owner };
    });
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
    });
  }

  async record(
    entry: {
      shopId: string;
      actor: Pick<Actor, 'type' | 'id' | 'name'>;
      action: string;
      entity?: string;
      entityId?: string;
      before?: unknown;
      after?: unknown;
      request?: unknown;
      status?: number;
      ip?: string;
      requestId?: string;
    },
    db: Db = this.p.db,
  ) {
    await db.insert(auditLog).values({
      shopId: entry.shopId,
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      actorName: entry.actor.name,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      request: entry.request ?? null,
      status: entry.status,
      ip: entry.ip,
      requestId: entry.requestId,
    });
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
    settings: { ...DEFAULT_SETTINGS, ...settings, wechatPayConfigured: !!wechatPay, wechatConfigured: !!wechat },
  };
}

export type StaffRole = Role;
