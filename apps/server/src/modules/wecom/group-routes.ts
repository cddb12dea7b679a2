import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WecomGroupCodeBody, WecomGroupMemberQuery, WecomGroupQuery, WecomGroupWelcomeBody, WecomSopBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { fetchQrImage } from './qr-image.js';
import type { WecomService } from './service.js';

const IdParams = z.object({ id: z.uuid() });
/** WeCom's chat id (not a UUID: the platform reads params named …Id as UUIDs). */
const ChatParams = z.object({ chat: z.string().min(1).max(64) });
const Page = z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) });

/**
 * Customer groups (社群) under /api/admin/wecom: the groups and members are customer data (customers:*),
 * their codes, welcome templates and SOPs are reach (messaging:*), like channel codes and mass messages.
 */
export const wecomGroupRoutes: FastifyPluginAsyncZod<{ wecom: WecomService }> = async (app, d) => {
  const tags = ['wecom'];
  const read = { permission: 'messaging:read' as const };
  const write = { permission: 'messaging:write' as const };
  const customersRead = { permission: 'customers:read' as const };
  const shop = (req: Parameters<typeof actorOf>[0]) => actorOf(req).shopId;
  const w = d.wecom;

  app.get('/wecom/groups', { config: customersRead, schema: { tags, summary: 'Customer groups (客户群) with members and the last week’s joins and quits', querystring: WecomGroupQuery } }, async (req) => w.groups.list(shop(req), req.query));
  app.get('/wecom/groups/overview', { config: customersRead, schema: { tags, summary: 'Groups, customers in them, and joins and quits per day (30 days)' } }, async (req) => w.groups.overview(shop(req)));
  app.post('/wecom/groups/sync', { config: write, schema: { tags, summary: 'Pull staff, tags, customers and customer groups from WeCom (a job; poll the run)' } }, async (req, reply) => {
    const run = await w.staff.requestSync(shop(req));
    req.audit = { entity: 'wecom_sync_run', entityId: run.id, after: run };
    return reply.status(202).send(run);
  });
  app.get('/wecom/groups/:chat', { config: customersRead, schema: { tags, summary: 'A customer group', params: ChatParams } }, async (req) => w.groups.get(shop(req), req.params.chat));
  app.get('/wecom/groups/:chat/members', { config: customersRead, schema: { tags, summary: 'Members of a group, current or left', params: ChatParams, querystring: WecomGroupMemberQuery } }, async (req) =>
    w.groups.members(shop(req), req.params.chat, req.query),
  );

  app.get('/wecom/group-codes', { config: read, schema: { tags, summary: 'Group codes (群活码)' } }, async (req) => w.groupCodes.list(shop(req)));
  app.post('/wecom/group-codes', { config: write, schema: { tags, summary: 'Create a group code (groupchat/add_join_way)', body: WecomGroupCodeBody } }, async (req, reply) => {
    const code = await w.groupCodes.create(shop(req), req.body);
    req.audit = { entity: 'wecom_group_code', entityId: code.id, after: code };
    return reply.status(201).send(code);
  });
  app.get('/wecom/group-codes/:id', { config: read, schema: { tags, summary: 'A group code, with the groups WeCom has opened for it', params: IdParams } }, async (req) => w.groupCodes.get(shop(req), req.params.id));
  app.put('/wecom/group-codes/:id', { config: write, schema: { tags, summary: 'Change a group code (update_join_way)', params: IdParams, body: WecomGroupCodeBody } }, async (req) => {
    const { before, after } = await w.groupCodes.update(shop(req), req.params.id, req.body);
    req.audit = { entity: 'wecom_group_code', entityId: after.id, before, after };
    return after;
  });
  app.delete('/wecom/group-codes/:id', { config: write, schema: { tags, summary: 'Delete a group code (del_join_way; statistics stay)', params: IdParams } }, async (req, reply) => {
    const before = await w.groupCodes.remove(shop(req), req.params.id);
    req.audit = { entity: 'wecom_group_code', entityId: before.id, before };
    return reply.status(204).send();
  });
  app.get('/wecom/group-codes/:id/qr', { config: read, schema: { tags, summary: "The group code's QR image, fetched from WeCom for the console", params: IdParams } }, async (req, reply) => {
    const img = await fetchQrImage((await w.groupCodes.get(shop(req), req.params.id)).qrCode);
    return reply.type(img.type).header('cache-control', 'private, max-age=300').send(img.body);
  });
  app.get('/wecom/group-codes/:id/stats', { config: read, schema: { tags, summary: 'Joins through the code, still in, left, per day and per group', params: IdParams } }, async (req) => w.groupCodes.stats(shop(req), req.params.id));

  app.get('/wecom/group-welcomes', { config: read, schema: { tags, summary: 'Group welcome templates (入群欢迎语)' } }, async (req) => w.groupWelcomes.list(shop(req)));
  app.post('/wecom/group-welcomes', { config: write, schema: { tags, summary: 'Create a group welcome template in WeCom', body: WecomGroupWelcomeBody } }, async (req, reply) => {
    const t = await w.groupWelcomes.create(shop(req), req.body);
    req.audit = { entity: 'wecom_group_welcome', entityId: t.id, after: t };
    return reply.status(201).send(t);
  });
  app.get('/wecom/group-welcomes/:id', { config: read, schema: { tags, summary: 'A group welcome template', params: IdParams } }, async (req) => w.groupWelcomes.get(shop(req), req.params.id));
  app.put('/wecom/group-welcomes/:id', { config: write, schema: { tags, summary: 'Change a group welcome template', params: IdParams, body: WecomGroupWelcomeBody } }, async (req) => {
    const { before, after } = await w.groupWelcomes.update(shop(req), req.params.id, req.body);
    req.audit = { entity: 'wecom_group_welcome', entityId: after.id, before, after };
    return after;
  });
  app.delete('/wecom/group-welcomes/:id', { config: write, schema: { tags, summary: 'Delete a group welcome template (in WeCom too)', params: IdParams } }, async (req, reply) => {
    const before = await w.groupWelcomes.remove(shop(req), req.params.id);
    req.audit = { entity: 'wecom_group_welcome', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/wecom/group-sops', { config: read, schema: { tags, summary: 'Group SOPs with how many steps were sent, are waiting or were skipped' } }, async (req) => w.groupSops.list(shop(req)));
  app.post('/wecom/group-sops', { config: write, schema: { tags, summary: 'Create a group SOP: content N days after a group was created or a member joined', body: WecomSopBody } }, async (req, reply) => {
    const sop = await w.groupSops.create(shop(req), req.body, actorOf(req).name);
    req.audit = { entity: 'wecom_group_sop', entityId: sop.id, after: sop };
    return reply.status(201).send(sop);
  });
  app.get('/wecom/group-sops/:id', { config: read, schema: { tags, summary: 'A group SOP', params: IdParams } }, async (req) => w.groupSops.get(shop(req), req.params.id));
  app.put('/wecom/group-sops/:id', { config: write, schema: { tags, summary: 'Change a group SOP (switching it back on starts from now)', params: IdParams, body: WecomSopBody } }, async (req) => {
    const { before, after } = await w.groupSops.update(shop(req), req.params.id, req.body);
    req.audit = { entity: 'wecom_group_sop', entityId: after.id, before, after };
    return after;
  });
  app.delete('/wecom/group-sops/:id', { config: write, schema: { tags, summary: 'Delete a group SOP (what it sent stays in the mass tasks)', params: IdParams } }, async (req, reply) => {
    const before = await w.groupSops.remove(shop(req), req.params.id);
    req.audit = { entity: 'wecom_group_sop', entityId: before.id, before };
    return reply.status(204).send();
  });
  app.get('/wecom/group-sops/:id/runs', { config: read, schema: { tags, summary: 'The SOP’s steps as they fell due, per group or member, with their mass task', params: IdParams, querystring: Page } }, async (req) =>
    w.groupSops.runs(shop(req), req.params.id, req.query),
  );
};
