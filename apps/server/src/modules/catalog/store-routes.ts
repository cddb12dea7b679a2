import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { StoreProductListQuery } from '@siyu/contracts';
import { shopOf } from '../../platform/http/store-scope.js';
import { notFound } from '../../platform/errors.js';
import { errorBody } from '../../platform/http/error-handler.js';
import type { CategoryService } from './categories.js';
import type { MediaService } from './media.js';
import type { CatalogService } from './service.js';

/** Storefront catalog, public. Mounted under /api/store/:shop. */
export const catalogStoreRoutes: FastifyPluginAsyncZod<{ catalog: CatalogService; categories: CategoryService }> = async (app, { catalog, categories }) => {
  const tags = ['storefront'];

  app.get('/categories', { schema: { tags, summary: 'Category tree' } }, async (req) => {
    const strip = (n: Awaited<ReturnType<CategoryService['tree']>>[number]): unknown => ({
      id: n.id,
      name: n.name,
      imageUrl: n.imageUrl,
      children: n.children.map(strip),
    });
    return { items: (await categories.tree(shopOf(req).id)).map(strip) };
  });

  app.get('/products', { schema: { tags, summary: 'Products on sale: search, category, sort, pages', querystring: StoreProductListQuery } }, async (req) =>
    catalog.storeList(shopOf(req).id, req.query),
  );

  app.get('/products/:id', { schema: { tags, summary: 'A product on sale with its SKUs and stock state', params: z.object({ id: z.string() }) } }, async (req) =>
    catalog.storeDetail(shopOf(req).id, req.params.id),
  );
};

/** Uploaded images, public: GET /media/<key>. Keys are random, so a URL is only known to whoever was given it. */
export function mediaPublicRoutes(app: FastifyInstance, media: MediaService) {
  app.get('/media/*', { schema: { hide: true } }, async (req, reply) => {
    const key = (req.params as { '*': string })['*'];
    const file = await media.read(key);
    if (!file) return reply.status(404).send(errorBody(req, 'NOT_FOUND', notFound('File').message));
    return reply.header('content-type', file.contentType).header('cache-control', 'public, max-age=31536000, immutable').send(file.data);
  });
}
