import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CatalogService } from '../catalog/service.js';
import type { ActivityService } from './activity-service.js';
import type { CouponService } from './coupon-service.js';
import type { CouponCentre } from './centre.js';
import { activityUnitPrice } from './engine.js';
import { activityLabel } from './labels.js';

const security = [{ customer: [] }];

/** The claim centre, claim links, my coupons and a product's promotions. Mounted under /api/store/:shop. */
export const promotionStoreRoutes: FastifyPluginAsyncZod<{ coupons: CouponService; centre: CouponCentre; activities: ActivityService; catalog: CatalogService }> = async (app, d) => {
  const tags = ['storefront'];
  const centre = d.centre;

  app.get('/coupons', { schema: { tags, summary: 'Claim centre (领券中心): coupons anyone may claim now' } }, async (req) =>
    ({ items: await centre.list(shopOf(req).id, req.customer?.id ?? null) }));

  app.get('/coupons/:id', { schema: { tags, summary: 'One coupon, as its claim link shows it', params: z.object({ id: z.string() }) } }, async (req) =>
    centre.one(shopOf(req).id, req.params.id, req.customer?.id ?? null));

  app.post('/coupons/:id/claim', {
    schema: { tags, security, summary: 'Claim a coupon; send Idempotency-Key to retry safely', params: z.object({ id: z.string() }), headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough() },
  }, async (req, reply) => {
    const coupon = await d.coupons.claim(shopOf(req).id, customerOf(req).id, req.params.id, req.headers['idempotency-key'] as string | undefined);
    return reply.status(201).send(coupon);
  });

  app.get('/me/coupons', { schema: { tags, security, summary: 'My coupons by status, with counts', querystring: z.object({ status: z.enum(['unused', 'used', 'expired']).optional() }) } }, async (req) =>
    d.coupons.mine(shopOf(req).id, customerOf(req).id, req.query.status));

  app.get('/products/:id/promotions', { schema: { tags, summary: 'Activities and claimable coupons for a product', params: z.object({ id: z.string() }) } }, async (req) => {
    const shopId = shopOf(req).id;
    const product = await d.catalog.storeDetail(shopId, req.params.id);
    const acts = await d.activities.forProduct(shopId, { id: product.id, categoryId: product.categoryId });
    const limited = acts.find((a) => a.kind === 'limited_discount');
    const limitedView = limited && {
      activityId: limited.id,
      name: limited.name,
      startsAt: limited.startsAt.toISOString(),
      endsAt: limited.endsAt.toISOString(),
      running: limited.running,
      perCustomerLimit: (limited.rules as { perCustomerLimit: number }).perCustomerLimit,
      label: activityLabel(limited.kind, limited.rules),
      skus: product.skus.map((s) => {
        const items = (limited.rules as { items: { productId: string; skuId?: string; percentPaid?: number; priceFen?: number }[] }).items;
        const item = items.find((i) => i.skuId === s.id) ?? items.find((i) => i.productId === product.id && !i.skuId);
        return { skuId: s.id, priceFen: item ? activityUnitPrice(s.price, item) : s.price, originalFen: s.price };
      }),
    };
    const bundles = await Promise.all(
      acts.filter((a) => a.kind === 'bundle' && a.running).map(async (a) => {
        const rules = a.rules as { items: { productId: string; quantity: number }[]; priceFen: number };
        const items = await Promise.all(rules.items.map(async (it) => {
          const p = await d.catalog.storeDetail(shopId, it.productId).catch(() => null);
          return p && { productId: p.id, title: p.title, quantity: it.quantity, imageUrl: p.images[0] ?? null, minPriceFen: p.minPrice, skus: p.skus.map((s) => ({ skuId: s.id, specText: s.specText, priceFen: s.price, available: s.available })) };
        }));
        if (items.some((i) => i === null)) return null;
        return { activityId: a.id, name: a.name, priceFen: rules.priceFen, originalFen: items.reduce((s, i) => s + i!.minPriceFen * i!.quantity, 0), items };
      }),
    );
    return {
      limitedDiscount: limitedView ?? null,
      fullReductions: acts.filter((a) => a.kind === 'full_reduction' && a.running).map((a) => ({ activityId: a.id, name: a.name, label: activityLabel(a.kind, a.rules), endsAt: a.endsAt.toISOString() })),
      bundles: bundles.filter((b) => b !== null),
      coupons: await centre.forProduct(shopId, { id: product.id, categoryId: product.categoryId }, req.customer?.id ?? null),
    };
  });
};
