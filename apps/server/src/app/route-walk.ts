import ExcelJS from 'exceljs';
import type { TestApp } from '../testing/harness.js';

/**
 * Helpers for the suites that walk every route (tenant-isolation.test.ts, permissions.test.ts).
 * Routes are written the OpenAPI way: `POST /api/admin/orders/{id}/ship`.
 */
export interface Route {
  method: string;
  path: string;
}

export const routeKey = (r: Route) => `${r.method} ${r.path}`;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Every route the app serves, hidden ones included, read from Fastify's radix trees (one per method;
 * a node's full path is its ancestors' labels joined). HEAD twins of GET routes are left out.
 */
export function registeredRoutes(t: TestApp): Route[] {
  const app = t.http!.app;
  const out: Route[] = [];
  for (const method of METHODS) {
    const stack: string[] = [];
    for (const line of app.printRoutes({ method }).split('\n')) {
      const at = line.search(/[├└]── /);
      if (at < 0) continue;
      const depth = at / 4;
      const m = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4))!;
      stack.length = depth;
      stack.push(m[1]);
      if (m[2]?.split(', ').includes(method)) out.push({ method, path: stack.join('').replace(/:(\w+)/g, '{$1}') });
    }
  }
  return out;
}

/** The routes /openapi.json documents. */
export async function documentedRoutes(t: TestApp): Promise<Route[]> {
  const doc = (await t.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
}

/** Puts values into a `{param}` path; throws on a parameter nobody gave a value for. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(v);
  });
}

/** All cell text of a spreadsheet answer, to search it like a JSON body. */
export async function xlsxText(data: ArrayBuffer | Buffer): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(data as ArrayBuffer) as unknown as ArrayBuffer);
  const cells: string[] = [];
  wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text)))));
  return cells.join('\n');
}

/**
 * A raw call (binary answers too): JSON body in, `{ status, body, text }` out, where `text` is the
 * JSON text or a spreadsheet's cells, for "does this answer mention X" checks.
 */
export async function rawCall(t: TestApp, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'accept-language': 'en', ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(t.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const data = await res.arrayBuffer();
  const type = res.headers.get('content-type') ?? '';
  let text = Buffer.from(data).toString('utf8');
  let body: any = text;
  if (type.includes('spreadsheetml')) text = body = await xlsxText(data);
  else if (type.includes('json')) body = text ? JSON.parse(text) : undefined;
  return { status: res.status, body, text };
}

/** Session headers of a staff member, as the console sends them. */
export function staffHeaders(s: { cookie: string; csrf: string }): Record<string, string> {
  return { cookie: s.cookie, 'x-csrf-token': s.csrf };
}
