import type { SQL } from 'drizzle-orm';
import type { Db } from './index.js';

/**
 * Named prepared statements for the hot paths. PostgreSQL parses and plans a named statement once per
 * connection and then only binds and runs it; for the small indexed statements of a checkout or a claim
 * the parse and plan cost more than the execution. Drizzle's query builder is skipped too: the text is
 * built once per statement, not per call.
 *
 * `db` is the database or an open transaction (its connection); the statement text must be the same on
 * every call with a given name.
 */
interface PgLikeClient {
  query(config: { name?: string; text: string; values?: unknown[] } | string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

function clientOf(db: Db): { client: PgLikeClient; named: boolean } {
  const session = (db as unknown as { session?: { client?: PgLikeClient & { constructor: { name: string } } } }).session;
  const client = session?.client;
  if (!client) throw new Error('prepared statements need a Drizzle database or transaction');
  // node-postgres (Pool or PoolClient) takes { name, text, values }; PGlite (it has `exec`) takes
  // (text, values) and keeps its own cache of parsed statements.
  const named = typeof (client as unknown as { exec?: unknown }).exec !== 'function';
  return { client, named };
}

export async function queryNamed<T = Record<string, unknown>>(db: Db, name: string, text: string, values: unknown[]): Promise<T[]> {
  const { client, named } = clientOf(db);
  const res = named ? await client.query({ name, text, values }) : await client.query(text, values);
  return res.rows as T[];
}

/** Text and parameters of a Drizzle `sql` fragment, to run it as a named statement. */
export function toQuery(db: Db, query: SQL): { text: string; values: unknown[] } {
  const dialect = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
  const q = dialect.sqlToQuery(query);
  return { text: q.sql, values: q.params };
}

const names = new Map<string, string>();

/**
 * Runs a composed `sql` fragment as a named statement: the name is derived from the text, so fragments that
 * compose to the same text share one prepared statement and a different composition gets its own.
 */
export function queryComposed<T = Record<string, unknown>>(db: Db, prefix: string, query: SQL): Promise<T[]> {
  const { text, values } = toQuery(db, query);
  let name = names.get(text);
  if (!name) {
    name = `${prefix}.${names.size + 1}`;
    // A handful of shapes exist; an unbounded number would mean text built from data, which must not be.
    if (names.size < 1000) names.set(text, name);
  }
  return queryNamed<T>(db, name, text, values);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A PostgreSQL array literal of UUIDs for `= ANY($n::uuid[])`, so a list is one parameter (non-UUIDs are left out). */
/**
 * A PostgreSQL array literal for one parameter (drizzle's `sql` would spread a JS array into a list):
 * strings are quoted so commas, braces, quotes and backslashes stay data; null is NULL.
 */
export function pgArray(values: readonly (string | number | boolean | null | undefined)[]): string {
  const item = (v: string | number | boolean | null | undefined) =>
    v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : String(v);
  return `{${values.map(item).join(',')}}`;
}

export function uuidArray(ids: readonly string[]): string {
  return `{${ids.filter((id) => UUID.test(id)).join(',')}}`;
}

/** A statement written once and run many times: prepared on first use on each connection. */
export class Prepared<T = Record<string, unknown>> {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  run(db: Db, values: unknown[]): Promise<T[]> {
    return queryNamed<T>(db, this.name, this.text, values);
  }
}
