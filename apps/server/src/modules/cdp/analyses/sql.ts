import type { EventMatcher, PropertyFilter } from '@siyu/contracts';
import { DAY_MS, SHOP_TZ_OFFSET_MS, dayFromDate, startOfDayMs, type Dialect } from '../engine/types.js';

const BUILTIN: Record<string, string> = { $source: 'source', $medium: 'medium', $campaign: 'campaign', $channel: 'channel', $os: 'os', $path: 'path' };

/** Property names reach SQL as literals; the contract's pattern already excludes quotes, this keeps it so. */
function literal(name: string) {
  if (!/^[A-Za-z0-9_.$]+$/.test(name)) throw new Error(`bad property name ${name}`);
  return `'${name}'`;
}

/**
 * Builds SQL for one dialect: values become bound parameters (`$p1` for DuckDB, `{p1:Type}` for
 * ClickHouse), and the few functions that differ are spelled per dialect. Everything else in the
 * analyses is SQL both engines read the same way.
 */
export class SqlBuilder {
  readonly params: Record<string, string | number> = {};
  private n = 0;
  constructor(readonly dialect: Dialect) {}

  private bind(v: string | number, chType: string) {
    const k = `p${this.n++}`;
    this.params[k] = v;
    return this.dialect === 'duckdb' ? `$${k}` : `{${k}:${chType}}`;
  }
  str(v: string) {
    return this.bind(v, 'String');
  }
  int(v: number) {
    return this.bind(Math.trunc(v), 'Int64');
  }
  num(v: number) {
    return this.bind(v, 'Float64');
  }
  idiv(a: string, b: number | string) {
    return this.dialect === 'duckdb' ? `((${a}) // ${b})` : `intDiv(${a}, ${b})`;
  }
  day(ts = 'ts') {
    return this.idiv(`${ts} + ${SHOP_TZ_OFFSET_MS}`, DAY_MS);
  }
  period(interval: 'day' | 'week', ts = 'ts') {
    return interval === 'day' ? this.day(ts) : this.idiv(`${this.day(ts)} + 3`, 7);
  }
  nullText() {
    return this.dialect === 'duckdb' ? 'CAST(NULL AS VARCHAR)' : 'CAST(NULL, \'Nullable(String)\')';
  }
  /** The property's text, NULL when not set (docs/analytics.md). */
  text(property: string, alias = '') {
    const a = alias ? `${alias}.` : '';
    const col = BUILTIN[property];
    if (col) return this.dialect === 'duckdb' ? `nullif(${a}${col}, '')` : `nullIf(${a}${col}, '')`;
    const key = literal(property);
    if (this.dialect === 'duckdb') return `json_extract_string(${a}properties, '$."${property}"')`;
    return `multiIf(JSONType(${a}properties, ${key}) = 'Null', ${this.nullText()}, JSONType(${a}properties, ${key}) = 'String', toNullable(JSONExtractString(${a}properties, ${key})), toNullable(JSONExtractRaw(${a}properties, ${key})))`;
  }
  /** The property as a number when it is a JSON number, else NULL. */
  number(property: string, alias = '') {
    const a = alias ? `${alias}.` : '';
    if (property === 'amount') return `${a}amount`;
    if (BUILTIN[property]) return 'NULL';
    const key = literal(property);
    if (this.dialect === 'duckdb') {
      const path = `'$."${property}"'`;
      return `(CASE WHEN json_type(${a}properties, ${path}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT') THEN CAST(json_extract(${a}properties, ${path}) AS DOUBLE) END)`;
    }
    return `if(JSONType(${a}properties, ${key}) IN ('Int64', 'UInt64', 'Double'), toNullable(JSONExtractFloat(${a}properties, ${key})), NULL)`;
  }
  contains(hay: string, needle: string) {
    return this.dialect === 'duckdb' ? `(strpos(${hay}, ${needle}) > 0)` : `(position(${hay}, ${needle}) > 0)`;
  }
  filter(f: PropertyFilter, alias = '') {
    const t = this.text(f.property, alias);
    switch (f.op) {
      case 'eq':
        return `(${t} = ${this.str(String(f.value))})`;
      case 'neq':
        return `(${t} IS NOT NULL AND ${t} <> ${this.str(String(f.value))})`;
      case 'contains':
        return `(${t} IS NOT NULL AND ${this.contains(t, this.str(String(f.value)))})`;
      case 'gt':
      case 'lt': {
        // A text value counts only as a plain decimal ("12", "-1.5"); "", " 5" or "1e3" match nothing.
        const v = typeof f.value === 'number' ? f.value : /^-?\d+(\.\d+)?$/.test(String(f.value)) ? Number(f.value) : NaN;
        if (!Number.isFinite(v)) return '(1 = 0)';
        const n = this.number(f.property, alias);
        return `(${n} IS NOT NULL AND ${n} ${f.op === 'gt' ? '>' : '<'} ${this.num(v)})`;
      }
      case 'set':
        return `(${t} IS NOT NULL)`;
      case 'not_set':
        return `(${t} IS NULL)`;
    }
  }
  match(m: EventMatcher, alias = '') {
    const a = alias ? `${alias}.` : '';
    const parts = m.event === '$any' ? [] : [`${a}event = ${this.str(m.event)}`];
    for (const f of m.where ?? []) parts.push(this.filter(f, alias));
    return parts.length ? parts.join(' AND ') : '1 = 1';
  }
  range(from: string, to: string, alias = '') {
    const a = alias ? `${alias}.` : '';
    return `${a}ts >= ${this.int(startOfDayMs(dayFromDate(from)))} AND ${a}ts < ${this.int(startOfDayMs(dayFromDate(to) + 1))}`;
  }
  shop(shopId: string, alias = '') {
    return `${alias ? `${alias}.` : ''}shop_id = ${this.str(shopId)}`;
  }
  /** Lower median (docs/analytics.md). */
  lowerMedian(x: string) {
    return this.dialect === 'duckdb' ? `quantile_disc(${x}, 0.5)` : `quantileExactLow(0.5)(${x})`;
  }
  /** The previous row's value in a person's ordered events, or `fallback` for the first. */
  lag(x: string, fallback: string, partition: string, order: string) {
    return this.dialect === 'duckdb'
      ? `lag(${x}, 1, ${fallback}) OVER (PARTITION BY ${partition} ORDER BY ${order})`
      : `lagInFrame(${x}, 1, ${fallback}) OVER (PARTITION BY ${partition} ORDER BY ${order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`;
  }
  jsonKeys(x: string) {
    return this.dialect === 'duckdb' ? `unnest(json_keys(${x}))` : `arrayJoin(JSONExtractKeys(${x}))`;
  }
}

/**
 * The events of a few persons as a FROM source: in DuckDB a MATERIALIZED CTE of equality lookups, which the
 * person index answers (a predicate next to others, or an IN list, is a scan of the table); in ClickHouse
 * the filter, which the bloom-filter index narrows to a few granules.
 */
export function personEvents(b: SqlBuilder, persons: string[]): { with: string; from: string } {
  if (b.dialect === 'duckdb') {
    const parts = persons.map((id) => `SELECT * FROM events WHERE person_id = ${b.str(id)}`);
    return { with: `WITH scoped AS MATERIALIZED (${parts.join(' UNION ALL ')}) `, from: 'scoped' };
  }
  return { with: '', from: `(SELECT * FROM events WHERE person_id IN (${persons.map((id) => b.str(id)).join(', ')}))` };
}
