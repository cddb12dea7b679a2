import type { Database, Db } from '../db/index.js';
import { rows, sql } from '../db/index.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../logger.js';

export interface DomainEvent<P = Record<string, unknown>> {
  id: number;
  shopId: string | null;
  type: string;
  payload: P;
  createdAt: string;
}

/** A subscriber's handler runs inside a transaction that also records the event as processed. */
export type Subscriber = (event: DomainEvent<any>, tx: Db) => Promise<void>;

/**
 * Domain events through a transactional outbox. `emit` writes the event in the caller's transaction;
 * the dispatcher (on worker processes) turns each event into one job per subscriber, and each job
 * runs the subscriber with exactly-once effect thanks to `processed_events`.
 */
export class EventBus {
  private subscribers = new Map<string, { name: string; handler: Subscriber }[]>();
  private byName = new Map<string, Subscriber>();

  constructor(
    private database: Database,
    private jobs: JobQueue,
    private log: Logger,
  ) {}

  async emit(tx: Db, event: { shopId: string | null; type: string; payload: Record<string, unknown> }) {
    await tx.execute(sql`
      INSERT INTO outbox_events (shop_id, type, payload)
      VALUES (${event.shopId}, ${event.type}, ${JSON.stringify(event.payload)}::jsonb)`);
  }

  /** `name` must be unique and stable: it is the idempotency key of the subscriber across deploys. */
  subscribe(type: string, name: string, handler: Subscriber) {
    if (this.byName.has(name)) throw new Error(`duplicate subscriber ${name}`);
    const list = this.subscribers.get(type) ?? [];
    list.push({ name, handler });
    this.subscribers.set(type, list);
    this.byName.set(name, handler);
    this.jobs.register(`event:${name}`, async (payload: { eventId: number }) => {
      await this.deliver(name, handler, payload.eventId);
    });
  }

  private async deliver(name: string, handler: Subscriber, eventId: number) {
    await this.database.transaction(async (tx) => {
      const fresh = await rows(tx, sql`
        INSERT INTO processed_events (subscriber, event_id) VALUES (${name}, ${eventId})
        ON CONFLICT DO NOTHING RETURNING event_id`);
      if (fresh.length === 0) return;
      const [ev] = await rows<{ id: number; shop_id: string | null; type: string; payload: Record<string, unknown>; created_at: Date | string }>(
        tx,
        sql`SELECT id, shop_id, type, payload, created_at FROM outbox_events WHERE id = ${eventId}`,
      );
      if (!ev) return;
      await handler(
        { id: Number(ev.id), shopId: ev.shop_id, type: ev.type, payload: ev.payload, createdAt: new Date(ev.created_at).toISOString() },
        tx,
      );
    });
  }

  /** Moves pending outbox rows to subscriber jobs. Safe to run in many processes at once. */
  async dispatch(batch = 200): Promise<number> {
    return this.database.transaction(async (tx) => {
      const pending = await rows<{ id: number; type: string }>(tx, sql`
        SELECT id, type FROM outbox_events WHERE dispatched_at IS NULL
        ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED`);
      for (const ev of pending) {
        for (const sub of this.subscribers.get(ev.type) ?? []) {
          await this.jobs.send(`event:${sub.name}`, { eventId: Number(ev.id) }, { tx, singletonKey: String(ev.id) });
        }
      }
      if (pending.length) {
        await tx.execute(sql`UPDATE outbox_events SET dispatched_at = now()
          WHERE id IN (${sql.join(pending.map((p) => sql`${p.id}`), sql`, `)})`);
        this.log.debug({ n: pending.length }, 'dispatched events');
      }
      return pending.length;
    });
  }
}
