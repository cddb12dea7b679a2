import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupBuyBody, GroupBuyGroupsQuery } from '@siyu/contracts';
import { actorOf } from '../../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import type { Fission } from '../index.js';

const IdParams = z.object({ id: z.uuid() });

/** 拼团 in the console. Mounted under /api/admin. */
export const groupbuyAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission: f }) => {
  const tags = ['group buy'];
  app.get('/group-buys', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'Group buys (拼团) with groups open / succeeded / failed and money taken' } }, async (req) => f.groupBuys.list(actorOf(req).shopId));

  app.post('/group-buys', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'Create a group buy for a product', body: GroupBuyBody } }, async (req, reply) => {
    const after = await f.groupBuys.create(actorOf(req), req.body);
    req.audit = { entity: 'group_buy', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.get('/group-buys/:id', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'A group buy with 30 days of groups opened, succeeded and failed', params: IdParams } }, async (req) => f.groupBuys.get(actorOf(req).shopId, req.params.id));

  app.get('/group-buys/:id/groups', { config: { permission: 'promotions:read' }, schema: { tags, summary: 'The groups of a group buy with their members', params: IdParams, querystring: GroupBuyGroupsQuery } }, async (req) =>
    f.groupBuys.groups(actorOf(req).shopId, req.params.id, req.query));

  app.post('/group-buys/:id/end', { config: { permission: 'promotions:write' }, schema: { tags, summary: 'End a group buy now: no new groups; open groups run to their time', params: IdParams } }, async (req) => {
    const after = await f.groupBuys.end(actorOf(req), req.params.id);
    req.audit = { entity: 'group_buy', entityId: after.id, after: { status: after.status } };
    return after;
  });
};

const security = [{ customer: [] }];

/** 拼团 on the storefront. Mounted under /api/store/:shop. */
export const groupbuyStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, { fission: f }) => {
  const tags = ['storefront'];
  app.get('/products/:id/group-buy', { schema: { tags, summary: 'The group buy of a product and open groups to join', params: IdParams } }, async (req) =>
    f.groupBuys.forProduct(shopOf(req).id, req.params.id, req.customer?.id));

  app.get('/group-buys/groups/:id', { schema: { tags, summary: 'A group: members, seats left (系统补位 seats counted apart), time left', params: IdParams } }, async (req) =>
    f.groupBuys.group(shopOf(req).id, req.params.id, req.customer?.id));

  app.get('/me/group-buys', { schema: { tags, security, summary: 'My groups' } }, async (req) => f.groupBuys.mine(shopOf(req).id, customerOf(req).id));
};
