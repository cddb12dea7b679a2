/**
 * The analytics engine holds events only; persons and identities live in PostgreSQL. Two engines speak
 * the same small SQL subset: DuckDB embedded in the process (default) and ClickHouse over HTTP (scaled).
 *
 * Time is kept as epoch milliseconds and bucketed with integer arithmetic in the shop's time zone
 * (UTC+8, China has no daylight saving), so both dialects compute the same days and weeks.
 */
export interface EngineEvent {
  /** the inbox row the event came from: loads are idempotent by it */
  inboxId: number;
  shopId: string;
  /** track event name, or `$pageview` `$screen` `$identify` `$group` `$alias` */
  event: string;
  personId: string;
  distinctId: string;
  /** epoch ms, after clock-skew correction */
  ts: number;
  /** JSON object text */
  properties: string;
  source: string;
  medium: string;
  campaign: string;
  channel: string;
  os: string;
  path: string;
}

export type Dialect = 'duckdb' | 'clickhouse';

export interface AnalyticsEngine {
  readonly dialect: Dialect;
  /** Creates the tables when missing. */
  init(): Promise<void>;
  /** Inbox ids among [min, max] already loaded: a load that crashed after the engine's commit is not repeated. */
  loadedIds(min: number, max: number): Promise<Set<number>>;
  append(events: EngineEvent[]): Promise<void>;
  /** Re-points a merged person's events; `from` ids become `to`. */
  reassign(shopId: string, from: string[], to: string): Promise<void>;
  /** Runs a compiled read; values are plain numbers and strings. */
  query<T = Record<string, unknown>>(sql: string, params: Record<string, string | number>): Promise<T[]>;
  close(): Promise<void>;
}

export const SHOP_TZ_OFFSET_MS = 8 * 3600_000;
export const DAY_MS = 86_400_000;

/** Shop-local day number (days since 1970-01-01 in UTC+8). */
export const dayOf = (ts: number) => Math.floor((ts + SHOP_TZ_OFFSET_MS) / DAY_MS);
/** Monday-based week number: day 0 (1970-01-01) was a Thursday. */
export const weekOf = (day: number) => Math.floor((day + 3) / 7);
export const dayFromDate = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
export const dateFromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const weekStartDay = (week: number) => week * 7 - 3;
/** The first ms of a shop-local day. */
export const startOfDayMs = (day: number) => day * DAY_MS - SHOP_TZ_OFFSET_MS;
