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
  private inFlight = 0;

  constructor(
    private p: Platform,
    private opts: { maxPending: number; maxRowsPerFlush: number; maxInFlight: number },
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
      this.flush();
    });
  }

  /** Writes server-side events in the caller's transaction (the outbox subscriber's). */
  async writeIn(tx: Db, shopId: string, events: InboxEvent[]) {
    if (events.length === 0) return;
    await INSERT.run(tx, [events.map(() => shopId), events.map((e) => e.messageId), events.map((e) => JSON.stringify(e))]);
  }

  /**
   * Takes what is queued as one INSERT; up to `maxInFlight` INSERTs run at once (PostgreSQL commits them in
   * parallel; PGlite has one connection, so one). A request is answered when its INSERT has committed.
   */
  private flush() {
    while (this.queue.length && this.inFlight < this.opts.maxInFlight) {
      const batch: Pending[] = [];
      let rows = 0;
      while (this.queue.length && (rows === 0 || rows + this.queue[0]!.events.length <= this.opts.maxRowsPerFlush)) {
        const next = this.queue.shift()!;
        batch.push(next);
        rows += next.events.length;
      }
      this.queued -= rows;
      this.inFlight++;
      void this.insert(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async insert(batch: Pending[]) {
    // The same messageId twice in one INSERT would be two rows for one key: the first one wins. Rows go
    // in key order, so two INSERTs running at once that share keys (a client's retry) take the unique
    // index's locks in the same order and never deadlock.
    const rows = new Map<string, { shopId: string; event: InboxEvent; request: number }>();
    batch.forEach((req, r) => {
      for (const e of req.events) {
        const k = `${req.shopId}|${e.messageId}`;
        if (!rows.has(k)) rows.set(k, { shopId: req.shopId, event: e, request: r });
      }
    });
    const keys = [...rows.keys()].sort();
    const shops = keys.map((k) => rows.get(k)!.shopId);
    const ids = keys.map((k) => rows.get(k)!.event.messageId);
    const bodies = keys.map((k) => JSON.stringify(rows.get(k)!.event));
    try {
      const inserted = await INSERT.run(this.p.db, [shops, ids, bodies]);
      const accepted = batch.map(() => 0);
      for (const x of inserted) accepted[rows.get(`${x.shop_id}|${x.message_id}`)!.request]!++;
      batch.forEach((req, r) => req.resolve({ accepted: accepted[r]!, duplicates: req.events.length - accepted[r]! }));
      this.p.metrics.domain.inc({ type: 'cdp.event_accepted' }, inserted.length);
    } catch (err) {
      for (const req of batch) req.reject(err);
    }
  }
}
