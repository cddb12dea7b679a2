import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WecomMassRecipientQuery, WecomMassTaskBody, WecomMassTaskQuery, WecomMomentBody, WecomMomentQuery } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { onVendor } from './corps.js';
import type { WecomMass } from './mass.js';
import type { WecomMoments } from './moments.js';

const IdParams = z.object({ id: z.uuid() });

/** Mass messages (群发) and Moments (朋友圈) under /api/admin/wecom: reach, like broadcasts (messaging:*). */
export const wecomMassRoutes: FastifyPluginAsyncZod<{ mass: WecomMass; moments: WecomMoments }> = async (app, d) => {
  const tags = ['wecom'];
  const read = { permission: 'messaging:read' as const };
  const write = { permission: 'messaging:write' as const };
  const shop = (req: Parameters<typeof actorOf>[0]) => actorOf(req).shopId;
  const who = (req: Parameters<typeof actorOf>[0]) => actorOf(req).name;

  app.get('/wecom/mass-tasks', { config: read, schema: { tags, summary: 'Mass message tasks (群发) with their progress', querystring: WecomMassTaskQuery } }, async (req) => d.mass.progress.list(shop(req), req.query));
  app.post('/wecom/mass-tasks', { config: write, schema: { tags, summary: 'Create a mass message task to customers by tag or segment, or to customer groups; now or scheduled', body: WecomMassTaskBody } }, async (req, reply) => {
    const task = await d.mass.create(shop(req), req.body, who(req));
    req.audit = { entity: 'wecom_mass_task', entityId: task.id, after: task };
    return reply.status(201).send(task);
  });
  app.get('/wecom/mass-tasks/:id', { config: read, schema: { tags, summary: 'A mass task: confirmation per staff member, recipients by status and reason', params: IdParams } }, async (req) => d.mass.progress.get(shop(req), req.params.id));
  app.get('/wecom/mass-tasks/:id/recipients', { config: read, schema: { tags, summary: 'The customers (or groups) of a mass task with their status', params: IdParams, querystring: WecomMassRecipientQuery } }, async (req) =>
    d.mass.progress.recipients(shop(req), req.params.id, req.query),
  );
  app.post('/wecom/mass-tasks/:id/refresh', { config: { ...read, noAudit: true }, schema: { tags, summary: 'Ask WeCom now which staff confirmed and what each customer got', params: IdParams } }, async (req) => {
    await d.mass.progress.row(shop(req), req.params.id);
    await onVendor(() => d.mass.progress.poll(shop(req), req.params.id), 'id');
    return d.mass.progress.get(shop(req), req.params.id);
  });
  app.post('/wecom/mass-tasks/:id/cancel', { config: write, schema: { tags, summary: 'Cancel a scheduled mass task before it is created in WeCom', params: IdParams } }, async (req) => {
    const { before, after } = await d.mass.cancel(shop(req), req.params.id);
    req.audit = { entity: 'wecom_mass_task', entityId: after.id, before, after };
    return after;
  });

  app.get('/wecom/moments', { config: read, schema: { tags, summary: 'Moments tasks (朋友圈)', querystring: WecomMomentQuery } }, async (req) => d.moments.list(shop(req), req.query));
  app.post('/wecom/moments', { config: write, schema: { tags, summary: 'Post a Moment for staff (add_moment_task), then poll its result', body: WecomMomentBody } }, async (req, reply) => {
    const m = await d.moments.create(shop(req), req.body, who(req));
    req.audit = { entity: 'wecom_moment', entityId: m.id, after: m };
    return reply.status(201).send(m);
  });
  app.get('/wecom/moments/:id', { config: read, schema: { tags, summary: 'A Moment with its moment_id and who posts it', params: IdParams } }, async (req) => d.moments.get(shop(req), req.params.id));
  app.post('/wecom/moments/:id/refresh', { config: { ...read, noAudit: true }, schema: { tags, summary: 'Ask WeCom now which staff have published the Moment (get_moment_task)', params: IdParams } }, async (req) => {
    await d.moments.get(shop(req), req.params.id);
    await onVendor(() => d.moments.refreshPublished(shop(req), req.params.id), 'id');
    return d.moments.get(shop(req), req.params.id);
  });
};
