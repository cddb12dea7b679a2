import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../platform/config.js';
import { startRuntime, type Runtime } from '../app/runtime.js';
import type { Role } from '../platform/auth/rbac.js';
import type { Actor } from '../platform/context.js';

/**
 * A fresh app on a fresh database for one test file: an in-memory PGlite by default, or a new schema in
 * the PostgreSQL of DATABASE_URL (dropped at close). With REDIS_URL the hot store is Redis under a
 * unique key prefix.
 */
export interface TestApp extends Runtime {
  url: string;
  /** fetch against the app, JSON in and out. */
  call(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; session?: StaffSession }): Promise<{ status: number; body: any; headers: Headers }>;
  createShop(slug?: string): Promise<{ shopId: string; slug: string; owner: StaffSession }>;
  createStaff(owner: StaffSession, role: Role): Promise<StaffSession>;
  signIn(login: string, password: string): Promise<StaffSession>;
  /** Runs the job queue and outbox until nothing is ready. */
  drain(): Promise<void>;
  database: TestDatabase;
}

/** Where a test app's data lives; pass it to a second app to restart on the same data. */
export interface TestDatabase {
  /** A PGlite directory (`memory://` unless kept for a restart). */
  pgliteDir: string;
  /** The PostgreSQL schema when DATABASE_URL is set. */
  schema?: string;
}

export interface TestAppOptions {
  /** Start on the data another app left (it must have been started with `keepDatabase`). */
  database?: TestDatabase;
  /** Leave the data in place at close, for a restart; the last app on it drops it. */
  keepDatabase?: boolean;
  /** Listen on this port (a restart at the same address, as a real server comes back). */
  port?: number;
}

export interface StaffSession {
  login: string;
  password: string;
  cookie: string;
  csrf: string;
  shopId: string;
  actor: Actor;
}

export async function startTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const id = randomBytes(5).toString('hex');
  const schema = opts.database ? opts.database.schema : process.env.DATABASE_URL ? `t_${id}` : undefined;
  const pgliteDir = opts.database?.pgliteDir ?? (opts.keepDatabase ? path.join(os.tmpdir(), `siyu-pglite-${id}`) : 'memory://');
  const config: Config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    SIGNIN_RATE_PER_MINUTE: '1000',
    // The test app owns its analytics engine (in memory unless a test gives a file) and loads on drain().
    ANALYTICS_OWNER: 'true',
    ANALYTICS_PATH: ':memory:',
    ...env,
  });
  const rt = await startRuntime(config, { serve: true, worker: false, listen: { host: '127.0.0.1', port: opts.port ?? 0 } }, {
    pgliteDir,
    schema,
    redisPrefix: `test:${id}:`,
    mediaDir: path.join(os.tmpdir(), `siyu-media-${id}`),
    poolSize: 20,
  });
  const url = rt.url!;
  let counter = 0;

  // "1,000 concurrent claims" means 1,000 requests racing, not 1,000 sockets opened in one tick: on a busy
  // 2-core machine that many connects overflow the accept queue (ECONNRESET). The races stay races.
  const inFlight = new Limiter(MAX_IN_FLIGHT);
  const call: TestApp['call'] = async (method, p, opts = {}) => {
    const headers: Record<string, string> = { 'accept-language': 'en', ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    if (opts.session) {
      headers.cookie = opts.session.cookie;
      headers['x-csrf-token'] ??= opts.session.csrf;
    }
    const { res, text } = await inFlight.run(async () => {
      const r = await fetch(url + p, {
        method,
        headers,
        body: opts.body === undefined ? undefined : typeof opts.body === 'string' || opts.body instanceof Uint8Array ? (opts.body as string) : JSON.stringify(opts.body),
      });
      return { res: r, text: await r.text() };
    });
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };

  const signIn = async (login: string, password: string): Promise<StaffSession> => {
    const res = await fetch(url + '/api/admin/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    const body = (await res.json()) as any;
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(body)}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return {
      login,
      password,
      cookie,
      csrf: body.csrfToken,
      shopId: body.shopId,
      actor: { shopId: body.shopId, type: 'staff', id: body.staff.id, name: body.staff.displayName, role: body.staff.role },
    };
  };

  return {
    ...rt,
    url,
    call,
    signIn,
    async createShop(slug) {
      const s = slug ?? `shop-${id}-${++counter}`;
      const login = `owner-${s}`;
      const password = 'owner-password-1';
      const { shop } = await rt.services.tenancy.createShop({ slug: s, name: `Shop ${s}`, owner: { login, password, displayName: 'Owner' } });
      return { shopId: shop.id, slug: s, owner: await signIn(login, password) };
    },
    async createStaff(owner, role) {
      const login = `${role}-${id}-${++counter}`;
      const password = 'staff-password-1';
      await rt.services.auth.createStaff(owner.actor, { login, password, displayName: role, role });
      return signIn(login, password);
    },
    drain: () => rt.platform.jobs.drain(),
    database: { pgliteDir, schema },
    async close() {
      // A close that takes long says which part held it up (CI once saw one take over 60 s, never reproduced).
      const started = Date.now();
      await rt.close();
      if (Date.now() - started > 5_000) console.warn(`test app ${id}: runtime close took ${Date.now() - started} ms`);
      if (opts.keepDatabase) return;
      if (!pgliteDir.startsWith('memory://')) fs.rmSync(pgliteDir, { recursive: true, force: true });
      if (schema) {
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        const dropping = Date.now();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        if (Date.now() - dropping > 5_000) console.warn(`test app ${id}: DROP SCHEMA took ${Date.now() - dropping} ms`);
        await c.end();
      }
    },
  };
}

/** Requests one test app has open at once: plenty to race, few enough for any listen backlog. */
const MAX_IN_FLIGHT = 128;

/** Runs at most `max` tasks at once; the rest wait their turn in order. */
class Limiter {
  private running = 0;
  private waiting: (() => void)[] = [];

  constructor(private max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
