import { startTestApp, type StaffSession, type TestApp } from '../../apps/server/src/testing/harness.js';

export type { StaffSession, TestApp };

export interface E2EApp {
  t: TestApp;
  slug: string;
  shopId: string;
  owner: StaffSession;
  /** Known credentials of the shop owner, typed into the console's sign-in form. */
  login: string;
  password: string;
}

/**
 * A full server on a fresh database, serving the built console and storefront, with one shop.
 * The harness starts no worker; the E2E flows need one (the payment notification, imports and the
 * outbox run as jobs), so this process polls the queue like the embedded `npm start` does.
 */
export async function startE2EApp(): Promise<E2EApp> {
  const t = await startTestApp({
    // A run signs in and asks for SMS codes many times from 127.0.0.1; the production limits would trip.
    SMS_IP_HOURLY_LIMIT: '100000',
    // The config caps this one at 10 000 (100 000 is rejected as invalid configuration).
    SIGNIN_RATE_PER_MINUTE: '10000',
    JOBS_POLL_MS: '100',
  });
  t.platform.jobs.start();
  const shop = await t.createShop();
  return { t, slug: shop.slug, shopId: shop.shopId, owner: shop.owner, login: shop.owner.login, password: shop.owner.password };
}

/** Reads the newest 6-digit code the sandbox SMS gateway delivered to `phone`. */
export async function smsCode(t: TestApp, phone: string, after = 0): Promise<string> {
  const until = Date.now() + 15_000;
  for (;;) {
    const inbox = await t.call('GET', `/sandbox/sms/messages?phone=${encodeURIComponent(phone)}`);
    const list: any[] = Array.isArray(inbox.body) ? inbox.body : (inbox.body?.items ?? inbox.body?.messages ?? []);
    if (list.length > after) {
      const newest = [...list].sort((a, b) => String(b.sentAt ?? b.createdAt ?? '').localeCompare(String(a.sentAt ?? a.createdAt ?? '')))[0];
      const m = /(\d{6})/.exec(String(newest.text ?? newest.content ?? ''));
      if (m) return m[1];
    }
    if (Date.now() > until) throw new Error(`no SMS code for ${phone}: ${JSON.stringify(inbox.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

let phoneSeq = 0;
/** A mainland mobile number unique to this run. */
export function newPhone(): string {
  phoneSeq++;
  return `137${String(process.pid % 10000).padStart(4, '0')}${String(phoneSeq).padStart(4, '0')}`;
}
