import type { Platform } from '../../platform/context.js';
import type { CustomersService } from './service.js';

/** Ended customer sessions are removed daily; nothing reads them after expiry. */
export function registerCustomerJobs(p: Platform, customers: CustomersService) {
  p.jobs.register('customers.purge-sessions', async () => {
    await customers.purgeExpiredSessions();
  });
  p.jobs.schedule('customers.purge-sessions', 24 * 3600_000, 'customers.purge-sessions');
}
