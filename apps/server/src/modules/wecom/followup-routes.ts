import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  WecomCustomerFieldBody, WecomCustomerFieldKey, WecomFollowupBody, WecomHealthConsentBody, WecomRelationTagsBody, WecomReminderBody, WecomReminderQuery,
  WecomReminderRuleBody, WecomSidebarCouponBody, WecomSidebarJssdkQuery, WecomSidebarProductCardBody, WecomSidebarSessionBody, WecomTodoPatch,
} from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { WecomService } from './service.js';

const IdParams = z.object({ id: z.uuid() });

/**
 * Follow-ups, reminder rules and reminders in the console, under /api/admin/wecom. Follow-ups and
 * reminders are about customers (customers:*); rules decide what staff are told, a reach setting (messaging:*).
 */
export const wecomFollowupAdminRoutes: FastifyPluginAsyncZod<{ wecom: WecomService }> = async (app, d) => {
  const tags = ['wecom'];
  const read = { permission: 'messaging:read' as const };
  const write = { permission: 'messaging:write' as const };
  const customersRead = { permission: 'customers:read' as const };
  const customersWrite = { permission: 'customers:write' as const };
  const w = d.wecom;
  const shop = (req: Parameters<typeof actorOf>[0]) => actorOf(req).shopId;

  app.get('/wecom/relations/:id/followups', { config: customersRead, schema: { tags, summary: "A relation's follow-up records, newest first, with its stage", params: IdParams } }, async (req) =>
    w.followups.list(shop(req), req.params.id),
  );
  app.post('/wecom/relations/:id/followups', { config: customersWrite, schema: { tags, summary: 'Add a follow-up record (optionally moving the stage)', params: IdParams, body: WecomFollowupBody } }, async (req, reply) => {
    const actor = actorOf(req);
    const made = await w.followups.add(actor.shopId, req.params.id, req.body, { staffUserid: null, name: actor.name });
    req.audit = { entity: 'wecom_followup', entityId: made.id, after: made };
    return reply.status(201).send(made);
  });

  app.get('/wecom/reminder-rules', { config: read, schema: { tags, summary: 'Reminder rules (N days after an event, remind the owning staff member)' } }, async (req) => w.reminders.rules(shop(req)));
  app.post('/wecom/reminder-rules', { config: write, schema: { tags, summary: 'Create a reminder rule', body: WecomReminderRuleBody } }, async (req, reply) => {
    const rule = await w.reminders.createRule(shop(req), req.body);
    req.audit = { entity: 'wecom_reminder_rule', entityId: rule.id, after: rule };
    return reply.status(201).send(rule);
  });
  app.get('/wecom/reminder-rules/:id', { config: read, schema: { tags, summary: 'A reminder rule', params: IdParams } }, async (req) => w.reminders.rule(shop(req), req.params.id));
  app.put('/wecom/reminder-rules/:id', { config: write, schema: { tags, summary: 'Change a reminder rule (applies to events from now on)', params: IdParams, body: WecomReminderRuleBody } }, async (req) => {
    const { before, after } = await w.reminders.updateRule(shop(req), req.params.id, req.body);
    req.audit = { entity: 'wecom_reminder_rule', entityId: after.id, before, after };
    return after;
  });
  app.delete('/wecom/reminder-rules/:id', { config: write, schema: { tags, summary: 'Delete a reminder rule (cancels what it scheduled and has not sent)', params: IdParams } }, async (req, reply) => {
    const before = await w.reminders.removeRule(shop(req), req.params.id);
    req.audit = { entity: 'wecom_reminder_rule', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/wecom/reminders', { config: customersRead, schema: { tags, summary: 'Reminders: scheduled, sent (with the to-do state), skipped with the reason', querystring: WecomReminderQuery } }, async (req) =>
    w.reminders.list(shop(req), req.query),
  );
  app.post('/wecom/reminders', { config: customersWrite, schema: { tags, summary: 'A one-off reminder about a customer, to whoever serves them when it is due', body: WecomReminderBody } }, async (req, reply) => {
    const actor = actorOf(req);
    const made = await w.reminders.create(actor.shopId, req.body, actor.name);
    req.audit = { entity: 'wecom_reminder', entityId: made.id, after: made };
    return reply.status(201).send(made);
  });
  app.get('/wecom/reminders/:id', { config: customersRead, schema: { tags, summary: 'A reminder', params: IdParams } }, async (req) => w.reminders.get(shop(req), req.params.id));
  app.post('/wecom/reminders/:id/cancel', { config: customersWrite, schema: { tags, summary: 'Cancel a reminder not sent yet', params: IdParams } }, async (req) => {
    const { before, after } = await w.reminders.cancel(shop(req), req.params.id);
    req.audit = { entity: 'wecom_reminder', entityId: after.id, before, after };
    return after;
  });
};

/** The sidebar's session travels in its own header: a customer's Bearer token means something else in the store scope. */
export const SIDEBAR_TOKEN_HEADER = 'x-wecom-sidebar-token';
const External = z.object({ externalUserid: z.string().min(1).max(64) });

/**
 * The customer 360 sidebar in WeCom's chat toolbar, under /api/store/:shop/wecom/sidebar (the storefront
 * app serves its page at /s/:shop/wecom/sidebar). The member signs in with WeCom's OAuth2; every customer
 * answer needs their active relation with the contact. The customer's own consent to health data lives here
 * too (/api/store/:shop/wecom/health-consent).
 */
export const wecomSidebarStoreRoutes: FastifyPluginAsyncZod<{ wecom: WecomService; coupons: CouponService }> = async (app, d) => {
  const tags = ['wecom-sidebar'];
  const s = d.wecom.sidebar;
  const who = (req: Parameters<typeof shopOf>[0]) => s.verify(shopOf(req).id, req.headers[SIDEBAR_TOKEN_HEADER] as string | undefined);

  app.get('/wecom/sidebar/authorize', { schema: { tags, summary: "WeCom's OAuth2 URL for the sidebar page", querystring: z.object({ redirect: z.url().max(2048) }) } }, async (req) =>
    s.authorizeUrl(shopOf(req).id, req.query.redirect),
  );
  app.post('/wecom/sidebar/session', { schema: { tags, summary: 'Exchange the OAuth2 code for a sidebar session', body: WecomSidebarSessionBody } }, async (req) => s.signIn(shopOf(req).id, req.body.code));
  app.get('/wecom/sidebar/jssdk', { schema: { tags, summary: 'wx.config and wx.agentConfig signatures for the page URL', querystring: WecomSidebarJssdkQuery } }, async (req) =>
    s.jssdk(who(req).shopId, req.query.url),
  );
  app.get('/wecom/sidebar/todos', { schema: { tags, summary: "The member's to-dos (reminders sent to them)" } }, async (req) => s.todos(who(req)));
  app.patch('/wecom/sidebar/todos/:id', { schema: { tags, summary: 'Mark a to-do done, open again, or snooze it', params: IdParams, body: WecomTodoPatch } }, async (req) => {
    const me = who(req);
    return (await d.wecom.reminders.setTodo(me.shopId, req.params.id, me.userid, req.body)).after;
  });
  app.get('/wecom/sidebar/coupon-templates', { schema: { tags, summary: 'Coupons the member can send' } }, async (req) => {
    const me = who(req);
    return d.coupons.list(me.shopId, { page: 1, pageSize: 50, status: 'active' });
  });

  app.get('/wecom/sidebar/tags', { schema: { tags, summary: 'Corp tags the member can put on a customer' } }, async (req) => d.wecom.relations.corpTags(who(req).shopId));

  app.get('/wecom/sidebar/customers/:externalUserid', { schema: { tags, summary: 'The customer 360 for the contact in the chat', params: External } }, async (req) =>
    s.view(who(req), req.params.externalUserid),
  );
  app.post('/wecom/sidebar/customers/:externalUserid/tags', { schema: { tags, summary: 'Add or remove corp tags (mark_tag)', params: External, body: WecomRelationTagsBody } }, async (req) =>
    (await s.markTags(who(req), req.params.externalUserid, req.body)).after,
  );
  app.post('/wecom/sidebar/customers/:externalUserid/followups', { schema: { tags, summary: 'Add a follow-up record', params: External, body: WecomFollowupBody } }, async (req, reply) =>
    reply.status(201).send(await s.addFollowup(who(req), req.params.externalUserid, req.body)),
  );
  app.post('/wecom/sidebar/customers/:externalUserid/reminders', {
    schema: { tags, summary: 'Remind me (or whoever serves the customer then) at a time', params: External, body: z.object({ dueAt: z.coerce.date(), title: z.string().trim().min(1).max(40).default('客户提醒'), text: z.string().trim().min(1).max(500) }).strict() },
  }, async (req, reply) => reply.status(201).send(await s.addReminder(who(req), req.params.externalUserid, req.body)));
  app.put('/wecom/sidebar/customers/:externalUserid/fields/:key', { schema: { tags, summary: 'Set a customer field (health data only with consent)', params: External.extend({ key: WecomCustomerFieldKey }), body: WecomCustomerFieldBody } }, async (req) =>
    s.setField(who(req), req.params.externalUserid, req.params.key, req.body),
  );
  app.post('/wecom/sidebar/customers/:externalUserid/coupons', { schema: { tags, summary: "Issue a coupon to the customer's account (once per idempotency key)", params: External, body: WecomSidebarCouponBody } }, async (req) =>
    s.sendCoupon(who(req), req.params.externalUserid, req.body),
  );
  app.post('/wecom/sidebar/customers/:externalUserid/product-card', { schema: { tags, summary: "A product card for wx.invoke('sendChatMessage')", params: External, body: WecomSidebarProductCardBody } }, async (req) =>
    s.productCard(who(req), req.params.externalUserid, req.body.productId),
  );

  app.get('/wecom/health-consent', { schema: { tags, summary: 'Whether I let staff keep my health data (e.g. a prescription)' } }, async (req) => {
    const c = customerOf(req);
    return { granted: await s.healthConsent(c.shopId, c.id) };
  });
  app.put('/wecom/health-consent', { schema: { tags, summary: 'Give or withdraw my separate consent to health data', body: WecomHealthConsentBody } }, async (req) => {
    const c = customerOf(req);
    return s.setHealthConsent(c.shopId, c.id, req.body.granted);
  });
};
