import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { StoredValueAdjustBody, StoredValueSettingsBody, StoredValueStatementQuery, TopupPlanBody, TopupStartBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CustomersService } from '../customers/service.js';
import type { StoredValueService } from './service.js';
import type { TopupService } from './topup-service.js';

const IdParams = z.object({ id: z.uuid() });
const LedgerQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), beforeId: z.coerce.number().int().positive().optional() });
const KeyHeader = z.object({ 'idempotency-key': z.string().min(8).max(100).optional() }).passthrough();

interface Deps {
  storedValue: StoredValueService;
  topups: TopupService;
  customers: CustomersService;
}

/** 会员储值 in the console: settings, plans, the shop's statement, a member's balance. Mounted under /api/admin. */
export const storedValueAdminRoutes: FastifyPluginAsyncZod<Deps> = async (app, d) => {
  const tags = ['stored value'];

  app.get('/stored-value/settings', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Stored-value settings' } }, async (req) => d.storedValue.settings(actorOf(req).shopId));

  app.put('/stored-value/settings', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Set the stored-value settings', body: StoredValueSettingsBody } }, async (req) => {
    const { before, after } = await d.storedValue.saveSettings(actorOf(req), req.body);
    req.audit = { entity: 'stored_value_settings', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/stored-value/overview', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'What members hold (principal, bonus) and this month’s top-ups and spending' } }, async (req) =>
    d.storedValue.overview(actorOf(req).shopId));

  app.get('/stored-value/plans', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'Top-up plans (充值方案)' } }, async (req) => d.topups.plans(actorOf(req).shopId));

  app.post('/stored-value/plans', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Add a top-up plan, e.g. top up ¥100 get ¥20', body: TopupPlanBody } }, async (req, reply) => {
    const { after } = await d.topups.savePlan(actorOf(req), null, req.body);
    req.audit = { entity: 'topup_plan', entityId: after.id, after };
    return reply.status(201).send(after);
  });

  app.put('/stored-value/plans/:id', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Change a top-up plan', params: IdParams, body: TopupPlanBody } }, async (req) => {
    const { before, after } = await d.topups.savePlan(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'topup_plan', entityId: after.id, before, after };
    return after;
  });

  app.delete('/stored-value/plans/:id', { config: { permission: 'loyalty:manage' }, schema: { tags, summary: 'Remove a top-up plan', params: IdParams } }, async (req, reply) => {
    const before = await d.topups.deletePlan(actorOf(req), req.params.id);
    req.audit = { entity: 'topup_plan', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/stored-value/statement', { config: { permission: 'loyalty:read' }, schema: { tags, summary: 'The shop’s stored-value statement (储值流水)', querystring: StoredValueStatementQuery } }, async (req) => {
    const shopId = actorOf(req).shopId;
    const { phone, ...q } = req.query;
    const customerIds = phone ? await d.customers.findIdsByPhone(shopId, phone) : undefined;
    const page = await d.storedValue.statement(shopId, { ...q, customerIds });
    const phones = await d.customers.phonesFor(shopId, [...new Set(page.items.map((i) => i.customerId))]);
    return { ...page, items: page.items.map((i) => ({ ...i, phone: phones.get(i.customerId) ?? null })) };
  });

  app.get('/stored-value/statement.xlsx', { config: { permission: 'customers:export' }, schema: { tags, summary: 'Export the statement to Excel', querystring: StoredValueStatementQuery.pick({ from: true, to: true, kind: true, phone: true }) } }, async (req, reply) => {
    const shopId = actorOf(req).shopId;
    const { phone, ...q } = req.query;
    const customerIds = phone ? await d.customers.findIdsByPhone(shopId, phone) : undefined;
    const data = await d.storedValue.exportStatement(shopId, { ...q, customerIds }, (ids) => d.customers.phonesFor(shopId, ids));
    reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    reply.header('content-disposition', `attachment; filename="stored-value.xlsx"; filename*=UTF-8''${encodeURIComponent('储值流水')}.xlsx`);
    return reply.send(data);
  });

  app.get('/customers/:id/stored-value', { config: { permission: 'customers:read' }, schema: { tags, summary: "A member's balance (principal + bonus) and statement", params: IdParams, querystring: LedgerQuery } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    const [account, ledger, topups] = await Promise.all([
      d.storedValue.account(shopId, req.params.id),
      d.storedValue.ledger(shopId, req.params.id, req.query),
      d.topups.listForCustomer(shopId, req.params.id, 20),
    ]);
    return { account, ledger, topups };
  });

  app.post('/customers/:id/stored-value/adjust', {
    config: { permission: 'loyalty:manage' },
    schema: { tags, summary: 'Correct a member’s balance by hand (never below 0); send Idempotency-Key to retry safely', params: IdParams, body: StoredValueAdjustBody, headers: KeyHeader },
  }, async (req) => {
    const actor = actorOf(req);
    await d.customers.getCustomer(actor.shopId, req.params.id);
    const result = await d.storedValue.adjust(actor, req.params.id, req.body, (req.headers['idempotency-key'] as string | undefined) ?? randomUUID());
    req.audit = { entity: 'stored_value', entityId: req.params.id, after: { ...req.body, account: result.account } };
    return result;
  });
};

const security = [{ customer: [] }];

/** My balance, statement and top-ups. Mounted under /api/store/:shop. */
export const storedValueStoreRoutes: FastifyPluginAsyncZod<Deps> = async (app, d) => {
  const tags = ['storefront'];

  app.get('/me/stored-value', { schema: { tags, security, summary: 'My balance and what I can top up (plans, custom amount)' } }, async (req) =>
    d.topups.offer(shopOf(req).id, customerOf(req).id));

  app.get('/me/stored-value/ledger', { schema: { tags, security, summary: 'My balance statement (余额明细)', querystring: LedgerQuery } }, async (req) =>
    ({ items: await d.storedValue.ledger(shopOf(req).id, customerOf(req).id, req.query) }));

  app.post('/me/stored-value/topups', { schema: { tags, security, summary: 'Top up: pick a plan or enter an amount; opens WeChat Pay. Send Idempotency-Key so a double tap charges once', body: TopupStartBody, headers: KeyHeader } }, async (req, reply) =>
    reply.status(201).send(await d.topups.start(shopOf(req).id, customerOf(req).id, req.body, req.headers['idempotency-key'] as string | undefined)));

  app.get('/me/stored-value/topups', { schema: { tags, security, summary: 'My top-ups' } }, async (req) => ({ items: await d.topups.listForCustomer(shopOf(req).id, customerOf(req).id) }));

  app.get('/me/stored-value/topups/:id', { schema: { tags, security, summary: 'A top-up and my balance; sync=true asks WeChat Pay first (back from the pay sheet)', params: IdParams, querystring: z.object({ sync: z.stringbool().default(false) }) } }, async (req) =>
    d.topups.get(shopOf(req).id, customerOf(req).id, req.params.id, { sync: req.query.sync }));
};
