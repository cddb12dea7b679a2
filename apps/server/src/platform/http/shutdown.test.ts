import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { sql } from '../db/index.js';
import { startRuntime, type Runtime } from '../../app/runtime.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = randomBytes(5).toString('hex');
const schema = process.env.DATABASE_URL ? `t_shutdown_${id}` : undefined;
const mediaDir = path.join(os.tmpdir(), `siyu-media-${id}`);
const runtimes: Runtime[] = [];

async function start(extraRoutes?: Parameters<typeof startRuntime>[1]['extraRoutes']) {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', SEED_DEMO: 'false' });
  const rt = await startRuntime(config, { serve: true, worker: true, listen: { host: '127.0.0.1', port: 0 }, extraRoutes }, {
    pgliteDir: 'memory://',
    schema,
    redisPrefix: `test:${id}:`,
    mediaDir,
  });
  runtimes.push(rt);
  return rt;
}

/** A raw HTTP/1.1 connection, so the test controls exactly which requests share it and when they are sent. */
function connect(url: string) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => (received += d));
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  return {
    send: (p: string) => socket.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`),
    received: () => received,
    statuses: () => [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])),
    closed,
    destroy: () => socket.destroy(),
  };
}

function canConnect(url: string) {
  const { port } = new URL(url);
  return new Promise<boolean>((resolve) => {
    const s = net.connect(Number(port), '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  fs.rmSync(mediaDir, { recursive: true, force: true });
  if (process.env.REDIS_URL) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL);
    const left = await redis.keys(`test:${id}:*`);
    if (left.length) await redis.del(...left);
    await redis.quit();
  }
  if (schema) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
});

describe('graceful shutdown over HTTP', () => {
  it('/readyz answers 503 once the app is marked as shutting down', async () => {
    const rt = await start();
    const ready = await fetch(`${rt.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', shuttingDown: false, checks: { database: 'ok', hotStore: 'ok' } });
    rt.http!.state.shuttingDown = true;
    const draining = await fetch(`${rt.url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'not_ready', shuttingDown: true });
    // Liveness is unaffected: the process is healthy, just leaving.
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
    rt.http!.state.shuttingDown = false;
    await rt.close();
  });

  it('close() lets an in-flight request finish with 200 while refusing new connections and requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const order: string[] = [];
    const rt = await start((app) => {
      app.get('/__test/slow', async () => {
        entered();
        await gate;
        order.push('slow request answered');
        return { ok: true };
      });
    });
    const url = rt.url!;
    const conn = connect(url);
    conn.send('/__test/slow');
    await inHandler;

    const closing = rt.close().then(() => order.push('close resolved'));
    expect(rt.http!.state.shuttingDown).toBe(true);
    // The listener goes away: new connections are refused while the slow request is still running.
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      refused = !(await canConnect(url));
      if (!refused) await sleep(5);
    }
    expect(refused).toBe(true);
    await expect(fetch(`${url}/readyz`)).rejects.toThrow();
    // A request arriving on the still-open connection during shutdown is turned away with 503.
    conn.send('/readyz');
    await sleep(50);
    expect(order).toEqual([]);

    release();
    await closing;
    await conn.closed;
    expect(order).toEqual(['slow request answered', 'close resolved']);
    expect(conn.statuses()).toEqual([200, 503]);
    expect(conn.received()).toContain('{"ok":true}');
    // The platform closed behind HTTP: the database no longer answers.
    await expect(rt.platform.db.execute(sql`SELECT 1`)).rejects.toThrow();
  });
});
