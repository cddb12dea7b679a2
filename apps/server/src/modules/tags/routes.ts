import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CustomerTagsBody, GroupBody, GroupMembersBody, SegmentEstimateBody, TagBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import type { CustomersService } from '../customers/service.js';
import type { GroupService } from './group-service.js';
import type { SegmentService } from './segments.js';
import type { TagService } from './tag-service.js';

const IdParams = z.object({ id: z.uuid() });

/** Tags and groups in the console. Mounted under /api/admin. */
export const tagAdminRoutes: FastifyPluginAsyncZod<{ tags: TagService; groups: GroupService; segments: SegmentService; customers: CustomersService }> = async (app, d) => {
  const tags = ['customers'];
  const read = { permission: 'customers:read' as const };
  const write = { permission: 'customers:write' as const };

  app.get('/tags', { config: read, schema: { tags, summary: 'Customer tags with how many customers carry each' } }, async (req) => d.tags.list(actorOf(req).shopId));

  app.post('/tags', { config: write, schema: { tags, summary: 'Create a manual or automatic tag', body: TagBody } }, async (req, reply) => {
    const tag = await d.tags.create(actorOf(req), req.body);
    req.audit = { entity: 'customer_tag', entityId: tag.id, after: tag };
    return reply.status(201).send(tag);
  });

  app.put('/tags/:id', { config: write, schema: { tags, summary: 'Change a tag (automatic tags are re-applied)', params: IdParams, body: TagBody } }, async (req) => {
    const { before, after } = await d.tags.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'customer_tag', entityId: after.id, before, after };
    return after;
  });

  app.delete('/tags/:id', { config: write, schema: { tags, summary: 'Delete a tag and take it off everyone', params: IdParams } }, async (req, reply) => {
    const before = await d.tags.remove(actorOf(req), req.params.id);
    req.audit = { entity: 'customer_tag', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/customers/:id/tags', { config: read, schema: { tags, summary: "A customer's tags", params: IdParams } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    return { items: await d.tags.tagsOf(shopId, req.params.id) };
  });

  app.put('/customers/:id/tags', { config: write, schema: { tags, summary: "Set a customer's manual tags", params: IdParams, body: CustomerTagsBody } }, async (req) => {
    const actor = actorOf(req);
    await d.customers.getCustomer(actor.shopId, req.params.id);
    const { before, after } = await d.tags.setManualTags(actor, req.params.id, req.body.tagIds);
    req.audit = { entity: 'customer', entityId: req.params.id, before: { tags: before }, after: { tags: after } };
    return { items: after };
  });

  app.get('/customers/:id/groups', { config: read, schema: { tags, summary: 'The groups a customer is in now', params: IdParams } }, async (req) => {
    const shopId = actorOf(req).shopId;
    await d.customers.getCustomer(shopId, req.params.id);
    return d.groups.groupsOf(shopId, req.params.id);
  });

  app.get('/groups', { config: read, schema: { tags, summary: 'Customer groups with live counts' } }, async (req) => d.groups.list(actorOf(req).shopId));

  app.post('/groups', { config: write, schema: { tags, summary: 'Create a static or dynamic group', body: GroupBody } }, async (req, reply) => {
    const g = await d.groups.create(actorOf(req), req.body);
    req.audit = { entity: 'customer_group', entityId: g.id, after: g };
    return reply.status(201).send(g);
  });

  app.post('/groups/estimate', { config: read, schema: { tags, summary: 'How many customers a segment rule selects now (the builder’s live estimate)', body: SegmentEstimateBody } }, async (req) =>
    d.segments.estimate(actorOf(req).shopId, req.body.rule));

  app.get('/groups/:id/changes', { config: read, schema: { tags, summary: 'Who entered and left a segment, newest first', params: IdParams } }, async (req) => {
    await d.groups.get(actorOf(req).shopId, req.params.id);
    return { items: await d.segments.changes(actorOf(req).shopId, req.params.id) };
  });

  app.get('/groups/:id', { config: read, schema: { tags, summary: 'A group with its live count', params: IdParams } }, async (req) => d.groups.get(actorOf(req).shopId, req.params.id));

  app.put('/groups/:id', { config: write, schema: { tags, summary: 'Change a group', params: IdParams, body: GroupBody } }, async (req) => {
    const { before, after } = await d.groups.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'customer_group', entityId: after.id, before, after };
    return after;
  });

  app.delete('/groups/:id', { config: write, schema: { tags, summary: 'Delete a group', params: IdParams } }, async (req, reply) => {
    const before = await d.groups.remove(actorOf(req), req.params.id);
    req.audit = { entity: 'customer_group', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/groups/:id/members', {
    config: read,
    schema: { tags, summary: 'Members of a group', params: IdParams, querystring: z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) }) },
  }, async (req) => d.groups.members(actorOf(req).shopId, req.params.id, req.query));

  app.post('/groups/:id/members', { config: write, schema: { tags, summary: 'Add customers to a static group', params: IdParams, body: GroupMembersBody } }, async (req) => {
    const g = await d.groups.addMembers(actorOf(req), req.params.id, req.body.customerIds);
    req.audit = { entity: 'customer_group', entityId: g.id, after: { added: req.body.customerIds.length } };
    return g;
  });

  app.post('/groups/:id/members/remove', { config: write, schema: { tags, summary: 'Take customers out of a static group', params: IdParams, body: GroupMembersBody } }, async (req) => {
    const g = await d.groups.removeMembers(actorOf(req), req.params.id, req.body.customerIds);
    req.audit = { entity: 'customer_group', entityId: g.id, after: { removed: req.body.customerIds.length } };
    return g;
  });

  app.get('/groups/:id/export.xlsx', { config: { permission: 'customers:export' }, schema: { tags, summary: 'Export a group’s members to Excel', params: IdParams } }, async (req, reply) => {
    const { name, data } = await d.groups.exportXlsx(actorOf(req).shopId, req.params.id);
    reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    reply.header('content-disposition', `attachment; filename="group.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}.xlsx`);
    return reply.send(data);
  });
};
