import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WecomHandoverBody, WecomHandoverGroupsQuery, WecomHandoverQuery, WecomUnassignedAssignBody, WecomUnassignedQuery } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { onVendor } from './corps.js';
import type { WecomService } from './service.js';

const IdParams = z.object({ id: z.uuid() });

/**
 * Handovers (在职转接 / 离职继承) under /api/admin/wecom: moving customers between staff members is a
 * change to customer data, so it takes the permissions relations take (customers:read / customers:write).
 */
export const wecomHandoverRoutes: FastifyPluginAsyncZod<{ wecom: WecomService }> = async (app, d) => {
  const tags = ['wecom'];
  const read = { permission: 'customers:read' as const };
  const write = { permission: 'customers:write' as const };
  const h = d.wecom.handovers;
  const shop = (req: Parameters<typeof actorOf>[0]) => actorOf(req).shopId;

  app.post('/wecom/handovers', {
    config: write,
    schema: { tags, summary: 'Hand customers and groups to a taker (preview: true answers what would be sent and what is refused, and why)', body: WecomHandoverBody },
  }, async (req, reply) => {
    const actor = actorOf(req);
    if (req.body.preview) return reply.status(200).send({ preview: true, ...(await onVendor(() => h.plan(actor.shopId, req.body), 'chatIds')) });
    const made = await onVendor(() => h.create(actor.shopId, req.body, actor.name), 'chatIds');
    req.audit = { entity: 'wecom_handover', entityId: made.id, after: made };
    return reply.status(201).send(made);
  });
  app.get('/wecom/handovers', { config: read, schema: { tags, summary: 'Handovers with their progress', querystring: WecomHandoverQuery } }, async (req) => h.list(shop(req), req.query));
  app.get('/wecom/handovers/groups', { config: read, schema: { tags, summary: "A staff member's customer groups, pulled from WeCom (to choose what to hand over)", querystring: WecomHandoverGroupsQuery } }, async (req) =>
    onVendor(() => h.groups.ofOwner(shop(req), req.query.owner), 'owner'),
  );
  app.get('/wecom/handovers/:id', { config: read, schema: { tags, summary: 'A handover: counts, and each customer and group with its state, errcode and times', params: IdParams } }, async (req) =>
    h.detail(shop(req), req.params.id),
  );

  app.get('/wecom/unassigned', { config: read, schema: { tags, summary: 'Customers of staff who left, not handed to anyone yet (get_unassigned_list)', querystring: WecomUnassignedQuery } }, async (req) =>
    onVendor(() => h.unassigned(shop(req), req.query), 'cursor'),
  );
  app.post('/wecom/unassigned/assign', { config: write, schema: { tags, summary: 'Assign unassigned customers to a taker (one resigned handover per staff member who left)', body: WecomUnassignedAssignBody } }, async (req, reply) => {
    const actor = actorOf(req);
    const made = await onVendor(() => h.assignUnassigned(actor.shopId, req.body, actor.name), 'items');
    req.audit = { entity: 'wecom_handover', entityId: made.handovers[0]?.id, after: made };
    return reply.status(201).send(made);
  });
};
