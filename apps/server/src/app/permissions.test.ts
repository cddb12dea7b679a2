import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../testing/harness.js';
import { addAddress, bearer, createProduct, payOrder, signInCustomer } from '../testing/commerce.js';
import { declaredPermissions } from '../platform/http/admin-auth.js';
import { PERMISSIONS, ROLES, ROLE_PERMISSIONS, can, type Permission, type Role } from '../platform/auth/rbac.js';
import { documentedRoutes, fillPath, rawCall, registeredRoutes, routeKey, staffHeaders, type Route } from './route-walk.js';

/**
 * The permission of every /api/admin route, written out so that adding a route (or changing what it
 * needs) shows up here in review: the suite fails until this table names it.
 */
const EXPECTED: Record<string, Permission | 'public'> = {
  // The one way in: no session yet.
  'POST /api/admin/auth/sign-in': 'public',
  // Forgot password and merchant sign-up: nobody is signed in yet.
  'POST /api/admin/auth/password-reset/code': 'public',
  'POST /api/admin/auth/password-reset': 'public',
  'POST /api/admin/sign-up/codes': 'public',
  'POST /api/admin/sign-up/verify': 'public',
  'GET /api/admin/sign-up/slug': 'public',
  'POST /api/admin/sign-up/shop': 'public',
  'GET /api/admin/onboarding/checklist': 'dashboard:read',
  'PUT /api/admin/onboarding/checklist': 'settings:write',
  'POST /api/admin/auth/sign-out': 'self:read',
  'GET /api/admin/auth/me': 'self:read',
  'GET /api/admin/roles': 'staff:read',
  'GET /api/admin/staff': 'staff:read',
  'POST /api/admin/staff': 'staff:manage',
  'PATCH /api/admin/staff/{id}': 'staff:manage',
  'GET /api/admin/api-keys': 'apikeys:manage',
  'POST /api/admin/api-keys': 'apikeys:manage',
  'DELETE /api/admin/api-keys/{id}': 'apikeys:manage',
  'GET /api/admin/shop': 'self:read',
  'PATCH /api/admin/shop': 'settings:write',
  'PUT /api/admin/shop/wechat': 'settings:write',
  'PUT /api/admin/shop/wechat-pay': 'settings:write',
  'GET /api/admin/audit-log': 'audit:read',
  'GET /api/admin/customers': 'customers:read',
  'GET /api/admin/customers/{id}': 'customers:read',
  'PATCH /api/admin/customers/{id}': 'customers:write',
  'GET /api/admin/categories': 'catalog:read',
  'POST /api/admin/categories': 'catalog:write',
  'PATCH /api/admin/categories/{id}': 'catalog:write',
  'DELETE /api/admin/categories/{id}': 'catalog:write',
  'GET /api/admin/products': 'catalog:read',
  'GET /api/admin/products/export.xlsx': 'catalog:import',
  'GET /api/admin/products/{id}': 'catalog:read',
  'POST /api/admin/products': 'catalog:write',
  'PUT /api/admin/products/{id}': 'catalog:write',
  'POST /api/admin/products/bulk-status': 'catalog:write',
  'DELETE /api/admin/products/{id}': 'catalog:write',
  'POST /api/admin/skus/{id}/stock': 'catalog:write',
  'GET /api/admin/skus/{id}/stock-ledger': 'catalog:read',
  'GET /api/admin/catalog/import-template.xlsx': 'catalog:import',
  'POST /api/admin/catalog/imports': 'catalog:import',
  'GET /api/admin/catalog/imports': 'catalog:import',
  'GET /api/admin/catalog/imports/{id}': 'catalog:import',
  'GET /api/admin/catalog/imports/{id}/errors.xlsx': 'catalog:import',
  'POST /api/admin/media': 'media:upload',
  'GET /api/admin/media': 'media:upload',
  'DELETE /api/admin/media/{id}': 'media:upload',
  'GET /api/admin/orders': 'orders:read',
  'GET /api/admin/orders/export.xlsx': 'orders:export',
  'GET /api/admin/orders/{id}': 'orders:read',
  'POST /api/admin/orders/{id}/ship': 'orders:fulfil',
  'POST /api/admin/orders/{id}/cancel': 'orders:fulfil',
  'POST /api/admin/orders/pickup/lookup': 'orders:fulfil',
  'POST /api/admin/orders/pickup/verify': 'orders:fulfil',
  'POST /api/admin/orders/{id}/refunds': 'orders:refund',
  'GET /api/admin/refunds': 'orders:read',
  'POST /api/admin/refunds/{id}/approve': 'orders:refund',
  'POST /api/admin/refunds/{id}/confirm-return': 'orders:refund',
  'POST /api/admin/refunds/{id}/reject': 'orders:refund',
  'GET /api/admin/carriers': 'orders:read',
  'GET /api/admin/dashboard': 'dashboard:read',
  'GET /api/admin/shipping-templates': 'orders:read',
  'POST /api/admin/shipping-templates': 'shipping:manage',
  'PUT /api/admin/shipping-templates/{id}': 'shipping:manage',
  'DELETE /api/admin/shipping-templates/{id}': 'shipping:manage',
  'GET /api/admin/pickup-points': 'orders:read',
  'POST /api/admin/pickup-points': 'shipping:manage',
  'PATCH /api/admin/pickup-points/{id}': 'shipping:manage',
  'GET /api/admin/coupons': 'promotions:read',
  'POST /api/admin/coupons': 'promotions:write',
  'GET /api/admin/coupons/{id}': 'promotions:read',
  'PATCH /api/admin/coupons/{id}': 'promotions:write',
  'POST /api/admin/coupons/{id}/{action}': 'promotions:write',
  'GET /api/admin/coupons/{id}/coupons': 'promotions:read',
  'POST /api/admin/coupons/{id}/issue': 'promotions:issue',
  'GET /api/admin/coupons/{id}/batches': 'promotions:read',
  'GET /api/admin/coupon-batches/{id}': 'promotions:read',
  'GET /api/admin/coupon-packs': 'promotions:read',
  'POST /api/admin/coupon-packs': 'promotions:write',
  'PATCH /api/admin/coupon-packs/{id}': 'promotions:write',
  'DELETE /api/admin/coupon-packs/{id}': 'promotions:write',
  'GET /api/admin/coupon-gifts': 'promotions:read',
  'PUT /api/admin/coupon-gifts/{kind}': 'promotions:write',
  'GET /api/admin/activities': 'promotions:read',
  'POST /api/admin/activities': 'promotions:write',
  'GET /api/admin/activities/{id}': 'promotions:read',
  'PUT /api/admin/activities/{id}': 'promotions:write',
  'POST /api/admin/activities/{id}/{action}': 'promotions:write',
  'GET /api/admin/points/rules': 'loyalty:read',
  'PUT /api/admin/points/rules': 'loyalty:manage',
  'GET /api/admin/customers/{id}/points': 'customers:read',
  'POST /api/admin/customers/{id}/points/adjust': 'loyalty:manage',
  'GET /api/admin/members/levels': 'loyalty:read',
  'PUT /api/admin/members/levels': 'loyalty:manage',
  'GET /api/admin/customers/{id}/level': 'customers:read',
  'GET /api/admin/tags': 'customers:read',
  'POST /api/admin/tags': 'customers:write',
  'PUT /api/admin/tags/{id}': 'customers:write',
  'DELETE /api/admin/tags/{id}': 'customers:write',
  'GET /api/admin/customers/{id}/tags': 'customers:read',
  'PUT /api/admin/customers/{id}/tags': 'customers:write',
  'GET /api/admin/groups': 'customers:read',
  'POST /api/admin/groups': 'customers:write',
  'POST /api/admin/groups/estimate': 'customers:read',
  'GET /api/admin/groups/{id}/changes': 'customers:read',
  'GET /api/admin/groups/{id}': 'customers:read',
  'PUT /api/admin/groups/{id}': 'customers:write',
  'DELETE /api/admin/groups/{id}': 'customers:write',
  'GET /api/admin/groups/{id}/members': 'customers:read',
  'POST /api/admin/groups/{id}/members': 'customers:write',
  'POST /api/admin/groups/{id}/members/remove': 'customers:write',
  'GET /api/admin/groups/{id}/export.xlsx': 'customers:export',
  'GET /api/admin/points/mall': 'loyalty:read',
  'POST /api/admin/points/mall': 'loyalty:manage',
  'PUT /api/admin/points/mall/{id}': 'loyalty:manage',
  'GET /api/admin/flash-sales': 'promotions:read',
  'POST /api/admin/flash-sales': 'promotions:write',
  'GET /api/admin/flash-sales/{id}': 'promotions:read',
  'PUT /api/admin/flash-sales/{id}': 'promotions:write',
  'DELETE /api/admin/flash-sales/{id}': 'promotions:write',
  'POST /api/admin/flash-sales/{id}/publish': 'promotions:write',
  'POST /api/admin/flash-sales/{id}/end': 'promotions:write',
  'GET /api/admin/flash-sales/{id}/live': 'promotions:read',
  'GET /api/admin/reviews': 'customers:read',
  'POST /api/admin/analytics/query': 'analytics:read',
  'POST /api/admin/analytics/people': 'analytics:read',
  'POST /api/admin/analytics/people/group': 'customers:write',
  'POST /api/admin/analytics/export': 'analytics:read',
  'GET /api/admin/analytics/events': 'analytics:read',
  'GET /api/admin/analytics/properties': 'analytics:read',
  'GET /api/admin/analytics/dashboard': 'analytics:read',
  'GET /api/admin/analytics/status': 'analytics:read',
  'GET /api/admin/analytics/insights': 'analytics:read',
  'GET /api/admin/experiments': 'analytics:read',
  'POST /api/admin/experiments': 'analytics:write',
  'GET /api/admin/experiments/{id}': 'analytics:read',
  'PUT /api/admin/experiments/{id}': 'analytics:write',
  'POST /api/admin/experiments/{id}/start': 'analytics:write',
  'POST /api/admin/experiments/{id}/stop': 'analytics:write',
  'GET /api/admin/experiments/{id}/results': 'analytics:read',
  'POST /api/admin/analytics/insights': 'analytics:write',
  'PUT /api/admin/analytics/insights/{id}': 'analytics:write',
  'DELETE /api/admin/analytics/insights/{id}': 'analytics:write',
  'GET /api/admin/analytics/write-keys': 'self:read',
  'POST /api/admin/analytics/write-keys': 'analytics:write',
  'DELETE /api/admin/analytics/write-keys/{id}': 'analytics:write',
  'GET /api/admin/messaging/channels': 'messaging:read',
  'PUT /api/admin/messaging/channels/oa': 'messaging:write',
  'PUT /api/admin/messaging/channels/mini': 'messaging:write',
  'PUT /api/admin/messaging/channels/sms': 'messaging:write',
  'POST /api/admin/messaging/channels/oa/test': 'messaging:read',
  'POST /api/admin/messaging/channels/mini/test': 'messaging:read',
  'POST /api/admin/messaging/channels/sms/test': 'messaging:read',
  'POST /api/admin/messaging/channels/oa/sync-followers': 'messaging:write',
  'PUT /api/admin/messaging/channels/oa/menu': 'messaging:write',
  'GET /api/admin/messaging/budget': 'messaging:read',
  'PUT /api/admin/messaging/budget': 'messaging:write',
  'GET /api/admin/messaging/templates': 'messaging:read',
  'POST /api/admin/messaging/templates': 'messaging:write',
  'PUT /api/admin/messaging/templates/{id}': 'messaging:write',
  'DELETE /api/admin/messaging/templates/{id}': 'messaging:write',
  'POST /api/admin/messaging/templates/{id}/preview': 'messaging:read',
  'GET /api/admin/messaging/vendor-templates': 'messaging:read',
  'POST /api/admin/messaging/templates/import': 'messaging:write',
  'GET /api/admin/messaging/qr-codes': 'messaging:read',
  'POST /api/admin/messaging/qr-codes': 'messaging:write',
  'GET /api/admin/messaging/qr-codes/{id}/image': 'messaging:read',
  'GET /api/admin/messaging/auto-replies': 'messaging:read',
  'POST /api/admin/messaging/auto-replies': 'messaging:write',
  'PUT /api/admin/messaging/auto-replies/{id}': 'messaging:write',
  'DELETE /api/admin/messaging/auto-replies/{id}': 'messaging:write',
  'GET /api/admin/messaging/followers': 'messaging:read',
  'GET /api/admin/messaging/deliveries': 'messaging:read',
  'GET /api/admin/customers/{id}/messages': 'messaging:read',
  'GET /api/admin/messaging/broadcasts': 'messaging:read',
  'POST /api/admin/messaging/broadcasts': 'messaging:send',
  'GET /api/admin/messaging/broadcasts/{id}': 'messaging:read',
  'POST /api/admin/messaging/broadcasts/{id}/estimate': 'messaging:read',
  'POST /api/admin/messaging/broadcasts/{id}/start': 'messaging:send',
  'POST /api/admin/messaging/broadcasts/{id}/pause': 'messaging:send',
  'POST /api/admin/messaging/broadcasts/{id}/resume': 'messaging:send',
  'POST /api/admin/messaging/broadcasts/{id}/cancel': 'messaging:send',
  'GET /api/admin/messaging/broadcasts/{id}/result': 'messaging:read',
  'GET /api/admin/journeys': 'journeys:read',
  'POST /api/admin/journeys': 'journeys:write',
  'GET /api/admin/journeys/playbooks': 'journeys:read',
  'POST /api/admin/journeys/from-playbook': 'journeys:write',
  'GET /api/admin/journeys/{id}': 'journeys:read',
  'PUT /api/admin/journeys/{id}': 'journeys:write',
  'POST /api/admin/journeys/{id}/publish': 'journeys:write',
  'POST /api/admin/journeys/{id}/pause': 'journeys:write',
  'POST /api/admin/journeys/{id}/resume': 'journeys:write',
  'POST /api/admin/journeys/{id}/end': 'journeys:write',
  'GET /api/admin/journeys/{id}/stats': 'journeys:read',
  'POST /api/admin/journeys/{id}/test-run': 'journeys:write',
  'GET /api/admin/customers/{id}/profile': 'customers:read',
  'GET /api/admin/customers/{id}/events': 'analytics:read',
  'GET /api/admin/customers/{id}/groups': 'customers:read',
  'GET /api/admin/customers/{id}/coupons': 'promotions:read',
  'PATCH /api/admin/reviews/{id}': 'reviews:moderate',
  'GET /api/admin/stored-value/settings': 'loyalty:read',
  'PUT /api/admin/stored-value/settings': 'loyalty:manage',
  'GET /api/admin/stored-value/overview': 'loyalty:read',
  'GET /api/admin/stored-value/plans': 'loyalty:read',
  'POST /api/admin/stored-value/plans': 'loyalty:manage',
  'PUT /api/admin/stored-value/plans/{id}': 'loyalty:manage',
  'DELETE /api/admin/stored-value/plans/{id}': 'loyalty:manage',
  'GET /api/admin/stored-value/statement': 'loyalty:read',
  'GET /api/admin/stored-value/statement.xlsx': 'customers:export',
  'GET /api/admin/customers/{id}/stored-value': 'customers:read',
  'POST /api/admin/customers/{id}/stored-value/adjust': 'loyalty:manage',
  'GET /api/admin/presales': 'promotions:read',
  'POST /api/admin/presales': 'promotions:write',
  'GET /api/admin/presales/{id}': 'promotions:read',
  'POST /api/admin/presales/{id}/end': 'promotions:write',
  'GET /api/admin/group-buys': 'promotions:read',
  'POST /api/admin/group-buys': 'promotions:write',
  'GET /api/admin/group-buys/{id}': 'promotions:read',
  'GET /api/admin/group-buys/{id}/groups': 'promotions:read',
  'POST /api/admin/group-buys/{id}/end': 'promotions:write',
  'GET /api/admin/bargains': 'promotions:read',
  'POST /api/admin/bargains': 'promotions:write',
  'GET /api/admin/bargains/{id}': 'promotions:read',
  'POST /api/admin/bargains/{id}/end': 'promotions:write',
  'GET /api/admin/invitations/settings': 'promotions:read',
  'PUT /api/admin/invitations/settings': 'promotions:write',
  'GET /api/admin/invitations': 'promotions:read',
  'GET /api/admin/invitations/overview': 'promotions:read',
  'GET /api/admin/invitations/payouts': 'promotions:read',
  'GET /api/admin/distribution/settings': 'distribution:read',
  'PUT /api/admin/distribution/settings': 'distribution:manage',
  'GET /api/admin/distribution/overview': 'distribution:read',
  'GET /api/admin/distribution/products/{productId}': 'distribution:read',
  'PUT /api/admin/distribution/products/{productId}': 'distribution:manage',
  'GET /api/admin/distribution/products': 'distribution:read',
  'DELETE /api/admin/distribution/products/{productId}': 'distribution:manage',
  'GET /api/admin/promoters/{customerId}/team': 'distribution:read',
  'GET /api/admin/leaders/settings': 'distribution:read',
  'PUT /api/admin/leaders/settings': 'distribution:manage',
  'GET /api/admin/leaders/overview': 'distribution:read',
  'GET /api/admin/leaders': 'distribution:read',
  'GET /api/admin/leaders/{customerId}': 'distribution:read',
  'POST /api/admin/leaders/{customerId}/approve': 'distribution:manage',
  'POST /api/admin/leaders/{customerId}/reject': 'distribution:manage',
  'POST /api/admin/leaders/{customerId}/disable': 'distribution:manage',
  'GET /api/admin/leaders/{customerId}/pick-list': 'distribution:read',
  'GET /api/admin/leaders/{customerId}/pick-list.xlsx': 'distribution:read',
  'GET /api/admin/leader-settlements': 'distribution:read',
  'GET /api/admin/leader-settlements.xlsx': 'distribution:read',
  'POST /api/admin/leader-settlements/run': 'distribution:manage',
  'GET /api/admin/leader-settlements/{id}/commissions': 'distribution:read',
  'POST /api/admin/leader-settlements/{id}/paid': 'distribution:payout',
  'GET /api/admin/promoters': 'distribution:read',
  'GET /api/admin/promoters/{customerId}': 'distribution:read',
  'POST /api/admin/promoters/{customerId}/approve': 'distribution:manage',
  'POST /api/admin/promoters/{customerId}/reject': 'distribution:manage',
  'POST /api/admin/promoters/{customerId}/disable': 'distribution:manage',
  'GET /api/admin/commissions': 'distribution:read',
  'GET /api/admin/withdrawals': 'distribution:read',
  'POST /api/admin/withdrawals/{id}/approve': 'distribution:payout',
  'POST /api/admin/withdrawals/{id}/reject': 'distribution:payout',
  'GET /api/admin/member-cards': 'loyalty:read',
  'POST /api/admin/member-cards': 'loyalty:manage',
  'PUT /api/admin/member-cards/{id}': 'loyalty:manage',
  'GET /api/admin/customers/{id}/member-card': 'customers:read',
  'POST /api/admin/customers/{id}/member-card/grant': 'loyalty:manage',
  'GET /api/admin/wecom/settings': 'messaging:read',
  'PUT /api/admin/wecom/settings': 'messaging:write',
  'POST /api/admin/wecom/settings/test': 'messaging:read',
  'POST /api/admin/wecom/staff/sync': 'messaging:write',
  'GET /api/admin/wecom/sync-runs/{id}': 'messaging:read',
  'GET /api/admin/wecom/staff': 'messaging:read',
  'GET /api/admin/wecom/departments': 'messaging:read',
  'GET /api/admin/wecom/tags': 'customers:read',
  'POST /api/admin/wecom/tags': 'customers:write',
  'POST /api/admin/wecom/tags/sync': 'customers:write',
  'GET /api/admin/wecom/relations': 'customers:read',
  'GET /api/admin/wecom/relations/{id}': 'customers:read',
  'PATCH /api/admin/wecom/relations/{id}': 'customers:write',
  'POST /api/admin/wecom/relations/{id}/tags': 'customers:write',
  'GET /api/admin/wecom/channel-codes': 'messaging:read',
  'POST /api/admin/wecom/channel-codes': 'messaging:write',
  'GET /api/admin/wecom/channel-codes/{id}': 'messaging:read',
  'PUT /api/admin/wecom/channel-codes/{id}': 'messaging:write',
  'DELETE /api/admin/wecom/channel-codes/{id}': 'messaging:write',
  'GET /api/admin/wecom/channel-codes/{id}/stats': 'messaging:read',
  'POST /api/admin/wecom/handovers': 'customers:write',
  'GET /api/admin/wecom/handovers': 'customers:read',
  'GET /api/admin/wecom/handovers/groups': 'customers:read',
  'GET /api/admin/wecom/handovers/{id}': 'customers:read',
  'GET /api/admin/wecom/unassigned': 'customers:read',
  'POST /api/admin/wecom/unassigned/assign': 'customers:write',
  'GET /api/admin/wecom/relations/{id}/followups': 'customers:read',
  'POST /api/admin/wecom/relations/{id}/followups': 'customers:write',
  'GET /api/admin/wecom/reminder-rules': 'messaging:read',
  'POST /api/admin/wecom/reminder-rules': 'messaging:write',
  'GET /api/admin/wecom/reminder-rules/{id}': 'messaging:read',
  'PUT /api/admin/wecom/reminder-rules/{id}': 'messaging:write',
  'DELETE /api/admin/wecom/reminder-rules/{id}': 'messaging:write',
  'GET /api/admin/wecom/reminders': 'customers:read',
  'POST /api/admin/wecom/reminders': 'customers:write',
  'GET /api/admin/wecom/reminders/{id}': 'customers:read',
  'POST /api/admin/wecom/reminders/{id}/cancel': 'customers:write',
  'GET /api/admin/wecom/mass-tasks': 'messaging:read',
  'POST /api/admin/wecom/mass-tasks': 'messaging:write',
  'GET /api/admin/wecom/mass-tasks/{id}': 'messaging:read',
  'GET /api/admin/wecom/mass-tasks/{id}/recipients': 'messaging:read',
  'POST /api/admin/wecom/mass-tasks/{id}/refresh': 'messaging:read',
  'POST /api/admin/wecom/mass-tasks/{id}/cancel': 'messaging:write',
  'GET /api/admin/wecom/moments': 'messaging:read',
  'POST /api/admin/wecom/moments': 'messaging:write',
  'GET /api/admin/wecom/moments/{id}': 'messaging:read',
  'POST /api/admin/wecom/moments/{id}/refresh': 'messaging:read',
  'GET /api/admin/wecom/relations/export.xlsx': 'customers:export',
  'GET /api/admin/wecom/channel-codes/{id}/qr': 'messaging:read',
  'GET /api/admin/wecom/groups': 'customers:read',
  'GET /api/admin/wecom/groups/overview': 'customers:read',
  'POST /api/admin/wecom/groups/sync': 'messaging:write',
  'GET /api/admin/wecom/groups/{chat}': 'customers:read',
  'GET /api/admin/wecom/groups/{chat}/members': 'customers:read',
  'GET /api/admin/wecom/group-codes': 'messaging:read',
  'POST /api/admin/wecom/group-codes': 'messaging:write',
  'GET /api/admin/wecom/group-codes/{id}': 'messaging:read',
  'PUT /api/admin/wecom/group-codes/{id}': 'messaging:write',
  'DELETE /api/admin/wecom/group-codes/{id}': 'messaging:write',
  'GET /api/admin/wecom/group-codes/{id}/qr': 'messaging:read',
  'GET /api/admin/wecom/group-codes/{id}/stats': 'messaging:read',
  'GET /api/admin/wecom/group-welcomes': 'messaging:read',
  'POST /api/admin/wecom/group-welcomes': 'messaging:write',
  'GET /api/admin/wecom/group-welcomes/{id}': 'messaging:read',
  'PUT /api/admin/wecom/group-welcomes/{id}': 'messaging:write',
  'DELETE /api/admin/wecom/group-welcomes/{id}': 'messaging:write',
  'GET /api/admin/wecom/group-sops': 'messaging:read',
  'POST /api/admin/wecom/group-sops': 'messaging:write',
  'GET /api/admin/wecom/group-sops/{id}': 'messaging:read',
  'PUT /api/admin/wecom/group-sops/{id}': 'messaging:write',
  'DELETE /api/admin/wecom/group-sops/{id}': 'messaging:write',
  'GET /api/admin/wecom/group-sops/{id}/runs': 'messaging:read',
};

let t: TestApp;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
const sessions = {} as Record<Role, StaffSession>;
let copywriterKey: string;
let adminRoutes: Route[];

beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SIGNIN_RATE_PER_MINUTE: '10000' });
  shop = await t.createShop();
  sessions.owner = shop.owner;
  for (const role of ROLES) if (role !== 'owner') sessions[role] = await t.createStaff(shop.owner, role);
  const key = await t.call('POST', '/api/admin/api-keys', { session: shop.owner, body: { name: '文案机器人', role: 'copywriter' } });
  expect(key.status).toBe(201);
  copywriterKey = key.body.key;
  adminRoutes = registeredRoutes(t).filter((r) => r.path.startsWith('/api/admin/'));
});
afterAll(() => t?.close());

/**
 * Calls a route in a way that cannot hurt: unknown ids in the path and an empty body, so a role that may
 * pass gets a 404 or 400 from the handler, and a role that may not is stopped by the auth hook before
 * the body is even read.
 */
function probe(r: Route, headers: Record<string, string>) {
  const path = fillPath(r.path, new Proxy({}, { get: () => randomUUID() }) as Record<string, string>);
  return rawCall(t, r.method, path, { headers, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
}

/** Sign-out ends the session it is called with, so it gets a session of its own. */
async function headersFor(role: Role, r: Route) {
  const s = r.path === '/api/admin/auth/sign-out' ? await t.signIn(sessions[role].login, sessions[role].password) : sessions[role];
  return staffHeaders(s);
}

describe('every admin route declares the permission this table names', () => {
  it('knows every registered admin route, and every one is documented', async () => {
    const registered = adminRoutes.map(routeKey).sort();
    expect(registered).toEqual(Object.keys(EXPECTED).sort());
    const documented = new Set((await documentedRoutes(t)).map(routeKey));
    expect(registered.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('declares a real permission on every route but sign-in', () => {
    const declared = declaredPermissions(t.platform);
    for (const r of adminRoutes) {
      const d = declared.get(`${r.method} ${r.path.replace(/\{(\w+)\}/g, ':$1')}`);
      expect(d, routeKey(r)).toBeDefined();
      const want = EXPECTED[routeKey(r)];
      if (want === 'public') {
        expect(d!.public, routeKey(r)).toBe(true);
      } else {
        expect(d!.public, routeKey(r)).toBeFalsy();
        expect(d!.permission, routeKey(r)).toBe(want);
        expect(Object.keys(PERMISSIONS), routeKey(r)).toContain(d!.permission);
      }
    }
  });
});

describe('the role matrix holds on every admin route', () => {
  it('refuses exactly the roles that lack the permission, with 403 FORBIDDEN naming it', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const r of adminRoutes) {
      const permission = EXPECTED[routeKey(r)];
      if (permission === 'public') continue;
      const refused = new Set<Role>();
      for (const role of ROLES) {
        const res = await probe(r, await headersFor(role, r));
        calls++;
        if (res.body?.error?.code === 'PERMISSION_UNDECLARED') failures.push(`${routeKey(r)} declares no permission`);
        if (res.status === 403) {
          refused.add(role);
          if (res.body?.error?.code !== 'FORBIDDEN' || res.body.error.details?.permission !== permission) {
            failures.push(`${routeKey(r)} as ${role}: 403 ${JSON.stringify(res.body?.error)}`);
          }
        } else if (res.status === 401 || res.status >= 500) {
          failures.push(`${routeKey(r)} as ${role}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
      // The refusals alone must single out the permission: the roles lacking it, no more, no fewer.
      const lacking = ROLES.filter((role) => !can(role, permission));
      expect([...refused].sort(), routeKey(r)).toEqual([...lacking].sort());
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(ROLES.length * 50);
  });

  it('holds an API key with role copywriter to the same matrix', async () => {
    const failures: string[] = [];
    for (const r of adminRoutes) {
      const permission = EXPECTED[routeKey(r)];
      if (permission === 'public') continue;
      const res = await probe(r, { authorization: `Bearer ${copywriterKey}` });
      const allowed = ROLE_PERMISSIONS.copywriter.includes(permission);
      if (allowed ? res.status === 401 || res.status === 403 || res.status >= 500 : res.status !== 403 || res.body.error.code !== 'FORBIDDEN') {
        failures.push(`${routeKey(r)}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 401 to an unsigned request on every admin route but sign-in', async () => {
    const failures: string[] = [];
    for (const r of adminRoutes) {
      if (EXPECTED[routeKey(r)] === 'public') continue;
      const res = await probe(r, {});
      if (res.status !== 401 || res.body.error.code !== 'UNAUTHENTICATED') failures.push(`${routeKey(r)}: ${res.status} ${res.text.slice(0, 200)}`);
      const stale = await probe(r, { cookie: 'siyu_session=not-a-session', 'x-csrf-token': 'x' });
      if (stale.status !== 401) failures.push(`${routeKey(r)} with a stale session: ${stale.status}`);
    }
    expect(failures).toEqual([]);
    const signIn = await t.call('POST', '/api/admin/auth/sign-in', { body: { login: shop.owner.login, password: shop.owner.password } });
    expect(signIn.status).toBe(200);
  });
});

describe('the matrix on real orders and keys', () => {
  let paidOrder: { id: string; items: { id: string }[] };

  beforeAll(async () => {
    const tpl = await t.call('POST', '/api/admin/shipping-templates', {
      session: shop.owner,
      body: { name: '全国', chargeBy: 'piece', rules: [{ regions: [], first: 1, firstFeeFen: 800, additional: 1, additionalFeeFen: 200 }], isDefault: true },
    });
    expect(tpl.status).toBe(201);
    const product = await createProduct(t, shop.owner, { priceFen: 2000, stock: 10 });
    const customer = await signInCustomer(t, shop.slug);
    const addressId = await addAddress(t, shop.slug, customer);
    const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: bearer(customer), body: { items: [{ skuId: product.skus[0].id, quantity: 2 }], fulfilment: 'express', addressId } });
    expect(placed.status).toBe(201);
    await payOrder(t, shop.slug, customer, placed.body.id);
    paidOrder = placed.body;
  });

  const refundBody = () => ({ items: [{ orderItemId: paidOrder.items[0].id, quantity: 1 }], reason: '缺货' });
  const shipBody = { carrier: 'SF', trackingNo: 'SF1234567890' };

  it('stops a copywriter from refunding or shipping, and a planner from shipping', async () => {
    for (const [role, path, body] of [
      ['copywriter', `/api/admin/orders/${paidOrder.id}/refunds`, refundBody()],
      ['copywriter', `/api/admin/orders/${paidOrder.id}/ship`, shipBody],
      ['planner', `/api/admin/orders/${paidOrder.id}/ship`, shipBody],
      ['planner', `/api/admin/orders/${paidOrder.id}/refunds`, refundBody()],
    ] as const) {
      const res = await t.call('POST', path, { session: sessions[role], body });
      expect(res.status, `${role} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const read = await t.call('GET', `/api/admin/orders/${paidOrder.id}`, { session: sessions.planner });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'paid', refundedFen: 0 });
    expect((await t.call('GET', `/api/admin/orders/${paidOrder.id}`, { session: sessions.copywriter })).status).toBe(403);
  });

  it('lets customer service refund', async () => {
    const res = await t.call('POST', `/api/admin/orders/${paidOrder.id}/refunds`, { session: sessions.customer_service, body: refundBody() });
    expect(res.status).toBe(201);
    expect(res.body.amountFen).toBe(2000);
  });

  it('lets only the owner manage API keys', async () => {
    const created = await t.call('POST', '/api/admin/api-keys', { session: shop.owner, body: { name: 'ERP', role: 'operator' } });
    expect(created.status).toBe(201);
    for (const role of ROLES.filter((r) => r !== 'owner')) {
      const list = await t.call('GET', '/api/admin/api-keys', { session: sessions[role] });
      const create = await t.call('POST', '/api/admin/api-keys', { session: sessions[role], body: { name: 'x', role: 'owner' } });
      const revoke = await t.call('DELETE', `/api/admin/api-keys/${created.body.id}`, { session: sessions[role] });
      expect([list.status, create.status, revoke.status], role).toEqual([403, 403, 403]);
    }
    // An operator key cannot mint keys for itself either.
    const byKey = await t.call('POST', '/api/admin/api-keys', { headers: { authorization: `Bearer ${created.body.key}` }, body: { name: 'x', role: 'owner' } });
    expect(byKey.status).toBe(403);
    expect((await t.call('GET', '/api/admin/api-keys', { session: shop.owner })).body.items).toHaveLength(2);
    expect((await t.call('DELETE', `/api/admin/api-keys/${created.body.id}`, { session: shop.owner })).status).toBe(200);
  });
});
