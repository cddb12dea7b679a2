import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BargainBody } from '@siyu/contracts';
import { actorOf } from '../../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import type { Fission } from '../index.js';

const IdParams = z.object({ id: z.uuid() });
/** The storefront's anonymous device id (the tracker's anonymousId): one help per device and launch. */
const DeviceHeader = z.object({ 'x-device-id': z.string().trim().min(1).max(100).optional() }).passthrough();
const deviceOf = (headers: { 'x-device-id'?: string }) => headers['x-device-id'] || undefined;

/** Mounted under /api/admin. */
export const bargainAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const tags = ['bargain'];
  const bargains = fission.bargains;

  app.get('/bargains', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Bargains (砍价) with launches, successes, paid orders and helps' } }, async (req) => bargains.list(actorOf(req).shopId));

  app.post('/bargains', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'Create a bargain on one SKU: start and floor price, helpers needed, cut curve, buy mode, quota', body: BargainBody } }, async (req, reply) => {
    const after = await bargains.create(actorOf(req), req.body);
    req.audit = { entity: 'bargain', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.get('/bargains/:id', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'A bargain with its figures and latest launches', params: IdParams } }, async (req) => bargains.get(actorOf(req).shopId, req.params.id));

  app.post('/bargains/:id/end', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'End a bargain now: no more launches or helps; ongoing launches expire', params: IdParams } }, async (req) => {
    const after = await bargains.end(actorOf(req), req.params.id);
    req.audit = { entity: 'bargain', entityId: after.id, after: { status: after.status } };
    return after;
  });
};

const security = [{ customer: [] }];

/** Mounted under /api/store/:shop. */
export const bargainStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission }) => {
  const tags = ['storefront'];
  const bargains = fission.bargains;

  app.get('/products/:id/bargain', { schema: { tags, summary: 'The running or next bargain of a product', params: IdParams } }, async (req) => bargains.forProduct(shopOf(req).id, req.params.id));

  app.post('/bargains/:id/launches', { schema: { tags, security, summary: 'Launch a bargain (201), or get my live launch of it (200)', params: IdParams, headers: DeviceHeader } }, async (req, reply) => {
    const { launch, created } = await bargains.launch(shopOf(req).id, customerOf(req).id, req.params.id, deviceOf(req.headers));
    return reply.status(created ? 201 : 200).send(launch);
  });

  app.get('/bargain-launches/:id', { schema: { tags, summary: 'A bargain launch: price, helps, what the viewer may do (public; signed-in customer optional)', params: IdParams } }, async (req) =>
    bargains.launchView(shopOf(req).id, req.params.id, req.customer?.id ?? null));

  app.post('/bargain-launches/:id/helps', { schema: { tags, security, summary: 'Help a friend’s bargain: cut its price once', params: IdParams, headers: DeviceHeader } }, async (req) =>
    bargains.help(shopOf(req).id, customerOf(req).id, req.params.id, deviceOf(req.headers)));

  app.get('/me/bargain-launches', { schema: { tags, security, summary: 'My bargain launches' } }, async (req) => bargains.mine(shopOf(req).id, customerOf(req).id));
};
