import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../testing/harness.js';
import { createProduct, signInCustomer, type CustomerFixture } from '../testing/commerce.js';
import { staffHeaders } from './route-walk.js';

/**
 * Sends schema-violating input to every operation of /openapi.json and fails on any 5xx: bad input is
 * the client's fault, always a 4xx with a stable code, never an internal error. The base request of each
 * operation is built from its own schema (so it passes every check but the one a mutation breaks), then
 * each field, each path parameter and each query parameter is broken in the ways clients and attackers
 * break them: wrong types, NUL characters, numbers beyond the database integer, fractions, huge strings,
 * nulls, non-UUID ids, empty and over-deep bodies.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  nullable?: boolean;
  default?: unknown;
};

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema: Schema }[];
  body?: Schema;
  contentType?: string;
}

let t: TestApp;
let owner: StaffSession;
let slug: string;
let customer: CustomerFixture;
let components: Record<string, Schema> = {};
let known: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  const shop = await t.createShop();
  owner = shop.owner;
  slug = shop.slug;
  customer = await signInCustomer(t, slug);
  const product = await createProduct(t, owner, { priceFen: 1000, stock: 5 });
  // Real ids make some mutated requests reach deeper than "not found".
  known = { id: product.id, productId: product.id, skuId: product.skus[0].id, customerId: customer.customerId };
});
afterAll(() => t?.close());

const resolve = (s: Schema): Schema => (s.$ref ? resolve(components[s.$ref.split('/').pop()!] ?? {}) : s);
const typeOf = (s: Schema) => (Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type);

const PATTERN_SAMPLES = ['13800138000', 'wx0123456789abcdef', 'abc-123', '2026-12-03', '12:00', '0123456789abcdef', '1234567890', 'a', 'A1'];

function sampleString(s: Schema, name: string): string {
  if (s.format === 'uuid') return known[name] ?? randomUUID();
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  if (s.format === 'date') return '2026-12-03';
  if (s.format === 'email') return 'fuzz@example.com';
  if (s.format === 'uri' || s.format === 'url') return 'https://example.com/fuzz';
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    const hit = PATTERN_SAMPLES.find((v) => re.test(v));
    if (hit) return hit;
  }
  const len = Math.max(s.minLength ?? 1, 1);
  return 'x'.repeat(Math.min(len, s.maxLength ?? len));
}

/** A value the schema accepts (as far as a generic generator can tell). */
function sample(raw: Schema, name = ''): unknown {
  const s = resolve(raw);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum.find((v) => v !== null) ?? s.enum[0];
  if (s.default !== undefined && s.default !== null) return s.default;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return sample(alts.find((a) => resolve(a).type !== 'null') ?? alts[0], name);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((a) => sample(a, name) as object));
  switch (typeOf(s)) {
    case 'string':
      return sampleString(s, name);
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
      return Math.min(Math.max(min, 1), s.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(s.minItems ?? 1, 1) }, () => sample(s.items ?? {}, name));
    case 'object':
    default: {
      if (!s.properties) return {};
      return Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, sample(v, k)]));
    }
  }
}

/** Ways to break one value. */
function breakages(raw: Schema): unknown[] {
  const s = resolve(raw);
  const out: unknown[] = [null, '\u0000', 'x\u0000y', 2 ** 40, -(2 ** 40), 1.5, 'x'.repeat(20_000), [], {}];
  const type = typeOf(s);
  if (type === 'string') out.push(123, true, '', ' ');
  if (type === 'integer' || type === 'number') out.push('abc', 2_147_483_648, -1, 0, Number.MAX_SAFE_INTEGER);
  if (type === 'array') out.push(Array.from({ length: 5_000 }, () => 1), ['\u0000'], [null]);
  if (type === 'object') out.push({ __proto__x: 1, ['\u0000']: 1 }, 'not-an-object');
  if (s.format === 'uuid') out.push('not-a-uuid', '00000000-0000-0000-0000-000000000000');
  return out;
}

/** Every (path, schema) of a body down to two levels, arrays through their first item. */
function fieldsOf(raw: Schema, prefix: (string | number)[] = [], depth = 0): { path: (string | number)[]; schema: Schema }[] {
  const s = resolve(raw);
  const out: { path: (string | number)[]; schema: Schema }[] = [];
  const props = s.properties ?? (s.anyOf ?? s.oneOf)?.map(resolve).find((a) => a.properties)?.properties;
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      out.push({ path: [...prefix, k], schema: v });
      if (depth < 2) out.push(...fieldsOf(v, [...prefix, k], depth + 1));
    }
  } else if (typeOf(s) === 'array' && s.items && depth < 2) {
    out.push({ path: [...prefix, 0], schema: s.items });
    out.push(...fieldsOf(s.items, [...prefix, 0], depth + 1));
  }
  return out;
}

function setAt(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = typeof path[path.indexOf(key) + 1] === 'number' ? [] : {};
    at = at[key] as Record<string | number, unknown>;
  }
  at[path[path.length - 1]] = value;
  return copy;
}

const deepBody = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

async function operations(): Promise<Operation[]> {
  const doc = (await t.call('GET', '/openapi.json')).body;
  components = doc.components?.schemas ?? {};
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    // The vendor simulators speak the vendors' protocols, not ours; they have their own tests.
    if (path.startsWith('/sandbox') || path.startsWith('/docs')) continue;
    for (const [method, op] of Object.entries<any>(item)) {
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      ops.push({ method: method.toUpperCase(), path, params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: p.schema ?? {} })), body: contentType ? content[contentType].schema : undefined, contentType });
    }
  }
  return ops;
}

describe('every operation refuses schema-violating input without a 5xx', () => {
  it('answers 4xx, never 5xx, to broken bodies, path parameters and query strings', { timeout: 900_000 }, async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(150);
    const failures: string[] = [];
    let sent = 0;

    const send = async (op: Operation, pathValues: Record<string, string>, query: string, body: unknown, raw?: string) => {
      const url = op.path.replace(/\{(\w+)\}/g, (_, n: string) => (n in pathValues ? pathValues[n] : encodeURIComponent(n === 'shop' ? slug : (known[n] ?? randomUUID())))) + query;
      const headers: Record<string, string> = { 'accept-language': 'en' };
      if (url.startsWith('/api/admin')) Object.assign(headers, staffHeaders(owner));
      if (url.startsWith('/api/store')) headers.authorization = `Bearer ${customer.token}`;
      const hasBody = body !== undefined || raw !== undefined;
      if (hasBody) headers['content-type'] = 'application/json';
      sent++;
      try {
        const res = await fetch(t.url + url, { method: op.method, headers, body: hasBody ? (raw ?? JSON.stringify(body)) : undefined });
        const text = await res.text();
        if (res.status >= 500) failures.push(`${op.method} ${url.slice(0, 160)} ${raw ? raw.slice(0, 60) : JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`);
      } catch (err) {
        failures.push(`${op.method} ${url.slice(0, 160)} → ${(err as Error).message}`);
      }
    };

    for (const op of ops) {
      // Ending the session would only make the rest of the walk answer 401.
      if (op.path.endsWith('/sign-out')) continue;
      const pathParams = op.params.filter((p) => p.in === 'path' && p.name !== 'shop');
      const queryParams = op.params.filter((p) => p.in === 'query');
      const isJson = op.contentType?.includes('json');
      const base = op.body && isJson ? sample(op.body) : undefined;

      for (const p of op.params.filter((x) => x.in === 'path')) {
        for (const bad of ['not-a-uuid', '%00', 'x%00y', '-1', '99999999999', '1.5', 'x'.repeat(3000)]) await send(op, { [p.name]: bad }, '', base);
      }
      for (const q of queryParams) {
        for (const bad of ['abc', '%00', '99999999999', '-99999999999', '1.5', '', 'x'.repeat(5000), 'not-a-uuid']) {
          await send(op, {}, `?${encodeURIComponent(q.name)}=${bad}`, base);
        }
        await send(op, {}, `?${encodeURIComponent(q.name)}=1&${encodeURIComponent(q.name)}=2`, base);
      }
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method)) {
        for (const raw of ['[]', 'null', '"x"', '123', '{}', '{"a":1', deepBody(5000), '{"\\u0000":1}']) await send(op, {}, '', undefined, raw);
        if (op.body && isJson) {
          for (const field of fieldsOf(op.body)) {
            for (const bad of breakages(field.schema)) await send(op, {}, '', setAt(base, field.path, bad));
          }
          await send(op, {}, '', { ...(base as object), unexpectedField: '\u0000' });
        }
      }
      void pathParams;
    }
    // eslint-disable-next-line no-console
    console.log(`input fuzz: ${ops.length} operations, ${sent} requests, ${failures.length} answered 5xx`);
    expect(failures).toEqual([]);
  });
});
