import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/**
 * The security headers every answer carries, built once at start-up: they depend only on the
 * configuration, and building them per request (as helmet does for the CSP) costs a measurable share of
 * a small JSON route.
 */
export function securityHeaders(config: Pick<Config, 'PUBLIC_URL'>): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "base-uri 'self'",
    // No inline scripts anywhere: the console, the storefront, the sandbox pages and the API docs all
    // load their scripts from files. antd and antd-mobile inject styles at run time, hence inline styles.
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
  const headers: Record<string, string> = {
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
  // HSTS only where the shop is really served over HTTPS: self-hosted shops often start on plain http.
  if (config.PUBLIC_URL?.startsWith('https://')) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

export function installSecurityHeaders(app: FastifyInstance, config: Pick<Config, 'PUBLIC_URL'>) {
  const headers = securityHeaders(config);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/**
 * Whether the browser reached us over HTTPS: the public URL says so, or a trusted proxy
 * (TRUST_PROXY) forwarded `X-Forwarded-Proto: https`. Session cookies are `Secure` then.
 */
export function isHttps(req: FastifyRequest, config: Pick<Config, 'PUBLIC_URL'>): boolean {
  return req.protocol === 'https' || !!config.PUBLIC_URL?.startsWith('https://');
}
