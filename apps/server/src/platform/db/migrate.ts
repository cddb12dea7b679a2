import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './index.js';
import { rows, sql } from './index.js';

export interface MigrationSource {
  /** Owner of the migrations (platform or a module name); recorded with each file. */
  owner: string;
  dir: string;
}

/**
 * Applies every not-yet-applied `*.sql` file, owner by owner in the given order and file by file in
 * name order. Forward-only; each file runs in its own transaction. Several processes starting at once
 * on PostgreSQL serialise on an advisory lock.
 */
export async function migrate(database: Database, sources: MigrationSource[]): Promise<string[]> {
  const applied: string[] = [];
  const run = async () => {
    await database.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await rows<{ id: string }>(database.db, sql`SELECT id FROM schema_migrations`)).map((r) => r.id));
    for (const src of sources) {
      if (!fs.existsSync(src.dir)) continue;
      const files = fs.readdirSync(src.dir).filter((f) => f.endsWith('.sql')).sort();
      for (const file of files) {
        const id = `${src.owner}/${file}`;
        if (done.has(id)) continue;
        const text = fs.readFileSync(path.join(src.dir, file), 'utf8');
        await database.exec(`BEGIN;\n${text}\n;INSERT INTO schema_migrations (id) VALUES ('${id.replace(/'/g, "''")}');\nCOMMIT;`).catch(async (err) => {
          await database.exec('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${id} failed: ${(err as Error).message}`);
        });
        applied.push(id);
      }
    }
  };
  await database.exclusive(775511, run);
  return applied;
}
