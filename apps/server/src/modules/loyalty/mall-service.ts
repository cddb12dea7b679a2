import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { PointsService } from './points-service.js';
import { pointsMallItems, pointsMallRedemptions, type MallItemKind, type PointsMallItem } from './schema.js';

export interface MallItemInput {
  kind: MallItemKind;
  title: string;
  couponTemplateId?: string;
  skuId?: string;
  cashFen: number;
  points: number;
  stock: number;
  perCustomerLimit: number;
  status: 'on_sale' | 'off_shelf';
  sortOrder: number;
}

/**
 * 积分商城: coupons redeemed with points here, and goods (a SKU for points + optional cash) bought as an
 * order through checkout (mall-checkout.ts). One redemption is one transaction — item stock (conditional
 * UPDATE), the customer's limit (counted under the points-account lock), the points (ledger) and the
 * coupon (issued by the promotions service) — so a refusal at any step leaves nothing behind.
 */
export class PointsMallService {
  constructor(
    private p: Platform,
    private points: PointsService,
    private coupons: CouponService,
    private catalog: CatalogService,
  ) {}

  async list(shopId: string, opts: { onSaleOnly?: boolean } = {}) {
    const list = await this.p.db
      .select()
      .from(pointsMallItems)
      .where(and(eq(pointsMallItems.shopId, shopId), opts.onSaleOnly ? eq(pointsMallItems.status, 'on_sale') : undefined))
      .orderBy(asc(pointsMallItems.sortOrder), asc(pointsMallItems.createdAt));
    return { items: await Promise.all(list.map((i) => this.view(i))) };
  }

  async save(actor: Actor, id: string | null, input: MallItemInput) {
    const before = id ? await this.row(this.p.db, actor.shopId, id) : null;
    if (before && before.kind !== input.kind) throw unprocessable('MALL_ITEM_KIND_FIXED', 'An item stays a coupon or goods; add a new item instead', { field: 'kind' });
    const { skuId, couponTemplateId, ...rest } = input;
    let refs: Pick<PointsMallItem, 'couponTemplateId' | 'productId' | 'skuId'>;
    if (input.kind === 'coupon') {
      await this.coupons.template(this.p.db, actor.shopId, couponTemplateId!).catch((err) => {
        if (err instanceof AppError && err.status === 404) throw unprocessable('COUPON_NOT_FOUND', 'No such coupon in this shop', { field: 'couponTemplateId' });
        throw err;
      });
      refs = { couponTemplateId: couponTemplateId!, productId: null, skuId: null };
    } else {
      const [sku] = await this.catalog.skusForOrder(this.p.db, actor.shopId, [skuId!]);
      if (!sku) throw unprocessable('SKU_NOT_FOUND', 'This product option does not exist', { field: 'skuId' });
      refs = { couponTemplateId: null, productId: sku.productId, skuId: sku.skuId };
    }
    if (id && before) {
      const [after] = await this.p.database.transaction((tx) => tx.update(pointsMallItems).set({ ...rest, ...refs, updatedAt: new Date() }).where(eq(pointsMallItems.id, id)).returning());
      return { before: await this.view(before), after: await this.view(after) };
    }
    const [after] = await this.p.database.transaction((tx) => tx.insert(pointsMallItems).values({ shopId: actor.shopId, ...rest, ...refs }).returning());
    return { before: null, after: await this.view(after) };
  }

  /** Redeems an item; a retry with the same key returns the first redemption. */
  async redeem(shopId: string, customerId: string, itemId: string, requestKey?: string) {
    if (requestKey) {
      const [again] = await this.p.db.select().from(pointsMallRedemptions).where(and(eq(pointsMallRedemptions.shopId, shopId), eq(pointsMallRedemptions.customerId, customerId), eq(pointsMallRedemptions.requestKey, requestKey)));
      if (again) return again;
    }
    return this.p.database.transaction(async (tx) => {
      const item = await this.row(tx, shopId, itemId);
      if (item.status !== 'on_sale') throw conflict('MALL_ITEM_OFF_SHELF', 'This item is not available', { field: 'itemId' });
      if (item.kind !== 'coupon' || !item.couponTemplateId) throw conflict('MALL_ITEM_NEEDS_ORDER', 'Goods are redeemed by placing an order', { field: 'itemId' });
      // The points lock serialises this customer's redemptions, so the count below is exact.
      const redemptionId = randomUUID();
      await this.points.redeem(tx, shopId, customerId, item.points, `mall:${redemptionId}`, `兑换 ${item.title}`);
      await this.takeOne(tx, item, customerId, 'itemId');
      const coupon = await this.coupons.issue(tx, shopId, item.couponTemplateId, customerId, { source: 'points_mall', sourceRef: redemptionId, ignoreStatus: true });
      const [r] = await tx.insert(pointsMallRedemptions).values({ id: redemptionId, shopId, itemId, customerId, points: item.points, couponId: coupon.id, requestKey: requestKey ?? null }).returning();
      return r;
    });
  }

  /**
   * Takes one unit of an item for a customer: the limit counts what they hold (redemptions not given back)
   * and must be called with the customer's points account locked, which serialises their redemptions;
   * the stock is a conditional UPDATE, so parallel customers never take more than there is.
   */
  async takeOne(tx: Db, item: PointsMallItem, customerId: string, field: string) {
    const [{ n }] = await tx
      .select({ n: count() })
      .from(pointsMallRedemptions)
      .where(and(eq(pointsMallRedemptions.itemId, item.id), eq(pointsMallRedemptions.customerId, customerId), isNull(pointsMallRedemptions.returnedAt)));
    if (Number(n) >= item.perCustomerLimit) throw conflict('MALL_LIMIT_REACHED', `At most ${item.perCustomerLimit} per customer`, { field, limit: item.perCustomerLimit });
    const taken = await tx
      .update(pointsMallItems)
      .set({ stock: sql`${pointsMallItems.stock} - 1`, redeemed: sql`${pointsMallItems.redeemed} + 1`, updatedAt: new Date() })
      .where(and(eq(pointsMallItems.id, item.id), sql`${pointsMallItems.stock} > 0`))
      .returning({ id: pointsMallItems.id });
    if (taken.length === 0) throw conflict('MALL_SOLD_OUT', 'This item is sold out', { field });
  }

  private async view(i: PointsMallItem) {
    const t = i.couponTemplateId ? await this.coupons.template(this.p.db, i.shopId, i.couponTemplateId).catch(() => null) : null;
    const sku = i.skuId ? (await this.catalog.skusForOrder(this.p.db, i.shopId, [i.skuId]))[0] : undefined;
    return {
      id: i.id,
      kind: i.kind,
      title: i.title,
      couponTemplateId: i.couponTemplateId,
      coupon: t ? { name: t.name, kind: t.kind } : null,
      skuId: i.skuId,
      productId: i.productId,
      // Null when the SKU is gone; `onSale` false while the product is off the shelf.
      product: sku ? { title: sku.productTitle, specText: sku.specText, imageUrl: sku.imageUrl, priceFen: sku.price, onSale: sku.productStatus === 'on_sale' } : null,
      cashFen: i.cashFen,
      points: i.points,
      stock: i.stock,
      redeemed: i.redeemed,
      perCustomerLimit: i.perCustomerLimit,
      status: i.status,
      sortOrder: i.sortOrder,
    };
  }

  async row(db: Db, shopId: string, id: string): Promise<PointsMallItem> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Item', { field: 'id' });
    const [i] = await db.select().from(pointsMallItems).where(and(eq(pointsMallItems.shopId, shopId), eq(pointsMallItems.id, id)));
    if (!i) throw notFound('Item', { field: 'id' });
    return i;
  }
}
