import { eq } from 'drizzle-orm';
import type { Actor, Platform } from '../../platform/context.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { CatalogService } from '../catalog/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import { onboardingChecklists } from './schema.js';

export type ChecklistStepKey = 'wechat_pay' | 'first_product' | 'first_coupon';

export interface ChecklistStep {
  key: ChecklistStepKey;
  done: boolean;
  /** The console page (under /admin) that does the step. */
  path: string;
}

/**
 * The first steps of a new shop (开店引导): connect a WeChat Pay merchant, add a product, create a
 * coupon. Each step's state is read from the module that owns it, so a step done anywhere (the API, an
 * import) shows as done; only the merchant's "hide this" is stored here.
 */
export class ChecklistService {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private catalog: CatalogService,
    private coupons: CouponService,
  ) {}

  async get(shopId: string) {
    const [settings, products, coupons, [row]] = await Promise.all([
      this.tenancy.settings(shopId),
      this.catalog.list(shopId, { sort: '-created', page: 1, pageSize: 1 }),
      this.coupons.list(shopId, { page: 1, pageSize: 1 }),
      this.p.db.select().from(onboardingChecklists).where(eq(onboardingChecklists.shopId, shopId)),
    ]);
    const steps: ChecklistStep[] = [
      // A merchant the sandbox made up on first payment is not the shop's own account: not done yet.
      { key: 'wechat_pay', done: !!settings.wechatPay && !settings.wechatPay.sandboxRestoreToken, path: '/onboarding/wechat-pay' },
      { key: 'first_product', done: products.total > 0, path: '/products/new' },
      { key: 'first_coupon', done: coupons.total > 0, path: '/coupons/new' },
    ];
    const completed = steps.filter((s) => s.done).length;
    const dismissed = !!row?.dismissedAt;
    return { steps, completed, total: steps.length, done: completed === steps.length, dismissed, visible: completed < steps.length && !dismissed };
  }

  /** Hides (or shows again) the checklist for the whole shop; setting what is already set changes nothing. */
  async setDismissed(actor: Actor, dismissed: boolean) {
    const before = await this.get(actor.shopId);
    const now = this.p.now();
    const values = { dismissedAt: dismissed ? now : null, dismissedBy: dismissed && actor.type === 'staff' ? actor.id : null, updatedAt: now };
    if (before.dismissed !== dismissed) {
      await this.p.database.transaction((tx) =>
        tx.insert(onboardingChecklists).values({ shopId: actor.shopId, ...values }).onConflictDoUpdate({ target: onboardingChecklists.shopId, set: values }),
      );
    }
    return { before: { dismissed: before.dismissed }, after: await this.get(actor.shopId) };
  }
}
