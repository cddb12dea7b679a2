import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Db } from './index.js';

/**
 * Work that must wait until the transaction it was asked for has committed: telling caches that data
 * changed. Said inside the transaction, a reader could re-read the old rows between the word and the
 * COMMIT and keep them as fresh; said after, every read that starts later sees the change.
 *
 * The pending work follows the transaction's async context, so a service deep inside someone else's
 * transaction (inventory inside checkout) needs no handle on it. The storefront cache and the coupon
 * claim counters use it; bootstrap installs it on the database once.
 */
type Hook = () => Promise<void> | void;

interface Pending {
  hooks: Map<string, Hook>;
  /** The transaction has ended; work started inside it that lives on (rare) gets its hooks run at once. */
  ended: boolean;
}

const pending = new AsyncLocalStorage<Pending>();
const TRACKED = Symbol('afterCommitTracked');

/**
 * Wraps `database.transaction` (once per database) so the hooks registered inside a transaction run
 * after it committed, and are dropped when it rolled back. A transaction retried after a serialization
 * failure keeps the hooks of its failed tries: running one too many only invalidates once more.
 */
export function trackCommits(database: Database) {
  const marked = database as Database & { [TRACKED]?: true };
  if (marked[TRACKED]) return;
  marked[TRACKED] = true;
  const inner = database.transaction.bind(database);
  database.transaction = async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const state: Pending = { hooks: new Map(), ended: false };
    let result: T;
    try {
      result = await pending.run(state, () => inner(fn));
    } finally {
      state.ended = true;
    }
    if (state.hooks.size) await Promise.all([...state.hooks.values()].map((h) => h()));
    return result;
  };
}

/**
 * Runs `hook` once the current transaction commits, or now when there is none (the change is already
 * committed). Hooks with the same `key` in one transaction run once.
 */
export async function afterCommit(key: string, hook: Hook): Promise<void> {
  const state = pending.getStore();
  if (state && !state.ended) state.hooks.set(key, hook);
  else await hook();
}
