/**
 * The pieces of ClickHouse's HTTP interface (https://clickhouse.com/docs/interfaces/http) that do not touch
 * the engine: reading a request into query text, settings and parameters; SQL quoting for the statements the
 * sandbox writes itself; errors in the server's wire form.
 */

/** An error as the server reports it: @clickhouse/client parses `Code: N. DB::Exception: message. (NAME)`. */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${codeName})`);
  }
}

const CODE_IN_MESSAGE = /^Code: (\d+)\./;

/** The exception text and code of anything thrown while serving a query. */
export function exceptionOf(e: unknown): { code: number; text: string } {
  if (e instanceof ClickHouseHttpError) return { code: e.code, text: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const engineCode = (e as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  const inMessage = CODE_IN_MESSAGE.exec(message);
  if (inMessage) return { code: Number(inMessage[1]), text: message };
  if (typeof engineCode === 'number') return { code: engineCode, text: `Code: ${engineCode}. DB::Exception: ${message}. (UNKNOWN_EXCEPTION)` };
  return { code: 1001, text: `Code: 1001. DB::Exception: ${message}. (STD_EXCEPTION)` };
}

// After HTTPHandler's exceptionCodeToHTTPStatus: the client only needs a non-2xx status, but tests that look
// at the status see what a server would send.
const BAD_REQUEST = new Set([
  6, 25, 26, 27, 28, 32, 33, 34, 35, 36, 38, 41, 42, 43, 44, 46, 47, 48, 50, 51, 53, 62, 63, 69, 70, 72, 115,
  130, 131, 138, 165, 184, 215, 386, 394, 456, 457, 458,
]);
const NOT_FOUND = new Set([16, 60, 81, 372]);
const FORBIDDEN = new Set([164, 497]);
const UNAUTHORIZED = new Set([192, 193, 194, 516]);

export function httpStatusOf(code: number): number {
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (FORBIDDEN.has(code)) return 403;
  if (UNAUTHORIZED.has(code)) return 401;
  if (code === 373) return 423;
  if (code === 159) return 408;
  return 500;
}

/**
 * A ClickHouse string literal holding exactly `value`. Backslash and quote are what could end the literal;
 * NUL is escaped too, since chdb hands the statement across a C boundary where a raw NUL would cut it short.
 */
export function sqlString(value: string): string {
  return `'${value.replace(/[\\'\0\n\r\t]/g, (c) => SQL_ESCAPES[c])}'`;
}
const SQL_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\0': '\\0', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function sqlIdentifier(name: string): string {
  return `\`${name.replace(/[\\`\0]/g, (c) => (c === '\0' ? '\\0' : `\\${c}`))}\``;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Request parameters the HTTP layer itself consumes (or that only mean something to a network server), as
 * opposed to settings. Most are ignored; `default_format`, `database` and the session ones are applied.
 * `wait_end_of_query` and friends shape how a server streams its response: this one always answers with
 * the whole result, and chdb rejects them as unknown or readonly settings.
 */
const NOT_SETTINGS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
  'stacktrace',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_native_compression_disable_checksumming_on_decompress',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'cancel_http_readonly_queries_on_client_close',
]);

export interface QueryRequest {
  /** `query` from the URL (or form) and the body, joined by a newline as the server does. */
  sql: string;
  database?: string;
  /** Output format when the query names none; the server's default is TabSeparated. */
  defaultFormat: string;
  settings: [string, string][];
  /** Query parameters (`param_<name>`), values still in ClickHouse's escaped text form. */
  params: [string, string][];
  sessionId?: string;
  sessionTimeoutSeconds: number;
  sessionCheck: boolean;
  compressResponse: boolean;
}

/**
 * Reads a request the way the server does: every URL (and multipart form) parameter is either one the HTTP
 * layer consumes, a `param_*` query parameter, or a setting for this query.
 */
export function readQueryRequest(fields: Iterable<[string, string]>, body: string): QueryRequest {
  const request: QueryRequest = {
    sql: '',
    defaultFormat: 'TabSeparated',
    settings: [],
    params: [],
    sessionTimeoutSeconds: 60,
    sessionCheck: false,
    compressResponse: false,
  };
  let query: string | undefined;
  for (const [key, value] of fields) {
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!NAME.test(name)) throw new ClickHouseHttpError(457, 'BAD_QUERY_PARAMETER', `Invalid query parameter name ${JSON.stringify(name)}`);
      request.params.push([name, value]);
    } else if (key === 'query') query = value;
    else if (key === 'database') request.database = value || undefined;
    else if (key === 'default_format') request.defaultFormat = value || 'TabSeparated';
    else if (key === 'session_id') request.sessionId = value || undefined;
    else if (key === 'session_check') request.sessionCheck = value === '1' || value === 'true';
    else if (key === 'session_timeout') {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
        throw new ClickHouseHttpError(495, 'INVALID_SESSION_TIMEOUT', `Invalid session timeout: ${JSON.stringify(value)}`);
      }
      request.sessionTimeoutSeconds = seconds;
    } else if (key === 'enable_http_compression') request.compressResponse = value === '1' || value === 'true';
    else if (NOT_SETTINGS.has(key)) continue;
    else if (!NAME.test(key)) throw new ClickHouseHttpError(115, 'UNKNOWN_SETTING', `Unknown setting ${JSON.stringify(key)}`);
    else request.settings.push([key, value]);
  }
  request.sql = query ? `${query}\n${body}` : body;
  if (request.sql.trim() === '') throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Empty query');
  return request;
}

/** The format the result comes back in: the query's own FORMAT clause, else the request's default. */
export function outputFormatOf(sql: string, defaultFormat: string): string {
  // An INSERT's FORMAT names its input; the engine answers it in the default format.
  if (/^\s*INSERT\b/i.test(sql)) return defaultFormat;
  return /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(sql)?.[1] ?? defaultFormat;
}

export function contentTypeOf(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json')) return f.includes('eachrow') || f.includes('lines') ? 'application/x-ndjson; charset=UTF-8' : 'application/json; charset=UTF-8';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (/^(rowbinary|native|parquet|arrow|orc|avro|protobuf|capnproto|msgpack|bson)/.test(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/** The named text fields of a multipart/form-data body; file parts (external tables) are not read. */
export function readMultipartFields(body: Buffer, contentType: string): [string, string][] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', 'multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: [string, string][] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    let start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const end = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      if (name !== undefined && !/\bfilename=/i.test(disposition)) fields.push([name, part.subarray(headerEnd + 4).toString('utf8')]);
    }
    at = next;
  }
  return fields;
}
