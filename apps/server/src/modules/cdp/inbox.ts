import type { Db } from '../../platform/db/index.js';
import { Prepared } from '../../platform/db/prepared.js';
import type { Platform } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import type { InboxEvent } from './segment.js';

interface Pending {
  shopId: string;
  events: InboxEvent[];
  resolve(r: { accepted: number; duplicates: number }): void;
  reject(err: unknown): void;
}

// One statement for any number of rows from any number of requests: the arrays are parameters, so it
// is parsed and planned once per connection. A replayed messageId hits the unique key and is skipped.
const INSERT = new Prepared<{ message_id: string; shop_id: string }>(
  'cdp.inbox.insert',
  `INSERT INTO cdp_inbox (shop_id, message_id, body)
   SELECT s, m, b FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(s, m, b)
   ON CONFLICT (shop_id, message_id) DO NOTHING
   RETURNING shop_id, message_id`,
);

/**
 * Accepting events: a request's events are durable in PostgreSQL before it is answered, and requests
 * arriving together share one INSERT and one commit (group commit). When more events wait than one
 * flush can take (`maxPending`), new requests are refused with 429 rather than queued without bound:
 * a client retries a 429, while an event accepted and then lost on a crash is gone for good.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private queued = 0;
  private flushing = false;

  constructor(
    private p: Platform,
    private opts: { maxPending: number; maxRowsPerFlush: number },
  ) {}

  get pending() {
    return this.queued;
  }

  write(shopId: string, events: InboxEvent[]): Promise<{ accepted: number; duplicates: number }> {
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    if (this.queued + events.length > this.opts.maxPending) {
      this.p.metrics.domain.inc({ type: 'cdp.ingest_shed' });
      throw new AppError(429, 'INGEST_BUSY', 'Too many events waiting; retry shortly', { retryAfterSeconds: 1 });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ shopId, events, resolve, reject });
      this.queued += events.length;
      if (!this.flushing) void this.flush();
    });
  }

  /** Writes server-side events in the caller's transaction (the outbox subscriber's). */
  async writeIn(tx: Db, shopId: string, events: InboxEvent[]) {
    if (events.length === 0) return;
    await INSERT.run(tx, [events.map(() => shopId), events.map((e) => e.messageId), events.map((e) => JSON.stringify(e))]);
  }

  private async flush() {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch: Pending[] = [];
        let rows = 0;
        while (this.queue.length && (rows === 0 || rows + this.queue[0]!.events.length <= this.opts.maxRowsPerFlush)) {
          const next = this.queue.shift()!;
          batch.push(next);
          rows += next.events.length;
        }
        this.queued -= rows;
        const shops: string[] = [];
        const ids: string[] = [];
        const bodies: string[] = [];
        // The same messageId twice in one flush would be two rows for one key: the first one wins.
        const seen = new Set<string>();
        const mine: number[][] = batch.map(() => []);
        batch.forEach((req, r) => {
          for (const e of req.events) {
            const k = `${req.shopId}|${e.messageId}`;
            if (seen.has(k)) continue;
            seen.add(k);
            mine[r]!.push(ids.length);
            shops.push(req.shopId);
            ids.push(e.messageId);
            bodies.push(JSON.stringify(e));
          }
        });
        try {
          const inserted = await INSERT.run(this.p.db, [shops, ids, bodies]);
          const fresh = new Set(inserted.map((x) => `${x.shop_id}|${x.message_id}`));
          batch.forEach((req, r) => {
            const accepted = mine[r]!.filter((i) => fresh.has(`${shops[i]}|${ids[i]}`)).length;
            req.resolve({ accepted, duplicates: req.events.length - accepted });
          });
          this.p.metrics.domain.inc({ type: 'cdp.event_accepted' }, inserted.length);
        } catch (err) {
          for (const req of batch) req.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
