import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { acquireEngine, releaseEngine, type ChdbResult, type Engine, type Session } from './engine.js';
import {
  ClickHouseHttpError,
  contentTypeOf,
  exceptionOf,
  httpStatusOf,
  outputFormatOf,
  readMultipartFields,
  readQueryRequest,
  sqlIdentifier,
  sqlString,
  type QueryRequest,
} from './protocol.js';

/**
 * A ClickHouse server for tests and offline runs: ClickHouse's HTTP interface
 * (https://clickhouse.com/docs/interfaces/http) in front of chdb, the ClickHouse engine embedded in the
 * process, so `@clickhouse/client` runs unchanged against real ClickHouse SQL with no server installed.
 *
 * Served: `GET|HEAD /ping` and `GET /`; queries by `GET /?query=` and `POST /` with the query in the URL,
 * the body, or both (URL query + "\n" + body, which is how inserts arrive: `INSERT INTO t FORMAT X` in the
 * URL, rows in the body); `param_*` query parameters in the URL or a multipart/form-data body; settings as
 * URL parameters; `database`; `default_format`; `session_id` sessions; gzip/deflate/br request bodies and,
 * with `enable_http_compression=1`, compressed responses. Errors come back as the server sends them (status,
 * `Code: N. DB::Exception: ... (NAME)` body, `X-ClickHouse-Exception-Code`), so the client throws its
 * `ClickHouseError` with the engine's own message.
 *
 * Each request runs on a connection of its own, which keeps a request's settings, parameters and `USE` to
 * that request (as on a server, where they are scoped to the query) and lets requests run in parallel; a
 * request with `session_id` runs on that session's connection instead.
 *
 * Where it differs from a server: results are computed in full before the response starts (no streaming,
 * progress headers or mid-stream exceptions); a body holding several statements runs them all (a server
 * refuses multi-statements); request bodies are read as UTF-8 text, so binary input formats (RowBinary,
 * Native, Parquet) are not accepted; in a session, URL settings and parameters stay set for the session's
 * later queries; `X-ClickHouse-Summary` reports result rows and bytes, with read and written counts zero;
 * no users, quotas or authentication (credentials are ignored).
 */
export interface ClickHouseSandboxOptions {
  /** Keep the databases here across restarts; without it they live in a temporary directory removed on close. */
  dataDir?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface ClickHouseSandbox {
  /** e.g. http://127.0.0.1:43123, for `createClient({ url })`. */
  url: string;
  /** Stops accepting requests, lets running ones finish, and releases the engine. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox server. chdb allows one data directory per process, so every sandbox of a process shares
 * one engine: a second sandbox sees the first one's databases, and one with a different `dataDir` is refused
 * until the others have closed.
 */
export async function startClickHouseSandbox(opts: ClickHouseSandboxOptions = {}): Promise<ClickHouseSandbox> {
  const engine = await acquireEngine(opts.dataDir);
  const sessions = new SessionRegistry(engine);
  const running = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const handled = handle(engine, sessions, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end(exceptionOf(e).text);
    });
    running.add(handled);
    void handled.finally(() => running.delete(handled));
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await releaseEngine(engine);
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A connection must not be closed under a running query: chdb would abort the whole engine.
        while (running.size > 0) await Promise.allSettled([...running]);
        server.closeAllConnections();
        await stopped;
        sessions.closeAll();
        await releaseEngine(engine);
      })()),
  };
}

async function handle(engine: Engine, sessions: SessionRegistry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  if (url.pathname === '/ping' && (method === 'GET' || method === 'HEAD')) return sendOk(res, method);
  if (url.pathname !== '/') {
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`);
    return;
  }
  if ((method === 'GET' || method === 'HEAD') && !url.searchParams.has('query')) return sendOk(res, method);
  const queryId = url.searchParams.get('query_id') || randomUUID();
  try {
    if (method !== 'GET' && method !== 'POST') {
      throw new ClickHouseHttpError(1001, 'STD_EXCEPTION', `HTTP method ${method} is not supported, use GET or POST`);
    }
    const body = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    const multipart = /^multipart\/form-data\b/i.test(contentType);
    const fields = [...url.searchParams, ...(multipart ? readMultipartFields(body, contentType) : [])];
    const request = readQueryRequest(fields, multipart ? '' : body.toString('utf8'));
    const format = outputFormatOf(request.sql, request.defaultFormat);
    const result = await execute(engine, sessions, request, method === 'GET');
    const bytes = result.bytes();
    let payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentTypeOf(format),
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': engine.timezone,
      'X-ClickHouse-Server-Display-Name': 'chdb-sandbox',
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: '0',
        read_bytes: '0',
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: '0',
        result_rows: String(result.rowsRead ?? 0),
        result_bytes: String(result.bytesRead ?? 0),
        elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
      }),
    };
    const encoding = request.compressResponse ? responseEncoding(req.headers['accept-encoding']) : undefined;
    if (encoding) {
      payload = await COMPRESS[encoding](payload);
      headers['Content-Encoding'] = encoding;
    }
    headers['Content-Length'] = payload.length;
    res.writeHead(200, headers);
    res.end(payload);
  } catch (e) {
    const { code, text } = exceptionOf(e);
    const message = `${text} (version ${engine.version})\n`;
    res.writeHead(httpStatusOf(code), {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(code),
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': engine.timezone,
      'Content-Length': Buffer.byteLength(message),
    });
    res.end(message);
  }
}

function sendOk(res: ServerResponse, method: string) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': 4 });
  res.end(method === 'HEAD' ? undefined : 'Ok.\n');
}

/**
 * Runs the request's statements on its connection: `USE`, then one `SET` carrying the URL settings and the
 * query parameters, then the query. Parameters go through `SET param_<name> = '<value>'`: the literal holds
 * the value exactly as the URL carried it, and the engine then parses it as the placeholder's type, just as
 * a server parses `param_<name>`; the value is data to the SQL parser and cannot reach the query's
 * structure. (chdb's queryBind would escape the already-escaped text a second time.)
 */
async function execute(engine: Engine, sessions: SessionRegistry, request: QueryRequest, isGet: boolean): Promise<ChdbResult> {
  const session = request.sessionId === undefined ? undefined : sessions.take(request);
  const connection = session ?? engine.connect();
  try {
    if (request.database !== undefined) await connection.queryAsync(`USE ${sqlIdentifier(request.database)}`);
    // chdb turns implicit_select on; a server has it off, and `1 + 1` alone should fail here as it would there.
    const assignments = [`implicit_select = 0`];
    for (const [name, value] of request.settings) if (name !== 'readonly') assignments.push(`${name} = ${sqlString(value)}`);
    for (const [name, value] of request.params) assignments.push(`param_${name} = ${sqlString(value)}`);
    // Last, so it cannot refuse the assignments before it. GET queries are read-only on a server.
    const readonly = request.settings.find(([name]) => name === 'readonly')?.[1] ?? (isGet && !session ? '2' : undefined);
    if (readonly !== undefined) assignments.push(`readonly = ${sqlString(readonly)}`);
    await connection.queryAsync(`SET ${assignments.join(', ')}`);
    return await connection.queryAsync(request.sql, { format: request.defaultFormat });
  } finally {
    if (session) sessions.give(request.sessionId!, request.sessionTimeoutSeconds);
    else connection.close();
  }
}

/**
 * HTTP sessions (`session_id`): a connection kept between requests, so temporary tables, `SET` and `USE`
 * carry over. As on a server, one request at a time per session, and an idle session expires after
 * `session_timeout` seconds (default 60).
 */
class SessionRegistry {
  private readonly open = new Map<string, { connection: Session; busy: boolean; timer?: NodeJS.Timeout }>();

  constructor(private readonly engine: Engine) {}

  take(request: QueryRequest): Session {
    const id = request.sessionId!;
    const found = this.open.get(id);
    if (found) {
      if (found.busy) throw new ClickHouseHttpError(373, 'SESSION_IS_LOCKED', `Session ${id} is locked by a concurrent client`);
      clearTimeout(found.timer);
      found.busy = true;
      return found.connection;
    }
    if (request.sessionCheck) throw new ClickHouseHttpError(372, 'SESSION_NOT_FOUND', `Session ${id} not found`);
    const connection = this.engine.connect();
    this.open.set(id, { connection, busy: true });
    return connection;
  }

  give(id: string, timeoutSeconds: number) {
    const entry = this.open.get(id);
    if (!entry) return;
    entry.busy = false;
    entry.timer = setTimeout(() => {
      if (this.open.get(id) !== entry || entry.busy) return;
      this.open.delete(id);
      entry.connection.close();
    }, timeoutSeconds * 1000);
    entry.timer.unref();
  }

  /** Only once no request runs: closing a connection under a running query aborts the engine. */
  closeAll() {
    for (const entry of this.open.values()) {
      clearTimeout(entry.timer);
      entry.connection.close();
    }
    this.open.clear();
  }
}

const DECOMPRESS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};
const COMPRESS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
};
// Node 22.15+ has zstd, which @clickhouse/client offers when the runtime supports it.
const zstd = zlib as unknown as { zstdCompress?: typeof zlib.gzip; zstdDecompress?: typeof zlib.gunzip };
if (zstd.zstdCompress && zstd.zstdDecompress) {
  COMPRESS.zstd = promisify(zstd.zstdCompress);
  DECOMPRESS.zstd = promisify(zstd.zstdDecompress);
}

function responseEncoding(accept: string | undefined): string | undefined {
  for (const item of (accept ?? '').split(',')) {
    const name = item.split(';')[0].trim().toLowerCase();
    if (name in COMPRESS) return name;
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const decompress = DECOMPRESS[encoding];
  if (!decompress) throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', `Unsupported Content-Encoding: ${encoding}`);
  try {
    return await decompress(body);
  } catch (e) {
    throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', `Cannot decompress the request body (${encoding}): ${(e as Error).message}`);
  }
}
