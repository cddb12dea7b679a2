import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AdminReviewListQuery, MyReviewsQuery, ProductReviewsQuery, ReviewCreateBody, ReviewModerateBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { ReviewService } from './service.js';

/** Reviews in the console: the list and moderation. Mounted under /api/admin. */
export const reviewAdminRoutes: FastifyPluginAsyncZod<{ reviews: ReviewService }> = async (app, d) => {
  const tags = ['reviews'];

  app.get('/reviews', { config: { permission: 'customers:read' }, schema: { tags, summary: 'Product reviews, newest first; filter by rating, product, status', querystring: AdminReviewListQuery } }, async (req) =>
    d.reviews.list(actorOf(req).shopId, req.query));

  app.patch('/reviews/:id', {
    config: { permission: 'reviews:moderate' },
    schema: { tags, summary: 'Hide a review from the product page, or show it again', params: z.object({ id: z.uuid() }), body: ReviewModerateBody },
  }, async (req) => {
    const { before, after } = await d.reviews.moderate(actorOf(req), req.params.id, req.body.status);
    req.audit = { entity: 'product_review', entityId: after.id, before, after };
    return after;
  });
};

const security = [{ customer: [] }];

/** Writing and reading reviews on the storefront. Mounted under /api/store/:shop. */
export const reviewStoreRoutes: FastifyPluginAsyncZod<{ reviews: ReviewService }> = async (app, d) => {
  const tags = ['storefront'];

  app.post('/reviews', { schema: { tags, security, summary: 'Review a line of my completed order (once; 409 REVIEW_EXISTS after)', body: ReviewCreateBody } }, async (req, reply) =>
    reply.status(201).send(await d.reviews.create(shopOf(req).id, customerOf(req).id, req.body)));

  app.get('/me/reviews', { schema: { tags, security, summary: 'My reviews, of one order or all', querystring: MyReviewsQuery } }, async (req) =>
    d.reviews.mine(shopOf(req).id, customerOf(req).id, req.query.orderId));

  app.get('/products/:id/reviews', { schema: { tags, summary: "A product's reviews: count, average, per star, newest first", params: z.object({ id: z.string() }), querystring: ProductReviewsQuery } }, async (req) =>
    d.reviews.forProduct(shopOf(req).id, req.params.id, req.query));
};
