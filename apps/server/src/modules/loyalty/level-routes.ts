import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { MemberLevelsBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CustomersService } from '../customers/service.js';
import type { LevelService } from './level-service.js';

/** Member levels in the console. Mounted under /api/admin. */
export const levelAdminRoutes: FastifyPluginAsyncZod<{ levels: LevelService; customers: CustomersService }> = async (app, d) => {
  const tags = ['loyalty'];

  app.get('/members/levels', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Member levels: the rule and each level with its benefits' } }, async (req) => d.levels.settings(actorOf(req).shopId));

  app.put('/members/levels', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Set the level rule and the levels (customers are re-evaluated)', body: MemberLevelsBody } }, async (req) => {
    const { before, after } = await d.levels.save(actorOf(req), req.body);
    req.audit = { entity: 'member_levels', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/customers/:id/level', { config: { permission: 'customers:read' }, schema: { tags, summary: "A customer's level, progress to the next and level history", params: z.object({ id: z.uuid() }) } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    return d.levels.progress(shopId, req.params.id);
  });
};

/** My level and the way to the next. Mounted under /api/store/:shop. */
export const levelStoreRoutes: FastifyPluginAsyncZod<{ levels: LevelService }> = async (app, d) => {
  app.get('/me/level', { schema: { tags: ['storefront'], security: [{ customer: [] }], summary: 'My member level, the next level and how far it is' } }, async (req) =>
    d.levels.progress(shopOf(req).id, customerOf(req).id));
};
