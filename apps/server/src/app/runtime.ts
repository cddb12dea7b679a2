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
    await http.app.listen(listen);
    const addr = http.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : listen.port;
    url = `http://127.0.0.1:${port}`;
    (platform as Platform & { setSelfUrl(u: string): void }).setSelfUrl(url);
  }
  if (roles.worker) platform.jobs.start();
  let closed = false;
  return {
    platform,
    services,
    http,
    url,
    async close() {
      if (closed) return;
      closed = true;
      if (http) {
        http.state.shuttingDown = true;
        // Fastify stops accepting, waits for in-flight requests, then resolves.
        await http.app.close();
      }
      await closePlatform(platform);
    },
  };
}
