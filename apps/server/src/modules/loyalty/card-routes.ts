import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { MemberCardGrantBody, MemberCardPlanBody, MemberCardPurchaseBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CustomersService } from '../customers/service.js';
import type { MemberCardService } from './card-service.js';

const IdParams = z.object({ id: z.uuid() });
const KeyHeader = z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough();

/** Paid member cards in the console. Mounted under /api/admin. */
export const cardAdminRoutes: FastifyPluginAsyncZod<{ cards: MemberCardService; customers: CustomersService }> = async (app, d) => {
  const tags = ['member cards'];

  app.get('/member-cards', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Paid member cards (付费会员卡) and how many hold each' } }, async (req) => d.cards.plans(actorOf(req).shopId));

  app.post('/member-cards', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Add a paid member card', body: MemberCardPlanBody } }, async (req, reply) => {
    const { after } = await d.cards.savePlan(actorOf(req), null, req.body);
    req.audit = { entity: 'member_card_plan', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.put('/member-cards/:id', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Change a paid member card (holders keep the days they bought)', params: IdParams, body: MemberCardPlanBody } }, async (req) => {
    const { before, after } = await d.cards.savePlan(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'member_card_plan', entityId: after.id, before, after };
    return after;
  });

  app.get('/customers/:id/member-card', { config: { permission: 'customers:read' }, schema: { tags, summary: "A customer's card and its ledger of days", params: IdParams } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    const [card, ledger] = await Promise.all([d.cards.card(shopId, req.params.id), d.cards.ledger(shopId, req.params.id)]);
    return { card, ledger };
  });

  app.post('/customers/:id/member-card/grant', {
    config: { permission: 'loyalty:manage' },
    schema: { tags, summary: 'Give card days (or take them away, never before now); send Idempotency-Key to retry safely', params: IdParams, body: MemberCardGrantBody, headers: KeyHeader },
  }, async (req) => {
    const actor = actorOf(req);
    await d.customers.getCustomer(actor.shopId, req.params.id);
    const result = await d.cards.grant(actor, req.params.id, req.body, (req.headers['idempotency-key'] as string | undefined) ?? randomUUID());
    req.audit = { entity: 'member_card', entityId: req.params.id, after: { ...req.body, card: result.card } };
    return result;
  });
};

const security = [{ customer: [] }];

/** My card, and buying or renewing one. Mounted under /api/store/:shop. */
export const cardStoreRoutes: FastifyPluginAsyncZod<{ cards: MemberCardService }> = async (app, d) => {
  const tags = ['storefront'];

  app.get('/me/member-card', { schema: { tags, security, summary: 'My paid member card and the cards on sale' } }, async (req) => {
    const shopId = shopOf(req).id;
    const [card, plans] = await Promise.all([d.cards.card(shopId, customerOf(req).id), d.cards.plans(shopId, { activeOnly: true })]);
    return { card, plans: plans.map(({ holders: _h, active: _a, sortOrder: _s, ...pl }) => pl) };
  });

  app.post('/me/member-card/purchases', { schema: { tags, security, summary: 'Buy or renew a card (renewal extends it); opens WeChat Pay. Send Idempotency-Key so a double tap charges once', body: MemberCardPurchaseBody, headers: KeyHeader } }, async (req, reply) =>
    reply.status(201).send(await d.cards.startPurchase(shopOf(req).id, customerOf(req).id, req.body, req.headers['idempotency-key'] as string | undefined)));

  app.get('/me/member-card/purchases/:id', { schema: { tags, security, summary: 'A card purchase and my card; sync=true asks WeChat Pay first', params: IdParams, querystring: z.object({ sync: z.stringbool().default(false) }) } }, async (req) =>
    d.cards.purchase(shopOf(req).id, customerOf(req).id, req.params.id, { sync: req.query.sync }));
};
