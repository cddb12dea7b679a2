import type { RecordOptions, RecordWrite, SandboxStore, StoredRecord } from '@siyu/sandbox';
import { rows, sql, type Database, type Db } from '../../platform/db/index.js';

interface Row {
  value: unknown;
  ref: string | null;
  due_at: string | Date | null;
  expires_at: string | Date | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const live = (r: Row, now: Date) => r.expires_at === null || new Date(r.expires_at).getTime() > now.getTime();

/**
 * The sandbox's state in the app's own database (table `sandbox_records`), so simulated vendors survive a
 * restart like real ones and every process of a scaled deployment sees the same sandbox. Each call is a
 * short statement or transaction of its own: the sandbox is reached over HTTP and never runs inside a
 * caller's transaction (on PGlite's one connection that would wait forever).
 */
export function createSandboxStore(database: Database): SandboxStore {
  const db = database.db;

  /** Upsert; an option left undefined keeps the stored value (for a new row: null). */
  const write = async (tx: Db, kind: string, key: string, w: RecordWrite<unknown>) => {
    await tx.execute(sql`
      INSERT INTO sandbox_records (kind, key, value, ref, due_at, expires_at)
      VALUES (${kind}, ${key}, ${JSON.stringify(w.value)}::jsonb, ${w.ref ?? null}, ${iso(w.dueAt)}::timestamptz, ${iso(w.expiresAt)}::timestamptz)
      ON CONFLICT (kind, key) DO UPDATE SET
        value = EXCLUDED.value,
        ref = CASE WHEN ${w.ref === undefined}::boolean THEN sandbox_records.ref ELSE EXCLUDED.ref END,
        due_at = CASE WHEN ${w.dueAt === undefined}::boolean THEN sandbox_records.due_at ELSE EXCLUDED.due_at END,
        expires_at = CASE WHEN ${w.expiresAt === undefined}::boolean THEN sandbox_records.expires_at ELSE EXCLUDED.expires_at END,
        updated_at = now()`);
  };

  return {
    async get<T>(kind: string, key: string) {
      const [r] = await rows<Row>(db, sql`SELECT value, ref, due_at, expires_at FROM sandbox_records WHERE kind = ${kind} AND key = ${key}`);
      return r && live(r, new Date()) ? (r.value as T) : undefined;
    },

    async put<T>(kind: string, key: string, value: T, opts: RecordOptions = {}) {
      await write(db, kind, key, { ...opts, value });
    },

    async putMany<T>(kind: string, records: Array<{ key: string; value: T } & RecordOptions>) {
      // The last write of a key wins (one INSERT … ON CONFLICT may not touch a row twice), in the order given.
      const byKey = new Map<string, { key: string; value: T } & RecordOptions>();
      for (const r of records) {
        byKey.delete(r.key);
        byKey.set(r.key, r);
      }
      // Which options a write leaves alone is part of the statement, so writes are grouped by that.
      const groups = new Map<string, Array<{ key: string; value: T } & RecordOptions>>();
      for (const r of byKey.values()) {
        const shape = `${r.ref === undefined}${r.dueAt === undefined}${r.expiresAt === undefined}`;
        (groups.get(shape) ?? groups.set(shape, []).get(shape)!).push(r);
      }
      for (const list of groups.values()) {
        const [f] = list;
        const rowsJson = JSON.stringify(list.map((r) => ({ key: r.key, value: r.value, ref: r.ref ?? null, due_at: iso(r.dueAt), expires_at: iso(r.expiresAt) })));
        await db.execute(sql`
          INSERT INTO sandbox_records (kind, key, value, ref, due_at, expires_at)
          SELECT ${kind}, t.key, t.value, t.ref, t.due_at, t.expires_at
          FROM jsonb_to_recordset(${rowsJson}::jsonb) AS t(key text, value jsonb, ref text, due_at timestamptz, expires_at timestamptz)
          ON CONFLICT (kind, key) DO UPDATE SET
            value = EXCLUDED.value,
            ref = CASE WHEN ${f!.ref === undefined}::boolean THEN sandbox_records.ref ELSE EXCLUDED.ref END,
            due_at = CASE WHEN ${f!.dueAt === undefined}::boolean THEN sandbox_records.due_at ELSE EXCLUDED.due_at END,
            expires_at = CASE WHEN ${f!.expiresAt === undefined}::boolean THEN sandbox_records.expires_at ELSE EXCLUDED.expires_at END,
            updated_at = now()`);
      }
    },

    async update<T>(kind: string, key: string, change: (current: T | undefined) => RecordWrite<T> | undefined) {
      for (;;) {
        const outcome = await database.transaction(async (tx) => {
          const [r] = await rows<Row>(tx, sql`SELECT value, ref, due_at, expires_at FROM sandbox_records WHERE kind = ${kind} AND key = ${key} FOR UPDATE`);
          const current = r && live(r, new Date()) ? (r.value as T) : undefined;
          const w = change(current);
          if (!w) return { value: current };
          if (r) {
            await write(tx, kind, key, w);
            return { value: w.value };
          }
          // Nothing to lock when the row is absent: whoever inserts first wins, the other reads again.
          const inserted = await rows(tx, sql`
            INSERT INTO sandbox_records (kind, key, value, ref, due_at, expires_at)
            VALUES (${kind}, ${key}, ${JSON.stringify(w.value)}::jsonb, ${w.ref ?? null}, ${iso(w.dueAt)}::timestamptz, ${iso(w.expiresAt)}::timestamptz)
            ON CONFLICT (kind, key) DO NOTHING RETURNING key`);
          return inserted.length ? { value: w.value } : null;
        });
        if (outcome) return outcome.value === undefined ? undefined : (JSON.parse(JSON.stringify(outcome.value)) as T);
      }
    },

    async delete(kind: string, key: string) {
      await db.execute(sql`DELETE FROM sandbox_records WHERE kind = ${kind} AND key = ${key}`);
    },

    async list<T>(kind: string, opts: { ref?: string; limit?: number } = {}) {
      const byRef = opts.ref === undefined ? sql`` : sql`AND ref = ${opts.ref}`;
      const found = await rows<{ value: T }>(db, sql`
        SELECT value FROM sandbox_records
        WHERE kind = ${kind} ${byRef} AND (expires_at IS NULL OR expires_at > ${new Date().toISOString()}::timestamptz)
        ORDER BY seq DESC LIMIT ${opts.limit ?? 1000}`);
      return found.map((r) => r.value);
    },

    async count(kind: string) {
      const [r] = await rows<{ n: number }>(db, sql`
        SELECT count(*)::int AS n FROM sandbox_records
        WHERE kind = ${kind} AND (expires_at IS NULL OR expires_at > ${new Date().toISOString()}::timestamptz)`);
      return r.n;
    },

    async claimDue<T>(kinds: string[], now: Date, leaseUntil: Date, limit: number) {
      if (kinds.length === 0) return [];
      // SKIP LOCKED: several processes polling the same table each take different records.
      return rows<StoredRecord<T>>(db, sql`
        UPDATE sandbox_records SET due_at = ${leaseUntil.toISOString()}::timestamptz, updated_at = now()
        WHERE (kind, key) IN (
          SELECT kind, key FROM sandbox_records
          WHERE due_at <= ${now.toISOString()}::timestamptz AND kind IN (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})
          ORDER BY due_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING kind, key, value`);
    },

    async purgeExpired(now: Date) {
      const gone = await rows(db, sql`DELETE FROM sandbox_records WHERE expires_at <= ${now.toISOString()}::timestamptz RETURNING key`);
      return gone.length;
    },
  };
}
