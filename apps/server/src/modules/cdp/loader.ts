import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import type { AnalyticsEngine, EngineEvent } from './engine/types.js';
import { IdentityPage, type IdKind, type Merge } from './identity.js';
import type { InboxEvent } from './segment.js';

const LOCK_KEY = 0x5c0d_0001;

interface InboxRow {
  id: string;
  shop_id: string;
  body: string;
  xid: string;
}

/**
 * Moves accepted events from the inbox into the analytics engine, resolving each to its person on the
 * way. Order of a page, so a crash anywhere repeats work but never loses or doubles it:
 *   1. identity changes (new persons, identify/alias/merge) commit in PostgreSQL, with the merges the
 *      engine still has to apply recorded in cdp_pending_reassign;
 *   2. the engine gets the events it does not have yet (it knows them by inbox id) and the merges;
 *   3. the watermark moves and the pending merges are cleared.
 * Only rows whose writing transaction has ended are read (`xid` below the oldest running one), so a row
 * that commits late is never passed over.
 */
export class EventLoader {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  lastLoadedAt: Date | null = null;

  constructor(
    private p: Platform,
    private engine: AnalyticsEngine,
    private opts: {
      pageSize: number;
      idleMs: number;
      customersAmong: (shopId: string, ids: string[], db: Db) => Promise<Set<string>>;
      /** Told of the persons whose events a page loaded (segments re-evaluate their customers). */
      onLoaded?: (shopId: string, personIds: string[]) => Promise<void>;
    },
  ) {}

  start() {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let n = 0;
        try {
          n = await this.loadPage();
        } catch (err) {
          this.p.log.error({ err }, 'event loader page failed; retrying');
        }
        if (n < this.opts.pageSize && this.running) await new Promise<void>((r) => ((this.wake = r), setTimeout(r, this.opts.idleMs)));
      }
    })();
  }

  async stop() {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /**
   * Loads until nothing committed is left beyond the watermark (tests, and the bench's final count). A row
   * can be committed and still not readable yet: while an older transaction anywhere in the cluster runs,
   * the page query waits for it (see above), so drain waits too.
   */
  async drain() {
    for (;;) {
      if ((await this.loadPage()) > 0) continue;
      const [left] = await rows<{ n: number }>(
        this.p.db,
        sql`SELECT count(*)::int AS n FROM cdp_inbox i, cdp_loader l WHERE l.name = 'events' AND (i.xid, i.id) > (l.xid, l.last_id)`,
      );
      if (!left || left.n === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One page at a time in this process (the background loop and drain()), and across processes by the lock. */
  loadPage(): Promise<number> {
    const run = this.turn.then(() => this.p.database.exclusive(LOCK_KEY, () => this.loadPageLocked(), 'schema'));
    this.turn = run.catch(() => undefined);
    return run;
  }
  private turn: Promise<unknown> = Promise.resolve();

  private async loadPageLocked(): Promise<number> {
    await this.applyPendingMerges();
    const [mark] = await rows<{ xid: string; last_id: string }>(this.p.db, sql`SELECT xid::text AS xid, last_id::text AS last_id FROM cdp_loader WHERE name = 'events'`);
    const page = await rows<InboxRow>(
      this.p.db,
      // Ordered by the columns, not the text aliases: text order would put 1000 before 931 and move the
      // watermark past rows not read yet. The (xid, id) index gives this order without a sort.
      sql`SELECT i.id::text AS id, i.shop_id, i.body, i.xid::text AS xid FROM cdp_inbox i
          WHERE (i.xid, i.id) > (${mark!.xid}::xid8, ${mark!.last_id}::bigint) AND i.xid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY i.xid, i.id LIMIT ${this.opts.pageSize}`,
    );
    if (page.length === 0) return 0;
    const byShop = new Map<string, { id: number; e: InboxEvent }[]>();
    for (const r of page) {
      const list = byShop.get(r.shop_id) ?? [];
      list.push({ id: Number(r.id), e: JSON.parse(r.body) as InboxEvent });
      byShop.set(r.shop_id, list);
    }
    const events: EngineEvent[] = [];
    const merges: (Merge & { shopId: string })[] = [];
    await this.p.database.transaction(async (tx) => {
      events.length = 0;
      merges.length = 0;
      for (const [shopId, list] of byShop) {
        const ids = new IdentityPage(tx, shopId);
        const refs = list.flatMap(({ e }) => distinctIds(e));
        await ids.preload(refs);
        // Ids that only plain events carry become persons in bulk; identify/alias/merge see them first.
        await ids.createMissing(list.filter(({ e }) => e.type !== 'identify' && e.type !== 'alias' && e.type !== 'merge').map(({ e }) => primaryId(e)));
        for (const { id, e } of list) {
          if (e.type === 'merge') {
            await ids.mergeCustomers(e.fromCustomerId!, e.toCustomerId!);
            continue;
          }
          if (e.type === 'identify') await ids.identify(e.anonymousId, e.userId, e.traits);
          else if (e.type === 'alias') await ids.alias(e.previousId!, e.userId!);
          else {
            const set = e.properties.$set;
            const once = e.properties.$set_once;
            if ((isObject(set) || isObject(once)) && primaryId(e)) {
              const who = ids.get(primaryId(e).kind, primaryId(e).value);
              if (who) await ids.setTraits(who.personId, { ...(isObject(set) ? set : {}), ...(isObject(once) ? { $set_once: once } : {}) });
            }
          }
          const pid = primaryId(e);
          await ids.createMissing([pid]);
          const person = ids.get(pid.kind, pid.value)!;
          events.push({
            inboxId: id, shopId, event: e.event, personId: person.personId, distinctId: pid.value, ts: e.ts,
            properties: JSON.stringify(e.properties), source: e.source, medium: e.medium, campaign: e.campaign, channel: e.channel, os: e.os, path: e.path,
          });
        }
        if (ids.newUsers.size) await ids.linkCustomers(await this.opts.customersAmong(shopId, [...ids.newUsers.keys()], tx));
        await ids.recordWarnings();
        for (const m of ids.merges) merges.push({ ...m, shopId });
      }
      for (const m of merges) await tx.execute(sql`INSERT INTO cdp_pending_reassign (shop_id, from_person, to_person) VALUES (${m.shopId}, ${m.from}, ${m.to})`);
    });
    const min = Number(page[0]!.id);
    const max = Math.max(...page.map((r) => Number(r.id)));
    const have = await this.engine.loadedIds(Math.min(min, ...page.map((r) => Number(r.id))), max);
    const fresh = events.filter((e) => !have.has(e.inboxId));
    await this.engine.append(fresh);
    if (this.opts.onLoaded) {
      const byShopPersons = new Map<string, Set<string>>();
      for (const e of fresh) (byShopPersons.get(e.shopId) ?? byShopPersons.set(e.shopId, new Set()).get(e.shopId)!).add(e.personId);
      // Not part of the load: a failure here is caught up by the segments' sweep, never repeated loading.
      for (const [shopId, persons] of byShopPersons) await this.opts.onLoaded(shopId, [...persons]).catch((err) => this.p.log.warn({ err }, 'segment notification failed'));
    }
    await this.applyPendingMerges();
    const last = page.at(-1)!;
    await this.p.db.execute(sql`UPDATE cdp_loader SET xid = ${last.xid}::xid8, last_id = ${last.id}::bigint, loaded = loaded + ${fresh.length}, loaded_at = now() WHERE name = 'events'`);
    this.lastLoadedAt = new Date();
    return page.length;
  }

  /** Person merges the engine has not applied yet (a crash between the two steps leaves some). */
  private async applyPendingMerges() {
    const pending = await rows<{ id: string; shop_id: string; from_person: string; to_person: string }>(
      this.p.db,
      sql`SELECT id::text AS id, shop_id, from_person, to_person FROM cdp_pending_reassign ORDER BY id`,
    );
    for (const m of pending) {
      await this.engine.reassign(m.shop_id, [m.from_person], m.to_person);
      await this.p.db.execute(sql`DELETE FROM cdp_pending_reassign WHERE id = ${m.id}::bigint`);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The id an event is counted under: the user when known, else the device. */
function primaryId(e: InboxEvent): { kind: IdKind; value: string } {
  return e.userId ? { kind: 'user', value: e.userId } : { kind: 'anonymous', value: e.anonymousId! };
}

function distinctIds(e: InboxEvent): { kind: IdKind; value: string }[] {
  const out: { kind: IdKind; value: string }[] = [];
  if (e.userId) out.push({ kind: 'user', value: e.userId });
  if (e.anonymousId) out.push({ kind: 'anonymous', value: e.anonymousId });
  if (e.previousId) out.push({ kind: 'user', value: e.previousId }, { kind: 'anonymous', value: e.previousId });
  if (e.fromCustomerId) out.push({ kind: 'user', value: e.fromCustomerId });
  if (e.toCustomerId) out.push({ kind: 'user', value: e.toCustomerId });
  return out;
}
