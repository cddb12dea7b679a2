import type { Platform } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { sql } from '../../platform/db/index.js';
import { registerServerEvents } from './server-events.js';
import type { CdpService } from './service.js';

export function registerCdpJobs(p: Platform, cdp: CdpService, d: { isMember: (db: Db, shopId: string, customerId: string) => Promise<boolean> }) {
  registerServerEvents(p, cdp.inbox, d.isMember);
  // Inbox rows are the messageId memory: a replay within 7 days of loading counts once. Older loaded rows go.
  p.jobs.register('cdp.inbox-cleanup', async () => {
    await p.db.execute(sql`
      DELETE FROM cdp_inbox i USING cdp_loader l
      WHERE l.name = 'events' AND i.received_at < now() - interval '7 days' AND (i.xid, i.id) <= (l.xid, l.last_id)`);
  });
  p.jobs.schedule('cdp.inbox-cleanup', 3600_000, 'cdp.inbox-cleanup');
}
