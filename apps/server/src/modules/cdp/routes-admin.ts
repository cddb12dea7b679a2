import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AnalysisQuery, DashboardQuery, EventName, InsightBody, PeopleBody, SaveGroupBody, TimelineQuery, WriteKeyBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import type { CdpService } from './service.js';
import { resultXlsx } from './export.js';

const IdParams = z.object({ id: z.uuid() });

/** 数据分析 in the console: analyses, the people behind them, saved insights, write keys and customer 360. Mounted under /api/admin. */
export const cdpAdminRoutes: FastifyPluginAsyncZod<{ cdp: CdpService; publicUrl: () => string }> = async (app, d) => {
  const tags = ['analytics'];
  const read = { permission: 'analytics:read' as const };
  // Analyses are reads sent as POST (the query is a JSON body): nothing to audit.
  const readPost = { permission: 'analytics:read' as const, noAudit: true };
  const write = { permission: 'analytics:write' as const };

  app.post('/analytics/query', { config: readPost, schema: { tags, summary: 'Run an analysis (trends, funnel, retention, paths, lifecycle, RFM, attribution)', body: AnalysisQuery } }, async (req) =>
    d.cdp.query(actorOf(req).shopId, req.body));

  app.post('/analytics/people', { config: readPost, schema: { tags, summary: 'The people behind a number of an analysis (first 200)', body: PeopleBody } }, async (req) =>
    d.cdp.people(actorOf(req).shopId, req.body.query, req.body.select));

  app.post('/analytics/people/group', { config: { permission: 'customers:write' as const }, schema: { tags, summary: 'Save the customers among those people as a static customer group', body: SaveGroupBody } }, async (req, reply) => {
    const saved = await d.cdp.saveGroup(actorOf(req), req.body.query, req.body.select, req.body.name);
    req.audit = { entity: 'customer_group', entityId: saved.group.id, after: { ...saved, query: req.body.query, select: req.body.select } };
    return reply.status(201).send(saved);
  });

  app.post('/analytics/export', { config: readPost, schema: { tags, summary: 'An analysis result as an Excel file', body: z.object({ query: AnalysisQuery }).strict() } }, async (req, reply) => {
    const result = await d.cdp.query(actorOf(req).shopId, req.body.query);
    const { name, data } = await resultXlsx(req.body.query, result);
    reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    reply.header('content-disposition', `attachment; filename="analysis.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}.xlsx`);
    return reply.send(data);
  });

  app.get('/analytics/events', { config: read, schema: { tags, summary: 'Event names seen in the last 90 days' } }, async (req) => d.cdp.eventNames(actorOf(req).shopId));

  app.get('/analytics/properties', { config: read, schema: { tags, summary: 'Property names of an event', querystring: z.object({ event: EventName }).strict() } }, async (req) =>
    d.cdp.propertyNames(actorOf(req).shopId, req.query.event));

  app.get('/analytics/dashboard', { config: read, schema: { tags, summary: 'Core metrics (核心看板) over a date range', querystring: DashboardQuery } }, async (req) =>
    d.cdp.dashboard(actorOf(req).shopId, req.query.from, req.query.to));

  app.get('/analytics/status', { config: read, schema: { tags, summary: 'Events stored and waiting to be loaded' } }, async (req) => d.cdp.status(actorOf(req).shopId));

  app.get('/analytics/insights', { config: read, schema: { tags, summary: 'Saved insights' } }, async (req) => d.cdp.insights(actorOf(req).shopId));

  app.post('/analytics/insights', { config: write, schema: { tags, summary: 'Save an insight', body: InsightBody } }, async (req, reply) => {
    const insight = await d.cdp.saveInsight(actorOf(req), req.body);
    req.audit = { entity: 'insight', entityId: insight.id, after: insight };
    return reply.status(201).send(insight);
  });

  app.put('/analytics/insights/:id', { config: write, schema: { tags, summary: 'Change a saved insight', params: IdParams, body: InsightBody } }, async (req) => {
    const insight = await d.cdp.saveInsight(actorOf(req), req.body, req.params.id);
    req.audit = { entity: 'insight', entityId: insight.id, after: insight };
    return insight;
  });

  app.delete('/analytics/insights/:id', { config: write, schema: { tags, summary: 'Delete a saved insight', params: IdParams } }, async (req, reply) => {
    const before = await d.cdp.removeInsight(actorOf(req).shopId, req.params.id);
    req.audit = { entity: 'insight', entityId: before.id, before };
    return reply.status(204).send();
  });

  app.get('/analytics/write-keys', { config: { permission: 'self:read' as const }, schema: { tags, summary: 'Write keys for sending events (Segment-compatible)' } }, async (req) => ({
    items: await d.cdp.keys.list(actorOf(req).shopId),
    endpoint: `${d.publicUrl()}/v1`,
  }));

  app.post('/analytics/write-keys', { config: write, schema: { tags, summary: 'Create a write key', body: WriteKeyBody } }, async (req, reply) => {
    const key = await d.cdp.keys.create(actorOf(req).shopId, req.body.name);
    req.audit = { entity: 'write_key', entityId: key.id, after: { id: key.id, name: key.name } };
    return reply.status(201).send(key);
  });

  app.delete('/analytics/write-keys/:id', { config: write, schema: { tags, summary: 'Revoke a write key', params: IdParams } }, async (req, reply) => {
    const before = await d.cdp.keys.revoke(actorOf(req).shopId, req.params.id);
    req.audit = { entity: 'write_key', entityId: before.id, before: { id: before.id, name: before.name } };
    return reply.status(204).send();
  });

  app.get('/customers/:id/profile', { config: { permission: 'customers:read' as const }, schema: { tags, summary: "A customer's person: identities, traits, first and last seen", params: IdParams } }, async (req) =>
    d.cdp.profile(actorOf(req).shopId, req.params.id));

  app.get('/customers/:id/events', { config: read, schema: { tags, summary: "A customer's event timeline, newest first", params: IdParams, querystring: TimelineQuery } }, async (req) =>
    d.cdp.timeline(actorOf(req).shopId, req.params.id, req.query.before, req.query.limit));
};
