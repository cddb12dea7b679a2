import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ActivityBody, ActivityListQuery, COUPON_STATUSES, CouponIssueBody, CouponListQuery, CouponPackBody, CouponTemplateBody, CouponTemplatePatch, GiftRuleBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import type { ActivityService } from './activity-service.js';
import type { CouponBatchService } from './batch-service.js';
import type { CouponService } from './coupon-service.js';
import type { GiftService } from './gift-service.js';
import type { CustomersService } from '../customers/service.js';

export interface PromotionRouteDeps {
  coupons: CouponService;
  batches: CouponBatchService;
  gifts: GiftService;
  activities: ActivityService;
  customers: CustomersService;
}

const IdParams = z.object({ id: z.uuid() });
const StatusAction = z.object({ id: z.uuid(), action: z.enum(['pause', 'resume', 'end']) });
const NEXT_STATUS = { pause: 'paused', resume: 'active', end: 'ended' } as const;

/** Coupons, packs, gift rules and activities in the console. Mounted under /api/admin. */
export const promotionAdminRoutes: FastifyPluginAsyncZod<PromotionRouteDeps> = async (app, d) => {
  const tags = ['promotions'];
  const read = { permission: 'promotions:read' as const };
  const write = { permission: 'promotions:write' as const };

  app.get('/coupons', { config: read, schema: { tags, summary: 'Coupon templates with their statistics', querystring: CouponListQuery } }, async (req) =>
    d.coupons.list(actorOf(req).shopId, req.query));

  app.post('/coupons', { config: write, schema: { tags, summary: 'Create a coupon template (满减, 折扣, 无门槛, 兑换券)', body: CouponTemplateBody } }, async (req, reply) => {
    const created = await d.coupons.createTemplate(actorOf(req), req.body);
    req.audit = { entity: 'coupon_template', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.get('/coupons/:id', { config: read, schema: { tags, summary: 'A coupon template with its claim link and statistics', params: IdParams } }, async (req) =>
    d.coupons.get(actorOf(req).shopId, req.params.id));

  app.patch('/coupons/:id', { config: write, schema: { tags, summary: 'Change a coupon template (value fields are frozen once issued)', params: IdParams, body: CouponTemplatePatch } }, async (req) => {
    const { before, after } = await d.coupons.updateTemplate(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'coupon_template', entityId: after.id, before, after };
    return after;
  });

  app.post('/coupons/:id/:action', { config: write, schema: { tags, summary: 'Pause, resume or end a coupon', params: StatusAction } }, async (req) => {
    const { before, after } = await d.coupons.setStatus(actorOf(req), req.params.id, NEXT_STATUS[req.params.action]);
    req.audit = { entity: 'coupon_template', entityId: after.id, before, after };
    return after;
  });

  app.get('/coupons/:id/coupons', {
    config: read,
    schema: { tags, summary: 'Coupons issued from a template', params: IdParams, querystring: z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20), status: z.enum(COUPON_STATUSES).optional() }) },
  }, async (req) => d.coupons.issued(actorOf(req).shopId, req.params.id, req.query));

  app.post('/coupons/:id/issue', { config: { permission: 'promotions:issue' }, schema: { tags, summary: 'Issue to phones, customers or a segment (a job with progress)', params: IdParams, body: CouponIssueBody } }, async (req, reply) => {
    const batch = await d.batches.start(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'coupon_batch', entityId: batch.id, after: { templateId: batch.templateId, target: batch.target } };
    return reply.status(202).send(batch);
  });

  app.get('/customers/:id/coupons', { config: read, schema: { tags, summary: "A customer's coupons (unused first), for customer 360", params: IdParams } }, async (req) =>
    d.customers.getCustomer(actorOf(req).shopId, req.params.id).then(() => d.coupons.mine(actorOf(req).shopId, req.params.id)));

  app.get('/coupons/:id/batches', { config: read, schema: { tags, summary: 'Issue batches of a template', params: IdParams } }, async (req) =>
    d.batches.list(actorOf(req).shopId, req.params.id));

  app.get('/coupon-batches/:id', { config: read, schema: { tags, summary: 'Progress of an issue batch', params: IdParams } }, async (req) =>
    d.batches.get(actorOf(req).shopId, req.params.id));

  app.get('/coupon-packs', { config: read, schema: { tags, summary: 'Coupon packs (券包)' } }, async (req) => d.gifts.listPacks(actorOf(req).shopId));

  app.post('/coupon-packs', { config: write, schema: { tags, summary: 'Create a coupon pack', body: CouponPackBody } }, async (req, reply) => {
    const { after } = await d.gifts.savePack(actorOf(req), null, req.body);
    req.audit = { entity: 'coupon_pack', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.patch('/coupon-packs/:id', { config: write, schema: { tags, summary: 'Change a coupon pack', params: IdParams, body: CouponPackBody } }, async (req) => {
    const { before, after } = await d.gifts.savePack(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'coupon_pack', entityId: after.id, before, after };
    return after;
  });

  app.delete('/coupon-packs/:id', { config: write, schema: { tags, summary: 'Delete a coupon pack (gift rules using it are switched off)', params: IdParams } }, async (req, reply) => {
    const before = await d.gifts.deletePack(actorOf(req), req.params.id);
    req.audit = { entity: 'coupon_pack', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/coupon-gifts', { config: read, schema: { tags, summary: '新客有礼 and 支付有礼 rules' } }, async (req) => d.gifts.rules(actorOf(req).shopId));

  app.put('/coupon-gifts/:kind', { config: write, schema: { tags, summary: 'Set the new-customer or pay gift', params: z.object({ kind: z.enum(['new_customer', 'pay']) }), body: GiftRuleBody } }, async (req) => {
    const { before, after } = await d.gifts.saveRule(actorOf(req), req.params.kind, req.body);
    req.audit = { entity: 'coupon_gift_rule', entityId: req.params.kind, before, after };
    return (await d.gifts.rules(actorOf(req).shopId))[req.params.kind];
  });

  app.get('/activities', { config: read, schema: { tags, summary: 'Activities (限时折扣, 满减/满赠, 组合套餐) with statistics', querystring: ActivityListQuery } }, async (req) =>
    d.activities.list(actorOf(req).shopId, req.query));

  app.post('/activities', { config: write, schema: { tags, summary: 'Create an activity', body: ActivityBody } }, async (req, reply) => {
    const created = await d.activities.create(actorOf(req), req.body);
    req.audit = { entity: 'activity', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.get('/activities/:id', { config: read, schema: { tags, summary: 'An activity with its products and statistics', params: IdParams } }, async (req) =>
    d.activities.get(actorOf(req).shopId, req.params.id));

  app.put('/activities/:id', { config: write, schema: { tags, summary: 'Replace an activity’s rules (same kind)', params: IdParams, body: ActivityBody } }, async (req) => {
    const { before, after } = await d.activities.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'activity', entityId: after.id, before, after };
    return after;
  });

  app.post('/activities/:id/:action', { config: write, schema: { tags, summary: 'Pause, resume or end an activity', params: StatusAction } }, async (req) => {
    const { before, after } = await d.activities.setStatus(actorOf(req), req.params.id, NEXT_STATUS[req.params.action]);
    req.audit = { entity: 'activity', entityId: after.id, before, after };
    return after;
  });
};
