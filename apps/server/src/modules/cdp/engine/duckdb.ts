import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { rowOf } from './columns.js';
import type { AnalyticsEngine, EngineEvent } from './types.js';

const DDL = `
CREATE TABLE IF NOT EXISTS events (
  inbox_id BIGINT NOT NULL,
  shop_id VARCHAR NOT NULL,
  event VARCHAR NOT NULL,
  person_id VARCHAR NOT NULL,
  distinct_id VARCHAR NOT NULL,
  ts BIGINT NOT NULL,
  properties VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  medium VARCHAR NOT NULL,
  campaign VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  os VARCHAR NOT NULL,
  path VARCHAR NOT NULL,
  amount DOUBLE
)`;

/** Numbers come back as bigint for BIGINT/HUGEINT columns; analyses want plain numbers. */
function plain(row: Record<string, unknown>) {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'bigint') row[k] = Number(v);
    else if (Array.isArray(v)) row[k] = v.map((x) => (typeof x === 'bigint' ? Number(x) : x));
  }
  return row;
}

/**
 * DuckDB in this process. The file has one owner: a second process cannot open it while this one has it
 * (DuckDB's own lock), so reads from other processes go through the owner (cdp/owner.ts).
 * Queries run on libuv's thread pool; the appender's flush is the one synchronous step, kept to a batch.
 */
export async function openDuckDb(opts: { path: string; threads?: number; memoryLimit?: string }): Promise<AnalyticsEngine> {
  if (opts.path !== ':memory:') mkdirSync(path.dirname(opts.path), { recursive: true });
  const config: Record<string, string> = {};
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(opts.path, config);
  const writer = await instance.connect();
  // Readers get their own connections so a long analysis does not wait behind a load, and loads keep
  // going while an analysis runs (DuckDB is MVCC).
  const readers: DuckDBConnection[] = [];
  const idle: DuckDBConnection[] = [];
  const waiting: ((c: DuckDBConnection) => void)[] = [];
  const MAX_READERS = 4;
  let writing: Promise<unknown> = Promise.resolve();

  async function borrow(): Promise<DuckDBConnection> {
    const c = idle.pop();
    if (c) return c;
    if (readers.length < MAX_READERS) {
      const n = await instance.connect();
      readers.push(n);
      return n;
    }
    return new Promise((resolve) => waiting.push(resolve));
  }
  function giveBack(c: DuckDBConnection) {
    const w = waiting.shift();
    if (w) w(c);
    else idle.push(c);
  }
  /** Writes are serialized on the one writer connection. */
  function write<T>(fn: () => Promise<T>): Promise<T> {
    const next = writing.then(fn, fn);
    writing = next.catch(() => undefined);
    return next;
  }

  return {
    dialect: 'duckdb',
    async init() {
      await writer.run(DDL);
      // One person's events without a scan (a segment re-evaluated after someone did something): an ART
      // index on person_id, read through a MATERIALIZED CTE of equality lookups (see personEvents).
      await writer.run('CREATE INDEX IF NOT EXISTS events_person ON events (person_id)');
    },
    async loadedIds(min, max) {
      const r = await writer.runAndReadAll('SELECT inbox_id FROM events WHERE inbox_id BETWEEN $min AND $max', { min: BigInt(min), max: BigInt(max) });
      return new Set(r.getRows().map((x) => Number(x[0])));
    },
    append(events: EngineEvent[]) {
      return write(async () => {
        if (events.length === 0) return;
        const a = await writer.createAppender('events');
        try {
          for (const e of events) {
            const r = rowOf(e);
            a.appendBigInt(BigInt(r.inbox_id));
            a.appendVarchar(r.shop_id);
            a.appendVarchar(r.event);
            a.appendVarchar(r.person_id);
            a.appendVarchar(r.distinct_id);
            a.appendBigInt(BigInt(Math.trunc(r.ts)));
            a.appendVarchar(r.properties);
            a.appendVarchar(r.source);
            a.appendVarchar(r.medium);
            a.appendVarchar(r.campaign);
            a.appendVarchar(r.channel);
            a.appendVarchar(r.os);
            a.appendVarchar(r.path);
            if (r.amount === null) a.appendNull();
            else a.appendDouble(r.amount);
            a.endRow();
          }
          a.flushSync();
        } finally {
          a.closeSync();
        }
      });
    },
    reassign(shopId, from, to) {
      return write(async () => {
        if (from.length === 0) return;
        const list = from.map((_, i) => `$f${i}`).join(', ');
        const params: Record<string, string> = { shop: shopId, to };
        from.forEach((f, i) => (params[`f${i}`] = f));
        await writer.run(`UPDATE events SET person_id = $to WHERE shop_id = $shop AND person_id IN (${list})`, params);
      });
    },
    async query<T>(sql: string, params: Record<string, string | number>) {
      const c = await borrow();
      try {
        const r = await c.runAndReadAll(sql, params);
        return (r.getRowObjectsJS() as Record<string, unknown>[]).map(plain) as T[];
      } finally {
        giveBack(c);
      }
    },
    async close() {
      await writing;
      for (const c of readers) c.closeSync();
      writer.closeSync();
      instance.closeSync();
    },
  };
}
