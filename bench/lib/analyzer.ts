/**
 * Autovacuum stand-in for the scaled benches: this PostgreSQL runs without autovacuum, so tables a run fills
 * would never get statistics and the planner would pick plans no production database picks. Every
 * `everySeconds`, each table changed by more than autovacuum's threshold (50 rows + 10 %) since its last
 * analyze is analyzed — on `columns[table]` when given (big jsonb payloads cost seconds to sample and no plan
 * reads them), in full otherwise. `stop()` answers what was analyzed, when and for how long.
 */
import { performance } from 'node:perf_hooks';
import { openPostgres } from './database.js';
import { sleep } from './http.js';
import { round } from './stats.js';

export interface AnalyzeRun {
  t: number;
  tables: string[];
  seconds: number;
}

export function startAnalyzer(databaseUrl: string | undefined, everySeconds: number, columns: Record<string, string> = {}) {
  let stopped = false;
  const runs: AnalyzeRun[] = [];
  const t0 = performance.now();
  const loop = (async () => {
    if (!databaseUrl || !everySeconds) return;
    const db = await openPostgres(databaseUrl);
    try {
      while (!stopped) {
        for (let waited = 0; waited < everySeconds * 1000 && !stopped; waited += 250) await sleep(250);
        if (stopped) break;
        const t = performance.now();
        const due = await db.query<{ relname: string }>(
          `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
           WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) ORDER BY s.relname`);
        for (const { relname } of due) await db.query(`ANALYZE ${relname} ${columns[relname] ?? ''}`);
        if (due.length) runs.push({ t: round((t - t0) / 1000, 0), tables: due.map((r) => r.relname), seconds: round((performance.now() - t) / 1000, 1) });
      }
    } finally {
      await db.close();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { everySeconds: databaseUrl ? everySeconds : 0, rounds: runs.length, seconds: round(runs.reduce((a, r) => a + r.seconds, 0), 1), runs };
    },
  };
}
