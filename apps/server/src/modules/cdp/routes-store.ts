import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { shopOf } from '../../platform/http/store-scope.js';
import type { CdpService } from './service.js';

/** The storefront's tracking set-up. Mounted under /api/store/:shop. */
export const cdpStoreRoutes: FastifyPluginAsyncZod<{ cdp: CdpService }> = async (app, d) => {
  app.get('/analytics/config', { schema: { tags: ['storefront'], summary: "The shop's write key for the tracking SDK" } }, async (req) => ({
    writeKey: await d.cdp.keys.storefrontKey(shopOf(req).id),
    endpoint: '/v1',
  }));
};
