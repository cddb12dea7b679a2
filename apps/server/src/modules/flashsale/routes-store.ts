import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { FlashSaleAttemptInput } from '@siyu/contracts';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { FlashSalePurchase } from './purchase.js';
import type { FlashSaleStorefront } from './storefront.js';

const security = [{ customer: [] }];

/** The storefront's flash-sale page, 提醒我, 立即抢购 and its result. Mounted under /api/store/:shop. */
export const flashSaleStoreRoutes: FastifyPluginAsyncZod<{ purchase: FlashSalePurchase; storefront: FlashSaleStorefront }> = async (app, d) => {
  const tags = ['storefront'];
  const SessionParams = z.object({ sessionId: z.uuid() });

  app.get('/flash-sales', { schema: { tags, summary: 'Flash-sale sessions (tabs) with countdowns, prices, what is left and whether I asked to be reminded' } }, async (req) =>
    d.storefront.sessions(shopOf(req).id, req.customer?.id ?? null));

  app.get('/flash-sales/sessions/:sessionId', { schema: { tags, summary: 'One session with its countdown', params: SessionParams } }, async (req) =>
    d.storefront.session(shopOf(req).id, req.params.sessionId, req.customer?.id ?? null));

  app.post('/flash-sales/sessions/:sessionId/remind', { schema: { tags, security, summary: '提醒我: be reminded before the session starts', params: SessionParams } }, async (req, reply) =>
    reply.status(201).send(await d.storefront.remind(shopOf(req).id, customerOf(req).id, req.params.sessionId)));

  app.delete('/flash-sales/sessions/:sessionId/remind', { schema: { tags, security, summary: 'Cancel the reminder', params: SessionParams } }, async (req) =>
    d.storefront.unremind(shopOf(req).id, customerOf(req).id, req.params.sessionId));

  app.post('/flash-sales/attempts', {
    schema: { tags, security, summary: '立即抢购: accepted (202) means the units are yours; poll the attempt for the order', body: FlashSaleAttemptInput },
  }, async (req, reply) => {
    const customer = customerOf(req);
    return reply.status(202).send(await d.purchase.attempt(shopOf(req).id, customer.id, req.ip, req.body));
  });

  app.get('/flash-sales/attempts/:id', { schema: { tags, security, summary: 'An attempt: pending, ordered (with the order id, pay it as any order) or failed (with a code)', params: z.object({ id: z.uuid() }) } }, async (req) =>
    d.purchase.result(shopOf(req).id, customerOf(req).id, req.params.id));
};
