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

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Storefront catalog, public. Mounted under /api/store/:shop. The answers are the same for every
 * shopper, signed in or not, and come from the storefront cache already serialized: Fastify sends the
 * string as it is (no response schema, no JSON.stringify per request).
 */
export const catalogStoreRoutes: FastifyPluginAsyncZod<{ catalog: CatalogService; categories: CategoryService }> = async (app, { catalog, categories }) => {
  const tags = ['storefront'];

  app.get('/categories', { schema: { tags, summary: 'Category tree' } }, async (req, reply) =>
    reply.type(JSON_TYPE).send(await catalog.storefront.categoriesJson(shopOf(req).id, categories)),
  );

  app.get('/products', { schema: { tags, summary: 'Products on sale: search, category, sort, pages', querystring: StoreProductListQuery } }, async (req, reply) =>
    reply.type(JSON_TYPE).send(await catalog.storefront.listJson(shopOf(req).id, req.query)),
  );

  app.get('/products/:id', { schema: { tags, summary: 'A product on sale with its SKUs and stock state', params: z.object({ id: z.string() }) } }, async (req, reply) =>
    reply.type(JSON_TYPE).send(await catalog.storefront.detailJson(shopOf(req).id, req.params.id)),
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
