import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';

const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'production-test-secret-0123456789abcdef' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function signInCookies(t: TestApp, login: string, password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/api/admin/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ login, password }),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie();
}

describe('production mode, safe by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...PRODUCTION, PUBLIC_URL: 'https://shop.example.com' });
  });
  afterAll(() => t.close());

  it('serves no simulators and no open /metrics', async () => {
    expect(t.platform.config).toMatchObject({ SANDBOX: false, SEED_DEMO: false });
    expect((await t.call('GET', '/sandbox/')).status).toBe(404);
    expect((await t.call('GET', '/sandbox/sms/messages?phone=13800138000')).status).toBe(404);
    expect((await t.call('GET', '/metrics')).status).toBe(404);
  });

  it('marks session cookies Secure when the public URL is https', async () => {
    const shop = await t.createShop();
    const cookies = await signInCookies(t, shop.owner.login, shop.owner.password);
    expect(cookies.length).toBe(2);
    for (const c of cookies) expect(c).toMatch(/;\s*Secure/i);
    expect(cookies.find((c) => c.startsWith('siyu_session='))).toMatch(/HttpOnly/i);
  });

  it('sends a content security policy without inline scripts, and the same headers on every answer', async () => {
    const a = await t.call('GET', '/healthz');
    const b = await t.call('GET', '/api/store/nope/products');
    const csp = a.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp.split(';').find((d) => d.trim().startsWith('script-src '))).not.toContain('unsafe-inline');
    expect(b.headers.get('content-security-policy')).toBe(csp);
    expect(a.headers.get('strict-transport-security')).toContain('max-age=');
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('metrics behind a token or on their own listener', () => {
  it('asks for the token', async () => {
    const t = await startTestApp({ ...PRODUCTION, METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      const none = await t.call('GET', '/metrics');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('METRICS_TOKEN_REQUIRED');
      expect((await t.call('GET', '/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await t.call('GET', '/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
      expect(ok.status).toBe(200);
      expect(String(ok.body)).toContain('siyu_http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('serves them only on METRICS_LISTEN', async () => {
    const port = await freePort();
    const t = await startTestApp({ METRICS_LISTEN: `127.0.0.1:${port}` });
    try {
      expect((await t.call('GET', '/metrics')).status).toBe(404);
      const res = await get(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.body).toContain('siyu_http_requests_total');
      expect((await get(`http://127.0.0.1:${port}/api/admin/auth/me`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('forwarded addresses only from trusted proxies', () => {
  const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };

  async function auditIpAfterWrite(t: TestApp) {
    const shop = await t.createShop();
    const session = await t.signIn(shop.owner.login, shop.owner.password);
    const res = await t.call('PATCH', '/api/admin/shop', { session, body: { name: 'Renamed' }, headers: forwarded });
    expect(res.status).toBe(200);
    const log = await t.call('GET', '/api/admin/audit-log?limit=1', { session });
    return { ip: log.body.items[0].ip as string, shop };
  }

  it('ignores X-Forwarded-For and -Proto from an untrusted peer', async () => {
    const t = await startTestApp({});
    try {
      const { ip, shop } = await auditIpAfterWrite(t);
      expect(ip).toBe('127.0.0.1');
      const cookies = await signInCookies(t, shop.owner.login, shop.owner.password, forwarded);
      for (const c of cookies) expect(c).not.toMatch(/;\s*Secure/i);
    } finally {
      await t.close();
    }
  });

  it('believes them from a proxy in TRUST_PROXY: the audit log and the cookies see the real client', async () => {
    const t = await startTestApp({ TRUST_PROXY: '127.0.0.1/32' });
    try {
      const { ip, shop } = await auditIpAfterWrite(t);
      expect(ip).toBe('203.0.113.7');
      const cookies = await signInCookies(t, shop.owner.login, shop.owner.password, forwarded);
      for (const c of cookies) expect(c).toMatch(/;\s*Secure/i);
    } finally {
      await t.close();
    }
  });

  it('rate-limits sign-in by the forwarded client, not by the proxy', async () => {
    const t = await startTestApp({ TRUST_PROXY: 'loopback', SIGNIN_RATE_PER_MINUTE: '3' });
    try {
      const attempt = (ip: string, login: string) => t.call('POST', '/api/admin/auth/sign-in', { body: { login, password: 'wrong-password' }, headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 3; i++) expect((await attempt('198.51.100.1', `nobody-${i}`)).status).toBe(401);
      expect((await attempt('198.51.100.1', 'nobody-3')).status).toBe(429);
      // Another client behind the same proxy is not punished for the first one.
      expect((await attempt('198.51.100.2', 'nobody-4')).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
