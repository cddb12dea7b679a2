import type { Platform } from '../../platform/context.js';
import type { ChannelAccounts } from './accounts.js';
import type { BroadcastService } from './broadcasts.js';
import type { Dispatcher } from './dispatcher.js';
import type { OfficialAccountService } from './official-account.js';
import { registerReminders } from './reminders.js';
import type { MessagingService } from './service.js';

/** How long one dispatch job keeps taking batches before it lets the next slot run. */
const DISPATCH_SLICE_MS = 20_000;

export function registerMessagingJobs(
  p: Platform,
  d: { messaging: MessagingService; dispatcher: Dispatcher; accounts: ChannelAccounts; oa: OfficialAccountService; broadcasts: BroadcastService },
) {
  registerReminders(p, d.messaging);

  // The schedule starts a dispatch job every second and each keeps taking batches for a slice, so without a
  // bound some twenty would run at once in a worker, queueing for its connections and each other's rows and
  // taking the job slots the broadcast fan-out needs. At most MESSAGING_CONCURRENCY run; the others end at once.
  let dispatching = 0;
  p.jobs.register('messaging.dispatch', async () => {
    if (dispatching >= p.config.MESSAGING_CONCURRENCY) return;
    dispatching++;
    try {
      const until = Date.now() + DISPATCH_SLICE_MS;
      while (Date.now() < until && (await d.dispatcher.runBatch()) > 0);
    } finally {
      dispatching--;
    }
  });
  p.jobs.schedule('messaging.dispatch', 1_000, 'messaging.dispatch');

  p.jobs.register('messaging.maintain', async () => {
    await d.dispatcher.recoverStale();
    await d.broadcasts.finishDone();
  });
  p.jobs.schedule('messaging.maintain', 15_000, 'messaging.maintain');

  p.jobs.register('messaging.token-refresh', async () => {
    await d.accounts.refreshDue();
  });
  p.jobs.schedule('messaging.token-refresh', 60_000, 'messaging.token-refresh');

  p.jobs.register('messaging.mp-link-follower', async (j: { accountId: string; openid: string; qrId: string | null }) => d.oa.linkFollower(j.accountId, j.openid, j.qrId));
  p.jobs.register('messaging.broadcast-prepare', async (j: { shopId: string; id: string }) => d.broadcasts.prepare(j.shopId, j.id));
  p.jobs.register('messaging.broadcast-fanout', async (j: { shopId: string; id: string; after: number }) => d.broadcasts.fanout(j.shopId, j.id, j.after));

  // A customer who signs in with WeChat may have followed the account before: link and tag them now.
  p.events.subscribe('customer.registered', 'messaging.link-follower', async (event, tx) => {
    const { customerId } = event.payload as { customerId: string };
    await p.jobs.send('messaging.link-customer', { shopId: event.shopId, customerId }, { tx });
  });
  p.jobs.register('messaging.link-customer', async (j: { shopId: string; customerId: string }) => {
    await d.oa.linkCustomer(j.shopId, j.customerId);
  });
  p.events.subscribe('order.paid', 'messaging.broadcast-attribution', async (event, tx) => {
    const e = event.payload as { customerId: string; paidFen: number };
    await d.broadcasts.attributeOrder(tx, event.shopId!, e.customerId, e.paidFen, new Date(event.createdAt));
  });
}
