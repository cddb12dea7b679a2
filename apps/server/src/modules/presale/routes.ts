import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PresaleBody, PresaleDepositBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { PresaleService } from './service.js';

const IdParams = z.object({ id: z.uuid() });
const KeyHeader = z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough();

/** Deposit pre-sales in the console. Mounted under /api/admin. */
export const presaleAdminRoutes: FastifyPluginAsyncZod<{ presales: PresaleService }> = async (app, d) => {
  const tags = ['pre-sale'];

  app.get('/presales', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Deposit pre-sales (定金预售) with deposits, balances paid and forfeited' } }, async (req) => d.presales.list(actorOf(req).shopId));

  app.post('/presales', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'Create a deposit pre-sale for a product', body: PresaleBody } }, async (req, reply) => {
    const after = await d.presales.create(actorOf(req), req.body);
    req.audit = { entity: 'presale', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.get('/presales/:id', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'A pre-sale and its customers’ deposits', params: IdParams } }, async (req) => d.presales.get(actorOf(req).shopId, req.params.id));

  app.post('/presales/:id/end', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'End a pre-sale now: unpaid balances are settled as at the end of the window', params: IdParams } }, async (req) => {
    const after = await d.presales.end(actorOf(req), req.params.id);
    req.audit = { entity: 'presale', entityId: after.id, after: { status: after.status } };
    return after;
  });
};

const security = [{ customer: [] }];

/** Pre-sale on the product page, deposits and my pre-sale orders. Mounted under /api/store/:shop. */
export const presaleStoreRoutes: FastifyPluginAsyncZod<{ presales: PresaleService }> = async (app, d) => {
  const tags = ['storefront'];

  app.get('/products/:id/presale', { schema: { tags, summary: 'The pre-sale of a product: both phases, deposits per SKU, server time', params: IdParams } }, async (req) => d.presales.forProduct(shopOf(req).id, req.params.id));

  app.post('/presales/:id/deposits', { schema: { tags, security, summary: 'Pay a deposit (sets the units aside); opens WeChat Pay. Send Idempotency-Key so a double tap pays once', params: IdParams, body: PresaleDepositBody, headers: KeyHeader } }, async (req, reply) =>
    reply.status(201).send(await d.presales.startDeposit(shopOf(req).id, customerOf(req).id, req.params.id, req.body, req.headers['idempotency-key'] as string | undefined)));

  app.get('/me/presale-orders', { schema: { tags, security, summary: 'My pre-sale orders: deposits, what is due and when' } }, async (req) => ({ items: await d.presales.mine(shopOf(req).id, customerOf(req).id) }));

  app.get('/me/presale-orders/:id', { schema: { tags, security, summary: 'A pre-sale order; sync=true asks WeChat Pay about the deposit first', params: IdParams, querystring: z.object({ sync: z.stringbool().default(false) }) } }, async (req) =>
    d.presales.one(shopOf(req).id, customerOf(req).id, req.params.id, { sync: req.query.sync }));

  app.post('/me/presale-orders/:id/cancel', { schema: { tags, security, summary: 'Give up a refundable deposit before paying the balance (money back)', params: IdParams } }, async (req) =>
    d.presales.cancelDeposit(shopOf(req).id, customerOf(req).id, req.params.id));
};
