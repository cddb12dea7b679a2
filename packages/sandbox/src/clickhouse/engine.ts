import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChdbResult, Session } from 'chdb';

type Chdb = typeof import('chdb');

/**
 * The embedded ClickHouse engine (chdb) behind every ClickHouse sandbox of this process.
 *
 * The constraint that shapes this module: libchdb runs one embedded server per process, bound to one data
 * directory. A `Session` at a second directory throws "only one active data directory per process" until
 * every connection at the first one is closed and its in-flight work drained (`drainPending()`). Sessions at
 * the same directory coexist: each carries its own settings, current database and query parameters, and
 * queries on different sessions run in parallel on the libuv pool (one session runs its queries one after
 * another). So the process holds at most one Engine; sandboxes share it, reference counted, and the last
 * one to close releases it, after which a sandbox at another directory may start.
 *
 * An anchor session stays open for the engine's lifetime: the per-request connections come and go, and
 * without it the embedded server would shut down and boot again between requests.
 */
export interface Engine {
  readonly dir: string;
  readonly version: string;
  readonly timezone: string;
  /** A fresh connection at the engine's directory; the caller closes it. */
  connect(): Session;
}

interface EngineState extends Engine {
  chdb: Chdb;
  temp: boolean;
  refs: number;
  anchor: Session;
}

let current: EngineState | undefined;
// Acquire and release run one at a time, so a release that is still draining finishes before an acquire
// decides whether the engine exists.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Joins the process's engine, starting it when none runs. `dataDir` persists the databases there; without
 * it the engine keeps them in a temporary directory removed when the last sandbox closes. A call without
 * `dataDir` joins whatever engine runs, persistent or not.
 */
export function acquireEngine(dataDir?: string): Promise<Engine> {
  return exclusive(async () => {
    const wanted = dataDir === undefined ? undefined : path.resolve(dataDir);
    if (current) {
      if (wanted !== undefined && wanted !== current.dir) {
        throw new Error(
          `ClickHouse sandbox: chdb binds one data directory per process and ${current.dir} is in use; ` +
            `close every sandbox using it before starting one at ${wanted}`,
        );
      }
      current.refs++;
      return current;
    }
    // chdb is a 540 MB native library that takes 0.1-0.5 s to load: only a sandbox that starts pays for it.
    const chdb: Chdb = await import('chdb');
    if (wanted !== undefined) await mkdir(wanted, { recursive: true });
    const dir = wanted ?? (await mkdtemp(path.join(os.tmpdir(), 'siyu-clickhouse-')));
    let anchor: Session;
    let info: { version: string; timezone: string };
    try {
      anchor = new chdb.Session(dir);
      try {
        info = (await anchor.queryAsync('SELECT version() AS version, timezone() AS timezone', { format: 'JSONEachRow' })).json();
      } catch (e) {
        anchor.close();
        throw e;
      }
    } catch (e) {
      if (wanted === undefined) await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const state: EngineState = {
      chdb,
      dir,
      temp: wanted === undefined,
      refs: 1,
      anchor,
      version: info.version,
      timezone: info.timezone,
      connect: () => new chdb.Session(dir),
    };
    current = state;
    return state;
  });
}

/** Leaves the engine; the last one out closes it, waits for chdb to let go, and removes a temporary directory. */
export function releaseEngine(engine: Engine): Promise<void> {
  return exclusive(async () => {
    const state = engine as EngineState;
    if (current !== state || --state.refs > 0) return;
    current = undefined;
    state.anchor.close();
    await state.chdb.drainPending();
    if (state.temp) await rm(state.dir, { recursive: true, force: true });
  });
}

export type { ChdbResult, Session };
