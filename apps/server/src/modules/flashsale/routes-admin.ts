import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { FlashSaleInput, FlashSaleListQuery } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import type { FlashSaleService } from './service.js';
import type { FlashSaleReconciler } from './reconcile.js';
import type { FlashSalePurchase } from './purchase.js';
import { WARM_AHEAD_MS } from './reconcile.js';

const IdParams = z.object({ id: z.uuid() });

/** 秒杀 in the console: drafts, publish, end, and the live figures. Mounted under /api/admin. */
export const flashSaleAdminRoutes: FastifyPluginAsyncZod<{ sales: FlashSaleService; reconciler: FlashSaleReconciler; purchase: FlashSalePurchase }> = async (app, d) => {
  const tags = ['flash sales'];
  const read = { permission: 'promotions:read' as const };
  const write = { permission: 'promotions:write' as const };

  app.get('/flash-sales', { config: read, schema: { tags, summary: 'Flash sales with their sessions', querystring: FlashSaleListQuery } }, async (req) =>
    d.sales.list(actorOf(req).shopId, req.query));

  app.post('/flash-sales', { config: write, schema: { tags, summary: 'Create a flash sale (a draft: stock is set aside when it is published)', body: FlashSaleInput } }, async (req, reply) => {
    const created = await d.sales.create(actorOf(req), req.body);
    req.audit = { entity: 'flash_sale', entityId: created.id, after: created };
    return reply.status(201).send(await d.sales.detail(created.shopId, created.id));
  });

  app.get('/flash-sales/:id', { config: read, schema: { tags, summary: 'A flash sale: sessions, items, sold and remaining', params: IdParams } }, async (req) =>
    d.sales.detail(actorOf(req).shopId, req.params.id));

  app.put('/flash-sales/:id', { config: write, schema: { tags, summary: 'Change a draft flash sale', params: IdParams, body: FlashSaleInput } }, async (req) => {
    const { before, after } = await d.sales.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'flash_sale', entityId: after.id, before, after };
    return d.sales.detail(after.shopId, after.id);
  });

  app.delete('/flash-sales/:id', { config: write, schema: { tags, summary: 'Delete a draft flash sale', params: IdParams } }, async (req) => {
    const before = await d.sales.remove(actorOf(req), req.params.id);
    req.audit = { entity: 'flash_sale', entityId: before.id, before };
    return { id: before.id, deleted: true };
  });

  app.post('/flash-sales/:id/publish', { config: write, schema: { tags, summary: 'Publish: take the activity stock out of normal stock and open the sessions at their times', params: IdParams } }, async (req) => {
    const { before, after } = await d.sales.publish(actorOf(req), req.params.id);
    req.audit = { entity: 'flash_sale', entityId: after.id, before, after };
    const soon = Date.now() + WARM_AHEAD_MS;
    for (const s of after.sessions) if (s.startsAt.getTime() <= soon) await d.reconciler.warm(s.id);
    return d.sales.detail(after.shopId, after.id);
  });

  app.post('/flash-sales/:id/end', { config: write, schema: { tags, summary: 'End now: no more attempts; orders being written are finished, unsold units go back to stock', params: IdParams } }, async (req) => {
    const actor = actorOf(req);
    const before = await d.sales.markEnded(actor, req.params.id);
    d.purchase.forget();
    // Settling needs every accepted attempt written; if a batch is still running elsewhere the scheduled round finishes it.
    await d.reconciler.settleSale(req.params.id).catch((err) => req.log.warn({ err }, 'flash sale: settling at end deferred'));
    const after = await d.sales.detail(actor.shopId, req.params.id);
    req.audit = { entity: 'flash_sale', entityId: after.id, before, after };
    return after;
  });

  app.get('/flash-sales/:id/live', { config: read, schema: { tags, summary: 'Live figures: sold, remaining, orders/s over the last minute, paid orders and payment rate', params: IdParams } }, async (req) =>
    d.sales.live(actorOf(req).shopId, req.params.id));
};
