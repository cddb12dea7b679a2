import { z } from 'zod';
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChannelCodeBody, WecomCorpTagBody, WecomRelationPatch, WecomRelationQuery, WecomRelationTagsBody, WecomSettingsBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { actorOf } from '../../platform/http/admin-auth.js';
import { onVendor } from './corps.js';
import { wecomGroupRoutes } from './group-routes.js';
import { wecomHandoverRoutes } from './handover-routes.js';
import { wecomMassRoutes } from './mass-routes.js';
import { fetchQrImage } from './qr-image.js';
import { exportRelationsXlsx } from './relations-export.js';
import type { WecomService } from './service.js';

const IdParams = z.object({ id: z.uuid() });

/**
 * WeCom in the console, under /api/admin/wecom. Connecting the corp, its staff and channel codes are
 * reach settings (messaging:*); relations and their tags are customer data (customers:*).
 */
export const wecomAdminRoutes: FastifyPluginAsyncZod<{ p: Platform; wecom: WecomService }> = async (app, d) => {
  const tags = ['wecom'];
  const read = { permission: 'messaging:read' as const };
  const write = { permission: 'messaging:write' as const };
  const readPost = { permission: 'messaging:read' as const, noAudit: true };
  const customersRead = { permission: 'customers:read' as const };
  const customersWrite = { permission: 'customers:write' as const };
  const w = d.wecom;
  const shop = (req: Parameters<typeof actorOf>[0]) => actorOf(req).shopId;

  app.get('/wecom/settings', { config: read, schema: { tags, summary: 'The connected WeCom corp (secrets masked) and its callback URL' } }, async (req) => w.corps.view(await w.corps.corp(shop(req))));
  app.put('/wecom/settings', { config: write, schema: { tags, summary: 'Connect the WeCom corp: corp id, contact secret, app, callback Token and EncodingAESKey', body: WecomSettingsBody } }, async (req) => {
    const { before, after } = await d.p.database.transaction(async (tx) => w.corps.save(tx, shop(req), req.body));
    req.audit = { entity: 'wecom_corp', entityId: after.id, before: w.corps.view(before), after: w.corps.view(after) };
    return w.corps.view(after);
  });
  app.post('/wecom/settings/test', { config: readPost, schema: { tags, summary: 'Test the connection: gettoken with the contact secret and the app secret' } }, async (req) => w.corps.test(shop(req)));

  app.post('/wecom/staff/sync', { config: write, schema: { tags, summary: 'Sync departments, staff, corp tags and customers (a job; poll the run)' } }, async (req, reply) => {
    const run = await w.staff.requestSync(shop(req));
    req.audit = { entity: 'wecom_sync_run', entityId: run.id, after: run };
    return reply.status(202).send(run);
  });
  app.get('/wecom/sync-runs/:id', { config: read, schema: { tags, summary: 'A sync run with its progress', params: IdParams } }, async (req) => w.staff.run(shop(req), req.params.id));
  app.get('/wecom/staff', { config: read, schema: { tags, summary: 'Staff members with their number of customers' } }, async (req) => w.staff.list(shop(req)));
  app.get('/wecom/departments', { config: read, schema: { tags, summary: 'Departments of the corp' } }, async (req) => w.staff.departments(shop(req)));

  app.get('/wecom/tags', { config: customersRead, schema: { tags, summary: 'Corp tags (企业标签)' } }, async (req) => w.relations.corpTags(shop(req)));
  app.post('/wecom/tags', { config: customersWrite, schema: { tags, summary: 'Create corp tags in WeCom', body: WecomCorpTagBody } }, async (req, reply) => {
    const made = await onVendor(() => w.relations.createCorpTags(shop(req), req.body), 'names');
    req.audit = { entity: 'wecom_corp_tag', entityId: made.groupId, after: made };
    return reply.status(201).send(made);
  });
  app.post('/wecom/tags/sync', { config: customersWrite, schema: { tags, summary: 'Pull the corp tags from WeCom' } }, async (req) => {
    const synced = await onVendor(() => w.relations.syncCorpTags(shop(req)));
    req.audit = { entity: 'wecom_corp_tag', after: { synced } };
    return { synced };
  });

  app.get('/wecom/relations', { config: customersRead, schema: { tags, summary: "Staff members' customers (relations) with filters", querystring: WecomRelationQuery } }, async (req) => w.relations.list(shop(req), req.query));
  app.get('/wecom/relations/export.xlsx', { config: { permission: 'customers:export' as const }, schema: { tags, summary: 'Export the filtered relations to Excel', querystring: WecomRelationQuery.omit({ page: true, pageSize: true }) } }, async (req, reply) => {
    const tagNames = new Map((await w.relations.corpTags(shop(req))).items.map((t) => [t.id, `${t.groupName}/${t.name}`] as const));
    const buf = await exportRelationsXlsx(w.relations, shop(req), req.query, tagNames);
    reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    reply.header('content-disposition', `attachment; filename="wecom-customers-${new Date().toISOString().slice(0, 10)}.xlsx"`);
    return reply.send(buf);
  });
  app.get('/wecom/relations/:id', { config: customersRead, schema: { tags, summary: 'A relation with its history', params: IdParams } }, async (req) => w.relations.get(shop(req), req.params.id));
  app.patch('/wecom/relations/:id', { config: customersWrite, schema: { tags, summary: 'Change the remark (in WeCom too) or the follow-up stage', params: IdParams, body: WecomRelationPatch } }, async (req) => {
    const { before, after } = await onVendor(() => w.relations.patch(shop(req), req.params.id, req.body), 'remark');
    req.audit = { entity: 'wecom_relation', entityId: after.id, before, after };
    return after;
  });
  app.post('/wecom/relations/:id/tags', { config: customersWrite, schema: { tags, summary: 'Add or remove corp tags on a relation (mark_tag)', params: IdParams, body: WecomRelationTagsBody } }, async (req) => {
    const { before, after } = await onVendor(() => w.relations.markTags(shop(req), req.params.id, req.body), 'add');
    req.audit = { entity: 'wecom_relation', entityId: after.id, before, after };
    return after;
  });

  app.get('/wecom/channel-codes', { config: read, schema: { tags, summary: 'Channel codes (渠道活码)' } }, async (req) => w.codes.list(shop(req)));
  app.post('/wecom/channel-codes', { config: write, schema: { tags, summary: 'Create a channel code (add_contact_way)', body: ChannelCodeBody } }, async (req, reply) => {
    const code = await w.codes.create(shop(req), req.body);
    req.audit = { entity: 'wecom_channel_code', entityId: code.id, after: code };
    return reply.status(201).send(code);
  });
  app.get('/wecom/channel-codes/:id', { config: read, schema: { tags, summary: 'A channel code', params: IdParams } }, async (req) => w.codes.get(shop(req), req.params.id));
  app.put('/wecom/channel-codes/:id', { config: write, schema: { tags, summary: 'Change a channel code (update_contact_way)', params: IdParams, body: ChannelCodeBody } }, async (req) => {
    const { before, after } = await w.codes.update(shop(req), req.params.id, req.body);
    req.audit = { entity: 'wecom_channel_code', entityId: after.id, before, after };
    return after;
  });
  app.delete('/wecom/channel-codes/:id', { config: write, schema: { tags, summary: 'Delete a channel code (del_contact_way; statistics stay)', params: IdParams } }, async (req, reply) => {
    const before = await w.codes.remove(shop(req), req.params.id);
    req.audit = { entity: 'wecom_channel_code', entityId: before.id, before };
    return reply.status(204).send();
  });
  app.get('/wecom/channel-codes/:id/qr', { config: read, schema: { tags, summary: "The code's QR image, fetched from WeCom for the console", params: IdParams } }, async (req, reply) => {
    const img = await fetchQrImage((await w.codes.get(shop(req), req.params.id)).qrCode);
    return reply.type(img.type).header('cache-control', 'private, max-age=300').send(img.body);
  });
  app.get('/wecom/channel-codes/:id/stats', { config: read, schema: { tags, summary: 'Adds, deletions, first orders and revenue of the customers added through the code', params: IdParams } }, async (req) =>
    w.codes.stats(shop(req), req.params.id),
  );

  await app.register(wecomHandoverRoutes, { wecom: w });
  await app.register(wecomMassRoutes, { mass: w.mass, moments: w.moments });
  await app.register(wecomGroupRoutes, { wecom: w });
};

/** WeCom's callback (raw XML: the signature covers the ciphertext), per corp. */
export const wecomPublicRoutes: FastifyPluginAsync<{ wecom: WecomService }> = async (app, d) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const hide = { hide: true };

  app.get('/api/hooks/wecom/:corpRef', { schema: hide }, async (req, reply) => {
    const { corpRef } = req.params as { corpRef: string };
    const echo = UUID.test(corpRef) ? await d.wecom.callbacks.verifyUrl(corpRef, req.query as Record<string, string>) : null;
    if (echo === null) return reply.status(401).type('text/plain').send('');
    return reply.type('text/plain').send(echo);
  });
  app.post('/api/hooks/wecom/:corpRef', { schema: hide }, async (req, reply) => {
    const { corpRef } = req.params as { corpRef: string };
    if (!UUID.test(corpRef)) return reply.status(404).send('');
    const r = await d.wecom.callbacks.receive(corpRef, req.query as Record<string, string>, typeof req.body === 'string' ? req.body : '');
    return reply.status(r.status).type('text/plain').send(r.body);
  });
};
