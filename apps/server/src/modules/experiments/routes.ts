import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createHash } from 'node:crypto';
import { ExperimentBody, FlagExposuresBody, FlagsQuery } from '@siyu/contracts';
import { actorOf } from '../../platform/http/admin-auth.js';
import { shopOf } from '../../platform/http/store-scope.js';
import type { ExperimentService } from './service.js';

const IdParams = z.object({ id: z.uuid() });

/** A/B 实验 in the console. Mounted under /api/admin. */
export const experimentAdminRoutes: FastifyPluginAsyncZod<{ experiments: ExperimentService }> = async (app, d) => {
  const tags = ['experiments'];
  const read = { permission: 'analytics:read' as const };
  const write = { permission: 'analytics:write' as const };

  app.get('/experiments', { config: read, schema: { tags, summary: 'Experiments with their status and exposed devices' } }, async (req) => d.experiments.list(actorOf(req).shopId));

  app.post('/experiments', { config: write, schema: { tags, summary: 'Create an experiment (a draft)', body: ExperimentBody } }, async (req, reply) => {
    const e = await d.experiments.create(actorOf(req), req.body);
    req.audit = { entity: 'experiment', entityId: e.id, after: e };
    return reply.status(201).send(e);
  });

  app.get('/experiments/:id', { config: read, schema: { tags, summary: 'An experiment', params: IdParams } }, async (req) => d.experiments.get(actorOf(req).shopId, req.params.id));

  app.put('/experiments/:id', { config: write, schema: { tags, summary: 'Change an experiment (variants are fixed once started)', params: IdParams, body: ExperimentBody } }, async (req) => {
    const { before, after } = await d.experiments.update(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'experiment', entityId: after.id, before, after };
    return after;
  });

  app.post('/experiments/:id/start', { config: write, schema: { tags, summary: 'Start assigning visitors', params: IdParams } }, async (req) => {
    const e = await d.experiments.start(actorOf(req), req.params.id);
    req.audit = { entity: 'experiment', entityId: e.id, after: { status: e.status } };
    return e;
  });

  app.post('/experiments/:id/stop', {
    config: write,
    schema: { tags, summary: 'Stop, and ship one variant to everyone (or keep the control)', params: IdParams, body: z.object({ ship: z.string().max(40).nullable().default(null) }).strict() },
  }, async (req) => {
    const e = await d.experiments.stop(actorOf(req), req.params.id, req.body.ship);
    req.audit = { entity: 'experiment', entityId: e.id, after: { status: e.status, shippedVariant: e.shippedVariant } };
    return e;
  });

  app.get('/experiments/:id/results', { config: read, schema: { tags, summary: 'Per-variant conversion and revenue with intervals, chance to win, CUPED and the SRM check', params: IdParams } }, async (req) =>
    d.experiments.results(actorOf(req).shopId, req.params.id));
};

/** The storefront's feature flags for this visitor. Mounted under /api/store/:shop. */
export const experimentStoreRoutes: FastifyPluginAsyncZod<{ experiments: ExperimentService }> = async (app, d) => {
  app.get('/flags', { schema: { tags: ['storefront'], summary: 'Feature flags (experiment variants) for this device and customer', querystring: FlagsQuery } }, async (req) =>
    d.experiments.flags(shopOf(req).id, { anonymousId: req.query.device, customerId: req.customer?.id }));

  // The same answer for every anonymous visitor, so browsers and CDNs may keep it (revalidated by ETag).
  app.get('/flags/config', { schema: { tags: ['storefront'], summary: 'Live experiments for an SDK that evaluates flags itself' } }, async (req, reply) => {
    const config = await d.experiments.config(shopOf(req).id, req.customer?.id);
    const etag = `"${createHash('sha1').update(JSON.stringify(config)).digest('base64url')}"`;
    reply.header('ETag', etag).header('Cache-Control', req.customer ? 'private, no-cache' : 'public, max-age=30');
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    return config;
  });

  app.post('/flags/exposures', { schema: { tags: ['storefront'], summary: 'Variants the SDK showed: checked against the server’s assignment and recorded once', body: FlagExposuresBody } }, async (req) =>
    d.experiments.recordExposures(shopOf(req).id, { anonymousId: req.body.device, customerId: req.customer?.id }, req.body.exposures));
};
