import { and, count, desc, eq, gt, ilike, lte, sql, type SQL } from 'drizzle-orm';
import type { ActivityInput, Paged } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db, escapeLike } from '../../platform/db/index.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import { inScope, type ActivityDef, type FullReductionDef } from './engine.js';
import { activityLabel } from './labels.js';
import { promotionActivities, type ActivityRow } from './schema.js';

type Phase = 'upcoming' | 'running' | 'paused' | 'ended';
type ActivityStats = { orders: number; revenueFen: number; discountFen: number; units: number };

/** 限时折扣, 满减/满赠 and 组合套餐: their rules, their life (running, paused, ended) and what they drove. */
export class ActivityService {
  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private categories: CategoryService,
  ) {}

  async create(actor: Actor, input: ActivityInput) {
    const row = await this.p.database.transaction(async (tx) => {
      const productIds = await this.checkRefs(tx, actor.shopId, input);
      const [created] = await tx
        .insert(promotionActivities)
        .values({ shopId: actor.shopId, kind: input.kind, name: input.name, description: input.description ?? null, startsAt: input.startsAt, endsAt: input.endsAt, rules: input.rules as Record<string, unknown>, productIds })
        .returning();
      return created;
    });
    return this.view(row);
  }

  async update(actor: Actor, id: string, input: ActivityInput) {
    const { before, after } = await this.p.database.transaction(async (tx) => {
      const current = await this.row(tx, actor.shopId, id, true);
      if (current.kind !== input.kind) throw unprocessable('ACTIVITY_KIND_FIXED', 'The kind of an activity cannot change', { field: 'kind' });
      if (current.status === 'ended') throw conflict('ACTIVITY_ENDED', 'An ended activity cannot change', { field: 'status' });
      const productIds = await this.checkRefs(tx, actor.shopId, input);
      const [changed] = await tx
        .update(promotionActivities)
        .set({ name: input.name, description: input.description ?? null, startsAt: input.startsAt, endsAt: input.endsAt, rules: input.rules as Record<string, unknown>, productIds, updatedAt: new Date() })
        .where(eq(promotionActivities.id, id))
        .returning();
      return { before: current, after: changed };
    });
    return { before: await this.view(before), after: await this.view(after) };
  }

  async setStatus(actor: Actor, id: string, status: 'active' | 'paused' | 'ended') {
    const { before, after } = await this.p.database.transaction(async (tx) => {
      const current = await this.row(tx, actor.shopId, id, true);
      if (current.status === 'ended' && status !== 'ended') throw conflict('ACTIVITY_ENDED', 'An ended activity cannot be restarted', { field: 'status' });
      const [changed] = await tx.update(promotionActivities).set({ status, updatedAt: new Date() }).where(eq(promotionActivities.id, id)).returning();
      return { before: current, after: changed };
    });
    return { before: await this.view(before), after: await this.view(after) };
  }

  async get(shopId: string, id: string) {
    return this.view(await this.row(this.p.db, shopId, id));
  }

  async list(shopId: string, q: { page: number; pageSize: number; kind?: string; status?: string; q?: string }): Promise<Paged<Awaited<ReturnType<ActivityService['view']>>>> {
    const now = this.p.now();
    const where: SQL[] = [eq(promotionActivities.shopId, shopId)];
    if (q.kind) where.push(eq(promotionActivities.kind, q.kind as 'bundle'));
    if (q.q) where.push(ilike(promotionActivities.name, `%${escapeLike(q.q)}%`));
    if (q.status === 'paused' || q.status === 'active') where.push(eq(promotionActivities.status, q.status));
    if (q.status === 'ended') where.push(sql`(${promotionActivities.status} = 'ended' OR ${promotionActivities.endsAt} <= ${now})`);
    if (q.status === 'upcoming') where.push(and(eq(promotionActivities.status, 'active'), gt(promotionActivities.startsAt, now))!);
    if (q.status === 'running') where.push(and(eq(promotionActivities.status, 'active'), lte(promotionActivities.startsAt, now), gt(promotionActivities.endsAt, now))!);
    const [{ n }] = await this.p.db.select({ n: count() }).from(promotionActivities).where(and(...where));
    const list = await this.p.db.select().from(promotionActivities).where(and(...where)).orderBy(desc(promotionActivities.createdAt), desc(promotionActivities.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize);
    const stats = await this.stats(shopId, list.map((a) => a.id));
    return { items: await Promise.all(list.map((a) => this.view(a, stats.get(a.id)))), total: Number(n), page: q.page, pageSize: q.pageSize };
  }

  /** Activities running at `at`, as the pricing engine sees them. */
  async running(db: Db, shopId: string, at: Date): Promise<ActivityDef[]> {
    const list = await db
      .select()
      .from(promotionActivities)
      .where(and(eq(promotionActivities.shopId, shopId), eq(promotionActivities.status, 'active'), lte(promotionActivities.startsAt, at), gt(promotionActivities.endsAt, at)))
      .orderBy(promotionActivities.createdAt, promotionActivities.id);
    return list.map((a) => ({ id: a.id, kind: a.kind, name: a.name, rules: a.rules }) as ActivityDef);
  }

  /** Active activities not yet over, with their periods: checkout caches them per shop and picks the running ones. */
  async notOver(db: Db, shopId: string, at: Date): Promise<(ActivityDef & { startsAt: string; endsAt: string })[]> {
    const list = await db
      .select()
      .from(promotionActivities)
      .where(and(eq(promotionActivities.shopId, shopId), eq(promotionActivities.status, 'active'), gt(promotionActivities.endsAt, at)))
      .orderBy(promotionActivities.createdAt, promotionActivities.id);
    return list.map((a) => ({ id: a.id, kind: a.kind, name: a.name, rules: a.rules, startsAt: a.startsAt.toISOString(), endsAt: a.endsAt.toISOString() }) as ActivityDef & { startsAt: string; endsAt: string });
  }

  /** Running and upcoming activities that name a product (or, for 满减, cover it), for its storefront page. */
  async forProduct(shopId: string, product: { id: string; categoryId: string | null }) {
    const now = this.p.now();
    const list = await this.p.db
      .select()
      .from(promotionActivities)
      .where(and(eq(promotionActivities.shopId, shopId), eq(promotionActivities.status, 'active'), gt(promotionActivities.endsAt, now)))
      .orderBy(promotionActivities.startsAt);
    const categoryPath = product.categoryId ? (await this.categories.paths(shopId))[product.categoryId] ?? [product.categoryId] : [];
    return list
      .filter((a) => (a.kind === 'full_reduction' ? inScope(a.rules as FullReductionDef['rules'], { id: product.id, categoryPath }) : (a.rules as { items: { productId: string }[] }).items.some((i) => i.productId === product.id)))
      .map((a) => ({ ...a, running: a.startsAt <= now }));
  }

  async stats(shopId: string, ids: string[]) {
    const out = new Map<string, ActivityStats>();
    if (ids.length === 0) return out;
    const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
    const list = await rows<{ ref_id: string; orders: number; revenue: string; discount: string; units: string }>(this.p.db, sql`
      SELECT op.ref_id, count(DISTINCT o.id)::int AS orders, COALESCE(sum(o.paid_fen - o.refunded_fen), 0)::bigint AS revenue,
             COALESCE(sum(op.discount_fen), 0)::bigint AS discount, COALESCE(sum(op.units), 0)::bigint AS units
      FROM order_promotions op JOIN orders o ON o.id = op.order_id
      WHERE op.shop_id = ${shopId} AND op.kind = 'activity' AND op.ref_id IN (${idList}) AND o.paid_at IS NOT NULL
      GROUP BY op.ref_id`);
    for (const id of ids) out.set(id, { orders: 0, revenueFen: 0, discountFen: 0, units: 0 });
    for (const r of list) out.set(r.ref_id, { orders: Number(r.orders), revenueFen: Number(r.revenue), discountFen: Number(r.discount), units: Number(r.units) });
    return out;
  }

  async view(a: ActivityRow, stats?: ActivityStats) {
    const now = this.p.now();
    const phase: Phase = a.status === 'ended' || a.endsAt <= now ? 'ended' : a.status === 'paused' ? 'paused' : a.startsAt > now ? 'upcoming' : 'running';
    const products = await Promise.all(
      a.productIds.slice(0, 50).map(async (id) => {
        const d = await this.catalog.detail(a.shopId, id).catch(() => null);
        return d ? { id: d.id, title: d.title, imageUrl: d.images[0] ?? null, minPriceFen: d.minPrice, status: d.status, skus: d.skus.map((s) => ({ id: s.id, specText: s.specText, priceFen: s.price, available: s.stock.available })) } : null;
      }),
    );
    return {
      id: a.id,
      kind: a.kind,
      name: a.name,
      description: a.description,
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt.toISOString(),
      status: a.status,
      phase,
      rules: a.rules,
      label: activityLabel(a.kind, a.rules),
      products: products.filter((x) => x !== null),
      stats: stats ?? (await this.stats(a.shopId, [a.id])).get(a.id)!,
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
    };
  }

  private async row(db: Db, shopId: string, id: string, lock = false): Promise<ActivityRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Activity', { field: 'id' });
    const q = db.select().from(promotionActivities).where(and(eq(promotionActivities.shopId, shopId), eq(promotionActivities.id, id)));
    const [row] = lock ? await q.for('update') : await q;
    if (!row) throw notFound('Activity', { field: 'id' });
    return row;
  }

  /** Every product, SKU and category the rules name must be this shop's; returns the products named. */
  private async checkRefs(db: Db, shopId: string, input: ActivityInput): Promise<string[]> {
    const named: { id: string; field: string }[] = [];
    const skuRefs: { id: string; productId?: string; field: string }[] = [];
    if (input.kind === 'limited_discount') {
      input.rules.items.forEach((it, i) => {
        named.push({ id: it.productId, field: `rules.items.${i}.productId` });
        if (it.skuId) skuRefs.push({ id: it.skuId, productId: it.productId, field: `rules.items.${i}.skuId` });
      });
    } else if (input.kind === 'bundle') {
      input.rules.items.forEach((it, i) => named.push({ id: it.productId, field: `rules.items.${i}.productId` }));
      if (new Set(input.rules.items.map((i) => i.productId)).size !== input.rules.items.length) throw unprocessable('BUNDLE_DUPLICATE_PRODUCT', 'A product appears twice in the bundle', { field: 'rules.items' });
    } else {
      input.rules.tiers.forEach((t, i) => t.giftSkuId && skuRefs.push({ id: t.giftSkuId, field: `rules.tiers.${i}.giftSkuId` }));
      if (input.rules.scope === 'products') input.rules.scopeIds.forEach((id, i) => named.push({ id, field: `rules.scopeIds.${i}` }));
      input.rules.excludedProductIds.forEach((id, i) => named.push({ id, field: `rules.excludedProductIds.${i}` }));
      if (input.rules.scope === 'categories') {
        if (input.rules.scopeIds.length === 0) throw unprocessable('SCOPE_EMPTY', 'Choose at least one category', { field: 'rules.scopeIds' });
        for (const [i, id] of input.rules.scopeIds.entries()) {
          await this.categories.get(shopId, id, db).catch(() => {
            throw unprocessable('CATEGORY_NOT_FOUND', 'No such category in this shop', { field: `rules.scopeIds.${i}` });
          });
        }
      }
    }
    const ok = await this.catalog.existingProductIds(shopId, named.map((n) => n.id), db);
    const bad = named.find((n) => !ok.has(n.id));
    if (bad) throw unprocessable('PRODUCT_NOT_FOUND', 'No such product in this shop', { field: bad.field });
    const giftProducts: string[] = [];
    if (skuRefs.length) {
      const found = new Map((await this.catalog.skusForOrder(db, shopId, skuRefs.map((s) => s.id))).map((s) => [s.skuId, s]));
      const badSku = skuRefs.find((s) => !found.has(s.id) || (s.productId && found.get(s.id)!.productId !== s.productId));
      if (badSku) throw unprocessable('SKU_NOT_FOUND', 'No such product option in this shop', { field: badSku.field });
      giftProducts.push(...skuRefs.map((s) => found.get(s.id)!.productId));
    }
    if (input.kind === 'bundle') {
      // A bundle must save money against its products' lowest prices, or it is a mistake.
      const lowest = await Promise.all(input.rules.items.map(async (it) => (await this.catalog.detail(shopId, it.productId, db)).minPrice * it.quantity));
      if (input.rules.priceFen >= lowest.reduce((s, x) => s + x, 0)) throw unprocessable('BUNDLE_PRICE_TOO_HIGH', 'The bundle price must be below the products bought separately', { field: 'rules.priceFen' });
    }
    // Products the rules name, for the console to show: scope products and gift products for 满减/满赠.
    return [...new Set(input.kind === 'full_reduction' ? [...(input.rules.scope === 'products' ? input.rules.scopeIds : []), ...giftProducts] : named.map((n) => n.id))];
  }
}
