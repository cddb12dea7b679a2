import type { FastifyInstance } from 'fastify';
import { sandboxPlugin } from '@siyu/sandbox';
import type { Platform } from '../platform/context.js';
import { installStoreScope } from '../platform/http/store-scope.js';
import type { Services } from './container.js';

/**
 * Where each module's routes are mounted. `admin` runs inside the /api/admin scope (staff auth and
 * permissions already enforced); `store` inside /api/store/:shop (shop resolved, customer if signed in);
 * `public` mounts payment callbacks, media and the sandbox.
 */
export const registerModuleRoutes = {
  async admin(admin: FastifyInstance, p: Platform, s: Services) {
    void admin;
    void p;
    void s;
  },
  async store(store: FastifyInstance, p: Platform, s: Services) {
    void store;
    void p;
    void s;
  },
  async public(app: FastifyInstance, p: Platform, s: Services) {
    await app.register(
      async (store) => {
        installStoreScope(store, s.tenancy, resolveCustomer(s));
        await registerModuleRoutes.store(store, p, s);
      },
      { prefix: '/api/store/:shop' },
    );
    if (p.config.SANDBOX) {
      await app.register(sandboxPlugin, { prefix: '/sandbox', baseUrl: () => `${p.selfUrl()}/sandbox` });
    }
  },
};

/** Until the customers module is wired in, no bearer token is a valid customer. */
function resolveCustomer(s: Services) {
  void s;
  return async () => null;
}
