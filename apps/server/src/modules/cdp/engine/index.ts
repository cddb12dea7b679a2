import path from 'node:path';
import type { Config } from '../../../platform/config.js';
import { openClickHouse } from './clickhouse.js';
import { openDuckDb } from './duckdb.js';
import type { AnalyticsEngine } from './types.js';

export type { AnalyticsEngine } from './types.js';

/** The engine the configuration asks for: DuckDB in DATA_DIR (or in memory with an in-memory database), or ClickHouse. */
export function openEngine(config: Config): Promise<AnalyticsEngine> {
  if (config.ANALYTICS_ENGINE === 'clickhouse') {
    return openClickHouse({ url: config.CLICKHOUSE_URL!, database: config.CLICKHOUSE_DATABASE, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD });
  }
  const file = config.ANALYTICS_PATH ?? (config.DATA_DIR.startsWith('memory://') ? ':memory:' : path.resolve(config.DATA_DIR, 'analytics', 'events.duckdb'));
  return openDuckDb({ path: file, threads: config.ANALYTICS_THREADS, memoryLimit: config.ANALYTICS_MEMORY_LIMIT });
}
