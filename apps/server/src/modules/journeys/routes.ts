import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { JourneyBody, JourneyFromPlaybookBody, JourneyStatsQuery, JourneyTestRunBody } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { notFound } from '../../platform/errors.js';
import { PLAYBOOKS, playbookList } from './playbooks.js';
import type { JourneyService } from './service.js';

const IdParams = z.object({ id: z.uuid() });

/** 自动化营销 in the console. Mounted under /api/admin. */
export const journeyAdminRoutes: FastifyPluginAsyncZod<{ journeys: JourneyService }> = async (app, d) => {
  const tags = ['journeys'];
  const read = { permission: 'journeys:read' as const };
  const write = { permission: 'journeys:write' as const };

  app.get('/journeys', { config: read, schema: { tags, summary: 'Journeys with their status and counts' } }, async (req) => d.journeys.list(actorOf(req).shopId));
  app.get('/journeys/playbooks', { config: read, schema: { tags, summary: 'Ready journeys (abandoned cart, welcome, care reminder …)' } }, async () => ({ items: playbookList() }));
  app.post('/journeys', { config: write, schema: { tags, summary: 'Create a draft journey', body: JourneyBody } }, async (req, reply) => {
    const created = await d.journeys.create(actorOf(req), req.body);
    req.audit = { entity: 'journey', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });
  app.post('/journeys/from-playbook', { config: write, schema: { tags, summary: 'Create a draft from a playbook', body: JourneyFromPlaybookBody } }, async (req, reply) => {
    const playbook = PLAYBOOKS.find((p) => p.key === req.body.key);
    if (!playbook) throw notFound('Playbook', { field: 'key' });
    const created = await d.journeys.create(actorOf(req), playbook.body);
    req.audit = { entity: 'journey', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });
  app.get('/journeys/:id', { config: read, schema: { tags, summary: 'A journey: its current definition and versions', params: IdParams } }, async (req) => d.journeys.get(actorOf(req).shopId, req.params.id));
  app.put('/journeys/:id', { config: write, schema: { tags, summary: 'Edit a journey (a live one gets a new version)', params: IdParams, body: JourneyBody } }, async (req) => {
    const { before, after } = await d.journeys.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'journey', entityId: after.id, before, after };
    return after;
  });
  app.post('/journeys/:id/publish', { config: write, schema: { tags, summary: 'Publish a draft: customers start entering', params: IdParams } }, async (req) => {
    const { before, after } = await d.journeys.publish(actorOf(req), req.params.id);
    req.audit = { entity: 'journey', entityId: after.id, before, after };
    return after;
  });
  for (const action of ['pause', 'resume', 'end'] as const) {
    app.post(`/journeys/:id/${action}`, { config: write, schema: { tags, summary: `${action[0]!.toUpperCase()}${action.slice(1)} a journey`, params: IdParams } }, async (req) => {
      const { before, after } = await d.journeys.setStatus(actorOf(req), req.params.id, action);
      req.audit = { entity: 'journey', entityId: after.id, before, after };
      return after;
    });
  }
  app.get('/journeys/:id/stats', { config: read, schema: { tags, summary: 'Per-node counts and the treatment vs holdout result', params: IdParams, querystring: JourneyStatsQuery } }, async (req) => {
    const shopId = actorOf(req).shopId;
    const [stats, result] = await Promise.all([d.journeys.stats(shopId, req.params.id, req.query.version), d.journeys.result(shopId, req.params.id, req.query.version)]);
    return { ...stats, result };
  });
  app.post('/journeys/:id/test-run', { config: write, schema: { tags, summary: 'Run the journey for one customer now, waits skipped (not counted)', params: IdParams, body: JourneyTestRunBody } }, async (req) => {
    const run = await d.journeys.testRun(actorOf(req), req.params.id, req.body.customerId);
    req.audit = { entity: 'journey', entityId: req.params.id, after: { testRun: run.instanceId, customerId: req.body.customerId } };
    return run;
  });
};
