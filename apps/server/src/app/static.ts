import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

const apps = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface SpaOptions {
  /** Built app folder (Vite's dist). */
  dist: string;
  /** Where the hashed assets are served from, and the folder under dist that holds them. */
  assetsPrefix: string;
  assetsDir: string;
  /** Route patterns that answer with index.html (client-side routing). */
  pages: string[];
  name: string;
}

/**
 * Serves a built single-page app: hashed assets cached for a year, index.html never cached so a deploy
 * shows at once. Without a build, pages explain how to make one instead of a bare 404.
 */
async function serveSpa(app: FastifyInstance, o: SpaOptions) {
  const index = path.join(o.dist, 'index.html');
  if (!fs.existsSync(index)) {
    for (const page of o.pages) {
      app.get(page, { schema: { hide: true } }, async (_req, reply) =>
        reply.status(503).type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><title>${o.name}</title><p>${o.name} 尚未构建 (not built). Run <code>npm run build --workspaces --if-present</code>.</p>`),
      );
    }
    return;
  }
  await app.register(fastifyStatic, {
    root: path.join(o.dist, o.assetsDir),
    prefix: o.assetsPrefix,
    decorateReply: false,
    index: false,
    wildcard: true,
    // This @fastify/static passes the Fastify reply, not the raw response.
    setHeaders(reply: unknown, file: string) {
      (reply as FastifyReply).header('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  const html = fs.readFileSync(index);
  const sendIndex = (reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  for (const page of o.pages) app.get(page, { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));
}

export async function serveApps(app: FastifyInstance) {
  // The console's assets live under /admin/ itself (Vite base '/admin/'); every other /admin path is a page.
  const adminDist = path.join(apps, 'admin/dist');
  await app.register(async (scope) => {
    await serveSpa(scope, { dist: adminDist, assetsPrefix: '/admin/assets/', assetsDir: 'assets', pages: ['/admin', '/admin/', '/admin/*'], name: '商家后台 Merchant console' });
  });
  // One storefront build serves every shop: /s/<slug>/… are pages, assets sit under /shop-assets/.
  const shopDist = path.join(apps, 'shop/dist');
  await app.register(async (scope) => {
    await serveSpa(scope, { dist: shopDist, assetsPrefix: '/shop-assets/', assetsDir: '.', pages: ['/s/:shop', '/s/:shop/', '/s/:shop/*'], name: '店铺 Storefront' });
  });
}
