import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { nextPhone } from '../../testing/commerce.js';
import { latestMailCode, latestSmsCode, nextEmail, nextSlug, sessionFrom, signUpMerchant, verifiedTicket } from './testing.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000' });
});
afterAll(() => t?.close());

const createShop = (body: Record<string, unknown>) => t.call('POST', '/api/admin/sign-up/shop', { body: { name: '茶语小铺', contactPhone: '13800138000', ...body } });

describe('sign-up with a phone and an SMS code', () => {
  it('creates the shop, makes the merchant its owner and signs them in', async () => {
    const phone = nextPhone();
    const sent = await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ resendAfterSeconds: 60, expiresInSeconds: 300 });
    const code = await latestSmsCode(t, phone);
    const verified = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'sms', phone, code, password: 'my-shop-pass-1', displayName: '王老板' } });
    expect(verified.status).toBe(200);
    expect(verified.body.login).toBe(phone);

    const slug = nextSlug('tea');
    const created = await createShop({ ticket: verified.body.ticket, slug: slug.toUpperCase() });
    expect(created.status).toBe(201);
    expect(created.body.shop).toMatchObject({ slug, name: '茶语小铺', status: 'active', settings: { servicePhone: '13800138000' } });
    const session = sessionFrom(created.headers, created.body, 'my-shop-pass-1');
    const me = await t.call('GET', '/api/admin/auth/me', { session });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ actor: { role: 'owner', shopId: created.body.shop.id }, shop: { slug }, staff: { login: phone, phone, displayName: '王老板' } });

    // The password chosen at sign-up is the owner's: the phone signs in with it.
    const again = await t.signIn(phone, 'my-shop-pass-1');
    expect(again.shopId).toBe(created.body.shop.id);
    // The storefront is there at once.
    const store = await t.call('GET', `/api/store/${slug}/shop`);
    expect(store.body).toMatchObject({ slug, name: '茶语小铺', status: 'active', suspensionReason: null });
    // The shop's audit log says how it came to be.
    const audit = await t.call('GET', '/api/admin/audit-log', { session });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('POST /api/admin/sign-up/shop');
  });

  it('refuses a wrong code, and a second code within the resend interval', async () => {
    const phone = nextPhone();
    expect((await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone } })).status).toBe(200);
    const again = await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone } });
    expect(again.status).toBe(429);
    expect(again.body.error).toMatchObject({ code: 'SMS_TOO_FREQUENT', details: { field: 'phone' } });
    const code = await latestSmsCode(t, phone);
    const wrong = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'sms', phone, code: code === '000000' ? '111111' : '000000', password: 'my-shop-pass-1' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'SMS_CODE_INVALID', details: { field: 'code' } });
  });

  it('tells the owner of a registered phone (after the code) to sign in instead', async () => {
    const first = await verifiedTicket(t);
    expect((await createShop({ ticket: first.ticket, slug: nextSlug() })).status).toBe(201);
    const phone = (first.who as { phone: string }).phone;
    await t.platform.hot.del(`sms:resend:platform:${phone}`);
    expect((await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone } })).status).toBe(200);
    const code = await latestSmsCode(t, phone);
    const res = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'sms', phone, code, password: 'another-pass-1' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'LOGIN_TAKEN', details: { field: 'phone' } });
  });
});

describe('sign-up with an e-mail address', () => {
  it('sends the code through SMTP and signs the merchant in with the address', async () => {
    const email = nextEmail().replace('merchant', 'Merchant');
    const sent = await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email } });
    expect(sent.status).toBe(200);
    const inbox = await t.call('GET', `/sandbox/mail/messages?to=${encodeURIComponent(email.toLowerCase())}`);
    expect(inbox.body.items).toHaveLength(1);
    expect(inbox.body.items[0]).toMatchObject({ envelopeTo: [email.toLowerCase()], from: 'no-reply@siyu.localhost' });
    expect(inbox.body.items[0].text).toMatch(/您的验证码为 \d{6},5 分钟内有效/);
    const code = await latestMailCode(t, email.toLowerCase());
    const verified = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'email', email, code, password: 'mail-shop-pass-1' } });
    expect(verified.status).toBe(200);
    expect(verified.body.login).toBe(email.toLowerCase());
    const created = await createShop({ ticket: verified.body.ticket, slug: nextSlug('mail') });
    expect(created.status).toBe(201);
    const owner = await t.signIn(email.toLowerCase(), 'mail-shop-pass-1');
    expect(owner.shopId).toBe(created.body.shop.id);
    const me = await t.call('GET', '/api/admin/auth/me', { session: owner });
    expect(me.body.staff).toMatchObject({ login: email.toLowerCase(), phone: null, role: 'owner' });
  });

  it('refuses a second mail within the resend interval and a wrong code', async () => {
    const email = nextEmail();
    expect((await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email } })).status).toBe(200);
    const again = await t.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email } });
    expect(again.status).toBe(429);
    expect(again.body.error).toMatchObject({ code: 'EMAIL_TOO_FREQUENT', details: { field: 'email' } });
    const wrong = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'email', email, code: '12345x', password: 'mail-shop-pass-1' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'code' } });
    const code = await latestMailCode(t, email);
    const bad = await t.call('POST', '/api/admin/sign-up/verify', { body: { channel: 'email', email, code: code === '999999' ? '888888' : '999999', password: 'mail-shop-pass-1' } });
    expect(bad.body.error).toMatchObject({ code: 'EMAIL_CODE_INVALID', details: { field: 'code', attemptsLeft: 4 } });
  });
});

describe('storefront addresses (slugs)', () => {
  it('says which addresses are free, invalid, reserved or taken', async () => {
    const { slug } = await signUpMerchant(t);
    const check = async (s: string) => (await t.call('GET', `/api/admin/sign-up/slug?slug=${encodeURIComponent(s)}`)).body;
    expect(await check('fresh-tea-house')).toEqual({ slug: 'fresh-tea-house', available: true });
    expect(await check(slug.toUpperCase())).toEqual({ slug, available: false, reason: 'taken' });
    expect(await check('admin')).toEqual({ slug: 'admin', available: false, reason: 'reserved' });
    for (const bad of ['ab', 'a'.repeat(33), '-tea', 'tea-', 'tea--house', 'tea_house', '茶']) expect((await check(bad)).reason, bad).toBe('invalid');
  });

  it('refuses invalid, reserved and taken slugs with stable codes', async () => {
    const taken = await signUpMerchant(t);
    const { ticket } = await verifiedTicket(t);
    for (const bad of ['ab', 'tea_house', 'x'.repeat(33), '-tea']) {
      const res = await createShop({ ticket, slug: bad });
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'slug' } });
    }
    for (const reserved of ['admin', 'API', 'sandbox', 'docs', 'www', 'static']) {
      const res = await createShop({ ticket, slug: reserved });
      expect(res.status, reserved).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'SHOP_SLUG_RESERVED', details: { field: 'slug' } });
    }
    const dup = await createShop({ ticket, slug: taken.slug.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'SHOP_SLUG_TAKEN', details: { field: 'slug' } });
    // The ticket is still good for a free address.
    expect((await createShop({ ticket, slug: nextSlug() })).status).toBe(201);
  });

  it('lets exactly one of two merchants racing for one slug have it', async () => {
    const [a, b] = await Promise.all([verifiedTicket(t), verifiedTicket(t)]);
    const slug = nextSlug('race');
    const results = await Promise.all([createShop({ ticket: a.ticket, slug }), createShop({ ticket: b.ticket, slug })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error).toMatchObject({ code: 'SHOP_SLUG_TAKEN', details: { field: 'slug' } });
    const winner = results.find((r) => r.status === 201)!;
    expect((await t.call('GET', `/api/store/${slug}/shop`)).body.name).toBe('茶语小铺');
    expect(winner.body.shop.slug).toBe(slug);
  });
});

describe('creating the shop is safe to retry', () => {
  it('answers a retried ticket with the shop the first attempt made, and a double click makes one shop', async () => {
    const one = await verifiedTicket(t);
    const slug = nextSlug();
    const first = await createShop({ ticket: one.ticket, slug });
    expect(first.status).toBe(201);
    const retry = await createShop({ ticket: one.ticket, slug });
    expect(retry.status).toBe(200);
    expect(retry.body.shop.id).toBe(first.body.shop.id);
    expect((await t.call('GET', '/api/admin/auth/me', { session: sessionFrom(retry.headers, retry.body, one.password) })).body.shop.id).toBe(first.body.shop.id);

    const two = await verifiedTicket(t);
    const slug2 = nextSlug();
    const clicks = await Promise.all([createShop({ ticket: two.ticket, slug: slug2 }), createShop({ ticket: two.ticket, slug: slug2 })]);
    expect(clicks.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(clicks[0].body.shop.id).toBe(clicks[1].body.shop.id);
  });

  it('refuses an unknown or expired ticket', async () => {
    const res = await createShop({ ticket: 'x'.repeat(32), slug: nextSlug() });
    expect(res.status).toBe(410);
    expect(res.body.error).toMatchObject({ code: 'SIGN_UP_EXPIRED', details: { field: 'ticket' } });
  });
});

describe('rate limits per network', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ SMS_IP_HOURLY_LIMIT: '2' });
  });
  afterAll(() => small?.close());

  it('stops a network asking for too many codes, by SMS or by mail', async () => {
    expect((await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone: nextPhone() } })).status).toBe(200);
    expect((await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone: nextPhone() } })).status).toBe(200);
    const third = await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'sms', phone: nextPhone() } });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RATE_LIMITED');
    expect(third.headers.get('retry-after')).toBeTruthy();
    expect((await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email: nextEmail() } })).status).toBe(200);
    expect((await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email: nextEmail() } })).status).toBe(200);
    expect((await small.call('POST', '/api/admin/sign-up/codes', { body: { channel: 'email', email: nextEmail() } })).body.error.code).toBe('RATE_LIMITED');
  });
});
