import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { MessageKey } from './lib/dict';

/** Every page of the console: its path (under /admin), title, breadcrumb parent and required permission. */
export interface PageDef {
  path: string;
  title: MessageKey;
  permission: string;
  /** Breadcrumb parents, outermost first (menu group titles and parent pages). */
  crumbs: { title: MessageKey; path?: string }[];
  component: LazyExoticComponent<ComponentType>;
}

const goods = { title: 'nav.goods' as const };
const orders = { title: 'nav.orderGroup' as const };
const customers = { title: 'nav.customers' as const };
const settings = { title: 'nav.settings' as const };
const marketing = { title: 'nav.marketing' as const };
const members = { title: 'nav.members' as const };
const analytics = { title: 'nav.analytics' as const };
const reach = { title: 'nav.reach' as const };
const wecom = { title: 'nav.wecom' as const };
const fission = { title: 'nav.fission' as const };

export const PAGES: PageDef[] = [
  { path: '/', title: 'nav.dashboard', permission: 'dashboard:read', crumbs: [], component: lazy(() => import('./pages/Dashboard')) },
  { path: '/products', title: 'nav.products', permission: 'catalog:read', crumbs: [goods], component: lazy(() => import('./pages/products/ProductList')) },
  { path: '/products/new', title: 'nav.newProduct', permission: 'catalog:write', crumbs: [goods, { title: 'nav.products', path: '/products' }], component: lazy(() => import('./pages/products/ProductEdit')) },
  { path: '/products/:id', title: 'nav.editProduct', permission: 'catalog:read', crumbs: [goods, { title: 'nav.products', path: '/products' }], component: lazy(() => import('./pages/products/ProductEdit')) },
  { path: '/categories', title: 'nav.categories', permission: 'catalog:read', crumbs: [goods], component: lazy(() => import('./pages/products/Categories')) },
  { path: '/products/import', title: 'nav.import', permission: 'catalog:import', crumbs: [goods], component: lazy(() => import('./pages/products/ImportPage')) },
  { path: '/reviews', title: 'nav.reviews', permission: 'customers:read', crumbs: [goods], component: lazy(() => import('./pages/reviews/ReviewList')) },
  { path: '/orders', title: 'nav.orders', permission: 'orders:read', crumbs: [orders], component: lazy(() => import('./pages/orders/OrderList')) },
  { path: '/orders/:id', title: 'nav.orderDetail', permission: 'orders:read', crumbs: [orders, { title: 'nav.orders', path: '/orders' }], component: lazy(() => import('./pages/orders/OrderDetail')) },
  { path: '/refunds', title: 'nav.refunds', permission: 'orders:read', crumbs: [orders], component: lazy(() => import('./pages/orders/Refunds')) },
  { path: '/pickup', title: 'nav.pickup', permission: 'orders:fulfil', crumbs: [orders], component: lazy(() => import('./pages/orders/PickupVerify')) },
  { path: '/shipping-templates', title: 'nav.shipping', permission: 'orders:read', crumbs: [orders], component: lazy(() => import('./pages/orders/ShippingTemplates')) },
  { path: '/pickup-points', title: 'nav.pickupPoints', permission: 'orders:read', crumbs: [orders], component: lazy(() => import('./pages/orders/PickupPoints')) },
  { path: '/customers', title: 'nav.customerList', permission: 'customers:read', crumbs: [customers], component: lazy(() => import('./pages/customers/CustomerList')) },
  { path: '/customers/tags', title: 'nav.customerTags', permission: 'customers:read', crumbs: [customers], component: lazy(() => import('./pages/customers/CustomerTags')) },
  { path: '/customers/groups', title: 'nav.customerGroups', permission: 'customers:read', crumbs: [customers], component: lazy(() => import('./pages/customers/CustomerGroups')) },
  { path: '/customers/:id', title: 'nav.customerDetail', permission: 'customers:read', crumbs: [customers, { title: 'nav.customerList', path: '/customers' }], component: lazy(() => import('./pages/customers/CustomerDetail')) },
  { path: '/coupons', title: 'nav.coupons', permission: 'promotions:read', crumbs: [marketing], component: lazy(() => import('./pages/promotions/CouponList')) },
  { path: '/coupons/new', title: 'nav.newCoupon', permission: 'promotions:write', crumbs: [marketing, { title: 'nav.coupons', path: '/coupons' }], component: lazy(() => import('./pages/promotions/CouponEdit')) },
  { path: '/coupons/:id', title: 'nav.couponDetail', permission: 'promotions:read', crumbs: [marketing, { title: 'nav.coupons', path: '/coupons' }], component: lazy(() => import('./pages/promotions/CouponDetail')) },
  { path: '/coupons/:id/edit', title: 'nav.editCoupon', permission: 'promotions:write', crumbs: [marketing, { title: 'nav.coupons', path: '/coupons' }], component: lazy(() => import('./pages/promotions/CouponEdit')) },
  { path: '/coupon-packs', title: 'nav.couponPacks', permission: 'promotions:read', crumbs: [marketing], component: lazy(() => import('./pages/promotions/CouponPacks')) },
  { path: '/activities', title: 'nav.activities', permission: 'promotions:read', crumbs: [marketing], component: lazy(() => import('./pages/promotions/ActivityList')) },
  { path: '/activities/new', title: 'nav.newActivity', permission: 'promotions:write', crumbs: [marketing, { title: 'nav.activities', path: '/activities' }], component: lazy(() => import('./pages/promotions/ActivityEdit')) },
  { path: '/activities/:id', title: 'nav.activityDetail', permission: 'promotions:read', crumbs: [marketing, { title: 'nav.activities', path: '/activities' }], component: lazy(() => import('./pages/promotions/ActivityEdit')) },
  { path: '/presales', title: 'nav.presales', permission: 'promotions:read', crumbs: [marketing], component: lazy(() => import('./pages/promotions/PresaleList')) },
  { path: '/presales/new', title: 'nav.newPresale', permission: 'promotions:write', crumbs: [marketing, { title: 'nav.presales', path: '/presales' }], component: lazy(() => import('./pages/promotions/PresaleEdit')) },
  { path: '/presales/:id', title: 'nav.presaleDetail', permission: 'promotions:read', crumbs: [marketing, { title: 'nav.presales', path: '/presales' }], component: lazy(() => import('./pages/promotions/PresaleDetail')) },
  { path: '/flash-sales', title: 'nav.flashSales', permission: 'promotions:read', crumbs: [marketing], component: lazy(() => import('./pages/promotions/FlashSaleList')) },
  { path: '/flash-sales/new', title: 'nav.newFlashSale', permission: 'promotions:write', crumbs: [marketing, { title: 'nav.flashSales', path: '/flash-sales' }], component: lazy(() => import('./pages/promotions/FlashSaleEdit')) },
  { path: '/flash-sales/:id', title: 'nav.flashSaleDetail', permission: 'promotions:read', crumbs: [marketing, { title: 'nav.flashSales', path: '/flash-sales' }], component: lazy(() => import('./pages/promotions/FlashSaleEdit')) },
  { path: '/flash-sales/:id/live', title: 'nav.flashSaleLive', permission: 'promotions:read', crumbs: [marketing, { title: 'nav.flashSales', path: '/flash-sales' }], component: lazy(() => import('./pages/promotions/FlashSaleLive')) },
  { path: '/group-buys', title: 'nav.groupBuys', permission: 'promotions:read', crumbs: [fission], component: lazy(() => import('./pages/fission/GroupBuyList')) },
  { path: '/group-buys/new', title: 'nav.newGroupBuy', permission: 'promotions:write', crumbs: [fission, { title: 'nav.groupBuys', path: '/group-buys' }], component: lazy(() => import('./pages/fission/GroupBuyEdit')) },
  { path: '/group-buys/:id', title: 'nav.groupBuyDetail', permission: 'promotions:read', crumbs: [fission, { title: 'nav.groupBuys', path: '/group-buys' }], component: lazy(() => import('./pages/fission/GroupBuyDetail')) },
  { path: '/bargains', title: 'nav.bargains', permission: 'promotions:read', crumbs: [fission], component: lazy(() => import('./pages/fission/BargainList')) },
  { path: '/bargains/new', title: 'nav.newBargain', permission: 'promotions:write', crumbs: [fission, { title: 'nav.bargains', path: '/bargains' }], component: lazy(() => import('./pages/fission/BargainEdit')) },
  { path: '/bargains/:id', title: 'nav.bargainDetail', permission: 'promotions:read', crumbs: [fission, { title: 'nav.bargains', path: '/bargains' }], component: lazy(() => import('./pages/fission/BargainDetail')) },
  { path: '/distribution', title: 'nav.distributionOverview', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/DistributionOverview')) },
  { path: '/distribution/settings', title: 'nav.distributionSettings', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/DistributionSettings')) },
  { path: '/distribution/promoters', title: 'nav.promoters', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/Promoters')) },
  { path: '/distribution/promoters/:customerId', title: 'nav.promoterDetail', permission: 'distribution:read', crumbs: [fission, { title: 'nav.promoters', path: '/distribution/promoters' }], component: lazy(() => import('./pages/fission/PromoterDetail')) },
  { path: '/distribution/commissions', title: 'nav.commissions', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/Commissions')) },
  { path: '/distribution/withdrawals', title: 'nav.withdrawals', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/Withdrawals')) },
  { path: '/distribution/products', title: 'nav.productCommissions', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/ProductCommissions')) },
  { path: '/leaders/overview', title: 'nav.leadersOverview', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/leaders/LeadersOverview')) },
  { path: '/leaders', title: 'nav.leaders', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/leaders/Leaders')) },
  { path: '/leaders/settlements', title: 'nav.leaderSettlements', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/leaders/Settlements')) },
  { path: '/leaders/settings', title: 'nav.leaderSettings', permission: 'distribution:read', crumbs: [fission], component: lazy(() => import('./pages/fission/leaders/LeaderSettings')) },
  { path: '/invitations', title: 'nav.invitations', permission: 'promotions:read', crumbs: [fission], component: lazy(() => import('./pages/fission/invite/Invitations')) },
  { path: '/invitations/settings', title: 'nav.inviteSettings', permission: 'promotions:read', crumbs: [fission], component: lazy(() => import('./pages/fission/invite/InviteSettings')) },
  { path: '/members/levels', title: 'nav.memberLevels', permission: 'loyalty:read', crumbs: [members], component: lazy(() => import('./pages/loyalty/MemberLevels')) },
  { path: '/points/rules', title: 'nav.pointsRules', permission: 'loyalty:read', crumbs: [members], component: lazy(() => import('./pages/loyalty/PointsRules')) },
  { path: '/points/mall', title: 'nav.pointsMall', permission: 'loyalty:read', crumbs: [members], component: lazy(() => import('./pages/loyalty/PointsMall')) },
  { path: '/stored-value', title: 'nav.storedValue', permission: 'loyalty:read', crumbs: [members], component: lazy(() => import('./pages/loyalty/StoredValue')) },
  { path: '/member-cards', title: 'nav.memberCards', permission: 'loyalty:read', crumbs: [members], component: lazy(() => import('./pages/loyalty/MemberCards')) },
  { path: '/analytics', title: 'nav.analyticsBoard', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Overview')) },
  { path: '/analytics/trends', title: 'nav.analyticsTrends', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Trends')) },
  { path: '/analytics/funnels', title: 'nav.analyticsFunnels', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Funnels')) },
  { path: '/analytics/retention', title: 'nav.analyticsRetention', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Retention')) },
  { path: '/analytics/paths', title: 'nav.analyticsPaths', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Paths')) },
  { path: '/analytics/lifecycle', title: 'nav.analyticsLifecycle', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Lifecycle')) },
  { path: '/analytics/rfm', title: 'nav.analyticsRfm', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Rfm')) },
  { path: '/analytics/attribution', title: 'nav.analyticsAttribution', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Attribution')) },
  { path: '/analytics/insights', title: 'nav.analyticsInsights', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/analytics/Insights')) },
  { path: '/analytics/experiments', title: 'nav.analyticsExperiments', permission: 'analytics:read', crumbs: [analytics], component: lazy(() => import('./pages/experiments/Experiments')) },
  { path: '/analytics/experiments/:id', title: 'nav.experimentDetail', permission: 'analytics:read', crumbs: [analytics, { title: 'nav.analyticsExperiments', path: '/analytics/experiments' }], component: lazy(() => import('./pages/experiments/ExperimentResult')) },
  { path: '/messaging/channels', title: 'nav.msgChannels', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/Channels')) },
  { path: '/messaging/rules', title: 'nav.msgRules', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/ContactRules')) },
  { path: '/messaging/templates', title: 'nav.msgTemplates', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/Templates')) },
  { path: '/messaging/qr-codes', title: 'nav.msgQrCodes', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/QrCodes')) },
  { path: '/messaging/auto-replies', title: 'nav.msgAutoReplies', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/AutoReplies')) },
  { path: '/messaging/followers', title: 'nav.msgFollowers', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/Followers')) },
  { path: '/messaging/broadcasts', title: 'nav.msgBroadcasts', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/Broadcasts')) },
  { path: '/messaging/broadcasts/new', title: 'nav.msgBroadcastNew', permission: 'messaging:send', crumbs: [reach, { title: 'nav.msgBroadcasts', path: '/messaging/broadcasts' }], component: lazy(() => import('./pages/messaging/BroadcastNew')) },
  { path: '/messaging/broadcasts/:id', title: 'nav.msgBroadcastDetail', permission: 'messaging:read', crumbs: [reach, { title: 'nav.msgBroadcasts', path: '/messaging/broadcasts' }], component: lazy(() => import('./pages/messaging/BroadcastDetail')) },
  { path: '/journeys', title: 'nav.journeys', permission: 'journeys:read', crumbs: [reach], component: lazy(() => import('./pages/journeys/Journeys')) },
  { path: '/journeys/new', title: 'nav.journeyNew', permission: 'journeys:write', crumbs: [reach, { title: 'nav.journeys', path: '/journeys' }], component: lazy(() => import('./pages/journeys/JourneyEditor')) },
  { path: '/journeys/:id', title: 'nav.journeyDetail', permission: 'journeys:read', crumbs: [reach, { title: 'nav.journeys', path: '/journeys' }], component: lazy(() => import('./pages/journeys/JourneyEditor')) },
  { path: '/messaging/deliveries', title: 'nav.msgDeliveries', permission: 'messaging:read', crumbs: [reach], component: lazy(() => import('./pages/messaging/Deliveries')) },
  { path: '/wecom/settings', title: 'nav.wecomSettings', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Settings')) },
  { path: '/wecom/staff', title: 'nav.wecomStaff', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Staff')) },
  { path: '/wecom/relations', title: 'nav.wecomRelations', permission: 'customers:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Relations')) },
  { path: '/wecom/channel-codes', title: 'nav.wecomCodes', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/ChannelCodes')) },
  { path: '/wecom/channel-codes/new', title: 'nav.wecomCodeNew', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomCodes', path: '/wecom/channel-codes' }], component: lazy(() => import('./pages/wecom/ChannelCodeEdit')) },
  { path: '/wecom/channel-codes/:id', title: 'nav.wecomCodeEdit', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomCodes', path: '/wecom/channel-codes' }], component: lazy(() => import('./pages/wecom/ChannelCodeEdit')) },
  { path: '/wecom/channel-codes/:id/stats', title: 'nav.wecomCodeStats', permission: 'messaging:read', crumbs: [wecom, { title: 'nav.wecomCodes', path: '/wecom/channel-codes' }], component: lazy(() => import('./pages/wecom/ChannelCodeStats')) },
  { path: '/wecom/tags', title: 'nav.wecomTags', permission: 'customers:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/CorpTags')) },
  { path: '/wecom/mass-tasks', title: 'nav.wecomMass', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/MassTasks')) },
  { path: '/wecom/mass-tasks/new', title: 'nav.wecomMassNew', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomMass', path: '/wecom/mass-tasks' }], component: lazy(() => import('./pages/wecom/MassTaskNew')) },
  { path: '/wecom/mass-tasks/:id', title: 'nav.wecomMassDetail', permission: 'messaging:read', crumbs: [wecom, { title: 'nav.wecomMass', path: '/wecom/mass-tasks' }], component: lazy(() => import('./pages/wecom/MassTaskDetail')) },
  { path: '/wecom/moments', title: 'nav.wecomMoments', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Moments')) },
  { path: '/wecom/moments/new', title: 'nav.wecomMomentNew', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomMoments', path: '/wecom/moments' }], component: lazy(() => import('./pages/wecom/MomentNew')) },
  { path: '/wecom/handovers', title: 'nav.wecomHandovers', permission: 'customers:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Handovers')) },
  { path: '/wecom/handovers/new', title: 'nav.wecomHandoverNew', permission: 'customers:write', crumbs: [wecom, { title: 'nav.wecomHandovers', path: '/wecom/handovers' }], component: lazy(() => import('./pages/wecom/HandoverNew')) },
  { path: '/wecom/handovers/:id', title: 'nav.wecomHandoverDetail', permission: 'customers:read', crumbs: [wecom, { title: 'nav.wecomHandovers', path: '/wecom/handovers' }], component: lazy(() => import('./pages/wecom/HandoverDetail')) },
  { path: '/wecom/reminders', title: 'nav.wecomReminders', permission: 'customers:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Reminders')) },
  { path: '/wecom/reminder-rules', title: 'nav.wecomReminderRules', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/ReminderRules')) },
  { path: '/wecom/groups', title: 'nav.wecomGroups', permission: 'customers:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/Groups')) },
  { path: '/wecom/groups/:chatId', title: 'nav.wecomGroupDetail', permission: 'customers:read', crumbs: [wecom, { title: 'nav.wecomGroups', path: '/wecom/groups' }], component: lazy(() => import('./pages/wecom/GroupDetail')) },
  { path: '/wecom/group-codes', title: 'nav.wecomGroupCodes', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/GroupCodes')) },
  { path: '/wecom/group-codes/new', title: 'nav.wecomGroupCodeNew', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomGroupCodes', path: '/wecom/group-codes' }], component: lazy(() => import('./pages/wecom/GroupCodeEdit')) },
  { path: '/wecom/group-codes/:id', title: 'nav.wecomGroupCodeEdit', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomGroupCodes', path: '/wecom/group-codes' }], component: lazy(() => import('./pages/wecom/GroupCodeEdit')) },
  { path: '/wecom/group-codes/:id/stats', title: 'nav.wecomGroupCodeStats', permission: 'messaging:read', crumbs: [wecom, { title: 'nav.wecomGroupCodes', path: '/wecom/group-codes' }], component: lazy(() => import('./pages/wecom/GroupCodeStats')) },
  { path: '/wecom/group-welcomes', title: 'nav.wecomGroupWelcomes', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/GroupWelcomes')) },
  { path: '/wecom/group-sops', title: 'nav.wecomGroupSops', permission: 'messaging:read', crumbs: [wecom], component: lazy(() => import('./pages/wecom/GroupSops')) },
  { path: '/wecom/group-sops/new', title: 'nav.wecomGroupSopNew', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomGroupSops', path: '/wecom/group-sops' }], component: lazy(() => import('./pages/wecom/GroupSopEdit')) },
  { path: '/wecom/group-sops/:id', title: 'nav.wecomGroupSopDetail', permission: 'messaging:read', crumbs: [wecom, { title: 'nav.wecomGroupSops', path: '/wecom/group-sops' }], component: lazy(() => import('./pages/wecom/GroupSopDetail')) },
  { path: '/wecom/group-sops/:id/edit', title: 'nav.wecomGroupSopEdit', permission: 'messaging:write', crumbs: [wecom, { title: 'nav.wecomGroupSops', path: '/wecom/group-sops' }], component: lazy(() => import('./pages/wecom/GroupSopEdit')) },
  { path: '/settings', title: 'nav.shop', permission: 'self:read', crumbs: [settings], component: lazy(() => import('./pages/settings/ShopSettings')) },
  { path: '/staff', title: 'nav.staff', permission: 'staff:read', crumbs: [settings], component: lazy(() => import('./pages/settings/Staff')) },
  { path: '/api-keys', title: 'nav.apiKeys', permission: 'apikeys:manage', crumbs: [settings], component: lazy(() => import('./pages/settings/ApiKeys')) },
  { path: '/analytics/sources', title: 'nav.analyticsSources', permission: 'self:read', crumbs: [settings], component: lazy(() => import('./pages/analytics/Sources')) },
  { path: '/onboarding/wechat-pay', title: 'nav.wechatPaySetup', permission: 'settings:write', crumbs: [settings, { title: 'nav.shop', path: '/settings' }], component: lazy(() => import('./pages/onboarding/WechatPaySetup')) },
];

/**
 * Pages outside the signed-in console frame: merchant sign-up and shop creation, forgot password, and
 * the platform operator's area (its own sign-in and frame; `/platform/*` routes inside it).
 */
export const PUBLIC_PAGES: { path: string; component: LazyExoticComponent<ComponentType> }[] = [
  { path: '/sign-up', component: lazy(() => import('./pages/onboarding/SignUp')) },
  { path: '/onboarding/create-shop', component: lazy(() => import('./pages/onboarding/CreateShop')) },
  { path: '/forgot-password', component: lazy(() => import('./pages/onboarding/ForgotPassword')) },
  { path: '/platform/*', component: lazy(() => import('./pages/platform/PlatformApp')) },
];

/** The left menu: groups of page paths. */
export const MENU: { key: string; title: MessageKey; icon: string; children?: string[] }[] = [
  { key: '/', title: 'nav.dashboard', icon: 'dashboard' },
  { key: 'goods', title: 'nav.goods', icon: 'goods', children: ['/products', '/categories', '/products/import', '/reviews'] },
  { key: 'orders', title: 'nav.orderGroup', icon: 'orders', children: ['/orders', '/refunds', '/pickup', '/shipping-templates', '/pickup-points'] },
  { key: 'customers', title: 'nav.customers', icon: 'customers', children: ['/customers', '/customers/tags', '/customers/groups'] },
  { key: 'marketing', title: 'nav.marketing', icon: 'marketing', children: ['/coupons', '/coupon-packs', '/activities', '/flash-sales', '/presales'] },
  { key: 'fission', title: 'nav.fission', icon: 'fission', children: ['/group-buys', '/bargains', '/distribution', '/distribution/promoters', '/distribution/commissions', '/distribution/withdrawals', '/distribution/products', '/distribution/settings', '/leaders/overview', '/leaders', '/leaders/settlements', '/leaders/settings', '/invitations', '/invitations/settings'] },
  {
    key: 'reach',
    title: 'nav.reach',
    icon: 'reach',
    children: ['/messaging/channels', '/messaging/rules', '/messaging/templates', '/messaging/qr-codes', '/messaging/auto-replies', '/messaging/followers', '/messaging/broadcasts', '/journeys', '/messaging/deliveries'],
  },
  { key: 'wecom', title: 'nav.wecom', icon: 'wecom', children: ['/wecom/settings', '/wecom/staff', '/wecom/relations', '/wecom/channel-codes', '/wecom/tags', '/wecom/mass-tasks', '/wecom/moments', '/wecom/handovers', '/wecom/reminders', '/wecom/reminder-rules', '/wecom/groups', '/wecom/group-codes', '/wecom/group-welcomes', '/wecom/group-sops'] },
  { key: 'members', title: 'nav.members', icon: 'members', children: ['/members/levels', '/points/rules', '/points/mall', '/stored-value', '/member-cards'] },
  {
    key: 'analytics',
    title: 'nav.analytics',
    icon: 'analytics',
    children: ['/analytics', '/analytics/trends', '/analytics/funnels', '/analytics/retention', '/analytics/paths', '/analytics/lifecycle', '/analytics/rfm', '/analytics/attribution', '/analytics/insights', '/analytics/experiments'],
  },
  { key: 'settings', title: 'nav.settings', icon: 'settings', children: ['/settings', '/staff', '/api-keys', '/analytics/sources'] },
];
