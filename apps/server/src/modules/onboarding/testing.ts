import { randomBytes } from 'node:crypto';
import type { StaffSession, TestApp } from '../../testing/harness.js';
import { nextPhone } from '../../testing/commerce.js';

/** Test fixtures for merchant sign-up: codes from the sandbox inboxes, a whole sign-up in one call. */

/** The newest 6-digit code the sandbox SMS gateway delivered to `phone`. */
export async function latestSmsCode(t: TestApp, phone: string): Promise<string> {
  const inbox = await t.call('GET', `/sandbox/sms/messages?phone=${phone}`);
  const text: string | undefined = inbox.body.items[0]?.text;
  const m = text ? /(\d{6})/.exec(text) : null;
  if (!m) throw new Error(`no SMS code for ${phone}`);
  return m[1];
}

/** The newest 6-digit code the sandbox SMTP server received for `email`. */
export async function latestMailCode(t: TestApp, email: string): Promise<string> {
  const inbox = await t.call('GET', `/sandbox/mail/messages?to=${encodeURIComponent(email)}`);
  const subject: string | undefined = inbox.body.items[0]?.subject;
  const m = subject ? /(\d{6})/.exec(subject) : null;
  if (!m) throw new Error(`no mail code for ${email}`);
  return m[1];
}

let seq = 0;
export const nextEmail = () => `merchant-${process.pid}-${++seq}-${randomBytes(2).toString('hex')}@example.com`;
export const nextSlug = (prefix = 'shop') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Cookie header and CSRF token from a response that opened a console session. */
export function sessionFrom(headers: Headers, body: { csrfToken: string; shop: { id: string }; owner: { id: string; login: string } }, password: string): StaffSession {
  const cookie = headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return {
    login: body.owner.login,
    password,
    cookie,
    csrf: body.csrfToken,
    shopId: body.shop.id,
    actor: { shopId: body.shop.id, type: 'staff', id: body.owner.id, name: '店主', role: 'owner' },
  };
}

/** Proves a phone (or e-mail) and answers the ticket for creating a shop. */
export async function verifiedTicket(t: TestApp, opts: { channel?: 'sms' | 'email'; phone?: string; email?: string; password?: string } = {}) {
  const channel = opts.channel ?? 'sms';
  const who = channel === 'sms' ? { channel, phone: opts.phone ?? nextPhone() } : { channel, email: opts.email ?? nextEmail() };
  const sent = await t.call('POST', '/api/admin/sign-up/codes', { body: who });
  if (sent.status !== 200) throw new Error(`sign-up code: ${sent.status} ${JSON.stringify(sent.body)}`);
  const code = 'phone' in who ? await latestSmsCode(t, who.phone!) : await latestMailCode(t, who.email!);
  const password = opts.password ?? 'merchant-password-1';
  const verified = await t.call('POST', '/api/admin/sign-up/verify', { body: { ...who, code, password } });
  if (verified.status !== 200) throw new Error(`sign-up verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return { ticket: verified.body.ticket as string, login: verified.body.login as string, password, who };
}

/** A merchant who signed up and opened a shop, with the console session the sign-up opened. */
export async function signUpMerchant(t: TestApp, opts: { channel?: 'sms' | 'email'; slug?: string; name?: string } = {}) {
  const v = await verifiedTicket(t, { channel: opts.channel });
  const slug = opts.slug ?? nextSlug();
  const res = await t.call('POST', '/api/admin/sign-up/shop', { body: { ticket: v.ticket, name: opts.name ?? '新开的小店', slug, contactPhone: '0571-88886666' } });
  if (res.status !== 201) throw new Error(`create shop: ${res.status} ${JSON.stringify(res.body)}`);
  return { shopId: res.body.shop.id as string, slug, login: v.login, password: v.password, session: sessionFrom(res.headers, res.body, v.password) };
}
