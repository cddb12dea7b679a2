import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PointsAdjustBody, PointsMallItemBody, PointsRulesBody, PointsShareBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CustomersService } from '../customers/service.js';
import type { PointsService } from './points-service.js';
import type { PointsMallService } from './mall-service.js';
import type { ShareService } from './share-service.js';

const IdParams = z.object({ id: z.uuid() });
const LedgerQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), beforeId: z.coerce.number().int().positive().optional() });

/** Points rules and a customer's points in the console. Mounted under /api/admin. */
export const loyaltyAdminRoutes: FastifyPluginAsyncZod<{ points: PointsService; mall: PointsMallService; customers: CustomersService }> = async (app, d) => {
  const tags = ['loyalty'];

  app.get('/points/rules', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Points rules: earning, check-in, deduction, expiry' } }, async (req) => d.points.rules(actorOf(req).shopId));

  app.put('/points/rules', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Set the points rules', body: PointsRulesBody } }, async (req) => {
    const { before, after } = await d.points.saveRules(actorOf(req), req.body);
    req.audit = { entity: 'points_rules', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/points/mall', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Points-mall items (积分商城)' } }, async (req) => d.mall.list(actorOf(req).shopId));

  app.post('/points/mall', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Add a points-mall item: a coupon for points', body: PointsMallItemBody } }, async (req, reply) => {
    const { after } = await d.mall.save(actorOf(req), null, req.body);
    req.audit = { entity: 'points_mall_item', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.put('/points/mall/:id', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Change a points-mall item', params: IdParams, body: PointsMallItemBody } }, async (req) => {
    const { before, after } = await d.mall.save(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'points_mall_item', entityId: after.id, before, after };
    return after;
  });

  app.get('/customers/:id/points', { config: { permission: 'customers:read' }, schema: { tags, summary: "A customer's points: balance, expiring soon, ledger", params: IdParams, querystring: LedgerQuery } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    return d.points.summary(shopId, req.params.id, req.query);
  });

  app.post('/customers/:id/points/adjust', {
    config: { permission: 'loyalty:manage' },
    schema: { tags, summary: 'Adjust a customer’s points by hand (never below 0); send Idempotency-Key to retry safely', params: IdParams, body: PointsAdjustBody, headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough() },
  }, async (req) => {
    const actor = actorOf(req);
    await d.customers.getCustomer(actor.shopId, req.params.id);
    const balance = await d.points.adjust(actor, req.params.id, req.body.delta, req.body.reason, (req.headers['idempotency-key'] as string | undefined) ?? randomUUID());
    req.audit = { entity: 'points', entityId: req.params.id, after: { delta: req.body.delta, reason: req.body.reason, balance } };
    return { balance };
  });
};

const security = [{ customer: [] }];

/** My points and daily check-in. Mounted under /api/store/:shop. */
export const loyaltyStoreRoutes: FastifyPluginAsyncZod<{ points: PointsService; mall: PointsMallService; shares: ShareService }> = async (app, d) => {
  const tags = ['storefront'];

  app.get('/me/points', { schema: { tags, security, summary: 'My points: balance, expiring soon, ledger, how to earn and use', querystring: LedgerQuery } }, async (req) => {
    const shopId = shopOf(req).id;
    const rules = await d.points.rules(shopId);
    return {
      ...(await d.points.summary(shopId, customerOf(req).id, req.query)),
      rules: { enabled: rules.enabled, earnPerYuan: rules.earnPerYuan, pointsPerYuan: rules.pointsPerYuan, maxDeductPercent: rules.maxDeductPercent, expiry: rules.expiry, expiryDays: rules.expiryDays, sharePoints: rules.sharePoints, shareDailyCap: rules.shareDailyCap, reviewPoints: rules.reviewPoints, reviewMinChars: rules.reviewMinChars },
    };
  });

  app.post('/me/check-in', { schema: { tags, security, summary: "Today's check-in (签到); 409 ALREADY_CHECKED_IN on a second one" } }, async (req, reply) =>
    reply.status(201).send(await d.points.checkIn(shopOf(req).id, customerOf(req).id)));

  app.get('/me/check-ins', { schema: { tags, security, summary: 'Check-ins of a month, the streak and the rules', querystring: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM') }) } }, async (req) =>
    d.points.checkins(shopOf(req).id, customerOf(req).id, req.query.month));

  app.get('/points/mall', { schema: { tags, summary: 'What points can buy here (积分商城)' } }, async (req) => d.mall.list(shopOf(req).id, { onSaleOnly: true }));

  app.post('/points/mall/:id/redeem', {
    schema: { tags, security, summary: 'Redeem an item with points; send Idempotency-Key to retry safely', params: z.object({ id: z.string() }), headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough() },
  }, async (req, reply) => reply.status(201).send(await d.mall.redeem(shopOf(req).id, customerOf(req).id, req.params.id, req.headers['idempotency-key'] as string | undefined)));

  app.get('/points/share', { schema: { tags, summary: 'Points for sharing: per share, the daily cap and (signed in) how many I earned today' } }, async (req) =>
    d.shares.today(shopOf(req).id, req.customer?.id ?? null));

  app.post('/points/share', { schema: { tags, security, summary: 'Report a share (分享得积分): points up to the daily cap, each target once a day', body: PointsShareBody } }, async (req) =>
    d.shares.share(shopOf(req).id, customerOf(req).id, req.body));
};
