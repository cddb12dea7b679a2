/**
 * The load generator: HTTP/1.1 over plain TCP sockets, kept alive, one request at a time per socket (no
 * pipelining), with requests written as prepared strings and answers parsed just enough to know the
 * status (and the body when the caller asks for it). On 2 shared cores every microsecond the generator
 * spends is a microsecond the server does not get, so it does no URL parsing, no header objects, no
 * streams: node:http cost 0.25–0.45 ms of CPU per request here, this a few hundredths of that.
 *
 * Connections are opened and each warmed with one request before any timed window starts, so neither
 * the TCP handshakes nor the server's first-request costs (JIT, pools, caches) fall inside it.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Reply {
  /** HTTP status, 0 when the request failed on the network (see `error`). */
  status: number;
  /** The body, when asked for. */
  body: Buffer | null;
  error?: string;
}

/** A request as bytes on the wire: `get`/`post` build them. */
export type Wire = string | Buffer;

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** `GET path` with extra header lines (`name: value`), as one string ready to write. */
export function get(host: string, path: string, headers: string[] = []): string {
  return `GET ${path} HTTP/1.1\r\nhost: ${host}\r\naccept-language: en\r\n${headers.map((h) => h + '\r\n').join('')}\r\n`;
}

/** `POST path` with a JSON body. */
export function post(host: string, path: string, body: unknown, headers: string[] = []): string {
  const json = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nhost: ${host}\r\naccept-language: en\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${headers.map((h) => h + '\r\n').join('')}\r\n${json}`;
}

/** `host:port` of a base URL such as `http://127.0.0.1:3000`. */
export function hostOf(base: string): string {
  return base.replace(/^http:\/\//, '').replace(/\/.*$/, '');
}

interface Pending {
  resolve(r: Reply): void;
  wantBody: boolean;
  sentAt: number;
}

/** Connections with a request in flight are checked for timeouts once a second, not with a timer each. */
const busy = new Set<Connection>();
let sweeper: NodeJS.Timeout | null = null;
function watch(c: Connection) {
  busy.add(c);
  sweeper ??= setInterval(() => {
    const now = performance.now();
    for (const conn of busy) conn.expire(now);
  }, 1000).unref();
}

/** One kept-alive socket to one server; one request at a time. */
export class Connection {
  private socket: net.Socket | null = null;
  private pending: Pending | null = null;
  private buf: Buffer | null = null;
  /** Parsed head of the answer being read. */
  private headLen = -1;
  private status = 0;
  private bodyLen = -1;
  private chunked = false;
  readonly host: string;
  private readonly port: number;
  /** Sockets opened, the first included: more than one means the server closed it at least once. */
  opened = 0;

  constructor(readonly base: string, private timeoutMs = 30_000) {
    this.host = hostOf(base);
    const at = this.host.lastIndexOf(':');
    this.port = Number(this.host.slice(at + 1));
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host.slice(0, this.host.lastIndexOf(':')), port: this.port, noDelay: true });
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', (err) => this.fail(`socket error: ${err.message}`));
        resolve();
      });
      s.once('error', reject);
      s.on('data', (chunk: Buffer) => this.onData(chunk));
      s.on('close', () => {
        if (this.socket === s) this.socket = null;
        this.fail('connection closed by the server');
      });
      this.socket = s;
      this.opened++;
    });
  }

  /** Sends one request and answers its reply; never throws (a network failure is status 0). */
  async request(wire: Wire, wantBody = false): Promise<Reply> {
    if (this.pending) throw new Error('one request at a time per connection');
    if (!this.socket) {
      try {
        await this.connect();
      } catch (err) {
        return { status: 0, body: null, error: `connect: ${(err as Error).message}` };
      }
    }
    return new Promise<Reply>((resolve) => {
      this.pending = { resolve, wantBody, sentAt: performance.now() };
      watch(this);
      this.socket!.write(wire);
    });
  }

  expire(now: number) {
    if (!this.pending || now - this.pending.sentAt < this.timeoutMs) return;
    this.fail(`no answer after ${this.timeoutMs} ms`);
    this.socket?.destroy();
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }

  private finish(reply: Reply) {
    const p = this.pending;
    this.pending = null;
    this.buf = null;
    this.headLen = -1;
    busy.delete(this);
    if (p) p.resolve(reply);
  }

  private fail(error: string) {
    if (this.pending) this.finish({ status: 0, body: null, error });
  }

  private onData(chunk: Buffer) {
    const buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = buf;
    if (this.headLen < 0) {
      const end = buf.indexOf(CRLF_CRLF);
      if (end < 0) return;
      this.headLen = end + 4;
      // "HTTP/1.1 200 OK": the status is the three digits at 9..11.
      this.status = (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + (buf[11] - 48);
      const head = buf.toString('latin1', 0, end);
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.chunked = !len && /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.bodyLen = len ? Number(len[1]) : this.chunked ? -1 : 0;
    }
    if (this.chunked) {
      const body = dechunk(buf, this.headLen);
      if (body) this.finish({ status: this.status, body: this.pending?.wantBody ? body : null });
      return;
    }
    if (buf.length - this.headLen < this.bodyLen) return;
    const body = this.pending?.wantBody ? buf.subarray(this.headLen, this.headLen + this.bodyLen) : null;
    this.finish({ status: this.status, body });
  }
}

/** The body of a complete chunked message starting at `from`, or null while chunks are still missing. */
function dechunk(buf: Buffer, from: number): Buffer | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    // The last chunk, then optional trailers, then an empty line.
    if (size === 0) return buf.indexOf(CRLF_CRLF, eol) >= 0 ? Buffer.concat(parts) : null;
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * A lane: one request in flight at a time, with a kept-alive connection per server it talks to (a
 * worker of the closed loop, or one of the open loop's connections).
 */
export class Lane {
  private conns = new Map<string, Connection>();

  constructor(readonly base: string) {}

  connection(base = this.base): Connection {
    let c = this.conns.get(base);
    if (!c) this.conns.set(base, (c = new Connection(base)));
    return c;
  }

  send(wire: Wire, wantBody = false, base = this.base): Promise<Reply> {
    return this.connection(base).request(wire, wantBody);
  }

  /** Sockets opened beyond the first per server: reconnections after the server closed one. */
  reconnects() {
    let n = 0;
    for (const c of this.conns.values()) n += Math.max(0, c.opened - 1);
    return n;
  }

  close() {
    for (const c of this.conns.values()) c.close();
  }
}

/**
 * `count` lanes spread round-robin over `bases`, each connected to every base and warmed with one
 * request (`warm(base)`, default GET /healthz), all before this answers.
 */
export async function openLanes(bases: string[], count: number, warm: (base: string) => Wire = (b) => get(hostOf(b), '/healthz')): Promise<Lane[]> {
  const lanes = Array.from({ length: count }, (_, i) => new Lane(bases[i % bases.length]));
  await Promise.all(
    lanes.flatMap((lane) =>
      bases.map(async (base) => {
        const r = await lane.send(warm(base), false, base);
        if (r.status === 0 || r.status >= 500) throw new Error(`warming a connection to ${base} failed: ${r.error ?? r.status}`);
      }),
    ),
  );
  return lanes;
}

/** A request to send: the bytes, whether the body is wanted, which server (default: the lane's). */
export interface Job {
  wire: Wire;
  wantBody?: boolean;
  base?: string;
}

/**
 * What happened to one request. `t0` is when it was meant to go (open loop: its slot in the schedule,
 * so time spent waiting for a free connection counts, as a shopper would feel it; closed loop: when it
 * was written), `sentAt` when it was written, `t1` when the last byte of the answer arrived.
 */
export interface Done<T extends Job> {
  job: T;
  reply: Reply;
  t0: number;
  sentAt: number;
  t1: number;
}

/**
 * closed: every lane sends again as soon as its answer came. open: `rate` requests a second are due on a
 * schedule; with `rampSeconds` the rate climbs linearly from 0 to `rate` over that time first, so a cold
 * server (JIT, caches) is not handed a backlog it then carries into the measured window.
 */
export type Loop = { kind: 'closed' } | { kind: 'open'; rate: number; rampSeconds?: number };

/**
 * Runs the load until `stop()` says so or `next` answers null (a finite list is used up), then waits for
 * the requests in flight. Closed loop: every lane sends its next request as soon as its answer came.
 * Open loop: requests are due at `rate` per second whatever the answers do; a due request takes the next
 * free lane or waits in line for one. `onDone` sees every request, in the order they finish.
 */
export async function drive<T extends Job>(lanes: Lane[], loop: Loop, next: (i: number) => T | null, onDone: (d: Done<T>) => void, stop: () => boolean): Promise<{ issued: number; maxQueue: number }> {
  let issued = 0;
  let exhausted = false;
  const take = () => {
    if (exhausted || stop()) return null;
    const job = next(issued);
    if (job === null) exhausted = true;
    else issued++;
    return job;
  };
  const run = async (lane: Lane, job: T, t0: number) => {
    const sentAt = performance.now();
    const reply = await lane.send(job.wire, job.wantBody ?? false, job.base);
    onDone({ job, reply, t0: loop.kind === 'open' ? t0 : sentAt, sentAt, t1: performance.now() });
  };

  if (loop.kind === 'closed') {
    await Promise.all(
      lanes.map(async (lane) => {
        for (let job = take(); job; job = take()) await run(lane, job, 0);
      }),
    );
    return { issued, maxQueue: 0 };
  }

  const perMs = loop.rate / 1000;
  const ramp = (loop.rampSeconds ?? 0) * 1000;
  /** When the k-th request is due, ms after the start: ∫ rate = k, rate climbing linearly over `ramp`. */
  const dueAt = (k: number) => (k < (perMs * ramp) / 2 ? Math.sqrt((2 * ramp * k) / perMs) : ramp / 2 + k / perMs);
  const idle = [...lanes];
  const queue: { job: T; t0: number }[] = [];
  let maxQueue = 0;
  let inFlight = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((r) => (finished = r));
  const start = performance.now();
  const dispatch = () => {
    while (idle.length && queue.length) {
      const lane = idle.pop()!;
      const { job, t0 } = queue.shift()!;
      inFlight++;
      void run(lane, job, t0).then(() => {
        inFlight--;
        idle.push(lane);
        dispatch();
        if (exhausted && inFlight === 0 && queue.length === 0) finished();
      });
    }
  };
  // Every tick sends what fell due since the last one, each stamped with its own due time.
  const tick = () => {
    const now = performance.now() - start;
    while (dueAt(issued) <= now) {
      const t0 = start + dueAt(issued);
      const job = take();
      if (!job) break;
      queue.push({ job, t0 });
    }
    if (queue.length > maxQueue) maxQueue = queue.length;
    dispatch();
    if (exhausted || stop()) {
      exhausted = true;
      if (inFlight === 0 && queue.length === 0) finished();
      return;
    }
    // Sleep until the next request is due: waking every millisecond at low rates would cost the
    // generator more CPU than its requests (timers cost ~50 µs a wake-up on a busy VM).
    setTimeout(tick, Math.max(0, start + dueAt(issued) - performance.now()));
  };
  tick();
  await allDone;
  return { issued, maxQueue };
}
