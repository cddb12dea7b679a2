import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClickHouseError, ClickHouseLogLevel, createClient as createClientLoud, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseSandbox, type ClickHouseSandbox } from './server.js';

/**
 * The sandbox driven by the real @clickhouse/client over HTTP, against the real engine: what passes here is
 * what the server's ClickHouse code sends.
 */
let sandbox: ClickHouseSandbox;
let client: ClickHouseClient;

// The client logs every failed request; the failures here are expected ones.
const createClient: typeof createClientLoud = (config) => createClientLoud({ log: { level: ClickHouseLogLevel.OFF }, ...config });

beforeAll(async () => {
  sandbox = await startClickHouseSandbox();
  client = createClient({ url: sandbox.url });
});
afterAll(async () => {
  await client?.close();
  await sandbox?.close();
});

async function rows<T>(query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow', query_params })).json<T>();
}

describe('ClickHouse sandbox', () => {
  it('answers ping and the health check', async () => {
    expect(await client.ping()).toEqual({ success: true });
    expect(await client.ping({ select: true })).toEqual({ success: true });
    const res = await fetch(`${sandbox.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ok.\n');
    expect((await fetch(`${sandbox.url}/ping`, { method: 'HEAD' })).status).toBe(200);
  });

  it('sends the headers the client and its callers read', async () => {
    const rs = await client.query({ query: 'SELECT 1 AS x', format: 'JSONEachRow', query_id: 'q-headers' });
    expect(rs.query_id).toBe('q-headers');
    expect(rs.response_headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe('q-headers');
    expect(JSON.parse(String(rs.response_headers['x-clickhouse-summary']))).toMatchObject({ result_rows: '1' });
    expect(await rs.json()).toEqual([{ x: 1 }]);
  });

  describe('a MergeTree table', () => {
    beforeAll(async () => {
      await client.command({
        query: `CREATE TABLE events (
          id UInt64, shop String, person String, event String, ts Int64, tags Array(String)
        ) ENGINE = MergeTree ORDER BY (shop, ts)`,
      });
      const values = Array.from({ length: 10_000 }, (_, i) => ({
        id: i,
        shop: `shop-${i % 3}`,
        person: `p${i % 100}`,
        event: i % 10 === 0 ? 'order' : 'view',
        ts: 1_700_000_000_000 + i * 60_000,
        tags: i % 2 ? ['a', 'b'] : ['c'],
      }));
      await client.insert({ table: 'events', values, format: 'JSONEachRow' });
    });

    it('holds the 10k inserted rows', async () => {
      expect(await rows('SELECT count() AS n, uniqExact(person) AS persons FROM events')).toEqual([{ n: 10_000, persons: 100 }]);
    });

    it('binds String, UInt64 and Array(String) parameters, answering JSONEachRow and JSON', async () => {
      const query = `SELECT event, count() AS n FROM events
        WHERE shop = {shop:String} AND id < {limit:UInt64} AND hasAny(tags, {tags:Array(String)})
        GROUP BY event ORDER BY event`;
      // shop-1 is i % 3 = 1, tag c is even i: i % 6 = 4 below 3000 is 500 rows, of which orders (i % 10 = 0) are 100.
      const query_params = { shop: 'shop-1', limit: 3000, tags: ['c', 'zzz'] };
      const expected = [
        { event: 'order', n: 100 },
        { event: 'view', n: 400 },
      ];
      expect(await rows(query, query_params)).toEqual(expected);
      const json = await (await client.query({ query, format: 'JSON', query_params })).json<{ event: string; n: number }>();
      expect(json.data).toEqual(expected);
      expect(json.meta).toEqual([
        { name: 'event', type: 'String' },
        { name: 'n', type: 'UInt64' },
      ]);
      expect(json.rows).toBe(2);
    });

    it('keeps a hostile parameter value as data', async () => {
      const hostile = [`x'; DROP TABLE events; --`, `back\\slash \\' \\\\`, `tab\tnew\nline`, `'`, `\\`, `{shop:String}`, `中文`];
      for (const value of hostile) {
        expect(await rows('SELECT {v:String} AS v, length({v:String}) AS len', { v: value })).toEqual([{ v: value, len: Buffer.byteLength(value) }]);
      }
      expect(await rows('SELECT {a:Array(String)} AS a', { a: hostile })).toEqual([{ a: hostile }]);
      expect(await rows('SELECT count() AS n FROM events WHERE shop = {s:String}', { s: `shop-1' OR '1'='1` })).toEqual([{ n: 0 }]);
      // A malformed number fails as a bad parameter rather than reaching the SQL.
      await expect(rows('SELECT {n:UInt64} AS n', { n: '1 OR 1=1' })).rejects.toMatchObject({ type: 'BAD_QUERY_PARAMETER' });
      expect(await rows('SELECT count() AS n FROM events')).toEqual([{ n: 10_000 }]);
    });

    it('binds parameters sent as multipart/form-data', async () => {
      const multipart = createClient({ url: sandbox.url, use_multipart_params: true });
      try {
        const rs = await multipart.query({
          query: 'SELECT count() AS n FROM events WHERE person IN {people:Array(String)} AND shop != {s:String}',
          format: 'JSONEachRow',
          query_params: { people: ['p1', 'p2', `it's`], s: 'a\\b' },
        });
        expect(await rs.json()).toEqual([{ n: 200 }]);
      } finally {
        await multipart.close();
      }
    });

    it('runs window functions and the aggregates the analyses use', async () => {
      const result = await rows<Record<string, unknown>>(`
        SELECT person, ts, intDiv(ts, 86400000) AS day,
          row_number() OVER (PARTITION BY person ORDER BY ts) AS nth,
          lagInFrame(ts) OVER (PARTITION BY person ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
        FROM events WHERE person = {p:String} ORDER BY ts LIMIT 3`, { p: 'p7' });
      expect(result.map((r) => r.nth)).toEqual([1, 2, 3]);
      expect(result[1].prev).toBe(result[0].ts);
      expect(result[0].day).toBe(Math.floor(Number(result[0].ts) / 86_400_000));

      const [agg] = await rows<Record<string, unknown>>(`
        SELECT quantileExactLow(0.5)(id) AS median, argMin(person, ts) AS first_person,
          intDiv(max(id), 1000) AS thousands,
          (SELECT groupArray(event) FROM (SELECT event FROM events ORDER BY id LIMIT 3)) AS first_events
        FROM events`);
      expect(agg).toEqual({ median: 4999, first_person: 'p0', thousands: 9, first_events: ['order', 'view', 'view'] });
    });

    it('applies ALTER TABLE ... UPDATE synchronously with mutations_sync', async () => {
      await client.command({
        query: `ALTER TABLE events UPDATE person = {to:String} WHERE person IN {from:Array(String)}`,
        query_params: { to: 'p-merged', from: ['p3', 'p4'] },
        clickhouse_settings: { mutations_sync: '2' },
      });
      expect(await rows('SELECT count() AS n FROM events WHERE person = {p:String}', { p: 'p-merged' })).toEqual([{ n: 200 }]);
      await client.command({ query: `ALTER TABLE events UPDATE person = 'p-again' WHERE person = 'p-merged' SETTINGS mutations_sync = 2` });
      expect(await rows(`SELECT count() AS n FROM events WHERE person IN ('p-merged', 'p-again') GROUP BY person`)).toEqual([{ n: 200 }]);
      expect(await rows(`SELECT count() AS n FROM system.mutations WHERE table = 'events' AND NOT is_done`)).toEqual([{ n: 0 }]);
    });

    it('runs concurrent queries side by side', async () => {
      const started = performance.now();
      const [a, b] = await Promise.all([
        rows<{ s: number }>('SELECT sleep(1) AS s'),
        rows<{ n: number }>('SELECT count() AS n FROM events WHERE event = {e:String}', { e: 'order' }),
        rows('SELECT sleep(1) AS s'),
      ]);
      expect(a).toEqual([{ s: 0 }]);
      expect(b).toEqual([{ n: 1000 }]);
      // Two one-second sleeps in parallel, not one after the other.
      expect(performance.now() - started).toBeLessThan(1900);
    });
  });

  it('rejects a syntax error with the engine message', async () => {
    // Lower case on purpose: the client takes the first all-capitals word in parentheses as the error's type, and
    // the engine quotes the offending token, so `SELEC 1` comes back from any server with type 'SELEC'.
    const failure = await client.query({ query: 'selec 1', format: 'JSONEachRow' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ClickHouseError);
    expect(failure).toMatchObject({ code: '62', type: 'SYNTAX_ERROR', message: expect.stringContaining('Syntax error') });

    const missing = await client.command({ query: 'SELECT * FROM no_such_table' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE', message: expect.stringContaining('no_such_table') });

    const res = await fetch(`${sandbox.url}/?query=${encodeURIComponent('SELEC 1')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('62');
    expect(await res.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error/);

    // A server runs GET queries read-only.
    const get = await fetch(`${sandbox.url}/?query=${encodeURIComponent('CREATE TABLE by_get (x UInt8) ENGINE = Memory')}`);
    expect(get.status).toBe(403);
    expect(await get.text()).toContain('(READONLY)');
  });

  it('scopes settings, parameters and the database to their request', async () => {
    await client.command({ query: 'CREATE DATABASE analytics' });
    await client.command({ query: 'CREATE TABLE analytics.t (x UInt8) ENGINE = Memory' });
    await client.insert({ table: 'analytics.t', values: [{ x: 7 }], format: 'JSONEachRow' });
    const scoped = createClient({ url: sandbox.url, database: 'analytics' });
    try {
      expect(await (await scoped.query({ query: 'SELECT x, currentDatabase() AS db FROM t', format: 'JSONEachRow' })).json()).toEqual([{ x: 7, db: 'analytics' }]);
    } finally {
      await scoped.close();
    }
    expect(await rows('SELECT currentDatabase() AS db')).toEqual([{ db: 'default' }]);
    const setting = async () =>
      (await client.query({ query: `SELECT getSetting('max_threads') AS v`, format: 'JSONEachRow', clickhouse_settings: { max_threads: 1 } })).json();
    expect(await setting()).toEqual([{ v: 1 }]);
    expect(await rows<{ v: number }>(`SELECT getSetting('max_threads') AS v`).then((r) => r[0].v)).not.toBe(1);
    await rows('SELECT {v:String} AS v', { v: 'set' });
    await expect(rows('SELECT {v:String} AS v')).rejects.toMatchObject({ type: 'UNKNOWN_QUERY_PARAMETER' });
  });

  it('runs exec with a raw statement and compressed request and response bodies', async () => {
    const compressed = createClient({ url: sandbox.url, compression: { request: true, response: true } });
    try {
      await compressed.command({ query: 'CREATE TABLE zipped (s String) ENGINE = MergeTree ORDER BY s' });
      await compressed.insert({ table: 'zipped', values: [{ s: 'a' }, { s: 'b' }], format: 'JSONEachRow' });
      const rs = await compressed.query({ query: 'SELECT groupArray(s) AS all FROM zipped', format: 'JSONCompactEachRow' });
      expect(rs.response_headers['content-encoding']).toBe('gzip');
      expect(await rs.json()).toEqual([[['a', 'b']]]);
    } finally {
      await compressed.close();
    }
    const { stream } = await client.exec({ query: 'SELECT number FROM numbers(3) FORMAT CSV' });
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    expect(text).toBe('0\n1\n2\n');
  });

  it('keeps temporary tables within an HTTP session', async () => {
    const session = createClient({ url: sandbox.url, session_id: 'sandbox-session' });
    try {
      await session.command({ query: 'CREATE TEMPORARY TABLE tmp (x UInt8)' });
      await session.command({ query: 'INSERT INTO tmp VALUES (1), (2)' });
      expect(await (await session.query({ query: 'SELECT sum(x) AS s FROM tmp', format: 'JSONEachRow' })).json()).toEqual([{ s: 3 }]);
    } finally {
      await session.close();
    }
    await expect(rows('SELECT * FROM tmp')).rejects.toMatchObject({ type: 'UNKNOWN_TABLE' });
  });
});

describe('ClickHouse sandbox with a data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'clickhouse-sandbox-test-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('refuses a second directory while the first is in use, then keeps data across restarts', async () => {
    await expect(startClickHouseSandbox({ dataDir })).rejects.toThrow(/one data directory per process/);
    // The process's other sandbox must be gone before this directory can be bound.
    await client.close();
    await sandbox.close();
    await sandbox.close();

    const first = await startClickHouseSandbox({ dataDir });
    const c1 = createClient({ url: first.url });
    await c1.command({ query: 'CREATE TABLE kept (x UInt32) ENGINE = MergeTree ORDER BY x' });
    await c1.insert({ table: 'kept', values: [{ x: 1 }, { x: 2 }], format: 'JSONEachRow' });
    // A second sandbox in the same process shares the engine.
    const shared = await startClickHouseSandbox();
    const c2 = createClient({ url: shared.url });
    expect(await (await c2.query({ query: 'SELECT sum(x) AS s FROM kept', format: 'JSONEachRow' })).json()).toEqual([{ s: 3 }]);
    await c2.close();
    await shared.close();
    // Still served after the other sandbox left.
    expect(await (await c1.query({ query: 'SELECT count() AS n FROM kept', format: 'JSONEachRow' })).json()).toEqual([{ n: 2 }]);
    await c1.close();
    await first.close();

    const again = await startClickHouseSandbox({ dataDir });
    const c3 = createClient({ url: again.url });
    try {
      expect(await (await c3.query({ query: 'SELECT groupArray(x) AS xs FROM kept', format: 'JSONEachRow' })).json()).toEqual([{ xs: [1, 2] }]);
    } finally {
      await c3.close();
      await again.close();
    }
  });
});
