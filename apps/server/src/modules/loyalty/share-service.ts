import { and, count, eq, gt } from 'drizzle-orm';
import type { Platform } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { CatalogService } from '../catalog/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import { shanghaiDay, type PointsService } from './points-service.js';
import { pointsShares, type ShareTarget } from './schema.js';

const NOTES: Record<ShareTarget, string> = { product: '分享商品', coupon: '分享优惠券', page: '分享页面' };

export type ShareOutcome = 'rewarded' | 'already_shared' | 'daily_cap' | 'off';

/**
 * 分享得积分: the storefront reports a share (WeChat's share callback, the share sheet, a copied link).
 * Each target counts once per shop-local day, and at most `shareDailyCap` shares a day earn points. Both
 * are decided under the customer's points-account lock, so parallel reports never pass the cap; the
 * ledger's (share, day:target:id) reference makes the posting itself happen once.
 */
export class ShareService {
  constructor(
    private p: Platform,
    private points: PointsService,
    private catalog: CatalogService,
    private coupons: CouponService,
  ) {}

  async share(shopId: string, customerId: string, input: { target: ShareTarget; targetId: string }) {
    await this.checkTarget(shopId, input);
    const day = shanghaiDay(this.p.now());
    return this.p.database.transaction(async (tx) => {
      const rules = await this.points.rules(shopId, tx);
      await this.points.holdAccount(tx, shopId, customerId);
      const key = and(eq(pointsShares.shopId, shopId), eq(pointsShares.customerId, customerId), eq(pointsShares.day, day));
      const [already] = await tx.select().from(pointsShares).where(and(key, eq(pointsShares.target, input.target), eq(pointsShares.targetId, input.targetId)));
      const [{ n }] = await tx.select({ n: count() }).from(pointsShares).where(and(key, gt(pointsShares.points, 0)));
      const rewardedBefore = Number(n);
      const on = rules.enabled && rules.sharePoints > 0 && rules.shareDailyCap > 0;
      const outcome: ShareOutcome = already ? 'already_shared' : !on ? 'off' : rewardedBefore >= rules.shareDailyCap ? 'daily_cap' : 'rewarded';
      const points = outcome === 'rewarded' ? rules.sharePoints : 0;
      if (!already) {
        await tx.insert(pointsShares).values({ shopId, customerId, day, target: input.target, targetId: input.targetId, points });
        if (points > 0) await this.points.earn(tx, shopId, customerId, points, 'share', `${day}:${input.target}:${input.targetId}`, NOTES[input.target]);
      }
      return {
        outcome,
        points,
        day,
        rewardedToday: rewardedBefore + (points > 0 ? 1 : 0),
        dailyCap: on ? rules.shareDailyCap : 0,
        sharePoints: on ? rules.sharePoints : 0,
      };
    });
  }

  /** Today's share reward for the storefront: points per share and how many are left. */
  async today(shopId: string, customerId: string | null) {
    const rules = await this.points.rules(shopId);
    const on = rules.enabled && rules.sharePoints > 0 && rules.shareDailyCap > 0;
    let rewardedToday = 0;
    if (customerId) {
      const [{ n }] = await this.p.db
        .select({ n: count() })
        .from(pointsShares)
        .where(and(eq(pointsShares.shopId, shopId), eq(pointsShares.customerId, customerId), eq(pointsShares.day, shanghaiDay(this.p.now())), gt(pointsShares.points, 0)));
      rewardedToday = Number(n);
    }
    return { enabled: on, sharePoints: on ? rules.sharePoints : 0, dailyCap: on ? rules.shareDailyCap : 0, rewardedToday };
  }

  /** A product or coupon of this shop (another shop's answers 404); a page is any path of the storefront. */
  private async checkTarget(shopId: string, input: { target: ShareTarget; targetId: string }) {
    if (input.target === 'product') {
      const found = await this.catalog.existingProductIds(shopId, [input.targetId]);
      if (!found.has(input.targetId)) throw notFound('Product', { field: 'targetId' });
    } else if (input.target === 'coupon') {
      await this.coupons.template(this.p.db, shopId, input.targetId).catch((err) => {
        if (err instanceof AppError && err.status === 404) throw notFound('Coupon', { field: 'targetId' });
        throw err;
      });
    }
  }
}
