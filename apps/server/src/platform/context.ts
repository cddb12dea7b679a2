import type { Config } from './config.js';
import type { Database, Db } from './db/index.js';
import type { EventBus } from './events/bus.js';
import type { HotStore } from './hotstore/index.js';
import type { JobQueue } from './jobs/queue.js';
import type { Logger } from './logger.js';
import type { Metrics } from './http/metrics.js';
import type { Storage } from './storage/index.js';
import type { ShopCache } from './shop-cache.js';
import type { Role } from './auth/rbac.js';

/** Everything a module's service may use from the platform. Built once per process (or per test). */
export interface Platform {
  config: Config;
  log: Logger;
  database: Database;
  db: Db;
  hot: HotStore;
  /** Shop-level data kept per process and dropped when the shop changes (shop-cache.ts). */
  shopCache: ShopCache;
  jobs: JobQueue;
  events: EventBus;
  storage: Storage;
  metrics: Metrics;
  /** Where this process is reachable over HTTP; known after listen(). Used for sandbox and notify URLs. */
  selfUrl(): string;
  /** Public base URL shown to people (PUBLIC_URL, else selfUrl). */
  publicUrl(): string;
  now(): Date;
}

/** Who is acting: a staff member, an integrator's API key, or the system itself (jobs). */
export interface Actor {
  shopId: string;
  type: 'staff' | 'api_key' | 'system';
  id: string;
  name: string;
  role: Role;
}

export const systemActor = (shopId: string): Actor => ({ shopId, type: 'system', id: 'system', name: 'system', role: 'owner' });

export type { Db };
