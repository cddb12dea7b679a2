import { and, asc, count, desc, eq, gt, ilike, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { CouponTemplateInput } from '@siyu/contracts';
import type { Actor, Platform } from '../../platform/context.js';
import { rows, type Db, escapeLike } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { Paged } from '@siyu/contracts';
import type { CatalogService } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import type { OrderService } from '../orders/service.js';
import type { CouponDef } from './engine.js';
import { couponLabel, scopeText, validityText } from './labels.js';
import { afterCommit } from '../../platform/db/after-commit.js';
import { CouponClaims } from './claim-path.js';
import { CouponCounters } from './claim-counters.js';
import { couponTemplates, coupons, type CouponRow, type CouponSource, type CouponTemplateRow, type Validity } from './schema.js';

const VALUE_FIELDS = ['kind', 'thresholdFen', 'amountOffFen', 'percentPaid', 'maxDiscountFen', 'giftProductId', 'scope', 'scopeIds', 'excludedProductIds', 'audience', 'audienceIds', 'validity'] as const;

/** Who a customer is, for coupons meant for some members only (filled by the loyalty and tags modules). */
export interface Audience {
  of(db: Db, shopId: string, customerId: string): Promise<{ levelId: string | null; tagIds: string[] }>;
  known(db: Db, shopId: string, kind: 'levels' | 'tags', ids: string[]): Promise<Set<string>>;
}

/** A row of `usableSql`. */
export type UsableRow = Omit<CouponDef, 'label'>;

/** Whether a customer belongs to a template's audience of levels or tags (other audiences: true). */
export function inAudience(t: { audience: string; audienceIds: string[] }, who: { levelId: string | null; tagIds: string[] }): boolean {
  if (t.audience === 'levels') return !!who.levelId && t.audienceIds.includes(who.levelId);
  if (t.audience === 'tags') return who.tagIds.some((id) => t.audienceIds.includes(id));
  return true;
}
export type TemplatePatch = Partial<CouponTemplateInput>;

/**
 * Coupon templates and the coupons issued from them. Claims take the hot path (claim-path.ts: one hot-store
 * step, then group writes); every other issue — a staff batch, a pack, a gift, the points mall — goes
 * through `issue`, whose conditional UPDATE of `issued_count` is the gate that never lets more out than the
 * total: it locks the template row, so the per-customer count read after it is exact under any concurrency.
 * Both keep every coupon's `seq` within 1..perCustomerLimit under the unique (template, customer, seq), which
 * makes the limit exact across the two paths; `issue` tells the hot counters after its commit.
 */
export class CouponService {
  /** The hot counters of claimable templates (reconciliation, recounts). */
  readonly counters: CouponCounters;
  readonly claims: CouponClaims;

  private audience: Audience = { of: async () => ({ levelId: null, tagIds: [] }), known: async () => new Set() };

  /** Called at composition, once the modules that know levels and tags exist. */
  useAudience(audience: Audience) {
    this.audience = audience;
  }

  audienceOf(db: Db, shopId: string, customerId: string) {
    return this.audience.of(db, shopId, customerId);
  }

  constructor(
    private p: Platform,
    private catalog: CatalogService,
    private categories: CategoryService,
    private orders: OrderService,
  ) {
    this.counters = new CouponCounters(p);
    this.claims = new CouponClaims(p, this, this.counters, (shopId, customerId) => orders.hasPaidOrder(shopId, customerId));
  }

  // ---- templates -----------------------------------------------------------------------------------

  async createTemplate(actor: Actor, input: CouponTemplateInput) {
    const row = await this.p.database.transaction(async (tx) => {
      await this.checkRefs(tx, actor.shopId, input);
      const [created] = await tx.insert(couponTemplates).values({ shopId: actor.shopId, ...this.columns(input) }).returning();
      return created;
    });
    return this.view(row);
  }

  async updateTemplate(actor: Actor, id: string, patch: TemplatePatch) {
    const { before, after } = await this.p.database.transaction(async (tx) => {
      const before = await this.template(tx, actor.shopId, id, { lock: true });
      if (before.issuedCount > 0) {
        const changed = VALUE_FIELDS.filter((f) => f in patch && JSON.stringify(normalise(f, patch[f])) !== JSON.stringify(normalise(f, (this.input(before) as Record<string, unknown>)[f])));
        if (changed.length) throw conflict('COUPON_TEMPLATE_LOCKED', 'Coupons were issued: their value and rules can no longer change', { field: changed[0] });
      }
      if (patch.totalQuantity !== undefined && patch.totalQuantity < before.issuedCount) {
        throw unprocessable('QUANTITY_BELOW_ISSUED', `${before.issuedCount} were already issued`, { field: 'totalQuantity', issued: before.issuedCount });
      }
      const merged = { ...this.input(before), ...patch } as CouponTemplateInput;
      await this.checkRefs(tx, actor.shopId, merged);
      const [after] = await tx.update(couponTemplates).set({ ...this.columns(merged), updatedAt: new Date() }).where(eq(couponTemplates.id, id)).returning();
      return { before, after };
    });
    await this.p.shopCache.invalidate(actor.shopId);
    if (after.totalQuantity !== before.totalQuantity) await this.counters.resync(id).catch((err) => this.p.log.warn({ err, templateId: id }, 'coupon counters: recount after a quantity change failed; reconciliation will'));
    return { before: await this.view(before), after: await this.view(after) };
  }

  async setStatus(actor: Actor, id: string, status: 'active' | 'paused' | 'ended') {
    const { before, after } = await this.p.database.transaction(async (tx) => {
      const current = await this.template(tx, actor.shopId, id, { lock: true });
      if (current.status === 'ended' && status !== 'ended') throw conflict('COUPON_ENDED', 'An ended coupon cannot be restarted', { field: 'status' });
      const [changed] = await tx.update(couponTemplates).set({ status, updatedAt: new Date() }).where(eq(couponTemplates.id, id)).returning();
      return { before: current, after: changed };
    });
    // Every process's claims see the flag at once; the shop cache follows within its check interval.
    await this.counters.setFlags(id, status);
    await this.p.shopCache.invalidate(actor.shopId);
    return { before: await this.view(before), after: await this.view(after) };
  }

  async get(shopId: string, id: string) {
    return this.view(await this.template(this.p.db, shopId, id));
  }

  async list(shopId: string, q: { page: number; pageSize: number; status?: string; kind?: string; q?: string }): Promise<Paged<Awaited<ReturnType<CouponService['view']>>>> {
    const where: SQL[] = [eq(couponTemplates.shopId, shopId)];
    if (q.status) where.push(eq(couponTemplates.status, q.status as 'active'));
    if (q.kind) where.push(eq(couponTemplates.kind, q.kind as 'amount_off'));
    if (q.q) where.push(ilike(couponTemplates.name, `%${escapeLike(q.q)}%`));
    const [{ n }] = await this.p.db.select({ n: count() }).from(couponTemplates).where(and(...where));
    const list = await this.p.db.select().from(couponTemplates).where(and(...where)).orderBy(desc(couponTemplates.createdAt), desc(couponTemplates.id)).limit(q.pageSize).offset((q.page - 1) * q.pageSize);
    const stats = await this.stats(shopId, list.map((t) => t.id));
    const items = await Promise.all(list.map((t) => this.view(t, this.p.db, stats.get(t.id))));
    return { items, total: Number(n), page: q.page, pageSize: q.pageSize };
  }

  async template(db: Db, shopId: string, id: string, opts: { lock?: boolean } = {}): Promise<CouponTemplateRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Coupon', { field: 'id' });
    const q = db.select().from(couponTemplates).where(and(eq(couponTemplates.shopId, shopId), eq(couponTemplates.id, id)));
    const [row] = opts.lock ? await q.for('update') : await q;
    if (!row) throw notFound('Coupon', { field: 'id' });
    return row;
  }

  // ---- issuing -------------------------------------------------------------------------------------

  /**
   * Issues one coupon of `templateId` to a customer inside `tx`. Refusals are stable codes (409): sold out,
   * limit reached, paused, ended, new customers only. The caller's transaction rolls everything back on one.
   */
  async issue(tx: Db, shopId: string, templateId: string, customerId: string, opts: { source: CouponSource; sourceRef?: string; claimKey?: string; ignoreStatus?: boolean; id?: string }): Promise<CouponRow> {
    const now = this.p.now();
    const [t] = await tx
      .update(couponTemplates)
      .set({ issuedCount: sql`${couponTemplates.issuedCount} + 1` })
      .where(and(
        eq(couponTemplates.id, templateId),
        eq(couponTemplates.shopId, shopId),
        opts.ignoreStatus ? undefined : eq(couponTemplates.status, 'active'),
        sql`${couponTemplates.issuedCount} < ${couponTemplates.totalQuantity}`,
      ))
      .returning();
    if (!t) {
      const current = await this.template(tx, shopId, templateId);
      if (!opts.ignoreStatus && current.status === 'paused') throw conflict('COUPON_PAUSED', 'This coupon is paused', { field: 'templateId' });
      if (!opts.ignoreStatus && current.status === 'ended') throw conflict('COUPON_ENDED', 'This coupon has ended', { field: 'templateId' });
      throw conflict('COUPON_SOLD_OUT', 'All of these coupons have been claimed', { field: 'templateId' });
    }
    const validity = validWindow(t.validity, now);
    if (validity.to <= now) throw conflict('COUPON_ENDED', 'This coupon has expired', { field: 'templateId' });
    if ((t.audience === 'levels' || t.audience === 'tags') && !inAudience(t, await this.audience.of(tx, shopId, customerId))) {
      throw conflict('COUPON_AUDIENCE_MISMATCH', t.audience === 'levels' ? 'Only for members of certain levels' : 'Only for customers with certain tags', { field: 'templateId' });
    }
    if (t.audience === 'new_customers' && (await this.orders.hasPaidOrder(shopId, customerId, tx))) {
      throw conflict('COUPON_NEW_CUSTOMERS_ONLY', 'Only for customers who have not bought yet', { field: 'templateId' });
    }
    // The smallest number not taken within the limit: a claim's failed write can leave a gap, and the hot
    // path numbers claims 1..limit too, so both stay under the same unique (template, customer, seq).
    const [held] = await rows<{ n: number; free: number | null }>(tx, sql`
      SELECT count(*)::int AS n,
        (SELECT min(s)::int FROM generate_series(1, ${t.perCustomerLimit}::int) s
         WHERE NOT EXISTS (SELECT 1 FROM coupons x WHERE x.template_id = ${templateId} AND x.customer_id = ${customerId} AND x.seq = s)) AS free
      FROM coupons WHERE template_id = ${templateId} AND customer_id = ${customerId}`);
    if (Number(held.n) >= t.perCustomerLimit || held.free === null) throw conflict('COUPON_LIMIT_REACHED', `At most ${t.perCustomerLimit} per customer`, { field: 'templateId', limit: t.perCustomerLimit });
    const [coupon] = await tx
      .insert(coupons)
      .values({ ...(opts.id ? { id: opts.id } : {}), shopId, templateId, customerId, seq: Number(held.free), source: opts.source, sourceRef: opts.sourceRef ?? null, claimKey: opts.claimKey ?? null, validFrom: validity.from, validTo: validity.to })
      .returning();
    await this.p.events.emit(tx, { shopId, type: 'coupon.issued', payload: { couponId: coupon.id, templateId, customerId, source: opts.source } });
    // Keyed by what a retried transaction repeats, so a retry does not count the coupon twice.
    await afterCommit(`coupon-counters:${templateId}:${customerId}`, () => this.counters.touched(templateId, [customerId]));
    return coupon;
  }

  /**
   * When two customers merge, the merged-away one's coupons (used or not) go to the survivor, numbered
   * after the survivor's own; a coupon given under the same key to both (the same month's level pack)
   * keeps its own identity.
   */
  async moveCustomer(tx: Db, shopId: string, fromId: string, intoId: string) {
    const moved = await rows<{ template_id: string }>(tx, sql`
      UPDATE coupons c SET customer_id = ${intoId},
        seq = c.seq + coalesce((SELECT max(x.seq) FROM coupons x WHERE x.template_id = c.template_id AND x.customer_id = ${intoId}), 0),
        source_ref = CASE WHEN c.source_ref IS NOT NULL AND EXISTS (SELECT 1 FROM coupons x WHERE x.template_id = c.template_id AND x.customer_id = ${intoId} AND x.source = c.source AND x.source_ref = c.source_ref)
                          THEN c.source_ref || ':merged:' || ${fromId} ELSE c.source_ref END,
        claim_key = CASE WHEN c.claim_key IS NOT NULL AND EXISTS (SELECT 1 FROM coupons x WHERE x.shop_id = c.shop_id AND x.customer_id = ${intoId} AND x.claim_key = c.claim_key)
                         THEN NULL ELSE c.claim_key END
      WHERE c.shop_id = ${shopId} AND c.customer_id = ${fromId}
      RETURNING c.template_id`);
    for (const templateId of new Set(moved.map((m) => m.template_id))) {
      await afterCommit(`coupon-counters:${templateId}:${fromId}:${intoId}`, () => this.counters.touched(templateId, [fromId, intoId]));
    }
  }

  /** A customer claims from the claim centre or a claim link; a retry with the same key returns the same coupon. */
  claim(shopId: string, customerId: string, templateId: string, claimKey?: string) {
    return this.claims.claim(shopId, customerId, templateId, claimKey);
  }

  // ---- customers' coupons ---------------------------------------------------------------------------

  async mine(shopId: string, customerId: string, status?: 'unused' | 'used' | 'expired') {
    await this.expireDue(shopId, customerId);
    const list = await this.p.db
      .select({ c: coupons, t: couponTemplates })
      .from(coupons)
      .innerJoin(couponTemplates, eq(couponTemplates.id, coupons.templateId))
      .where(and(eq(coupons.shopId, shopId), eq(coupons.customerId, customerId), status ? eq(coupons.status, status) : undefined))
      .orderBy(asc(coupons.status), asc(coupons.validTo))
      .limit(500);
    const counts = await rows<{ status: string; n: number }>(this.p.db, sql`SELECT status, count(*)::int AS n FROM coupons WHERE shop_id = ${shopId} AND customer_id = ${customerId} GROUP BY status`);
    const by = Object.fromEntries(counts.map((r) => [r.status, Number(r.n)]));
    return { items: list.map(({ c, t }) => this.myView(c, t)), counts: { unused: by.unused ?? 0, used: by.used ?? 0, expired: by.expired ?? 0 } };
  }

  /**
   * `usable` as one SQL expression yielding a JSON array, for checkout's one read; `usableFrom` turns the
   * rows into what the engine sees (labels; the titles of exchange coupons' goods are read only if any).
   */
  usableSql(shopId: string, customerId: string, at: Date): SQL {
    return sql`(SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'templateId', t.id, 'name', t.name, 'kind', t.kind, 'thresholdFen', t.threshold_fen, 'amountOffFen', t.amount_off_fen,
        'percentPaid', t.percent_paid, 'maxDiscountFen', t.max_discount_fen, 'giftProductId', t.gift_product_id, 'scope', t.scope,
        'scopeIds', t.scope_ids, 'excludedProductIds', t.excluded_product_ids, 'audience', t.audience, 'audienceIds', t.audience_ids,
        'stacksWithActivities', t.stacks_with_activities, 'validFrom', c.valid_from, 'validTo', c.valid_to) ORDER BY c.valid_to), '[]'::json)
      FROM (SELECT id, template_id, valid_from, valid_to FROM coupons
            WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND status = 'unused' AND valid_to > ${at.toISOString()}::timestamptz
            ORDER BY valid_to LIMIT 200) c
      JOIN coupon_templates t ON t.id = c.template_id)`;
  }

  async usableFrom(db: Db, shopId: string, list: UsableRow[]): Promise<CouponDef[]> {
    const giftIds = list.map((r) => r.giftProductId).filter((x): x is string => !!x);
    const giftTitles = giftIds.length ? await this.giftTitles(shopId, giftIds, db) : new Map<string, string>();
    return list.map((r) => ({
      ...r,
      label: couponLabel(r, r.giftProductId ? giftTitles.get(r.giftProductId) : null),
      validFrom: new Date(r.validFrom).toISOString(),
      validTo: new Date(r.validTo).toISOString(),
    }));
  }

  /** Unused, unexpired coupons as the pricing engine sees them. */
  async usable(db: Db, shopId: string, customerId: string, at: Date): Promise<CouponDef[]> {
    const list = await db
      .select({ c: coupons, t: couponTemplates })
      .from(coupons)
      .innerJoin(couponTemplates, eq(couponTemplates.id, coupons.templateId))
      .where(and(eq(coupons.shopId, shopId), eq(coupons.customerId, customerId), eq(coupons.status, 'unused'), gt(coupons.validTo, at)))
      .orderBy(asc(coupons.validTo))
      .limit(200);
    const giftTitles = await this.giftTitles(shopId, list.map(({ t }) => t.giftProductId), db);
    return list.map(({ c, t }) => ({
      id: c.id,
      templateId: t.id,
      name: t.name,
      label: couponLabel(t, t.giftProductId ? giftTitles.get(t.giftProductId) : null),
      kind: t.kind,
      thresholdFen: t.thresholdFen,
      amountOffFen: t.amountOffFen,
      percentPaid: t.percentPaid,
      maxDiscountFen: t.maxDiscountFen,
      giftProductId: t.giftProductId,
      scope: t.scope,
      scopeIds: t.scopeIds,
      excludedProductIds: t.excludedProductIds,
      audience: t.audience,
      audienceIds: t.audienceIds,
      stacksWithActivities: t.stacksWithActivities,
      validFrom: c.validFrom.toISOString(),
      validTo: c.validTo.toISOString(),
    }));
  }

  /** A customer's own coupon's status (null when it is not theirs), to word a refusal. */
  async statusOf(db: Db, shopId: string, customerId: string, couponId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(couponId)) return null;
    const [row] = await db.select({ status: coupons.status }).from(coupons).where(and(eq(coupons.id, couponId), eq(coupons.shopId, shopId), eq(coupons.customerId, customerId)));
    return row?.status ?? null;
  }

  /** Marks the coupon used by an order, inside the order's transaction; a parallel order finds it taken. */
  async markUsed(tx: Db, shopId: string, customerId: string, couponId: string, orderId: string) {
    const now = this.p.now();
    const done = await tx
      .update(coupons)
      .set({ status: 'used', orderId, usedAt: now, updatedAt: now })
      .where(and(eq(coupons.id, couponId), eq(coupons.shopId, shopId), eq(coupons.customerId, customerId), eq(coupons.status, 'unused'), gt(coupons.validTo, now)))
      .returning({ id: coupons.id });
    if (done.length === 0) throw conflict('COUPON_ALREADY_USED', 'This coupon was just used or has expired', { field: 'couponId' });
  }

  /** A cancelled or fully refunded order gives its coupon back — unused if still valid, else expired. */
  async giveBack(tx: Db, shopId: string, orderId: string) {
    const now = this.p.now();
    await tx.execute(sql`
      UPDATE coupons SET status = CASE WHEN valid_to > ${now} THEN 'unused' ELSE 'expired' END, order_id = NULL, used_at = NULL, updated_at = ${now}
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND status = 'used'`);
  }

  /**
   * `coupon.expiring` once per unused coupon, `days` before it ends (messaging turns it into a reminder).
   * One statement marks and returns them, so two workers never announce the same coupon.
   */
  async announceExpiring(days = 3) {
    const now = this.p.now();
    const soon = new Date(now.getTime() + days * 86_400_000);
    return this.p.database.transaction(async (tx) => {
      const list = await rows<{ id: string; shop_id: string; customer_id: string; valid_to: Date; name: string }>(tx, sql`
        UPDATE coupons c SET expiring_notified_at = ${now.toISOString()}::timestamptz FROM coupon_templates t
        WHERE t.id = c.template_id AND c.status = 'unused' AND c.expiring_notified_at IS NULL
          AND c.valid_to > ${now.toISOString()}::timestamptz AND c.valid_to <= ${soon.toISOString()}::timestamptz
        RETURNING c.id, c.shop_id, c.customer_id, c.valid_to, t.name`);
      for (const c of list) {
        await this.p.events.emit(tx, { shopId: c.shop_id, type: 'coupon.expiring', payload: { couponId: c.id, customerId: c.customer_id, name: c.name, validTo: new Date(c.valid_to).toISOString() } });
      }
      return list.length;
    });
  }

  async expireDue(shopId?: string, customerId?: string) {
    const now = this.p.now();
    await this.p.db
      .update(coupons)
      .set({ status: 'expired', updatedAt: now })
      .where(and(eq(coupons.status, 'unused'), lte(coupons.validTo, now), shopId ? eq(coupons.shopId, shopId) : undefined, customerId ? eq(coupons.customerId, customerId) : undefined));
  }

  /** Coupons issued from a template, for the console. */
  async issued(shopId: string, templateId: string, q: { page: number; pageSize: number; status?: string }) {
    await this.template(this.p.db, shopId, templateId);
    const where = and(eq(coupons.shopId, shopId), eq(coupons.templateId, templateId), q.status ? eq(coupons.status, q.status as 'unused') : undefined);
    const [{ n }] = await this.p.db.select({ n: count() }).from(coupons).where(where);
    const list = await rows<Record<string, unknown>>(this.p.db, sql`
      SELECT c.id, c.template_id, c.customer_id, c.status, c.source, c.valid_from, c.valid_to, c.used_at, c.order_id, c.created_at,
             cu.phone AS customer_phone, cu.nickname AS customer_name, o.order_no
      FROM coupons c
      LEFT JOIN customers cu ON cu.id = c.customer_id
      LEFT JOIN orders o ON o.id = c.order_id
      WHERE c.shop_id = ${shopId} AND c.template_id = ${templateId} ${q.status ? sql`AND c.status = ${q.status}` : sql``}
      ORDER BY c.created_at DESC, c.id
      LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return {
      items: list.map((r) => ({
        id: r.id, templateId: r.template_id, customerId: r.customer_id, customerPhone: r.customer_phone ?? null, customerName: r.customer_name ?? null,
        status: r.status, source: r.source, validFrom: iso(r.valid_from), validTo: iso(r.valid_to), usedAt: r.used_at ? iso(r.used_at) : null,
        orderId: r.order_id ?? null, orderNo: r.order_no ?? null, createdAt: iso(r.created_at),
      })),
      total: Number(n), page: q.page, pageSize: q.pageSize,
    };
  }

  // ---- views ---------------------------------------------------------------------------------------

  async stats(shopId: string, ids: string[]) {
    const out = new Map<string, { issued: number; used: number; expired: number; orders: number; revenueFen: number; discountFen: number }>();
    if (ids.length === 0) return out;
    const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
    const byStatus = await rows<{ template_id: string; status: string; n: number }>(this.p.db, sql`
      SELECT template_id, status, count(*)::int AS n FROM coupons WHERE shop_id = ${shopId} AND template_id IN (${idList}) GROUP BY template_id, status`);
    const byOrders = await rows<{ template_id: string; orders: number; revenue: string; discount: string }>(this.p.db, sql`
      SELECT c.template_id, count(DISTINCT o.id)::int AS orders, COALESCE(sum(o.paid_fen - o.refunded_fen), 0)::bigint AS revenue, COALESCE(sum(op.discount_fen), 0)::bigint AS discount
      FROM order_promotions op JOIN coupons c ON c.id = op.ref_id JOIN orders o ON o.id = op.order_id
      WHERE op.shop_id = ${shopId} AND op.kind = 'coupon' AND c.template_id IN (${idList}) AND o.paid_at IS NOT NULL
      GROUP BY c.template_id`);
    for (const id of ids) out.set(id, { issued: 0, used: 0, expired: 0, orders: 0, revenueFen: 0, discountFen: 0 });
    for (const r of byStatus) {
      const s = out.get(r.template_id)!;
      s.issued += Number(r.n);
      if (r.status === 'used') s.used = Number(r.n);
      if (r.status === 'expired') s.expired = Number(r.n);
    }
    for (const r of byOrders) Object.assign(out.get(r.template_id)!, { orders: Number(r.orders), revenueFen: Number(r.revenue), discountFen: Number(r.discount) });
    return out;
  }

  async view(t: CouponTemplateRow, db: Db = this.p.db, stats?: { issued: number; used: number; expired: number; orders: number; revenueFen: number; discountFen: number }) {
    const shop = await this.shopSlug(t.shopId, db);
    const giftTitle = t.giftProductId ? (await this.giftTitles(t.shopId, [t.giftProductId], db)).get(t.giftProductId) ?? null : null;
    return {
      ...this.input(t),
      id: t.id,
      amountOffFen: t.amountOffFen,
      percentPaid: t.percentPaid,
      maxDiscountFen: t.maxDiscountFen,
      giftProductId: t.giftProductId,
      giftProductTitle: giftTitle,
      description: t.description,
      issuedCount: t.issuedCount,
      status: t.status,
      label: couponLabel(t, giftTitle),
      scopeText: scopeText(t.scope),
      validityText: validityText(t.validity),
      claimPath: `/s/${shop}/coupons/${t.id}`,
      stats: stats ?? (await this.stats(t.shopId, [t.id])).get(t.id)!,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }

  myView(c: CouponRow, t: CouponTemplateRow) {
    const expired = c.status === 'unused' && c.validTo <= this.p.now();
    return {
      id: c.id,
      templateId: t.id,
      name: t.name,
      kind: t.kind,
      label: couponLabel(t),
      scopeText: scopeText(t.scope),
      thresholdFen: t.thresholdFen,
      amountOffFen: t.amountOffFen,
      percentPaid: t.percentPaid,
      maxDiscountFen: t.maxDiscountFen,
      description: t.description,
      validFrom: c.validFrom.toISOString(),
      validTo: c.validTo.toISOString(),
      status: expired ? ('expired' as const) : c.status,
      usedAt: c.usedAt?.toISOString() ?? null,
      orderId: c.orderId,
      source: c.source,
    };
  }

  private input(t: CouponTemplateRow) {
    return {
      name: t.name,
      kind: t.kind,
      thresholdFen: t.thresholdFen,
      amountOffFen: t.amountOffFen ?? undefined,
      percentPaid: t.percentPaid ?? undefined,
      maxDiscountFen: t.maxDiscountFen ?? undefined,
      giftProductId: t.giftProductId ?? undefined,
      scope: t.scope,
      scopeIds: t.scopeIds,
      excludedProductIds: t.excludedProductIds,
      audience: t.audience,
      audienceIds: t.audienceIds,
      validity: t.validity,
      totalQuantity: t.totalQuantity,
      perCustomerLimit: t.perCustomerLimit,
      stacksWithActivities: t.stacksWithActivities,
      claimable: t.claimable,
      description: t.description ?? undefined,
    };
  }

  private columns(i: CouponTemplateInput) {
    const validity: Validity = i.validity.type === 'fixed' ? { type: 'fixed', from: new Date(i.validity.from).toISOString(), to: new Date(i.validity.to).toISOString() } : { type: 'relative', days: i.validity.days };
    return {
      name: i.name,
      kind: i.kind,
      thresholdFen: i.thresholdFen ?? 0,
      amountOffFen: i.kind === 'amount_off' || i.kind === 'no_threshold' ? i.amountOffFen ?? null : null,
      percentPaid: i.kind === 'percent_off' ? i.percentPaid ?? null : null,
      maxDiscountFen: i.kind === 'percent_off' ? i.maxDiscountFen ?? null : null,
      giftProductId: i.kind === 'gift' ? i.giftProductId ?? null : null,
      scope: i.scope ?? 'all',
      scopeIds: i.scope === 'all' ? [] : i.scopeIds ?? [],
      excludedProductIds: i.excludedProductIds ?? [],
      audience: i.audience ?? 'all',
      audienceIds: i.audience === 'levels' || i.audience === 'tags' ? i.audienceIds ?? [] : [],
      validity,
      totalQuantity: i.totalQuantity,
      perCustomerLimit: i.perCustomerLimit ?? 1,
      stacksWithActivities: i.stacksWithActivities ?? true,
      claimable: i.claimable ?? true,
      description: i.description ?? null,
    };
  }

  /** Products and categories named by a template must be this shop's (422 naming the field otherwise). */
  private async checkRefs(db: Db, shopId: string, i: Partial<CouponTemplateInput>) {
    if (i.kind === 'gift' && i.giftProductId) {
      const ok = await this.catalog.existingProductIds(shopId, [i.giftProductId], db);
      if (!ok.has(i.giftProductId)) throw unprocessable('PRODUCT_NOT_FOUND', 'No such product in this shop', { field: 'giftProductId' });
    }
    if (i.scope === 'products') await this.checkProducts(db, shopId, i.scopeIds ?? [], 'scopeIds');
    if (i.scope === 'categories') {
      for (const [k, id] of (i.scopeIds ?? []).entries()) {
        await this.categories.get(shopId, id, db).catch((err) => {
          if (err instanceof AppError && err.status === 404) throw unprocessable('CATEGORY_NOT_FOUND', 'No such category in this shop', { field: `scopeIds.${k}` });
          throw err;
        });
      }
    }
    await this.checkProducts(db, shopId, i.excludedProductIds ?? [], 'excludedProductIds');
    if (i.audience === 'levels' || i.audience === 'tags') {
      const ids = i.audienceIds ?? [];
      const known = await this.audience.known(db, shopId, i.audience, ids);
      const bad = ids.findIndex((id) => !known.has(id));
      if (bad >= 0) throw unprocessable(i.audience === 'levels' ? 'LEVEL_NOT_FOUND' : 'TAG_NOT_FOUND', 'Not in this shop', { field: `audienceIds.${bad}` });
    }
  }

  private async checkProducts(db: Db, shopId: string, ids: string[], field: string) {
    const ok = await this.catalog.existingProductIds(shopId, ids, db);
    const bad = ids.findIndex((id) => !ok.has(id));
    if (bad >= 0) throw unprocessable('PRODUCT_NOT_FOUND', 'No such product in this shop', { field: `${field}.${bad}` });
  }

  private async giftTitles(shopId: string, ids: (string | null)[], db: Db) {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    return this.catalog.titles(shopId, wanted, db);
  }

  private slugs = new Map<string, string>();
  private async shopSlug(shopId: string, db: Db) {
    let slug = this.slugs.get(shopId);
    if (!slug) {
      const [r] = await rows<{ slug: string }>(db, sql`SELECT slug FROM shops WHERE id = ${shopId}`);
      slug = r.slug;
      this.slugs.set(shopId, slug);
    }
    return slug;
  }

  /** Template ids among `ids` (for packs). */
  async existingTemplateIds(db: Db, shopId: string, ids: string[]) {
    if (ids.length === 0) return new Set<string>();
    const list = await db.select({ id: couponTemplates.id }).from(couponTemplates).where(and(eq(couponTemplates.shopId, shopId), inArray(couponTemplates.id, ids)));
    return new Set(list.map((r) => r.id));
  }
}

/** When a coupon issued now is valid: the template's fixed dates, or from now for N days. */
export function validWindow(v: Validity, now: Date): { from: Date; to: Date } {
  if (v.type === 'fixed') return { from: new Date(v.from), to: new Date(v.to) };
  return { from: now, to: new Date(now.getTime() + v.days * 86_400_000) };
}

function normalise(field: string, v: unknown) {
  if (field === 'validity' && v && typeof v === 'object' && (v as { type: string }).type === 'fixed') {
    const f = v as { from: string | Date; to: string | Date };
    return { type: 'fixed', from: new Date(f.from).toISOString(), to: new Date(f.to).toISOString() };
  }
  if (Array.isArray(v)) return [...v].sort();
  return v ?? null;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
