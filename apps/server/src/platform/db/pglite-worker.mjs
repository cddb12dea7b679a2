// @ts-check
/**
 * The worker thread that owns PGlite (embedded mode). PGlite runs Postgres synchronously on the thread
 * that calls it; here that is not the HTTP event loop, which stays free to accept connections and
 * answer while a query runs.
 *
 * It speaks the PostgreSQL wire protocol: batches of frontend messages in, the backend's bytes out,
 * tagged with the connection they belong to. PGlite parses nothing (no per-query type parser table,
 * no result objects to clone): node-postgres in the main thread does that, exactly as against a
 * PostgreSQL server. All connections share the thread's one port, so the worker sees their messages
 * in the order the main thread sent them: a connection's end always comes before the next one's start.
 *
 * Plain JavaScript on purpose: Node 20 ignores `--import tsx` in a worker's execArgv, and registering
 * tsx inside the thread costs about a second per start (every test file starts one). The messages it
 * exchanges are typed in pglite-client.ts.
 *
 * workerData: { dataDir }. In: { c, data: Uint8Array } | { c, end: true } | { close: true };
 * out: { ready: true } | { failed: string } | { c, data: Uint8Array } | { closed: true }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { dataDir } = /** @type {{ dataDir: string }} */ (workerData);

/** @type {PGlite} */
let db;
// Every batch, whichever connection it came on, runs after the previous one: one backend, one thread.
/** @type {Promise<unknown>} */
let chain = Promise.resolve();
/** @param {() => Promise<void>} fn */
const serial = (fn) => {
  chain = chain.then(fn).catch(die);
};

/**
 * A failure inside PGlite (a WASM trap, not an SQL error: those are answers) leaves its memory in an
 * unknown state, so the thread ends and the main thread fails every query from then on.
 * @param {unknown} err
 * @returns {never}
 */
function die(err) {
  port.postMessage({ failed: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}

/**
 * @typedef {{ c: number, data: Uint8Array } | { c: number, end: true } | { close: true }} Command
 */
port.on('message', (/** @type {Command} */ cmd) => {
  if ('data' in cmd)
    serial(async () => {
      const out = await db.execProtocolRaw(cmd.data);
      // The startup answer is a view into PGlite's reusable receive buffer: transferring that buffer
      // would take it away from PGlite, so such a view is copied first.
      const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
      port.postMessage({ c: cmd.c, data: own }, [/** @type {ArrayBuffer} */ (own.buffer)]);
    });
  else if ('end' in cmd)
    // On a real server a closed connection takes its session with it. Here the one backend outlives
    // the connection, and the next one (node-postgres replaces a connection after any failed query
    // outside a transaction) would inherit an open transaction, session locks and named prepared
    // statements it knows nothing of: preparing one of those again fails with 42P05.
    serial(async () => {
      if (db.isInTransaction()) await db.exec('ROLLBACK');
      await db.exec('DISCARD ALL');
    });
  else
    serial(async () => {
      // close() checkpoints and shuts Postgres down, so the data directory needs no recovery next start.
      await db.close();
      port.postMessage({ closed: true });
      port.close();
    });
});

try {
  db = await PGlite.create(dataDir);
  port.postMessage({ ready: true });
} catch (err) {
  die(err);
}
