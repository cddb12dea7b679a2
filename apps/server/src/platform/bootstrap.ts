import path from 'node:path';
import type { Config } from './config.js';
import type { Platform } from './context.js';
import { createDatabase } from './db/index.js';
import { withTransactionScopes } from './db/transaction-scope.js';
import { trackCommits } from './db/after-commit.js';
import { EventBus } from './events/bus.js';
import { createHotStore } from './hotstore/index.js';
import { createMetrics } from './http/metrics.js';
import { JobQueue } from './jobs/queue.js';
import { createLogger, type Logger } from './logger.js';
import { LocalDiskStorage } from './storage/index.js';
import { ShopCache } from './shop-cache.js';

export interface PlatformOptions {
  /** Overrides DATA_DIR for the database (tests use `memory://`). */
  pgliteDir?: string;
  /** PostgreSQL schema to isolate in (tests). */
  schema?: string;
  redisPrefix?: string;
  mediaDir?: string;
  logger?: Logger;
  defaultMetrics?: boolean;
  poolSize?: number;
}

export async function createPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.logger ?? createLogger(config);
  const database = withTransactionScopes(await createDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: opts.pgliteDir ?? config.DATA_DIR,
    schema: opts.schema,
    poolSize: opts.poolSize,
    pgliteInWorker: config.PGLITE_IN_WORKER,
  }));
  // Work said inside a transaction that must wait for its COMMIT (cache invalidation) runs after it.
  trackCommits(database);
  const hot = await createHotStore({ redisUrl: config.REDIS_URL, prefix: opts.redisPrefix });
  const jobs = new JobQueue(database, log.child({ part: 'jobs' }), { pollMs: config.JOBS_POLL_MS, lockMs: config.JOBS_LOCK_MS });
  const events = new EventBus(database, jobs, log.child({ part: 'events' }));
  jobs.onPoll(() => events.dispatch());
  let selfUrl = `http://127.0.0.1:${config.PORT}`;
  const platform: Platform & { setSelfUrl(u: string): void } = {
    config,
    log,
    database,
    db: database.db,
    hot,
    shopCache: new ShopCache(hot),
    jobs,
    events,
    storage: new LocalDiskStorage(opts.mediaDir ?? path.resolve(config.DATA_DIR, 'media')),
    metrics: createMetrics({ defaultMetrics: opts.defaultMetrics ?? false }),
    selfUrl: () => selfUrl,
    publicUrl: () => config.PUBLIC_URL ?? selfUrl,
    now: () => new Date(),
    setSelfUrl(u: string) {
      selfUrl = u;
    },
  };
  return platform;
}

export async function closePlatform(p: Platform) {
  await p.jobs.stop(p.config.SHUTDOWN_GRACE_MS);
  await p.hot.close();
  await p.database.close();
}
