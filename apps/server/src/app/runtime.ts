import http from 'node:http';
import type { Config } from '../platform/config.js';
import { createPlatform, closePlatform, type PlatformOptions } from '../platform/bootstrap.js';
import type { Platform } from '../platform/context.js';
import { migrate } from '../platform/db/migrate.js';
import { createServices, type Services } from './container.js';
import { buildApp, type BuiltApp } from './build.js';
import { migrationSources } from './migrations.js';
import { registerJobs } from './jobs.js';

export interface Runtime {
  platform: Platform;
  services: Services;
  http?: BuiltApp;
  url?: string;
  close(): Promise<void>;
}

/**
 * Starts the roles this process plays: `serve` (HTTP), `worker` (jobs, outbox dispatch, schedules),
 * or both. Embedded mode runs both in one process.
 */
export async function startRuntime(config: Config, roles: { serve: boolean; worker: boolean; listen?: { host: string; port: number }; extraRoutes?: (app: BuiltApp['app']) => void }, opts: PlatformOptions = {}): Promise<Runtime> {
  const platform = await createPlatform(config, opts);
  await migrate(platform.database, migrationSources);
  const services = await createServices(platform);
  // Subscribers and job handlers are registered in every role so that `send` knows queue names,
  // but only workers poll.
  registerJobs(platform, services);
  let http: BuiltApp | undefined;
  let url: string | undefined;
  if (roles.serve) {
    http = await buildApp(platform, services);
    roles.extraRoutes?.(http.app); // tests add probe routes here, before listen() freezes the router
    const listen = roles.listen ?? { host: config.HOST, port: config.PORT };
    await http.app.listen({ ...listen, backlog: config.LISTEN_BACKLOG });
    const addr = http.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : listen.port;
    url = `http://127.0.0.1:${port}`;
    (platform as Platform & { setSelfUrl(u: string): void }).setSelfUrl(url);
  }
  // The analytics engine opens once the roles are known: a DuckDB file belongs to one process.
  await services.cdp.start({ worker: roles.worker });
  if (roles.worker) platform.jobs.start();
  const metricsServer = config.METRICS_LISTEN && (roles.serve || roles.worker) ? await listenMetrics(platform, config.METRICS_LISTEN) : undefined;
  let closed = false;
  return {
    platform,
    services,
    http,
    url,
    async close() {
      if (closed) return;
      closed = true;
      // Each part of a slow shutdown is named in the log, so a stall can be traced to it.
      const timed = async (part: string, work: () => Promise<unknown>) => {
        const started = Date.now();
        await work();
        if (Date.now() - started > 5_000) platform.log.warn({ part, ms: Date.now() - started }, 'slow shutdown step');
      };
      if (http) {
        http.state.shuttingDown = true;
        // Fastify stops accepting, waits for in-flight requests, then resolves.
        await timed('http', () => http.app.close());
      }
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await timed('customer data', () => services.cdp.stop());
      await timed('platform', () => closePlatform(platform));
    },
  };
}

/**
 * /metrics on its own address (METRICS_LISTEN), typically one only the scraper can reach; the main port
 * then does not serve it. Workers have one too: their job counters are worth scraping.
 */
async function listenMetrics(p: Platform, address: string): Promise<http.Server> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    p.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': p.metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  p.log.info({ address }, 'metrics served on their own listener');
  return server;
}
