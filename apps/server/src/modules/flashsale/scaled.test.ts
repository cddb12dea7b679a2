import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onMaintenanceDb, openPostgres, type Sql } from '../../../../../bench/lib/database.js';
import { startServer, startServers, type Server } from '../../../../../bench/lib/server.js';
import { runCleanups } from '../../../../../bench/lib/cleanup.js';
import { bulkCustomers, correctness, createSale, rush, waitForOrders } from '../../../../../bench/flash-sale/rush.js';

/**
 * The scaled kill test: two `serve` processes and one `worker` on one fresh PostgreSQL database and the
 * shared Redis, a rush over HTTP, one server SIGKILLed mid-sale and restarted. Afterwards: nothing
 * oversold, no accepted attempt without its order, no attempt with two, sold + remaining = activity stock.
 * It always runs: PostgreSQL and Redis are part of the machine (DATABASE_URL / REDIS_URL name others).
 */
const PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const UNITS = 300;
const CUSTOMERS = 1500;
const ATTEMPTS = 3000;

let dbName: string;
let dbUrl: string;
let dataDir: string;
let servers: Server[];
let db: Sql;
let redis: Redis;
let env: Record<string, string>;

const admin = <T>(fn: (c: Sql) => Promise<T>) => onMaintenanceDb(PG, fn);

beforeAll(async () => {
  dbName = `flash_scaled_${Date.now()}_${randomInt(0, 1000)}`;
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  const u = new URL(PG);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flash-scaled-'));
  env = {
    NODE_ENV: 'production', SESSION_SECRET: 'flash-scaled-session-secret-not-for-real-use', SEED_DEMO: 'true', LOG_LEVEL: 'warn', SANDBOX: 'true',
    DATABASE_URL: dbUrl, REDIS_URL: REDIS, DATA_DIR: dataDir, JOBS_POLL_MS: '100',
  };
  servers = await startServers(2, env);
  db = await openPostgres(dbUrl);
  redis = new Redis(REDIS, { keyPrefix: 'siyu:' });
}, 180_000);

afterAll(async () => {
  await db?.close();
  redis?.disconnect();
  await runCleanups();
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('flash sale on 2 × serve + 1 × worker with one server SIGKILLed mid-sale', () => {
  it('oversells nothing, loses no accepted attempt, writes no order twice, and sold + remaining = activity stock', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const sale = await createSale(agent, servers[0].url, { units: UNITS, stock: 1000 });
    const buyers = await bulkCustomers(db, CUSTOMERS, env.SESSION_SECRET);
    const up = [true, true];
    const bases = () => [servers[0].url, servers[1].url];
    let killedAt = -1;
    let restarting: Promise<void> | null = null;
    const result = await rush({
      buyers,
      attempts: ATTEMPTS,
      connections: 40,
      itemId: sale.itemId,
      baseFor: (i) => (up[i % 2] ? bases()[i % 2] : bases()[(i + 1) % 2]),
      onProgress: async (answered, accepted) => {
        // Mid-sale: half the units gone. SIGKILL the second server, with requests in flight on it.
        if (killedAt < 0 && accepted >= UNITS / 2) {
          killedAt = answered;
          process.kill(servers[1].child.pid!, 'SIGKILL');
          restarting = (async () => {
            await new Promise((r) => servers[1].child.once('exit', r));
            up[1] = false;
            servers[1] = await startServer('serve', { ...env, SEED_DEMO: 'false' });
            up[1] = true;
          })();
        }
      },
    });
    await restarting;
    expect(killedAt).toBeGreaterThan(0);
    // Traffic reached the restarted server too.
    await waitForOrders(db, redis, sale.sessionId, 60_000);
    const remaining = Number(await redis.get(`fs:{${sale.sessionId}}:left:${sale.itemId}`));
    const check = await correctness(db, sale, UNITS, result.answers, remaining);
    console.log(`scaled kill test: ${JSON.stringify({ killedAtAnswer: killedAt, answers: result.answers.length, ...check })}`);
    expect(check).toMatchObject({
      oversold: 0,
      lostAccepted: 0,
      duplicateOrders: 0,
      soldPlusRemainingEqualsStock: true,
      ordersMatchAttempts: true,
      inventory: { balanced: true, heldPlusReservedEqualsUnsoldActivityStock: true },
    });
    expect(check.soldUnits).toBeLessThanOrEqual(UNITS);
    expect(check.accepted202).toBeGreaterThan(0);
    // More customers than units: it sold out.
    expect(check.soldUnits).toBe(UNITS);
    expect(check.orders).toBeGreaterThanOrEqual(check.accepted202);
    agent.destroy();
  }, 150_000);
});
