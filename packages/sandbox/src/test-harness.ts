import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { SandboxStore } from './store.js';

/** A simulator plugin on a real port for its tests: the vendor API by path, and its `/__sim` hooks. */
export interface PluginHarness {
  app: FastifyInstance;
  origin: string;
  base: string;
  store: SandboxStore;
  get(path: string, query?: Record<string, string>): Promise<any>;
  post(path: string, body: unknown, query?: Record<string, string>): Promise<any>;
  sim(path: string, body?: unknown, method?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Mounts `plugin` at `prefix` on 127.0.0.1 (a free port); `options` gets the plugin's absolute base URL. */
export async function mountForTest<O>(plugin: FastifyPluginAsync<O & { prefix?: string }>, prefix: string, store: SandboxStore, options: (baseUrl: () => string) => O): Promise<PluginHarness> {
  const app = Fastify();
  let origin = '';
  await app.register(plugin, { prefix, ...options(() => `${origin}${prefix}`) } as O & { prefix: string });
  await app.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const base = `${origin}${prefix}`;
  const url = (path: string, query: Record<string, string> = {}) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u;
  };
  return {
    app,
    origin,
    base,
    store,
    get: async (path, query) => (await fetch(url(path, query))).json(),
    post: async (path, body, query) => (await fetch(url(path, query), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json(),
    sim: async (path, body, method = 'POST') => {
      const res = await fetch(url(`/__sim${path}`), body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    close: () => app.close(),
  };
}
