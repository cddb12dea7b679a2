/** The seeded demo shop (SEED_DEMO=true): its owner and customers signed in over the HTTP API. */
import { randomInt } from 'node:crypto';
import http from 'node:http';
import { json, request } from './http.js';

export const SHOP = 'demo';
export const OWNER = { login: 'owner@demo', password: 'siyu-demo-123' };

/** Signs the owner in; answers the headers an admin write needs (session cookie + CSRF token). */
export async function signInOwner(agent: http.Agent, base: string): Promise<Record<string, string>> {
  const signIn = await request(agent, base, 'POST', '/api/admin/auth/sign-in', OWNER);
  if (signIn.status !== 200) throw new Error(`owner sign-in answered ${signIn.status}: ${signIn.text}`);
  const cookie = (signIn.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  return { cookie, 'x-csrf-token': JSON.parse(signIn.text).csrfToken as string };
}

/** The owner's admin API over one keep-alive agent: sign in once, then call. */
export class AdminClient {
  private agent = new http.Agent({ keepAlive: true });
  private headers: Record<string, string> = {};
  constructor(readonly base: string) {}
  async signIn() {
    this.headers = await signInOwner(this.agent, this.base);
  }
  call(method: string, p: string, body?: unknown) {
    return json(this.agent, this.base, method, p, body, this.headers);
  }
  close() {
    this.agent.destroy();
  }
}

/**
 * `count` phone numbers unique to this run (at most 10,000), so SMS limits kept in a shared Redis
 * never collide with an earlier run.
 */
export function runPhones(count: number): string[] {
  const prefix = `139${String(randomInt(0, 10_000)).padStart(4, '0')}`;
  return Array.from({ length: count }, (_, i) => prefix + String(i).padStart(4, '0'));
}

/** Signs a customer in (or up) by SMS, reading the code from the sandbox inbox; answers the bearer token. */
export async function signInCustomer(agent: http.Agent, base: string, phone: string): Promise<string> {
  await json(agent, base, 'POST', `/api/store/${SHOP}/auth/sms-code`, { phone, purpose: 'sign_in' });
  const inbox = await json(agent, base, 'GET', `/sandbox/sms/messages?phone=${phone}`);
  const messages = Array.isArray(inbox) ? inbox : inbox.items ?? inbox.messages;
  const text: string = messages[0].text ?? messages[0].content;
  const code = /(\d{6})/.exec(text)![1];
  const session = await json(agent, base, 'POST', `/api/store/${SHOP}/auth/sign-in/sms`, { phone, code });
  return session.token as string;
}

/** Runs fn(0) … fn(count − 1) with at most `concurrency` in flight; answers the results in index order. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return out;
}
