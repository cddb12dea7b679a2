import { z } from 'zod';
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AutoReplyBody,
  BroadcastBody,
  ContactBudgetBody,
  DeliveryQuery,
  MenuBody,
  MessagePreferencesBody,
  MessageTemplateBody,
  MiniProgramBody,
  OfficialAccountBody,
  Page,
  QrCodeBody,
  SmsAccountBody,
  SubscribeGrantBody,
  TemplatePreviewBody,
} from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { customerOf, shopOf } from '../../platform/http/store-scope.js';
import type { Platform } from '../../platform/context.js';
import type { CustomersService } from '../customers/service.js';
import type { ChannelAccounts } from './accounts.js';
import { deliveryIdOf, type BroadcastService } from './broadcasts.js';
import type { OfficialAccountService } from './official-account.js';
import type { MessagingService } from './service.js';
import type { SmsCallbacks } from './sms-callbacks.js';

const IdParams = z.object({ id: z.uuid() });

interface Deps {
  p: Platform;
  messaging: MessagingService;
  accounts: ChannelAccounts;
  oa: OfficialAccountService;
  broadcasts: BroadcastService;
  sms: SmsCallbacks;
  customers: CustomersService;
}

/** 触达 in the console. Mounted under /api/admin. */
export const messagingAdminRoutes: FastifyPluginAsyncZod<Deps> = async (app, d) => {
  const tags = ['messaging'];
  const read = { permission: 'messaging:read' as const };
  const write = { permission: 'messaging:write' as const };
  const send = { permission: 'messaging:send' as const };
  const readPost = { permission: 'messaging:read' as const, noAudit: true };
  const tx = d.p.database;

  app.get('/messaging/channels', { config: read, schema: { tags, summary: 'The official account, mini-program and SMS account' } }, async (req) => {
    const shopId = actorOf(req).shopId;
    return {
      oa: d.accounts.view(await d.accounts.account(shopId, 'oa')),
      mini: d.accounts.view(await d.accounts.account(shopId, 'mini')),
      sms: d.accounts.smsView(await d.accounts.smsAccount(shopId)),
      smsCallbacks: d.sms.urls(),
    };
  });

  app.put('/messaging/channels/oa', { config: write, schema: { tags, summary: 'Connect the official account (AppID, secret, Token, EncodingAESKey)', body: OfficialAccountBody } }, async (req) => {
    const { before, after } = await tx.transaction((t) => d.accounts.saveOfficialAccount(t, actorOf(req).shopId, req.body));
    req.audit = { entity: 'mp_account', entityId: after.id, before: d.accounts.view(before), after: d.accounts.view(after) };
    return d.accounts.view(after);
  });
  app.put('/messaging/channels/mini', { config: write, schema: { tags, summary: 'Connect the mini-program', body: MiniProgramBody } }, async (req) => {
    const { before, after } = await tx.transaction((t) => d.accounts.saveMiniProgram(t, actorOf(req).shopId, req.body));
    req.audit = { entity: 'mp_account', entityId: after.id, before: d.accounts.view(before), after: d.accounts.view(after) };
    return d.accounts.view(after);
  });
  app.put('/messaging/channels/sms', { config: write, schema: { tags, summary: 'Set the SMS account (Tencent Cloud or Aliyun)', body: SmsAccountBody } }, async (req) => {
    const { before, after } = await tx.transaction((t) => d.accounts.saveSmsAccount(t, actorOf(req).shopId, req.body));
    req.audit = { entity: 'sms_account', entityId: actorOf(req).shopId, before, after };
    return after;
  });
  app.post('/messaging/channels/oa/test', { config: readPost, schema: { tags, summary: 'Test the official account credentials' } }, async (req) => d.oa.test(actorOf(req).shopId, 'oa'));
  app.post('/messaging/channels/sms/test', { config: readPost, schema: { tags, summary: 'Test the SMS credentials (sends nothing)' } }, async (req) => {
    const a = await d.accounts.smsAccount(actorOf(req).shopId);
    if (!a) return { ok: false, error: 'No SMS account' };
    try {
      await d.accounts.smsGateway(a).test();
      await d.accounts.markSmsVerified(actorOf(req).shopId);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim() };
    }
  });
  app.post('/messaging/channels/mini/test', { config: readPost, schema: { tags, summary: 'Test the mini-program credentials' } }, async (req) => d.oa.test(actorOf(req).shopId, 'mini'));
  app.post('/messaging/channels/oa/sync-followers', { config: { ...write, noAudit: true }, schema: { tags, summary: 'Sync followers from WeChat (next_openid paging)' } }, async (req) =>
    d.oa.syncFollowers(actorOf(req).shopId),
  );
  app.put('/messaging/channels/oa/menu', { config: write, schema: { tags, summary: "Publish the official account's menu", body: MenuBody } }, async (req) => {
    const after = await d.oa.setMenu(actorOf(req).shopId, req.body);
    req.audit = { entity: 'mp_account', entityId: after?.id, after: { menu: req.body } };
    return after;
  });

  app.get('/messaging/budget', { config: read, schema: { tags, summary: 'The contact budget: caps per channel and in total, quiet hours' } }, async (req) => d.messaging.budget(actorOf(req).shopId));
  app.put('/messaging/budget', { config: write, schema: { tags, summary: 'Change the contact budget', body: ContactBudgetBody } }, async (req) => {
    const { before, after } = await tx.transaction((t) => d.messaging.setBudget(t, actorOf(req).shopId, req.body));
    req.audit = { entity: 'contact_budget', entityId: actorOf(req).shopId, before, after };
    return after;
  });

  app.get('/messaging/templates', { config: read, schema: { tags, summary: 'The template library' } }, async (req) => d.messaging.templates(actorOf(req).shopId));
  app.post('/messaging/templates', { config: write, schema: { tags, summary: 'Add a template', body: MessageTemplateBody } }, async (req, reply) => {
    const t = await tx.transaction((x) => d.messaging.createTemplate(x, actorOf(req).shopId, req.body));
    req.audit = { entity: 'message_template', entityId: t.id, after: t };
    return reply.status(201).send(t);
  });
  app.put('/messaging/templates/:id', { config: write, schema: { tags, summary: 'Change a template', params: IdParams, body: MessageTemplateBody } }, async (req) => {
    const { before, after } = await tx.transaction((x) => d.messaging.updateTemplate(x, actorOf(req).shopId, req.params.id, req.body));
    req.audit = { entity: 'message_template', entityId: after.id, before, after };
    return after;
  });
  app.delete('/messaging/templates/:id', { config: write, schema: { tags, summary: 'Delete a template', params: IdParams } }, async (req, reply) => {
    const before = await tx.transaction((x) => d.messaging.removeTemplate(x, actorOf(req).shopId, req.params.id));
    req.audit = { entity: 'message_template', entityId: before.id, before };
    return reply.status(204).send();
  });
  app.post('/messaging/templates/:id/preview', { config: readPost, schema: { tags, summary: 'Preview a template with example or given values', params: IdParams, body: TemplatePreviewBody } }, async (req) =>
    d.messaging.preview(actorOf(req).shopId, req.params.id, req.body.vars),
  );
  app.post('/messaging/templates/import', {
    config: write,
    schema: { tags, summary: "Import the vendor's templates that match a topic (一键导入)", body: z.object({ channel: z.enum(['oa_template', 'mini_subscribe']) }).strict() },
  }, async (req) => {
    const r = await d.oa.importRecommended(actorOf(req).shopId, req.body.channel);
    req.audit = { entity: 'message_template', entityId: actorOf(req).shopId, after: r.imported };
    return r;
  });
  app.get('/messaging/vendor-templates', {
    config: read,
    schema: { tags, summary: "The templates approved in the vendor's console", querystring: z.object({ channel: z.enum(['oa_template', 'mini_subscribe']) }) },
  }, async (req) => d.oa.vendorTemplates(actorOf(req).shopId, req.query.channel));

  app.get('/messaging/qr-codes', { config: read, schema: { tags, summary: 'Parametric QR codes with scans and follows' } }, async (req) => d.oa.qrCodes(actorOf(req).shopId));
  app.post('/messaging/qr-codes', { config: write, schema: { tags, summary: 'Create a source QR code (tags and group for its followers)', body: QrCodeBody } }, async (req, reply) => {
    const qr = await d.oa.createQrCode(actorOf(req).shopId, req.body);
    req.audit = { entity: 'mp_qr_code', entityId: qr.id, after: qr };
    return reply.status(201).send(qr);
  });
  app.get('/messaging/qr-codes/:id/image', { config: read, schema: { tags, summary: 'The QR code as PNG', params: IdParams } }, async (req, reply) => {
    const png = await d.oa.qrImage(actorOf(req).shopId, req.params.id);
    return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(png);
  });

  app.get('/messaging/auto-replies', { config: read, schema: { tags, summary: 'Follow reply and keyword replies' } }, async (req) => d.oa.autoReplies(actorOf(req).shopId));
  app.post('/messaging/auto-replies', { config: write, schema: { tags, summary: 'Add a reply', body: AutoReplyBody } }, async (req, reply) => {
    const r = await tx.transaction((x) => d.oa.saveAutoReply(x, actorOf(req).shopId, null, req.body));
    req.audit = { entity: 'mp_auto_reply', entityId: r.id, after: r };
    return reply.status(201).send(r);
  });
  app.put('/messaging/auto-replies/:id', { config: write, schema: { tags, summary: 'Change a reply', params: IdParams, body: AutoReplyBody } }, async (req) => {
    const r = await tx.transaction((x) => d.oa.saveAutoReply(x, actorOf(req).shopId, req.params.id, req.body));
    req.audit = { entity: 'mp_auto_reply', entityId: r.id, after: r };
    return r;
  });
  app.delete('/messaging/auto-replies/:id', { config: write, schema: { tags, summary: 'Delete a reply', params: IdParams } }, async (req, reply) => {
    await tx.transaction((x) => d.oa.removeAutoReply(x, actorOf(req).shopId, req.params.id));
    req.audit = { entity: 'mp_auto_reply', entityId: req.params.id };
    return reply.status(204).send();
  });

  app.get('/messaging/followers', { config: read, schema: { tags, summary: 'Followers of the official account', querystring: Page } }, async (req) => d.oa.followers(actorOf(req).shopId, req.query));
  app.get('/messaging/deliveries', { config: read, schema: { tags, summary: 'The delivery log', querystring: DeliveryQuery } }, async (req) => d.messaging.deliveries(actorOf(req).shopId, req.query));
  app.get('/customers/:id/messages', { config: read, schema: { tags, summary: "A customer's messages, choices and budget counts", params: IdParams } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    return d.messaging.customerMessages(shopId, req.params.id);
  });

  app.get('/messaging/broadcasts', { config: read, schema: { tags, summary: 'Broadcasts with progress' } }, async (req) => d.broadcasts.list(actorOf(req).shopId));
  app.post('/messaging/broadcasts', { config: send, schema: { tags, summary: 'Create a broadcast (a draft)', body: BroadcastBody } }, async (req, reply) => {
    const b = await tx.transaction((x) => d.broadcasts.create(x, actorOf(req), req.body));
    req.audit = { entity: 'broadcast', entityId: b.id, after: b };
    return reply.status(201).send(b);
  });
  app.get('/messaging/broadcasts/:id', { config: read, schema: { tags, summary: 'A broadcast with progress', params: IdParams } }, async (req) => d.broadcasts.get(actorOf(req).shopId, req.params.id));
  app.post('/messaging/broadcasts/:id/estimate', { config: { permission: 'messaging:read' as const, noAudit: true }, schema: { tags, summary: 'Reach and SMS cost before sending', params: IdParams } }, async (req) =>
    d.broadcasts.estimate(actorOf(req).shopId, req.params.id),
  );
  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/messaging/broadcasts/:id/${action}`, { config: send, schema: { tags, summary: `${action[0]!.toUpperCase()}${action.slice(1)} a broadcast`, params: IdParams } }, async (req) => {
      const { before, after } = await tx.transaction((x) => d.broadcasts[action](x, actorOf(req).shopId, req.params.id));
      req.audit = { entity: 'broadcast', entityId: after.id, before, after };
      return after;
    });
  }
  app.get('/messaging/broadcasts/:id/result', { config: read, schema: { tags, summary: 'Sent vs holdout: delivered, clicked, orders, revenue and the incremental revenue', params: IdParams } }, async (req) =>
    d.broadcasts.result(actorOf(req).shopId, req.params.id),
  );
};

/** The customer's message preferences and one-time subscriptions. Mounted under /api/store/:shop. */
export const messagingStoreRoutes: FastifyPluginAsyncZod<{ messaging: MessagingService }> = async (app, d) => {
  const tags = ['storefront'];
  app.get('/messages/preferences', { schema: { tags, summary: 'My message preferences' } }, async (req) => d.messaging.preferences(shopOf(req).id, customerOf(req).id));
  app.put('/messages/preferences', { schema: { tags, summary: 'Refuse topics or channels; consent to marketing SMS', body: MessagePreferencesBody } }, async (req) =>
    d.messaging.setPreferences(shopOf(req).id, customerOf(req).id, req.body),
  );
  app.get('/messages/subscribe-config', { schema: { tags, summary: 'Mini-program templates to ask for (wx.requestSubscribeMessage)' } }, async (req) => d.messaging.subscribeConfig(shopOf(req).id));
  app.post('/messages/subscriptions', { schema: { tags, summary: 'Record the one-time subscriptions the customer accepted', body: SubscribeGrantBody } }, async (req) =>
    d.messaging.grant(shopOf(req).id, customerOf(req).id, req.body),
  );
};

/**
 * What vendors push: the official account's callback (raw XML: the signature covers the bytes), SMS
 * receipts and replies, and the short links of broadcasts.
 */
export const messagingPublicRoutes: FastifyPluginAsync<{ oa: OfficialAccountService; sms: SmsCallbacks; broadcasts: BroadcastService }> = async (app, d) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const hide = { hide: true };

  app.get('/api/hooks/wechat-mp/:accountId', { schema: hide }, async (req, reply) => {
    const { accountId } = req.params as { accountId: string };
    const echo = UUID.test(accountId) ? await d.oa.verifyUrl(accountId, req.query as Record<string, string>) : null;
    if (echo === null) return reply.status(401).type('text/plain').send('');
    return reply.type('text/plain').send(echo);
  });
  app.post('/api/hooks/wechat-mp/:accountId', { schema: hide }, async (req, reply) => {
    const { accountId } = req.params as { accountId: string };
    if (!UUID.test(accountId)) return reply.status(404).send('');
    const r = await d.oa.receive(accountId, req.query as Record<string, string>, typeof req.body === 'string' ? req.body : '');
    return reply.status(r.status).type(r.body.startsWith('<xml>') ? 'application/xml' : 'text/plain').send(r.body);
  });

  const json = (body: unknown) => {
    try {
      return JSON.parse(typeof body === 'string' ? body : '');
    } catch {
      return null;
    }
  };
  const guarded = (path: string, handle: (body: any) => Promise<unknown>, ok: unknown) =>
    app.post(path, { schema: hide }, async (req, reply) => {
      if (!d.sms.tokenValid((req.query as { token?: string }).token)) return reply.status(401).send({ result: 1, errmsg: 'token' });
      const body = json(req.body);
      if (body === null) return reply.status(400).send({ result: 1, errmsg: 'json' });
      await handle(body);
      return ok;
    });
  guarded('/api/hooks/sms/tencent/status', (b) => d.sms.tencentStatus(Array.isArray(b) ? b : [b]), { result: 0, errmsg: 'OK' });
  guarded('/api/hooks/sms/tencent/reply', (b) => d.sms.reply({ phone: String(b.mobile ?? ''), signName: String(b.sign ?? ''), text: String(b.text ?? '') }), { result: 0, errmsg: 'OK' });
  guarded('/api/hooks/sms/aliyun/report', (b) => d.sms.aliyunReport(Array.isArray(b) ? b : [b]), { code: 0, msg: '成功' });
  guarded(
    '/api/hooks/sms/aliyun/up',
    async (b) => {
      for (const r of Array.isArray(b) ? b : [b]) await d.sms.reply({ phone: String(r.phone_number ?? ''), signName: String(r.sign_name ?? ''), text: String(r.content ?? '') });
    },
    { code: 0, msg: '成功' },
  );

  app.get('/r/:code', { schema: hide }, async (req, reply) => {
    const id = deliveryIdOf((req.params as { code: string }).code);
    const target = id ? await d.broadcasts.click(id) : null;
    if (!target) return reply.status(404).type('text/plain; charset=utf-8').send('链接已失效');
    return reply.redirect(target.url, 302);
  });
};
