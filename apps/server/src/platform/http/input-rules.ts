import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { safeParse } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { AppError } from '../errors.js';

/**
 * Rules every request obeys, whatever its route declares, so that bad input is a 400 naming the field
 * and never reaches the database as a 500: no NUL characters (PostgreSQL text cannot hold them), no JSON
 * deeper than MAX_DEPTH (nothing we accept is deeper; a 100,000-deep body would overflow every recursive
 * walk, the audit redaction among them), no prototype keys, integers within the database's `integer`,
 * ids that are UUIDs, and no empty patches.
 */
export const MAX_DEPTH = 32;
const INT_MAX = 2_147_483_647;
const INT_MIN = -2_147_483_648;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Route parameters and query fields that name a row. */
const ID_KEY = /^(id|[a-z][A-Za-z0-9]*Id)$/;

export interface InputIssue {
  field: string;
  code: 'invalid_character' | 'too_deep' | 'forbidden_key' | 'out_of_range' | 'invalid_uuid' | 'empty_patch';
  message: string;
}

export function inputError(where: 'body' | 'params' | 'querystring', issue: InputIssue) {
  return new AppError(400, 'VALIDATION_FAILED', `Invalid ${where}: ${issue.field} ${issue.message}`, {
    field: issue.field,
    in: where,
    issues: [issue],
  });
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** The first rule a parsed JSON value breaks, walking at most MAX_DEPTH levels. */
export function checkJson(value: unknown, path = '', depth = 0): InputIssue | null {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? { field: path || 'body', code: 'invalid_character', message: 'contains a NUL character' } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) return { field: path || 'body', code: 'too_deep', message: `nests deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const issue = checkJson(value[i], join(path, i), depth + 1);
      if (issue) return issue;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || (key === 'constructor' && typeof (value as Record<string, unknown>)[key] === 'object')) {
      return { field: join(path, key), code: 'forbidden_key', message: 'is not allowed' };
    }
    if (key.includes('\u0000')) return { field: join(path, key.replace(/\u0000/g, '\\0')), code: 'invalid_character', message: 'key contains a NUL character' };
    const issue = checkJson((value as Record<string, unknown>)[key], join(path, key), depth + 1);
    if (issue) return issue;
  }
  return null;
}

/** Integers beyond PostgreSQL's `integer` in a validated value (numbers only: ids and phones are strings). */
function checkIntegers(value: unknown, path: string): InputIssue | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || (Number.isInteger(value) && (value > INT_MAX || value < INT_MIN))) {
      return { field: path, code: 'out_of_range', message: `must be between ${INT_MIN} and ${INT_MAX}` };
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || value instanceof Date) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const issue = checkIntegers(value[i], join(path, i));
      if (issue) return issue;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const issue = checkIntegers(v, join(path, k));
    if (issue) return issue;
  }
  return null;
}

function checkStrings(values: unknown, checkIds: boolean): InputIssue | null {
  if (!values || typeof values !== 'object') return null;
  for (const [key, raw] of Object.entries(values as Record<string, unknown>)) {
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue;
      if (v.includes('\u0000') || key.includes('\u0000')) return { field: key.replace(/\u0000/g, '\\0'), code: 'invalid_character', message: 'contains a NUL character' };
      if (checkIds && ID_KEY.test(key) && !UUID.test(v)) return { field: key, code: 'invalid_uuid', message: 'must be a UUID' };
    }
  }
  return null;
}

/**
 * Installs the rules: the JSON body parser (depth, NUL, prototype keys), a first hook on path and query
 * (before any scope hook looks a shop slug up), and a validator compiler that adds the integer range and
 * the empty-patch rule to each route's zod schema.
 */
export function installInputRules(app: FastifyInstance) {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new AppError(400, 'INVALID_JSON', 'Request body is not valid JSON', { field: 'body' }), undefined);
    }
    const issue = checkJson(value);
    if (issue) return done(inputError('body', issue), undefined);
    done(null, value);
  });

  app.addHook('onRequest', (req, _reply, done) => {
    // Only our API's ids are UUIDs; the vendor simulators under /sandbox have their own id formats.
    const ours = req.url.startsWith('/api/');
    const inParams = checkStrings(req.params, ours);
    if (inParams) return done(inputError('params', inParams));
    const inQuery = checkStrings(req.query, ours);
    done(inQuery ? inputError('querystring', inQuery) : undefined);
  });

  const compile: FastifySchemaCompiler<$ZodType> = ({ schema, method, httpPart }) => (data: unknown) => {
    const result = safeParse(schema, data);
    if (result.error) {
      return {
        error: result.error.issues.map((i) => ({ instancePath: `/${i.path.join('/')}`, keyword: i.code, message: i.message, params: {} })),
      } as never;
    }
    const part = (httpPart ?? 'body') as 'body' | 'params' | 'querystring';
    let issue = checkIntegers(result.data, '');
    if (!issue && part === 'body' && method === 'PATCH' && isEmptyPatch(result.data)) {
      issue = { field: 'body', code: 'empty_patch', message: 'changes nothing: send at least one field' };
    }
    if (issue) return { error: [{ instancePath: `/${issue.field.replace(/\./g, '/')}`, keyword: issue.code, message: issue.message, params: {} }] } as never;
    return { value: result.data };
  };
  app.setValidatorCompiler(compile as FastifySchemaCompiler<unknown>);
}

function isEmptyPatch(value: unknown) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => v === undefined);
}
