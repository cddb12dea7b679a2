import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { rowOf } from './columns.js';
import type { AnalyticsEngine, EngineEvent } from './types.js';

const DDL = `
CREATE TABLE IF NOT EXISTS events (
  inbox_id Int64,
  shop_id String,
  event LowCardinality(String),
  person_id String,
  distinct_id String,
  ts Int64,
  properties String,
  source LowCardinality(String),
  medium LowCardinality(String),
  campaign LowCardinality(String),
  channel LowCardinality(String),
  os LowCardinality(String),
  path String,
  amount Nullable(Float64)
) ENGINE = MergeTree
ORDER BY (shop_id, event, ts)`;

/**
 * ClickHouse over its HTTP interface, for shops that outgrow one machine. Any number of processes may
 * use it; the loader's lock in PostgreSQL keeps one writer at a time. `person_id` is not in the sort key,
 * so a merge can re-point it with a mutation.
 */
export async function openClickHouse(opts: { url: string; database: string; username?: string; password?: string }): Promise<AnalyticsEngine> {
  const settings = {
    // LEFT JOIN misses are NULL, as in DuckDB and the analyses' SQL.
    join_use_nulls: 1,
    output_format_json_quote_64bit_integers: 0,
  } as const;
  const admin = createClient({ url: opts.url, username: opts.username, password: opts.password });
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${ident(opts.database)}` });
  await admin.close();
  const client: ClickHouseClient = createClient({ url: opts.url, database: opts.database, username: opts.username, password: opts.password, clickhouse_settings: settings });
  return {
    dialect: 'clickhouse',
    async init() {
      await client.command({ query: DDL });
      // One person's events read granules whose bloom filter may hold them, not the whole table.
      await client.command({ query: 'ALTER TABLE events ADD INDEX IF NOT EXISTS events_person person_id TYPE bloom_filter GRANULARITY 4' });
    },
    async loadedIds(min, max) {
      const r = await client.query({ query: 'SELECT inbox_id FROM events WHERE inbox_id BETWEEN {min:Int64} AND {max:Int64}', query_params: { min, max }, format: 'JSONEachRow' });
      return new Set((await r.json<{ inbox_id: number | string }>()).map((x) => Number(x.inbox_id)));
    },
    async append(events: EngineEvent[]) {
      if (events.length === 0) return;
      await client.insert({ table: 'events', values: events.map(rowOf), format: 'JSONEachRow' });
    },
    async reassign(shopId, from, to) {
      if (from.length === 0) return;
      await client.command({
        query: 'ALTER TABLE events UPDATE person_id = {to:String} WHERE shop_id = {shop:String} AND person_id IN {from:Array(String)}',
        query_params: { to, shop: shopId, from },
        clickhouse_settings: { mutations_sync: '2' },
      });
    },
    async query<T>(sql: string, params: Record<string, string | number>) {
      const r = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return r.json<T>();
    },
    async close() {
      await client.close();
    },
  };
}

function ident(name: string) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad ClickHouse database name ${name}`);
  return name;
}
