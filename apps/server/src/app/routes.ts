import type { FastifyInstance } from 'fastify';
import { sandboxPlugin } from '@siyu/sandbox';
import { createSandboxStore } from './sandbox-store/index.js';
import type { Platform } from '../platform/context.js';
import { installStoreScope } from '../platform/http/store-scope.js';
import type { Services } from './container.js';
import { customerAdminRoutes, customerStoreRoutes } from '../modules/customers/routes.js';
import { catalogAdminRoutes } from '../modules/catalog/routes.js';
import { catalogStoreRoutes, mediaPublicRoutes } from '../modules/catalog/store-routes.js';
import { orderAdminRoutes } from '../modules/orders/routes-admin.js';
import { orderStoreRoutes } from '../modules/orders/routes-store.js';
import { wechatPayCallbackRoutes } from '../modules/orders/routes-pay.js';
import { tenancyStoreRoutes } from '../platform/tenancy/routes.js';
import { promotionAdminRoutes } from '../modules/promotions/routes-admin.js';
import { promotionStoreRoutes } from '../modules/promotions/routes-store.js';
import { loyaltyAdminRoutes, loyaltyStoreRoutes } from '../modules/loyalty/routes.js';
import { levelAdminRoutes, levelStoreRoutes } from '../modules/loyalty/level-routes.js';
import { storedValueAdminRoutes, storedValueStoreRoutes } from '../modules/storedvalue/routes.js';
import { cardAdminRoutes, cardStoreRoutes } from '../modules/loyalty/card-routes.js';
import { presaleAdminRoutes, presaleStoreRoutes } from '../modules/presale/routes.js';
import { fissionAdminRoutes, fissionStoreRoutes } from '../modules/fission/routes.js';
import { tagAdminRoutes } from '../modules/tags/routes.js';
import { flashSaleAdminRoutes } from '../modules/flashsale/routes-admin.js';
import { flashSaleStoreRoutes } from '../modules/flashsale/routes-store.js';
import { reviewAdminRoutes, reviewStoreRoutes } from '../modules/reviews/routes.js';
import { onboardingRoutes } from '../modules/onboarding/routes.js';
import { cdpAdminRoutes } from '../modules/cdp/routes-admin.js';
import { cdpStoreRoutes } from '../modules/cdp/routes-store.js';
import { experimentAdminRoutes, experimentStoreRoutes } from '../modules/experiments/routes.js';
import { ingestRoutes } from '../modules/cdp/routes-ingest.js';
import { messagingAdminRoutes, messagingPublicRoutes, messagingStoreRoutes } from '../modules/messaging/routes.js';
import { journeyAdminRoutes } from '../modules/journeys/routes.js';
import { wecomAdminRoutes, wecomPublicRoutes } from '../modules/wecom/routes.js';
import { wecomFollowupAdminRoutes, wecomSidebarStoreRoutes } from '../modules/wecom/followup-routes.js';

/**
 * Where each module's routes are mounted. `admin` runs inside the /api/admin scope (staff auth and
 * permissions already enforced); `store` inside /api/store/:shop (shop resolved, customer if signed in);
 * `public` mounts payment callbacks, media and the sandbox.
 */
export const registerModuleRoutes = {
  async admin(admin: FastifyInstance, p: Platform, s: Services) {
    await admin.register(customerAdminRoutes, { customers: s.customers });
    await admin.register(catalogAdminRoutes, { catalog: s.catalog, categories: s.categories, imports: s.catalogImports, media: s.media });
    await admin.register(orderAdminRoutes, { p, orders: s.orders, refunds: s.refunds, shipping: s.shipping, customers: s.customers });
    await admin.register(promotionAdminRoutes, { coupons: s.coupons, batches: s.couponBatches, gifts: s.gifts, activities: s.activities, customers: s.customers });
    await admin.register(loyaltyAdminRoutes, { points: s.points, mall: s.pointsMall, customers: s.customers });
    await admin.register(storedValueAdminRoutes, { storedValue: s.storedValue, topups: s.topups, customers: s.customers });
    await admin.register(cardAdminRoutes, { cards: s.cards, customers: s.customers });
    await admin.register(presaleAdminRoutes, { presales: s.presales });
    await fissionAdminRoutes(admin, s.fission);
    await admin.register(levelAdminRoutes, { levels: s.levels, customers: s.customers });
    await admin.register(tagAdminRoutes, { tags: s.tags, groups: s.groups, segments: s.segments, customers: s.customers });
    await admin.register(flashSaleAdminRoutes, { sales: s.flashSales, reconciler: s.flashSaleReconciler, purchase: s.flashSalePurchase });
    await admin.register(reviewAdminRoutes, { reviews: s.reviews });
    await admin.register(cdpAdminRoutes, { cdp: s.cdp, publicUrl: () => p.publicUrl() });
    await admin.register(experimentAdminRoutes, { experiments: s.experiments });
    await admin.register(messagingAdminRoutes, { p, messaging: s.messaging, accounts: s.channelAccounts, oa: s.officialAccount, broadcasts: s.broadcasts, sms: s.smsCallbacks, customers: s.customers });
    await admin.register(journeyAdminRoutes, { journeys: s.journeys });
    await admin.register(wecomAdminRoutes, { p, wecom: s.wecom });
    await admin.register(wecomFollowupAdminRoutes, { wecom: s.wecom });
    await admin.register(onboardingRoutes, { signUp: s.signUp, checklist: s.checklist, config: p.config });
  },
  async store(store: FastifyInstance, p: Platform, s: Services) {
    await store.register(tenancyStoreRoutes, { tenancy: s.tenancy });
    await store.register(experimentStoreRoutes, { experiments: s.experiments });
    await store.register(customerStoreRoutes, { customers: s.customers, config: p.config });
    await store.register(catalogStoreRoutes, { catalog: s.catalog, categories: s.categories });
    await store.register(orderStoreRoutes, { cart: s.cart, checkout: s.checkout, orders: s.orders, payments: s.payments, refunds: s.refunds, shipping: s.shipping });
    await store.register(promotionStoreRoutes, { coupons: s.coupons, centre: s.couponCentre, activities: s.activities, catalog: s.catalog });
    await store.register(loyaltyStoreRoutes, { points: s.points, mall: s.pointsMall, shares: s.shares });
    await store.register(storedValueStoreRoutes, { storedValue: s.storedValue, topups: s.topups, customers: s.customers });
    await store.register(cardStoreRoutes, { cards: s.cards });
    await store.register(presaleStoreRoutes, { presales: s.presales });
    await fissionStoreRoutes(store, s.fission);
    await store.register(levelStoreRoutes, { levels: s.levels });
    await store.register(flashSaleStoreRoutes, { purchase: s.flashSalePurchase, storefront: s.flashSaleStorefront });
    await store.register(reviewStoreRoutes, { reviews: s.reviews });
    await store.register(cdpStoreRoutes, { cdp: s.cdp });
    await store.register(messagingStoreRoutes, { messaging: s.messaging });
    await store.register(wecomSidebarStoreRoutes, { wecom: s.wecom, coupons: s.coupons });
    void p;
  },
  async public(app: FastifyInstance, p: Platform, s: Services) {
    await app.register(
      async (store) => {
        installStoreScope(store, s.tenancy, p.shopCache, resolveCustomer(s));
        await registerModuleRoutes.store(store, p, s);
      },
      { prefix: '/api/store/:shop' },
    );
    // The Segment tracking API: any Segment or RudderStack SDK can send here with a shop's write key.
    await app.register(ingestRoutes, { prefix: '/v1', cdp: s.cdp });
    mediaPublicRoutes(app, s.media);
    await app.register(wechatPayCallbackRoutes, { payments: s.payments });
    await app.register(messagingPublicRoutes, { oa: s.officialAccount, sms: s.smsCallbacks, broadcasts: s.broadcasts });
    await app.register(wecomPublicRoutes, { wecom: s.wecom });
    if (p.config.SANDBOX) {
      await app.register(sandboxPlugin, {
        prefix: '/sandbox',
        baseUrl: () => `${p.selfUrl()}/sandbox`,
        store: createSandboxStore(p.database),
        // Delivery receipts and replies come back to the messaging module, as the vendors' consoles would be set up.
        smsCallbacks: () => s.smsCallbacks.urls(),
        // The sandbox SMTP server; the platform's mail client sends there while no SMTP_HOST is set.
        mail: { smtp: { port: p.config.SANDBOX_SMTP_PORT }, onListening: (address) => s.mail.useSandbox(address) },
      });
    }
  },
};

/** A bearer token is a customer session of the shop in the URL (another shop's token is refused). */
function resolveCustomer(s: Services) {
  return (shopId: string, token: string) => s.customers.resolveToken(shopId, token);
}
