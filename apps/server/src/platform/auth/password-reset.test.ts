import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { nextPhone, waitFor } from '../../testing/commerce.js';
import { latestMailCode, signUpMerchant } from '../../modules/onboarding/testing.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SMS_IP_HOURLY_LIMIT: '100000', SMS_DAILY_LIMIT: '1000', LOGIN_MAX_FAILURES: '3' });
});
afterAll(() => t?.close());

const requestCode = (login: string) => t.call('POST', '/api/admin/auth/password-reset/code', { body: { login } });
const reset = (login: string, code: string, password: string) => t.call('POST', '/api/admin/auth/password-reset', { body: { login, code, password } });
const smsCount = async (phone: string) => (await t.call('GET', `/sandbox/sms/messages?phone=${phone}`)).body.items.length as number;

/** The reset code sent to `phone` (sending happens after the answer, so wait for it). */
async function codeFor(phone: string, before: number) {
  const text = await waitFor(async () => {
    const items = (await t.call('GET', `/sandbox/sms/messages?phone=${phone}`)).body.items;
    return items.length > before ? (items[0].text as string) : null;
  }, 'reset SMS');
  return /(\d{6})/.exec(text)![1];
}

async function staffWithPhone() {
  const shop = await t.createShop();
  const phone = nextPhone();
  const login = `cs-${phone}`;
  await t.services.auth.createStaff(shop.owner.actor, { login, password: 'old-password-1', displayName: '客服小张', phone, role: 'customer_service' });
  return { shop, login, phone };
}

describe('forgot password (staff)', () => {
  it('sends a code to the phone on record, sets the new password, ends every session and clears the lock-out', async () => {
    const { login, phone } = await staffWithPhone();
    const s1 = await t.signIn(login, 'old-password-1');
    const s2 = await t.signIn(login, 'old-password-1');
    // Lock the account with wrong passwords.
    for (let i = 0; i < 3; i++) await t.call('POST', '/api/admin/auth/sign-in', { body: { login, password: 'wrong-password' } });
    expect((await t.call('POST', '/api/admin/auth/sign-in', { body: { login, password: 'old-password-1' } })).body.error.code).toBe('ACCOUNT_LOCKED');

    const before = await smsCount(phone);
    const sent = await requestCode(login);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ok: true, resendAfterSeconds: 60, expiresInSeconds: 300 });
    const code = await codeFor(phone, before);
    const done = await reset(login, code, 'new-password-9');
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ ok: true, logins: [login] });

    for (const s of [s1, s2]) expect((await t.call('GET', '/api/admin/auth/me', { session: s })).status).toBe(401);
    expect((await t.call('POST', '/api/admin/auth/sign-in', { body: { login, password: 'old-password-1' } })).status).toBe(401);
    const fresh = await t.signIn(login, 'new-password-9');
    expect(fresh.actor.role).toBe('customer_service');
    // The code worked once.
    const replay = await reset(login, code, 'third-password-1');
    expect(replay.status).toBe(400);
    expect(replay.body.error).toMatchObject({ code: 'RESET_CODE_INVALID', details: { field: 'code' } });
  });

  it('accepts the phone number in place of the login', async () => {
    const { login, phone } = await staffWithPhone();
    const before = await smsCount(phone);
    expect((await requestCode(phone)).status).toBe(200);
    const res = await reset(phone, await codeFor(phone, before), 'by-phone-pass-1');
    expect(res.body).toEqual({ ok: true, logins: [login] });
    expect((await t.signIn(login, 'by-phone-pass-1')).login).toBe(login);
  });

  it('answers the same whether or not the account exists, and sends nothing for a stranger', async () => {
    const { login } = await staffWithPhone();
    const known = await requestCode(login);
    const strangerPhone = nextPhone();
    const unknown = await requestCode('nobody-here');
    const unknownPhone = await requestCode(strangerPhone);
    expect([known.status, unknown.status, unknownPhone.status]).toEqual([200, 200, 200]);
    expect(unknown.body).toEqual(known.body);
    expect(unknownPhone.body).toEqual(known.body);
    await new Promise((r) => setTimeout(r, 300));
    expect(await smsCount(strangerPhone)).toBe(0);

    // Wrong codes look alike too: no "attempts left" that only a real account would have.
    const wrongKnown = await reset(login, '000000', 'whatever-pass-1');
    const wrongUnknown = await reset('nobody-here', '000000', 'whatever-pass-1');
    expect(wrongKnown.status).toBe(400);
    expect(wrongUnknown.status).toBe(400);
    expect(wrongKnown.body).toEqual(wrongUnknown.body);

    // The resend interval applies to what was typed, existing or not.
    const again = [await requestCode(login), await requestCode('nobody-here')];
    expect(again.map((r) => [r.status, r.body.error.code])).toEqual([[429, 'SMS_TOO_FREQUENT'], [429, 'SMS_TOO_FREQUENT']]);
  });

  it('leaves a disabled account alone', async () => {
    const { shop, login, phone } = await staffWithPhone();
    const staffList = await t.call('GET', '/api/admin/staff', { session: shop.owner });
    const id = staffList.body.items.find((s: { login: string }) => s.login === login).id;
    expect((await t.call('PATCH', `/api/admin/staff/${id}`, { session: shop.owner, body: { status: 'disabled' } })).status).toBe(200);
    expect((await requestCode(login)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await smsCount(phone)).toBe(0);
  });

  it('mails the code to a merchant who signed up with an e-mail address', async () => {
    const m = await signUpMerchant(t, { channel: 'email' });
    // The sign-up code went to this address a moment ago; one code per address per minute, whatever for.
    await t.platform.hot.del(`mail:resend:platform:${m.login}`);
    expect((await requestCode(m.login)).status).toBe(200);
    const code = await waitFor(async () => {
      const items = (await t.call('GET', `/sandbox/mail/messages?to=${encodeURIComponent(m.login)}`)).body.items;
      return items.length === 2 && (items[0].subject as string).includes('重置密码') ? latestMailCode(t, m.login) : null;
    }, 'reset mail');
    expect((await reset(m.login, code, 'mail-reset-pass-1')).body).toEqual({ ok: true, logins: [m.login] });
    expect((await t.call('GET', '/api/admin/auth/me', { session: m.session })).status).toBe(401);
    expect((await t.signIn(m.login, 'mail-reset-pass-1')).shopId).toBe(m.shopId);
  });
});
