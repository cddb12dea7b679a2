/**
 * Main-thread side of the PGlite worker (pglite-worker.mjs): starts it, and gives node-postgres a
 * connection to it as a Duplex stream (the `stream` option of pg.Client), so embedded mode runs the
 * same driver code as PostgreSQL mode.
 */
import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';

/** What pglite-worker.mjs is started with, and the messages on its port. */
interface WorkerInit {
  /** PGlite data directory, or `memory://`. */
  dataDir: string;
}
type WorkerEvent = { ready: true } | { failed: string } | { c: number; data: Uint8Array } | { closed: true };
type WorkerCommand = { c: number; data: Uint8Array } | { c: number; end: true } | { close: true };

export class PgliteWorker {
  private failure: Error | undefined;
  private readonly conns = new Map<number, PgliteConnection>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {}

  /** Starts the worker and waits until PGlite has opened (or created) the data directory. */
  static async start(dataDir: string): Promise<PgliteWorker> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir } satisfies WorkerInit });
    const w = new PgliteWorker(worker);
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (ev: WorkerEvent) => {
        if ('data' in ev) w.conns.get(ev.c)?.receive(ev.data);
        else if ('ready' in ev) resolve();
        else if ('failed' in ev) w.fail(new Error(`PGlite worker failed: ${ev.failed}`));
      });
      worker.on('error', (err) => w.fail(new Error(`PGlite worker failed: ${err.stack ?? err.message}`)));
      worker.on('exit', (code) => {
        w.fail(new Error(`PGlite worker stopped (exit code ${code})`));
        reject(w.failure);
      });
    });
    return w;
  }

  /** A new connection: pg.Client's `stream` option. */
  connect(): Duplex {
    const id = this.nextId++;
    if (this.failure || this.closing) {
      const err = this.failure ?? new Error('PGlite is closed');
      const refused = new PgliteConnection(() => {}, id, () => {});
      queueMicrotask(() => refused.destroy(err));
      return refused;
    }
    const conn = new PgliteConnection((msg, transfer) => this.worker.postMessage(msg satisfies WorkerCommand, transfer), id, () => this.conns.delete(id));
    this.conns.set(id, conn);
    return conn;
  }

  /** Shuts PGlite down cleanly (checkpoint), then ends the thread. End the connections first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) {
        const closed = new Promise<void>((resolve) => {
          this.worker.on('message', (ev: WorkerEvent) => 'closed' in ev && resolve());
          this.worker.once('exit', () => resolve());
        });
        this.worker.postMessage({ close: true } satisfies WorkerCommand);
        await closed;
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private fail(err: Error) {
    if (this.failure) return;
    // A worker that stops after close() asked it to is not a failure of the open connections.
    if (this.closing) {
      this.failure = new Error('PGlite is closed');
      return;
    }
    this.failure = err;
    for (const c of this.conns.values()) c.destroy(err);
  }
}

type Send = (msg: WorkerCommand, transfer?: ArrayBuffer[]) => void;

/** One pg connection to the worker; the worker answers each batch with the backend's bytes. */
class PgliteConnection extends Duplex {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private started = false;
  private ended = false;

  constructor(
    private readonly send: Send,
    private readonly id: number,
    private readonly onGone: () => void,
  ) {
    // Not half-open: once either side is done pg must hear 'close', as from a socket.
    super({ allowHalfOpen: false });
  }

  receive(data: Uint8Array) {
    if (data.byteLength) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  // The socket API pg.Connection calls; there is no socket to set up.
  connect() {
    queueMicrotask(() => this.emit('connect'));
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }

  _read() {}

  _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    // pg writes one message per write(). Sending each on its own would cost a thread hop and a
    // Postgres main-loop pass per message; a batch goes when the client will wait for an answer.
    if (!this.started || waitsForAnswer(chunk)) this.flushBatch();
    this.started = true;
    cb();
  }

  _final(cb: (err?: Error | null) => void) {
    this.flushBatch();
    this.end_();
    this.push(null);
    cb();
  }

  _destroy(err: Error | null, cb: (err?: Error | null) => void) {
    this.end_();
    cb(err);
  }

  /** Tells the worker this connection's session is over (once), in order with its last batch. */
  private end_() {
    if (this.ended) return;
    this.ended = true;
    this.onGone();
    this.send({ c: this.id, end: true });
  }

  private flushBatch() {
    if (!this.pendingBytes) return;
    // A fresh buffer (not one of Node's pooled slabs) so it can be transferred rather than copied.
    const batch = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const c of this.pending) {
      batch.set(c, at);
      at += c.byteLength;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.send({ c: this.id, data: batch }, [batch.buffer]);
  }
}

/**
 * Whether the last message in a chunk makes the client wait for the backend: Sync, simple Query,
 * Flush, Terminate, or the end of a COPY. Messages are `type(1) length(4) body`.
 */
function waitsForAnswer(chunk: Buffer): boolean {
  let at = 0;
  let last = 0;
  while (at + 5 <= chunk.length) {
    last = chunk[at];
    at += 1 + chunk.readUInt32BE(at + 1);
  }
  return last === 0x53 /* S */ || last === 0x51 /* Q */ || last === 0x48 /* H */ || last === 0x58 /* X */ || last === 0x63 /* c */ || last === 0x66 /* f */;
}
