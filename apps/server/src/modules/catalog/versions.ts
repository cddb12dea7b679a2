import { randomBytes } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { afterCommit } from '../../platform/db/after-commit.js';

/**
 * What changed in a shop's catalog, as far as the storefront is concerned:
 * - `content`: products (edits, on/off sale, prices, images, SKUs), categories — cached pages are rebuilt;
 * - `stock`: stock levels (orders reserve and release, staff count) — cached pages re-read their numbers;
 * - `sales`: sales counts (payments, refunds) — numbers re-read, and listings ordered by sales rebuilt;
 * - `restock`: stock that may have gone up (a cancelled order's units released, a return, a staff count) —
 *   what checkout's memory of short stock (orders/short-stock.ts) must forget. Every restock is a `stock` too.
 */
export type ChangeKind = 'content' | 'stock' | 'sales' | 'restock';
const KINDS: ChangeKind[] = ['content', 'stock', 'sales', 'restock'];

/**
 * How often a process asks the hot store whether another process changed a shop's catalog, at most:
 * another process's change is visible here within this long after its writer answered.
 */
export const CHECK_EVERY_MS = 250;

/** Local generations, one per kind: an answer built under them is current while they are unchanged. */
export interface ShopVersions {
  content: number;
  stock: number;
  sales: number;
  restock: number;
  /** The hot store's tokens when last read (absent: never read). */
  seen: Partial<Record<ChangeKind, string | null>>;
  checkedAt: number;
  checking: Promise<void> | null;
}

/** Moves whenever stock or sales move: the generation of an answer's live numbers. */
export const liveGen = (v: ShopVersions) => v.stock + v.sales;

/**
 * Per-shop catalog versions, shared between processes through the hot store.
 *
 * A writer, once its transaction committed, bumps the local generation (so its own process answers from
 * the database at once) and stores a fresh random token under `catalog:v:<shop>:<kind>`. Readers compare
 * the tokens with the ones they last saw, at most every CHECK_EVERY_MS per shop, and bump their own
 * generation when one differs. Random tokens rather than a counter: a hot store that lost its data (or a
 * Redis restart) can never bring back a value a reader saw before, so no change goes unnoticed. A process
 * never records its own token as seen, so the next check bumps once more: that covers a change by another
 * process that committed between this process's bump and its token write.
 *
 * Polling rather than Redis pub/sub: a check is one pipelined round of four GETs per shop per 250 ms
 * (≤ 4 round trips a second per shop and process, whatever the request rate), it needs no second Redis
 * connection, and a lost message cannot leave a process stale — which pub/sub would still need this
 * check to guard against.
 */
export class CatalogVersions {
  private shops = new Map<string, ShopVersions>();
  /** Another process may change the catalog only when the hot store is shared (Redis). */
  private readonly shared: boolean;
  private lastWarning = 0;

  constructor(private p: Platform) {
    this.shared = p.hot.kind !== 'memory';
  }

  of(shopId: string): ShopVersions {
    let s = this.shops.get(shopId);
    if (!s) this.shops.set(shopId, (s = { content: 0, stock: 0, sales: 0, restock: 0, seen: {}, checkedAt: 0, checking: null }));
    return s;
  }

  /**
   * Brings the shop's generations up to date with other processes' changes. Answers null when nothing
   * needs waiting for (checked lately, or a single process), so the hot path need not await.
   */
  sync(shopId: string): Promise<void> | null {
    if (!this.shared) return null;
    const s = this.of(shopId);
    if (s.checking) return s.checking;
    if (Date.now() - s.checkedAt < CHECK_EVERY_MS) return null;
    s.checking = this.check(shopId, s).finally(() => {
      s.checking = null;
    });
    return s.checking;
  }

  /**
   * Says the shop's catalog changed: after the current transaction commits (now when there is none), in
   * this process and, through the hot store, in the others.
   */
  changed(shopId: string, kind: ChangeKind): Promise<void> {
    return afterCommit(`catalog:${kind}:${shopId}`, () => this.apply(shopId, kind));
  }

  private async apply(shopId: string, kind: ChangeKind) {
    this.of(shopId)[kind]++;
    if (!this.shared) return;
    try {
      await this.p.hot.set(tokenKey(shopId, kind), randomBytes(12).toString('base64url'));
    } catch (err) {
      // The change is committed and this process sees it; other processes see it at their next rebuild
      // (storefront MAX_AGE_MS) or the next change that reaches the hot store.
      this.warn(err, 'could not tell other processes about a catalog change');
    }
  }

  private async check(shopId: string, s: ShopVersions) {
    const askedAt = Date.now();
    try {
      // One round trip: Redis pipelines the reads.
      const tokens = await Promise.all(KINDS.map((k) => this.p.hot.get(tokenKey(shopId, k))));
      KINDS.forEach((k, i) => {
        if (!(k in s.seen) || tokens[i] !== s.seen[k]) {
          s[k]++;
          s.seen[k] = tokens[i];
        }
      });
    } catch (err) {
      // Cannot tell whether anything changed: assume it did, so nothing older than this moment is served.
      for (const k of KINDS) s[k]++;
      this.warn(err, 'could not read catalog versions; serving the storefront from the database');
    }
    s.checkedAt = askedAt;
  }

  private warn(err: unknown, msg: string) {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.p.log.warn({ err }, msg);
  }
}

const tokenKey = (shopId: string, kind: ChangeKind) => `catalog:v:${shopId}:${kind}`;
