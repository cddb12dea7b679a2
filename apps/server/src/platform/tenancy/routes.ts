import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../http/admin-auth.js';
import { publicShop, type TenancyService } from './service.js';

/** The shop's own settings and its audit log. Mounted under /api/admin. */
export const tenancyRoutes: FastifyPluginAsyncZod<{ tenancy: TenancyService }> = async (app, { tenancy }) => {
  const tags = ['shop'];

  app.get('/shop', { config: { permission: 'self:read' }, schema: { tags, summary: 'The signed-in shop' } }, async (req) =>
    publicShop(await tenancy.getShop(actorOf(req).shopId)),
  );

  app.patch('/shop', {
    config: { permission: 'settings:write' },
    schema: {
      tags,
      summary: 'Change shop name, logo and settings',
      body: z.object({
        name: z.string().trim().min(1).max(60).optional(),
        logoUrl: z.string().max(500).nullable().optional(),
        settings: z
          .object({
            unpaidTimeoutMinutes: z.number().int().min(5).max(7 * 24 * 60).optional(),
            autoCompleteDays: z.number().int().min(1).max(60).optional(),
            servicePhone: z.string().max(30).optional(),
          })
          .strict()
          .optional(),
      }),
    },
  }, async (req) => {
    const { before, after } = await tenancy.updateShop(actorOf(req), req.body);
    req.audit = { entity: 'shop', entityId: after.id, before, after };
    return after;
  });

  app.get('/audit-log', {
    config: { permission: 'audit:read' },
    schema: { tags, summary: 'Audit log of staff writes, newest first', querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), beforeId: z.coerce.number().int().positive().optional() }) },
  }, async (req) => ({ items: await tenancy.listAudit(actorOf(req).shopId, req.query) }));
};
