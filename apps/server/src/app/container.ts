import type { Platform } from '../platform/context.js';
import { AuthService } from '../platform/auth/service.js';
import { TenancyService } from '../platform/tenancy/service.js';
import { createSmsSender, SmsVerification } from '../platform/sms/index.js';
import { EmailVerification, PlatformMail } from '../platform/mail/index.js';
import { PasswordResetService } from '../platform/auth/password-reset.js';
import { OperatorService } from '../platform/operator/service.js';
import { OperatorShops } from '../platform/operator/shops.js';
import { SignUpService } from '../modules/onboarding/sign-up.js';
import { ChecklistService } from '../modules/onboarding/checklist.js';
import { CustomersService } from '../modules/customers/service.js';
import { InventoryService } from '../modules/inventory/service.js';
import { CatalogService } from '../modules/catalog/service.js';
import { CategoryService } from '../modules/catalog/categories.js';
import { CatalogVersions } from '../modules/catalog/versions.js';
import { watchStock } from '../modules/catalog/stock-watch.js';
import { MediaService } from '../modules/catalog/media.js';
import { ImportService } from '../modules/catalog/import.js';
import { ShippingService } from '../modules/orders/shipping-service.js';
import { CartService } from '../modules/orders/cart-service.js';
import { CheckoutService } from '../modules/orders/checkout.js';
import { OrderWriter } from '../modules/orders/order-writer.js';
import { OrderService } from '../modules/orders/service.js';
import { PaymentService } from '../modules/orders/payment-service.js';
import { RefundService } from '../modules/orders/refund-service.js';
import { CouponService } from '../modules/promotions/coupon-service.js';
import { CouponCentre } from '../modules/promotions/centre.js';
import { CouponBatchService } from '../modules/promotions/batch-service.js';
import { GiftService } from '../modules/promotions/gift-service.js';
import { ActivityService } from '../modules/promotions/activity-service.js';
import { promotionsCheckoutExtension } from '../modules/promotions/checkout-extension.js';
import { PointsService } from '../modules/loyalty/points-service.js';
import { loyaltyCheckoutExtension } from '../modules/loyalty/checkout-extension.js';
import { LevelService } from '../modules/loyalty/level-service.js';
import { MemberCardService } from '../modules/loyalty/card-service.js';
import { PointsMallService } from '../modules/loyalty/mall-service.js';
import { pointsMallCheckoutExtension } from '../modules/loyalty/mall-checkout.js';
import { ShareService } from '../modules/loyalty/share-service.js';
import { BirthdayService } from '../modules/loyalty/birthday-service.js';
import { ReviewService } from '../modules/reviews/service.js';
import { TagService } from '../modules/tags/tag-service.js';
import { StoredValueService } from '../modules/storedvalue/service.js';
import { TopupService } from '../modules/storedvalue/topup-service.js';
import { storedValueCheckoutExtension } from '../modules/storedvalue/checkout-extension.js';
import { GroupService } from '../modules/tags/group-service.js';
import { PresaleService } from '../modules/presale/service.js';
import { presaleCheckoutExtension } from '../modules/presale/checkout-extension.js';
import { BulkOrderService } from '../modules/orders/bulk-orders.js';
import { FlashSaleService } from '../modules/flashsale/service.js';
import { FlashSalePurchase } from '../modules/flashsale/purchase.js';
import { FlashSaleOrders } from '../modules/flashsale/batches.js';
import { FlashSaleReconciler } from '../modules/flashsale/reconcile.js';
import { FlashSaleStorefront } from '../modules/flashsale/storefront.js';
import { CdpService } from '../modules/cdp/service.js';
import { SegmentService } from '../modules/tags/segments.js';
import { ExperimentService } from '../modules/experiments/service.js';
import { ChannelAccounts } from '../modules/messaging/accounts.js';
import { MessagingService } from '../modules/messaging/service.js';
import { Dispatcher } from '../modules/messaging/dispatcher.js';
import { shopMinute } from '../modules/messaging/budget.js';
import { OfficialAccountService } from '../modules/messaging/official-account.js';
import { BroadcastService } from '../modules/messaging/broadcasts.js';
import { SmsCallbacks } from '../modules/messaging/sms-callbacks.js';
import { JourneyService } from '../modules/journeys/service.js';
import { WecomService } from '../modules/wecom/service.js';
import { createFission } from '../modules/fission/index.js';

/**
 * The composition root: every service, built once, in dependency order. Modules reach each other only
 * through the services passed in here (or through domain events).
 */
export async function createServices(p: Platform) {
  const tenancy = new TenancyService(p);
  const auth = new AuthService(p);
  const customers = new CustomersService(p, tenancy);
  const inventory = new InventoryService(p);
  // The storefront answers product pages from a per-process cache; catalog writes and every stock
  // change tell it after their commit (modules/catalog/versions.ts).
  const catalogVersions = new CatalogVersions(p);
  watchStock(inventory, catalogVersions);
  const categories = new CategoryService(p, catalogVersions);
  const catalog = new CatalogService(p, inventory, catalogVersions);
  const media = new MediaService(p);
  const catalogImports = new ImportService(p, catalog, categories);
  const shipping = new ShippingService(p);
  const cart = new CartService(p, catalog, inventory);
  const orders = new OrderService(p, inventory, catalog);
  const orderWriter = new OrderWriter(p, inventory);
  const checkout = new CheckoutService(p, tenancy, catalog, customers, shipping, cart, orders, orderWriter);
  const payments = new PaymentService(p, tenancy, customers, orders);
  const refunds = new RefundService(p, inventory, payments);
  payments.attachRefunds(refunds);
  const coupons = new CouponService(p, catalog, categories, orders);
  const couponCentre = new CouponCentre(p, coupons, categories);
  const gifts = new GiftService(p, coupons);
  const activities = new ActivityService(p, catalog, categories);
  checkout.extend(promotionsCheckoutExtension(p, { coupons, activities, orders, catalog, categories, inventory }));
  const points = new PointsService(p);
  const levels = new LevelService(p, gifts, coupons);
  const cards = new MemberCardService(p, payments, coupons);
  checkout.extend(loyaltyCheckoutExtension(points));
  const pointsMall = new PointsMallService(p, points, coupons, catalog);
  checkout.extend(pointsMallCheckoutExtension({ points, mall: pointsMall }));
  const shares = new ShareService(p, points, catalog, coupons);
  const birthdays = new BirthdayService(p, customers, levels, coupons);
  const reviews = new ReviewService(p, orders, catalog, customers);
  const presales = new PresaleService(p, catalog, inventory, payments);
  checkout.extend(presaleCheckoutExtension(presales));
  const storedValue = new StoredValueService(p);
  // Group buys and bargains price the goods, so their extensions come before stored value's.
  const fission = createFission(p, { tenancy, customers, catalog, inventory, checkout, orders, payments, refunds, shipping, coupons, points, storedValue });
  // Stored value pays last (after shipping), so its extension comes after those that price the goods.
  checkout.extend(storedValueCheckoutExtension(storedValue));
  const topups = new TopupService(p, storedValue, payments);
  const tags = new TagService(p, catalog, categories);
  const groups = new GroupService(p, customers);
  coupons.useAudience({
    of: async (db, shopId, customerId) => ({ levelId: (await levels.levelOf(db, shopId, customerId))?.id ?? null, tagIds: (await tags.tagsOf(shopId, customerId, db)).map((t) => t.id) }),
    known: async (db, shopId, kind, ids) => (kind === 'levels' ? new Set((await levels.settings(shopId, db)).levels.map((l) => l.id)) : tags.existingIds(db, shopId, ids)),
  });
  const couponBatches = new CouponBatchService(p, coupons, customers, orders, groups);
  const bulkOrders = new BulkOrderService(p, tenancy, orderWriter);
  const flashSales = new FlashSaleService(p, catalog, inventory);
  const flashSalePurchase = new FlashSalePurchase(p, customers, shipping);
  const flashSaleOrders = new FlashSaleOrders(p, bulkOrders, inventory);
  flashSaleOrders.unitsReturned = (itemId) => flashSalePurchase.forgetSoldOut(itemId);
  const flashSaleReconciler = new FlashSaleReconciler(p, flashSalePurchase, flashSaleOrders, inventory);
  const flashSaleStorefront = new FlashSaleStorefront(p);
  // Codes for people who are not a shop's customers: merchants signing up, staff resetting a password.
  const smsSender = createSmsSender(p);
  const platformSms = new SmsVerification(p, () => smsSender);
  const mail = new PlatformMail(p);
  const platformEmail = new EmailVerification(p, () => mail, () => p.config.SMS_SIGN_NAME);
  const signUp = new SignUpService(p, tenancy, auth, platformSms, platformEmail);
  const checklist = new ChecklistService(p, tenancy, catalog, coupons);
  const passwordReset = new PasswordResetService(p, auth, tenancy, platformSms, platformEmail);
  const operators = new OperatorService(p);
  const operatorShops = new OperatorShops(p, tenancy, operators, async (shopId) => {
    const [products, placed] = await Promise.all([catalog.list(shopId, { sort: '-created', page: 1, pageSize: 1 }), orders.list(shopId, { page: 1, pageSize: 1 })]);
    return { products: products.total, orders: placed.total };
  });
  const cdp = new CdpService(p, customers, groups);
  const segments = new SegmentService(p, cdp, categories);
  groups.attachSegments(segments);
  const experiments = new ExperimentService(p, cdp);
  const channelAccounts = new ChannelAccounts(p);
  // A shop with a mini-program gets its 小程序码 on share posters (the storefront link's QR code otherwise).
  fission.posters.useCodes(async (shopId, scene) => {
    const mini = await channelAccounts.account(shopId, 'mini');
    return mini ? channelAccounts.client(mini).wxaCodeUnlimited({ scene, page: 'pages/share/index' }) : null;
  });
  const messaging = new MessagingService(p, channelAccounts, customers);
  const dispatcher = new Dispatcher(p, channelAccounts, customers, tenancy);
  if (p.config.MESSAGING_CLOCK_NOON_FOR_BENCH) {
    // bench/broadcast only (config refuses it in production): the clock runs ahead, from start-up on, by
    // the time to the next 12:00 shop time, so marketing SMS (08:00–20:00) go out whenever the bench runs.
    const aheadMs = ((720 - shopMinute(p.now()) + 1440) % 1440) * 60_000;
    dispatcher.clock = () => new Date(p.now().getTime() + aheadMs);
  }
  const officialAccount = new OfficialAccountService(p, channelAccounts, customers, tags, groups);
  const broadcasts = new BroadcastService(p, messaging, dispatcher, customers, groups, tags);
  const smsCallbacks = new SmsCallbacks(p, channelAccounts);
  const journeys = new JourneyService(p, { messaging, coupons, points, tags, groups, customers });
  // A journey's condition node is a segment rule about one customer now.
  journeys.useConditions(segments);
  const wecom = new WecomService(p, { customers, orders, coupons, points, levels, tags, catalog, categories, tenancy, groups, messaging });
  return {
    journeys, wecom, fission,
    cdp, segments, experiments, channelAccounts, messaging, dispatcher, officialAccount, broadcasts, smsCallbacks,
    mail, platformSms, platformEmail, signUp, checklist, passwordReset, operators, operatorShops,
    orderWriter, bulkOrders, flashSales, flashSalePurchase, flashSaleOrders, flashSaleReconciler, flashSaleStorefront,
    tenancy, auth, customers, inventory, categories, catalog, media, catalogImports, shipping, cart, checkout, orders, payments, refunds,
    coupons, couponCentre, couponBatches, gifts, activities, points, levels, tags, groups, pointsMall, storedValue, topups, cards, presales,
    shares, birthdays, reviews,
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
