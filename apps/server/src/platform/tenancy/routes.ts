import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../http/admin-auth.js';
import { shopOf } from '../http/store-scope.js';
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

  app.put('/shop/wechat', {
    config: { permission: 'settings:write' },
    schema: {
      tags,
      summary: 'The WeChat official account customers sign in with (appid / secret)',
      body: z.object({ appId: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, 'wx + 16 letters or digits'), appSecret: z.string().min(16).max(64) }).strict(),
    },
  }, async (req) => {
    const { before, after } = await tenancy.updateShop(actorOf(req), { settings: { wechat: req.body } });
    req.audit = { entity: 'shop', entityId: after.id, before, after };
    return after;
  });

  app.put('/shop/wechat-pay', {
    config: { permission: 'settings:write' },
    schema: {
      tags,
      summary: 'WeChat Pay v3 merchant account (mchid, API certificate serial and key, APIv3 key, platform keys)',
      body: z
        .object({
          mchId: z.string().regex(/^\d{8,12}$/, '8–12 digits'),
          appId: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, 'wx + 16 letters or digits'),
          serialNo: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'hex serial number'),
          privateKeyPem: z.string().includes('PRIVATE KEY', { message: 'a PEM private key' }).max(10_000),
          apiV3Key: z.string().length(32, 'exactly 32 characters'),
          platformKeys: z.record(z.string().min(8).max(80), z.string().max(10_000).refine((v) => v.includes('PUBLIC KEY') || v.includes('CERTIFICATE'), 'a PEM public key or certificate')).refine((r) => Object.keys(r).length > 0, 'at least one key'),
        })
        .strict(),
    },
  }, async (req) => {
    const { before, after } = await tenancy.updateShop(actorOf(req), { settings: { wechatPay: req.body } });
    req.audit = { entity: 'shop', entityId: after.id, before, after };
    return after;
  });

  app.get('/audit-log', {
    config: { permission: 'audit:read' },
    schema: { tags, summary: 'Audit log of staff writes, newest first', querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), beforeId: z.coerce.number().int().positive().optional() }) },
  }, async (req) => ({ items: await tenancy.listAudit(actorOf(req).shopId, req.query) }));
};

/** What a storefront may know about the shop it is in. Mounted under /api/store/:shop. */
export const tenancyStoreRoutes: FastifyPluginAsyncZod<{ tenancy: TenancyService }> = async (app, { tenancy }) => {
  app.get('/shop', { schema: { tags: ['storefront'], summary: 'The shop this storefront belongs to: name, logo, service phone, and whether it is suspended (with the reason when public)' } }, async (req) => {
    // The storefront scope has it from the shop cache: every page asks, none costs a query.
    const { slug, name, logoUrl, servicePhone, status, suspensionReason } = shopOf(req);
    return { slug, name, logoUrl, servicePhone, status, suspensionReason };
  });
};
