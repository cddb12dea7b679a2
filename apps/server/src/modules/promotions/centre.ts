import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows } from '../../platform/db/index.js';
import type { CategoryService } from '../catalog/categories.js';
import { inAudience, type CouponService } from './coupon-service.js';
import { inScope } from './engine.js';
import { couponLabel, scopeText, validityText } from './labels.js';
import { couponTemplates, type CouponTemplateRow } from './schema.js';

/**
 * 领券中心: what a visitor may claim and, when signed in, what they already hold. The reason a coupon
 * cannot be claimed is worded for the customer ("已领完", "已领取", "仅限新客").
 */
export class CouponCentre {
  constructor(
    private p: Platform,
    private coupons: CouponService,
    private categories: CategoryService,
  ) {}

  async list(shopId: string, customerId: string | null) {
    const now = this.p.now();
    const list = await this.p.db
      .select()
      .from(couponTemplates)
      .where(and(eq(couponTemplates.shopId, shopId), eq(couponTemplates.status, 'active'), eq(couponTemplates.claimable, true), sql`(${couponTemplates.validity}->>'type' = 'relative' OR (${couponTemplates.validity}->>'to')::timestamptz > ${now})`))
      .orderBy(couponTemplates.createdAt)
      .limit(100);
    return this.views(shopId, list, customerId);
  }

  async one(shopId: string, id: string, customerId: string | null) {
    const t = await this.coupons.template(this.p.db, shopId, id);
    return (await this.views(shopId, [t], customerId))[0];
  }

  /** Claim-centre coupons a product qualifies for (scope and exclusions). */
  async forProduct(shopId: string, product: { id: string; categoryId: string | null }, customerId: string | null) {
    const all = await this.list(shopId, customerId);
    const ids = all.map((c) => c.id);
    if (ids.length === 0) return [];
    const templates = await this.p.db.select().from(couponTemplates).where(inArray(couponTemplates.id, ids));
    const categoryPath = product.categoryId ? (await this.categories.paths(shopId))[product.categoryId] ?? [product.categoryId] : [];
    const fits = new Set(
      templates
        .filter((t) => inScope(t, { id: product.id, categoryPath }))
        .filter((t) => t.kind !== 'gift' || t.giftProductId === product.id)
        .map((t) => t.id),
    );
    return all.filter((c) => fits.has(c.id));
  }

  private async views(shopId: string, list: CouponTemplateRow[], customerId: string | null) {
    const held = new Map<string, number>();
    let isNew = true;
    let who: { levelId: string | null; tagIds: string[] } = { levelId: null, tagIds: [] };
    if (customerId && list.some((t) => t.audience === 'levels' || t.audience === 'tags')) who = await this.coupons.audienceOf(this.p.db, shopId, customerId);
    if (customerId && list.length) {
      const counts = await rows<{ template_id: string; n: number }>(this.p.db, sql`
        SELECT template_id, count(*)::int AS n FROM coupons WHERE shop_id = ${shopId} AND customer_id = ${customerId}
          AND template_id IN (${sql.join(list.map((t) => sql`${t.id}::uuid`), sql`, `)}) GROUP BY template_id`);
      for (const r of counts) held.set(r.template_id, Number(r.n));
      const [paid] = await rows(this.p.db, sql`SELECT 1 FROM orders WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND paid_at IS NOT NULL LIMIT 1`);
      isNew = !paid;
    }
    const now = this.p.now();
    return list.map((t) => {
      const remaining = Math.max(0, t.totalQuantity - t.issuedCount);
      const mine = held.get(t.id) ?? 0;
      const ended = t.status === 'ended' || (t.validity.type === 'fixed' && new Date(t.validity.to) <= now);
      const reason =
        ended ? '活动已结束'
        : t.status === 'paused' ? '活动已暂停'
        : mine >= t.perCustomerLimit ? '已领取'
        : remaining === 0 ? '已领完'
        : t.audience === 'new_customers' && !isNew ? '仅限新客'
        : (t.audience === 'levels' || t.audience === 'tags') && !inAudience(t, who) ? (t.audience === 'levels' ? '仅限指定会员等级' : '仅限指定客户')
        : null;
      return {
        id: t.id,
        name: t.name,
        kind: t.kind,
        label: couponLabel(t),
        scopeText: scopeText(t.scope),
        validityText: validityText(t.validity),
        thresholdFen: t.thresholdFen,
        amountOffFen: t.amountOffFen,
        percentPaid: t.percentPaid,
        maxDiscountFen: t.maxDiscountFen,
        description: t.description,
        audience: t.audience,
        remaining,
        claimedByMe: mine,
        canClaim: reason === null,
        reason,
      };
    });
  }
}

