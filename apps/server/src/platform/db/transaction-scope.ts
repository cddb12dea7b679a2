import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Db } from './index.js';

/**
 * Work a request wants done inside the transaction that makes its change, just before COMMIT: the audit
 * entry of a staff write is the one user (platform/http/admin-auth.ts). The scope follows the request's
 * async context, so services need not pass anything along.
 */
export interface TransactionScope {
  /** Called inside each transaction of the request before it commits; says whether it wrote something. */
  beforeCommit(tx: Db): Promise<boolean>;
  /** That transaction rolled back after `beforeCommit` wrote: its writes are gone. */
  rolledBack(): void;
}

const scopes = new AsyncLocalStorage<TransactionScope>();

export function runInTransactionScope<T>(scope: TransactionScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Wraps `database.transaction` so the current scope's `beforeCommit` runs inside every transaction. */
export function withTransactionScopes(database: Database): Database {
  const inner = database.transaction.bind(database);
  database.transaction = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const scope = scopes.getStore();
    if (!scope) return inner(fn);
    // A retried transaction (serialization failure on PostgreSQL) runs fn again: what the failed try
    // wrote is gone, so the scope must write it again.
    let wrote = false;
    return inner(async (tx) => {
      if (wrote) {
        scope.rolledBack();
        wrote = false;
      }
      const result = await fn(tx);
      wrote = await scope.beforeCommit(tx);
      return result;
    }).catch((err) => {
      if (wrote) scope.rolledBack();
      throw err;
    });
  };
  return database;
}
