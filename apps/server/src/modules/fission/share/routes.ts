import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ShareBody } from '@siyu/contracts';
import { customerOf, shopOf } from '../../../platform/http/store-scope.js';
import { AppError, notFound } from '../../../platform/errors.js';
import type { Fission } from '../index.js';
import { isShareTargetSource } from './posters.js';

/** Scenes as WeChat allows them (≤ 32 characters of its set); anything else is not one of ours. */
const Scene = z.string().min(1).max(32).regex(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/);

/** Mounted under /api/admin. Nothing yet: shares are made by customers. */
export const shareAdminRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (_app, _d) => {};

const security = [{ customer: [] }];

/** Share links, what a scene opens, and posters. Mounted under /api/store/:shop. */
export const shareStoreRoutes: FastifyPluginAsyncZod<{ fission: Fission }> = async (app, d) => {
  const tags = ['storefront'];
  const f = d.fission;
  wireShareTargets(f);

  app.post('/me/share', { schema: { tags, security, summary: 'Share a product, a group, a bargain or the shop: a short signed scene, its storefront link and poster', body: ShareBody } }, async (req) => {
    const shop = shopOf(req);
    return f.posters.share(shop, customerOf(req).id, req.body);
  });

  app.get('/scenes/:scene', { schema: { tags, summary: 'What a share scene opens and who shared it (404 unknown or forged, 410 expired)', params: z.object({ scene: Scene }) } }, async (req) =>
    f.posters.sceneView(shopOf(req).id, req.params.scene),
  );

  app.get('/posters/:file', {
    schema: { tags, summary: 'The share poster of a scene as PNG (750×1334; card=1: the 5:4 share card, 500×400)', params: z.object({ file: z.string().max(40) }), querystring: z.object({ card: z.stringbool().default(false) }) },
  }, async (req, reply) => {
    const m = /^(.+)\.png$/.exec(req.params.file);
    if (!m || !Scene.safeParse(m[1]).success) throw notFound('Scene', { field: 'scene' });
    const png = await f.posters.poster(shopOf(req), m[1], { card: req.query.card });
    return reply.header('content-type', 'image/png').header('cache-control', 'public, max-age=600').send(png);
  });
};

/**
 * Group and bargain shares are vouched for by their own services: a `shareTarget(shopId, id)` method when
 * the service has one, else its storefront view of the group / launch (404 there = not this shop's).
 */
export function wireShareTargets(f: Fission) {
  const groups = f.groupBuys;
  const bargains = f.bargains;
  f.posters.useTargets('group', isShareTargetSource(groups) ? groups : {
    shareTarget: (shopId, id) => orNull(async () => {
      const g = await groups.group(shopId, id);
      return { productId: g.productId, title: g.productTitle ?? '', imageUrl: g.imageUrl, priceFen: g.groupPriceFen };
    }),
  });
  f.posters.useTargets('bargain', isShareTargetSource(bargains) ? bargains : {
    shareTarget: (shopId, id) => orNull(async () => {
      const l = await bargains.launchView(shopId, id, null);
      return { productId: l.productId, title: l.productTitle, imageUrl: l.imageUrl, priceFen: l.floorPriceFen };
    }),
  });
}

async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof AppError && err.status === 404) return null;
    throw err;
  }
}
