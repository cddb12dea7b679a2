import { sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { rows, type Db } from '../../platform/db/index.js';
import { uuidArray } from '../../platform/db/prepared.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { CatalogService, SkuForOrder } from '../catalog/service.js';
import type { CategoryService } from '../catalog/categories.js';
import type { InventoryService } from '../inventory/service.js';
import { hasOwnPrice, type CheckoutExtension, type GiftCandidate } from '../orders/checkout.js';
import type { OrderService } from '../orders/service.js';
import type { PricingResult } from '../orders/pricing.js';
import type { ActivityService } from './activity-service.js';
import type { CouponService, UsableRow } from './coupon-service.js';
import { ACTIVITY_CODES, promotionSteps, type ActivityDef, type CouponDef, type LimitedDiscountDef, type PromotionContext } from './engine.js';
import { scopeText } from './labels.js';
import { orderPromotions } from './schema.js';

interface Ctx extends PromotionContext {
  /** What the customer asked for: a coupon id, null for none, undefined for "the best one". */
  requested: string | null | undefined;
  /** The asked-for coupon's status when it is not usable (used by a parallel order, expired, not theirs). */
  requestedStatus?: string | null;
}

/**
 * Promotions' part in checkout: loads running activities and the customer's coupons for the pure
 * engine steps, picks the best coupon when the customer did not choose, and inside the order's
 * transaction marks the coupon used and records what each promotion saved.
 */
export function promotionsCheckoutExtension(p: Platform, d: { coupons: CouponService; activities: ActivityService; orders: OrderService; catalog: CatalogService; categories: CategoryService; inventory: InventoryService }): CheckoutExtension {
  return {
    code: 'promotions',
    steps: promotionSteps,

    // What staff set up: activities not yet over (those running at the moment of each checkout are
    // picked from them) and the category tree for scoped offers.
    async shopData(shopId, db): Promise<ShopPromotions> {
      const [activities, categoryPaths] = await Promise.all([d.activities.notOver(db, shopId, p.now()), d.categories.paths(shopId, db)]);
      return { activities, categoryPaths };
    },

    customerData(q, raw) {
      const shop = raw as ShopPromotions;
      const limited = running(shop, q.at).filter((a): a is LimitedDiscountDef => a.kind === 'limited_discount' && a.rules.perCustomerLimit > 0).map((a) => a.id);
      const gifts = giftSkuIds(running(shop, q.at));
      const requested = q.input.couponId && UUID.test(q.input.couponId) ? q.input.couponId : null;
      return sql`json_build_object(
        'coupons', ${d.coupons.usableSql(q.shopId, q.customerId, q.at)},
        'hasPaid', ${d.orders.hasPaidOrderSql(q.shopId, q.customerId)},
        'bought', ${unitsBoughtSql(q.shopId, q.customerId, limited)},
        'requestedStatus', (SELECT status FROM coupons WHERE id = ${requested}::uuid AND shop_id = ${q.shopId} AND customer_id = ${q.customerId}),
        'giftSkus', ${d.catalog.skusForOrderSql(q.shopId, gifts)},
        'giftStock', ${d.inventory.availableSql(q.shopId, gifts)})`;
    },

    async load(db, q, data) {
      // A points-mall redemption, a pre-sale balance, a group or bargain price: no activity, coupon or gift applies.
      if (hasOwnPrice(q.input)) {
        const none: Ctx = { activities: [], boughtAtActivity: {}, isNewCustomer: false, coupons: [], couponId: null, requested: null };
        return { context: none };
      }
      const shop = data.shop as ShopPromotions;
      const mine = data.customer as CustomerPromotions;
      const activities = running(shop, q.at);
      const coupons = await d.coupons.usableFrom(db, q.shopId, mine.coupons);
      const stock = mine.giftStock;
      const giftCandidates: GiftCandidate[] = mine.giftSkus
        .filter((s) => (stock[s.skuId] ?? 0) > 0)
        .map((s) => ({ skuId: s.skuId, productId: s.productId, categoryId: s.categoryId, title: s.productTitle, specText: s.specText, unitPriceFen: s.price, quantity: 1, weightGrams: s.weightGrams ?? 0, skuCode: s.skuCode ?? null, imageUrl: s.imageUrl ?? null }));
      const requested = q.input.couponId;
      const requestedStatus = requested && !coupons.some((c) => c.id === requested) ? mine.requestedStatus : undefined;
      // Someone else's coupon (or another shop's) is not there at all, for preview and order alike.
      if (requestedStatus === null) throw notFound('Coupon', { field: 'couponId' });
      const byCategory = activities.some((a) => a.kind === 'full_reduction' && a.rules.scope === 'categories') || coupons.some((c) => c.scope === 'categories');
      const who = coupons.some((c) => c.audience === 'levels' || c.audience === 'tags') ? await d.coupons.audienceOf(db, q.shopId, q.customerId) : { levelId: null, tagIds: [] };
      const context: Ctx = {
        activities,
        boughtAtActivity: mine.bought,
        isNewCustomer: !mine.hasPaid,
        coupons,
        couponId: requested ?? null,
        requested,
        requestedStatus,
        categoryPaths: byCategory ? shop.categoryPaths : {},
        customerLevelId: who.levelId,
        customerTagIds: who.tagIds,
      };
      return { context, giftCandidates };
    },

    settle(raw, price) {
      const ctx = raw as Ctx;
      const base = price({ ...ctx, couponId: null });
      const available: { coupon: ReturnType<typeof couponView>; savingFen: number }[] = [];
      const unavailable: { coupon: ReturnType<typeof couponView>; reason: string }[] = [];
      for (const c of ctx.coupons) {
        const r = price({ ...ctx, couponId: c.id });
        if (r.adjustments.some((a) => a.code === 'coupon' && a.ref === c.id)) available.push({ coupon: couponView(c), savingFen: base.payableFen - r.payableFen });
        else unavailable.push({ coupon: couponView(c), reason: r.notes.find((n) => n.code === 'coupon' && n.ref === c.id)?.message ?? '不可用' });
      }
      // Best first; on a tie the one that expires sooner, so the customer loses nothing.
      available.sort((a, b) => b.savingFen - a.savingFen || a.coupon.validTo.localeCompare(b.coupon.validTo));
      const selectedId = ctx.requested === undefined ? available[0]?.coupon.id ?? null : ctx.requested;
      return { context: { ...ctx, couponId: selectedId }, extras: { coupons: { selectedId, available, unavailable } } };
    },

    async commit(tx, order, pricing, raw) {
      const ctx = raw as Ctx;
      const applied = pricing.adjustments.find((a) => a.code === 'coupon');
      if (ctx.requested && ctx.requestedStatus === 'used') throw conflict('COUPON_ALREADY_USED', 'This coupon was just used by another order', { field: 'couponId' });
      if (ctx.requested && applied?.ref !== ctx.requested) {
        const reason = pricing.notes.find((n) => n.code === 'coupon')?.message ?? '优惠券不可用';
        throw conflict('COUPON_NOT_APPLICABLE', reason, { field: 'couponId' });
      }
      if (applied?.ref) await d.coupons.markUsed(tx, order.shopId, order.customerId, applied.ref, order.id);
      const used = byRef(pricing);
      for (const [ref, u] of used) {
        if (u.kind === 'activity' && u.units > 0) {
          const limit = ctx.activities.find((a): a is LimitedDiscountDef => a.id === ref && a.kind === 'limited_discount')?.rules.perCustomerLimit ?? 0;
          if (limit > 0) await holdActivityLimit(tx, order.shopId, order.customerId, ref, u.units, limit);
        }
        await tx.insert(orderPromotions).values({ shopId: order.shopId, orderId: order.id, customerId: order.customerId, kind: u.kind, refId: ref, discountFen: u.discountFen, units: u.units });
      }
    },
  };
}

/** Savings per coupon or activity in a priced order. */
function byRef(pricing: PricingResult) {
  const out = new Map<string, { kind: 'coupon' | 'activity'; discountFen: number; units: number }>();
  for (const a of pricing.adjustments) {
    if (!a.ref) continue;
    const kind = a.code === 'coupon' ? 'coupon' : (ACTIVITY_CODES as readonly string[]).includes(a.code) ? 'activity' : null;
    if (!kind) continue;
    const cur = out.get(a.ref) ?? { kind, discountFen: 0, units: 0 };
    cur.discountFen += -a.amountFen;
    cur.units += a.code === 'limited_discount' ? a.quantity ?? 0 : 0;
    out.set(a.ref, cur);
  }
  return out;
}

interface ShopPromotions {
  activities: (ActivityDef & { startsAt: string; endsAt: string })[];
  categoryPaths: Record<string, string[]>;
}

interface CustomerPromotions {
  coupons: UsableRow[];
  hasPaid: boolean;
  bought: Record<string, number>;
  requestedStatus: string | null;
  giftSkus: SkuForOrder[];
  giftStock: Record<string, number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The shop's activities running at `at` (status active, inside their period). */
function running(shop: ShopPromotions, at: Date): ActivityDef[] {
  const t = at.getTime();
  return shop.activities.filter((a) => Date.parse(a.startsAt) <= t && t < Date.parse(a.endsAt));
}

/** 满赠 gift SKUs of the activities. */
function giftSkuIds(activities: ActivityDef[]): string[] {
  return activities.flatMap((a) => (a.kind === 'full_reduction' ? a.rules.tiers.map((t) => t.giftSkuId).filter((x): x is string => !!x) : []));
}

/** `unitsBought` as SQL yielding a JSON object `{ activityId: units }`, for checkout's one read. */
function unitsBoughtSql(shopId: string, customerId: string, activityIds: string[]): SQL {
  return sql`(SELECT coalesce(json_object_agg(b.ref_id, b.units), '{}'::json) FROM (
      SELECT op.ref_id, sum(op.units)::int AS units FROM order_promotions op JOIN orders o ON o.id = op.order_id
      WHERE op.shop_id = ${shopId} AND op.customer_id = ${customerId} AND op.kind = 'activity' AND o.status <> 'cancelled'
        AND op.ref_id = ANY(${uuidArray(activityIds)}::uuid[])
      GROUP BY op.ref_id) b)`;
}

/** Units the customer already bought at each activity's price (orders not cancelled). */
async function unitsBought(db: Db, shopId: string, customerId: string, activityIds: string[]): Promise<Record<string, number>> {
  if (activityIds.length === 0) return {};
  const list = await rows<{ ref_id: string; units: string }>(db, sql`
    SELECT op.ref_id, COALESCE(sum(op.units), 0)::bigint AS units FROM order_promotions op JOIN orders o ON o.id = op.order_id
    WHERE op.shop_id = ${shopId} AND op.customer_id = ${customerId} AND op.kind = 'activity' AND o.status <> 'cancelled'
      AND op.ref_id IN (${sql.join(activityIds.map((id) => sql`${id}::uuid`), sql`, `)})
    GROUP BY op.ref_id`);
  return Object.fromEntries(list.map((r) => [r.ref_id, Number(r.units)]));
}

/** Parallel orders of one customer must not together pass an activity's per-customer limit. */
async function holdActivityLimit(tx: Db, shopId: string, customerId: string, activityId: string, units: number, limit: number) {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`activity-limit:${activityId}:${customerId}`}))`);
  const before = (await unitsBought(tx, shopId, customerId, [activityId]))[activityId] ?? 0;
  if (before + units > limit) throw conflict('ACTIVITY_LIMIT_REACHED', `At most ${limit} per customer at the activity price`, { field: 'items', limit, bought: before });
}

function couponView(c: CouponDef) {
  return {
    id: c.id,
    templateId: c.templateId,
    name: c.name,
    kind: c.kind,
    label: c.label,
    scopeText: scopeText(c.scope),
    thresholdFen: c.thresholdFen,
    amountOffFen: c.amountOffFen,
    percentPaid: c.percentPaid,
    maxDiscountFen: c.maxDiscountFen,
    validFrom: c.validFrom,
    validTo: c.validTo,
    status: 'unused' as const,
    usedAt: null,
    orderId: null,
  };
}
