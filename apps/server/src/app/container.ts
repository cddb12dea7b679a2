import type { Platform } from '../platform/context.js';
import { AuthService } from '../platform/auth/service.js';
import { TenancyService } from '../platform/tenancy/service.js';

/**
 * The composition root: every service, built once, in dependency order. Modules reach each other only
 * through the services passed in here (or through domain events).
 */
export async function createServices(p: Platform) {
  const tenancy = new TenancyService(p);
  const auth = new AuthService(p);
  return { tenancy, auth };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
