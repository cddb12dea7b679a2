import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../context.js';
import { escapeLike } from '../db/index.js';
import { shops, staff } from '../tenancy/schema.js';
import type { Shop, TenancyService } from '../tenancy/service.js';
import type { OperatorActor, OperatorService } from './service.js';

/** Figures of a shop that live in modules (the platform asks; it does not read their tables). */
export type ShopFigures = (shopId: string) => Promise<{ products: number; orders: number }>;

const view = (s: Shop) => ({
  id: s.id,
  slug: s.slug,
  name: s.name,
  logoUrl: s.logoUrl,
  status: s.status,
  suspendedAt: s.suspendedAt,
  suspensionReason: s.suspensionReason,
  suspensionReasonPublic: s.suspensionReasonPublic,
  createdAt: s.createdAt,
});

/** The operator's view of every shop, and suspending / resuming them. */
export class OperatorShops {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private operators: OperatorService,
    private figures: ShopFigures,
  ) {}

  async list(q: { q?: string; status?: 'active' | 'suspended'; page: number; pageSize: number }) {
    const conds: SQL[] = [];
    if (q.status) conds.push(eq(shops.status, q.status));
    if (q.q) {
      const like = `%${escapeLike(q.q)}%`;
      conds.push(or(ilike(shops.name, like), ilike(shops.slug, like))!);
    }
    const where = conds.length ? and(...conds) : undefined;
    const [[{ n }], page] = await Promise.all([
      this.p.db.select({ n: sql<number>`count(*)::int` }).from(shops).where(where),
      this.p.db.select().from(shops).where(where).orderBy(desc(shops.createdAt), desc(shops.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
    ]);
    const owners = await this.owners(page.map((s) => s.id));
    // One page of counts: two indexed count queries per shop, a page of at most 100 shops.
    const figures = await Promise.all(page.map((s) => this.figures(s.id)));
    return {
      items: page.map((s, i) => ({ ...view(s), owner: owners.get(s.id) ?? null, ...figures[i] })),
      total: n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async get(shopId: string) {
    const shop = await this.tenancy.getShop(shopId);
    const [owners, figures, history] = await Promise.all([
      this.owners([shop.id]),
      this.figures(shop.id),
      this.operators.auditLog({ limit: 50, shopId: shop.id }),
    ]);
    return { ...view(shop), owner: owners.get(shop.id) ?? null, ...figures, history };
  }

  /** Suspends a shop: its storefront stops taking orders at once (in this process; others within 30 s). */
  async suspend(actor: OperatorActor, shopId: string, input: { reason: string; reasonPublic: boolean }, meta: { ip?: string; requestId?: string }) {
    return this.change(actor, shopId, { status: 'suspended', reason: input.reason, reasonPublic: input.reasonPublic }, meta);
  }

  async resume(actor: OperatorActor, shopId: string, input: { reason: string }, meta: { ip?: string; requestId?: string }) {
    return this.change(actor, shopId, { status: 'active', reason: input.reason }, meta);
  }

  /**
   * The change, the operator's audit entry and an entry in the shop's own audit log (so its staff can see
   * who stopped the shop and why) are one transaction; a repeated click changes and records nothing.
   */
  private async change(actor: OperatorActor, shopId: string, change: { status: 'active' | 'suspended'; reason: string; reasonPublic?: boolean }, meta: { ip?: string; requestId?: string }) {
    const action = change.status === 'suspended' ? 'shop.suspend' : 'shop.resume';
    const res = await this.tenancy.setStatus(shopId, change, async (tx, before, after) => {
      const b = { status: before.status, suspensionReason: before.suspensionReason, suspensionReasonPublic: before.suspensionReasonPublic };
      const a = { status: after.status, suspensionReason: after.suspensionReason, suspensionReasonPublic: after.suspensionReasonPublic };
      await this.operators.record(tx, actor, { action, shopId, reason: change.reason, before: b, after: a, ...meta });
      await this.tenancy.record(
        { shopId, actor: { type: 'system', id: `operator:${actor.id}`, name: `平台运营 ${actor.displayName}` }, action, entity: 'shop', entityId: shopId, before: b, after: { ...a, reason: change.reason }, ip: meta.ip, requestId: meta.requestId },
        tx,
      );
    });
    return { shop: view(res.after), changed: res.changed };
  }

  private async owners(shopIds: string[]) {
    const out = new Map<string, { id: string; login: string; displayName: string; phone: string | null }>();
    if (shopIds.length === 0) return out;
    const rows = await this.p.db
      .select({ id: staff.id, shopId: staff.shopId, login: staff.login, displayName: staff.displayName, phone: staff.phone })
      .from(staff)
      .where(and(inArray(staff.shopId, shopIds), eq(staff.role, 'owner')))
      .orderBy(asc(staff.createdAt));
    for (const r of rows) if (!out.has(r.shopId)) out.set(r.shopId, { id: r.id, login: r.login, displayName: r.displayName, phone: r.phone });
    return out;
  }
}
