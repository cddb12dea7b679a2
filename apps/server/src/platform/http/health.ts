import type { FastifyInstance } from 'fastify';
import type { Platform } from '../context.js';
import { sql } from '../db/index.js';
import { unauthorized } from '../errors.js';
import { safeEqual } from '../auth/tokens.js';

function bearerMatches(header: string | undefined, token: string) {
  return typeof header === 'string' && header.startsWith('Bearer ') && safeEqual(header.slice(7), token);
}

export function installHealth(app: FastifyInstance, p: Platform, state: { shuttingDown: boolean }) {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness: the process answers' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Readiness: database and hot store reachable' } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await p.db.execute(sql`SELECT 1`);
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      await p.hot.set('readyz', '1', { ttlMs: 5000 });
      checks.hotStore = 'ok';
    } catch (err) {
      checks.hotStore = (err as Error).message;
    }
    const ready = !state.shuttingDown && Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', shuttingDown: state.shuttingDown, checks });
  });

  // In production the metrics (routes, volumes, timings) are not for everyone: they need the token, or are
  // served only on their own listener (METRICS_LISTEN, see runtime.ts).
  const { METRICS_TOKEN, METRICS_LISTEN, NODE_ENV } = p.config;
  if (!METRICS_LISTEN && (METRICS_TOKEN || NODE_ENV !== 'production')) {
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      if (METRICS_TOKEN && !bearerMatches(req.headers.authorization, METRICS_TOKEN)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw unauthorized('METRICS_TOKEN_REQUIRED', 'Send the metrics token as a bearer token');
      }
      reply.header('content-type', p.metrics.registry.contentType);
      return p.metrics.registry.metrics();
    });
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    p.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    p.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
}
