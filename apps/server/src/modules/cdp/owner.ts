import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Logger } from '../../platform/logger.js';
import type { AnalyticsEngine } from './engine/types.js';

/**
 * DuckDB lets one process open its file. In scaled mode that is the worker that loads events; serve
 * processes send their analyses to it over this small internal listener, signed with SESSION_SECRET
 * (the listener should be bound to a private address all the same).
 */
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export async function serveAnalytics(engine: AnalyticsEngine, address: string, secret: string, log: Logger): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/query') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const given = Buffer.from(String(req.headers['x-siyu-signature'] ?? ''), 'utf8');
      const want = Buffer.from(sign(secret, body), 'utf8');
      if (given.length !== want.length || !timingSafeEqual(given, want)) return void res.writeHead(401).end();
      const { sql, params } = JSON.parse(body) as { sql: string; params: Record<string, string | number> };
      engine.query(sql, params).then(
        (rows) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows)),
        (err: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: err.message })),
      );
    });
  });
  const at = address.lastIndexOf(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(at + 1)), address.slice(0, at).replace(/^\[|\]$/g, ''), () => resolve());
  });
  log.info({ address }, 'analytics owner answers other processes here');
  return server;
}

/** The engine as a serve-only process sees it: reads go to the owner; loading is the owner's job. */
export function remoteEngine(ownerUrl: string, secret: string, dialect: AnalyticsEngine['dialect']): AnalyticsEngine {
  const refuse = () => Promise.reject(new Error('only the owning process loads events'));
  return {
    dialect,
    init: () => Promise.resolve(),
    loadedIds: refuse,
    append: refuse,
    reassign: refuse,
    async query<T>(sql: string, params: Record<string, string | number>) {
      const body = JSON.stringify({ sql, params });
      const res = await fetch(new URL('/query', ownerUrl), { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-siyu-signature': sign(secret, body) } });
      if (!res.ok) throw new Error(`analytics owner answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T[];
    },
    close: () => Promise.resolve(),
  };
}
