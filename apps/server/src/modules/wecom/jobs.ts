import type { Platform } from '../../platform/context.js';
import { sql } from '../../platform/db/index.js';
import { CALLBACK_QUEUE, WELCOME_QUEUE } from './callbacks.js';
import { SOP_QUEUE } from './group-sops.js';
import { HANDOVER_POLL_QUEUE, HANDOVER_SEND_QUEUE } from './handover.js';
import { registerReminderJobs } from './reminders.js';
import { registerMassJobs } from './mass-jobs.js';
import type { WecomService } from './service.js';

/** How often each corp's staff, tags and relations are pulled again, for whatever a callback missed. */
const RESYNC_EVERY_MS = 6 * 3600_000;

export function registerWecomJobs(p: Platform, w: WecomService) {
  registerMassJobs(p, w.mass, w.moments);
  // Welcomes first of all (a welcome code expires 20 s after the add), then callbacks ahead of ordinary work.
  p.jobs.register(WELCOME_QUEUE, async (j: { id: string }) => w.callbacks.sendWelcome(j.id), { priority: 20 });
  p.jobs.register(CALLBACK_QUEUE, async (j: { id: string }) => w.callbacks.process(j.id), { priority: 10 });

  p.jobs.register('wecom.sync-staff', async (j: { shopId: string; runId: string }) => w.staff.sync(j.shopId, j.runId));
  p.jobs.register('wecom.resync-all', async () => {
    for (const c of await w.corps.allCorps()) await w.staff.requestSync(c.shopId);
  });
  p.jobs.schedule('wecom.resync-all', RESYNC_EVERY_MS, 'wecom.resync-all');

  // WeCom retries an event within seconds, so a month of stored callbacks is ample for de-duplication and
  // for looking into what happened; failed ones stay until they are worked.
  p.jobs.register('wecom.cleanup', async () => {
    await p.db.execute(sql`DELETE FROM wecom_callbacks WHERE processed_at < now() - interval '30 days'`);
    await p.db.execute(sql`DELETE FROM wecom_sync_runs WHERE finished_at < now() - interval '30 days'`);
  });
  p.jobs.schedule('wecom.cleanup', 24 * 3600_000, 'wecom.cleanup');

  p.jobs.register('wecom.token-refresh', async () => {
    await w.corps.refreshDue();
  });
  p.jobs.schedule('wecom.token-refresh', 60_000, 'wecom.token-refresh');

  // Schedules are minute-grained: a code's members move within a minute of a schedule's start or end.
  p.jobs.register('wecom.codes-rotate', async () => {
    await w.codes.rotate();
  });
  p.jobs.schedule('wecom.codes-rotate', 60_000, 'wecom.codes-rotate');

  // A customer who signs in with WeChat may have added a staff member before: their contact is theirs now.
  p.events.subscribe('customer.registered', 'wecom.link-contact', async (event, tx) => {
    const { customerId } = event.payload as { customerId: string };
    await p.jobs.send('wecom.link-customer', { shopId: event.shopId, customerId }, { tx });
  });
  p.jobs.register('wecom.link-customer', async (j: { shopId: string; customerId: string }) => {
    await w.relations.linkCustomer(j.shopId, j.customerId);
  });
  p.events.subscribe('customer.merged', 'wecom.move-customer', async (event, tx) => {
    const e = event.payload as { fromCustomerId: string; intoCustomerId: string };
    await w.relations.moveCustomer(tx, event.shopId!, e.fromCustomerId, e.intoCustomerId);
  });
  p.events.subscribe('order.paid', 'wecom.code-attribution', async (event, tx) => {
    const e = event.payload as { customerId: string; paidFen: number };
    await w.relations.attributeOrder(tx, event.shopId!, e.customerId, e.paidFen, new Date(event.createdAt));
  });

  // Handovers: sending resumes where a dead worker left it; results are polled until each customer is
  // settled (WeCom completes a transfer within 24 h, so every 10 minutes is prompt enough and cheap).
  p.jobs.register(HANDOVER_SEND_QUEUE, async (j: { handoverId: string }) => w.handovers.send(j.handoverId));
  p.jobs.register(HANDOVER_POLL_QUEUE, async (j: { handoverId?: string }) => {
    if (j.handoverId) await w.handovers.poll(j.handoverId);
    else await w.handovers.pollAll();
  });
  p.jobs.schedule('wecom.handover-poll', 10 * 60_000, HANDOVER_POLL_QUEUE);

  registerReminderJobs(p, w.reminders);

  // Group SOP steps are minute-grained (a Beijing day and HH:MM).
  p.jobs.register(SOP_QUEUE, async () => {
    await w.groupSops.tick();
  });
  p.jobs.schedule(SOP_QUEUE, 60_000, SOP_QUEUE);
}
