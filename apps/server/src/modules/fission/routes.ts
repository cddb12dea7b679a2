import type { FastifyInstance } from 'fastify';
import type { Fission } from './index.js';
import { groupbuyAdminRoutes, groupbuyStoreRoutes } from './groupbuy/routes.js';
import { bargainAdminRoutes, bargainStoreRoutes } from './bargain/routes.js';
import { distributionAdminRoutes, distributionStoreRoutes } from './distribution/routes.js';
import { shareAdminRoutes, shareStoreRoutes } from './share/routes.js';
import { inviteAdminRoutes, inviteStoreRoutes } from './invite/routes.js';
import { leaderAdminRoutes, leaderStoreRoutes } from './leaders/routes.js';

export async function fissionAdminRoutes(admin: FastifyInstance, fission: Fission) {
  for (const r of [groupbuyAdminRoutes, bargainAdminRoutes, distributionAdminRoutes, shareAdminRoutes, inviteAdminRoutes, leaderAdminRoutes]) await admin.register(r, { fission });
}

export async function fissionStoreRoutes(store: FastifyInstance, fission: Fission) {
  for (const r of [groupbuyStoreRoutes, bargainStoreRoutes, distributionStoreRoutes, shareStoreRoutes, inviteStoreRoutes, leaderStoreRoutes]) await store.register(r, { fission });
}
