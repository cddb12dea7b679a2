import type { FastifyInstance } from 'fastify';
import type { Platform } from '../context.js';
import { sql } from '../db/index.js';

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

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', p.metrics.registry.contentType);
    return p.metrics.registry.metrics();
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    p.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    p.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
}
