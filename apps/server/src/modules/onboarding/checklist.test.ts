import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { createProduct } from '../../testing/commerce.js';
import { signUpMerchant } from './testing.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000' });
});
afterAll(() => t?.close());

const stepsOf = (body: { steps: { key: string; done: boolean }[] }) => Object.fromEntries(body.steps.map((s) => [s.key, s.done]));

function wechatPayBody() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return { mchId: '1900000109', appId: 'wx0123456789abcdef', serialNo: 'ABCDEF0123456789', privateKeyPem: privateKey, apiV3Key: 'k'.repeat(32), platformKeys: { PUB_KEY_ID_0000000001: publicKey } };
}

describe('the first-steps checklist of a new shop', () => {
  it('starts with nothing done and follows the real data to done', async () => {
    const m = await signUpMerchant(t);
    const session = m.session;
    const start = await t.call('GET', '/api/admin/onboarding/checklist', { session });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ completed: 0, total: 3, done: false, dismissed: false, visible: true });
    expect(start.body.steps).toEqual([
      { key: 'wechat_pay', done: false, path: '/onboarding/wechat-pay' },
      { key: 'first_product', done: false, path: '/products/new' },
      { key: 'first_coupon', done: false, path: '/coupons/new' },
    ]);

    // A draft counts: the merchant has added a product.
    await createProduct(t, session, { title: '明前龙井', priceFen: 16800, stock: 5, status: 'draft' });
    expect(stepsOf((await t.call('GET', '/api/admin/onboarding/checklist', { session })).body)).toEqual({ wechat_pay: false, first_product: true, first_coupon: false });

    const coupon = await t.call('POST', '/api/admin/coupons', {
      session,
      body: { name: '新店满100减10', kind: 'amount_off', thresholdFen: 10000, amountOffFen: 1000, validity: { type: 'relative', days: 7 }, totalQuantity: 100, perCustomerLimit: 1 },
    });
    expect(coupon.status).toBe(201);
    expect((await t.call('GET', '/api/admin/onboarding/checklist', { session })).body).toMatchObject({ completed: 2, visible: true });

    expect((await t.call('PUT', '/api/admin/shop/wechat-pay', { session, body: wechatPayBody() })).status).toBe(200);
    const done = await t.call('GET', '/api/admin/onboarding/checklist', { session });
    expect(done.body).toMatchObject({ completed: 3, done: true, visible: false });
  });

  it("does not count the sandbox's made-up merchant as the shop's WeChat Pay", async () => {
    const m = await signUpMerchant(t);
    // What PaymentService writes when a sandbox shop takes its first payment without a merchant of its own.
    await t.services.tenancy.updateShop(m.session.actor, { settings: { wechatPay: { ...wechatPayBody(), sandboxRestoreToken: 'restore-me' } } });
    const res = await t.call('GET', '/api/admin/onboarding/checklist', { session: m.session });
    expect(stepsOf(res.body).wechat_pay).toBe(false);
  });

  it('can be hidden for the shop and shown again; each shop has its own', async () => {
    const a = await signUpMerchant(t);
    const b = await signUpMerchant(t);
    const hide = await t.call('PUT', '/api/admin/onboarding/checklist', { session: a.session, body: { dismissed: true } });
    expect(hide.status).toBe(200);
    expect(hide.body).toMatchObject({ dismissed: true, visible: false, done: false });
    // Hiding twice is one change.
    expect((await t.call('PUT', '/api/admin/onboarding/checklist', { session: a.session, body: { dismissed: true } })).body.dismissed).toBe(true);
    expect((await t.call('GET', '/api/admin/onboarding/checklist', { session: b.session })).body).toMatchObject({ dismissed: false, visible: true });
    const audit = await t.call('GET', '/api/admin/audit-log', { session: a.session });
    expect(audit.body.items.filter((e: { action: string }) => e.action === 'PUT /api/admin/onboarding/checklist')).toHaveLength(2);
    const show = await t.call('PUT', '/api/admin/onboarding/checklist', { session: a.session, body: { dismissed: false } });
    expect(show.body).toMatchObject({ dismissed: false, visible: true });
  });

  it('is read by every role that sees the dashboard, hidden only by those who change settings', async () => {
    const m = await signUpMerchant(t);
    const cs = await t.createStaff(m.session, 'customer_service');
    const writer = await t.createStaff(m.session, 'copywriter');
    expect((await t.call('GET', '/api/admin/onboarding/checklist', { session: cs })).status).toBe(200);
    expect((await t.call('GET', '/api/admin/onboarding/checklist', { session: writer })).status).toBe(403);
    const refused = await t.call('PUT', '/api/admin/onboarding/checklist', { session: cs, body: { dismissed: true } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details.permission).toBe('settings:write');
  });
});
