/**
 * HTTP for setup and checks (sign-ins, admin calls, reading results): node:http with keep-alive. The load
 * itself goes through load.ts, which costs a fraction of node:http's CPU per request.
 */
import http from 'node:http';

export interface Res {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export function request(agent: http.Agent, base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const url = new URL(p, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { 'accept-language': 'en', ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request whose status must be one of `expect`; answers the parsed body. */
export async function json(agent: http.Agent, base: string, method: string, p: string, body?: unknown, headers?: Record<string, string>, expect: number[] = [200, 201]) {
  const res = await request(agent, base, method, p, body, headers);
  if (!expect.includes(res.status)) throw new Error(`${method} ${p} answered ${res.status}: ${res.text.slice(0, 500)}`);
  return res.text ? JSON.parse(res.text) : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
