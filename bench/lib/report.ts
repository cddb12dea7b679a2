/** What every result file carries besides its figures, and how it is written and printed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Mode } from './args.js';
import { ROOT } from './server.js';
import { round } from './stats.js';

export async function gitCommit(): Promise<string | null> {
  // Read-only: the HEAD file, no git command.
  try {
    const head = fs.readFileSync(path.join(ROOT, '.git/HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = path.join(ROOT, '.git', ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    const packed = fs.readFileSync(path.join(ROOT, '.git/packed-refs'), 'utf8').split('\n').find((l) => l.endsWith(' ' + ref));
    return packed?.split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

export function machineInfo(mode: Mode) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    note: 'load generator, server(s)' + (mode === 'scaled' ? ', PostgreSQL and Redis' : '') + ' all share these cores',
  };
}

/** Writes `<dir>/<mode>.json` (or a variant's name, e.g. `embedded-tiered`) and answers its path. */
export function writeResult(dir: string, mode: Mode | `${Mode}-${string}`, result: unknown) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${mode}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** A two-column summary, keys padded to one width, then where the JSON went. */
export function printRows(rows: [string, string][], file: string) {
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  console.log(`  → ${path.relative(ROOT, file)}`);
}

/** One line for the console: the CPU per answer by component, the load generator's apart. */
export function cpuLine(c: { serverPostgresRedis: number | null; server: number | null; postgres?: number | null; redis?: number | null; loadGeneratorPerRequest: number | null }) {
  const parts = [`server ${c.server}`, ...(c.postgres !== undefined ? [`PostgreSQL ${c.postgres}`, `Redis ${c.redis}`] : [])];
  return `${c.serverPostgresRedis} ms (${parts.join(', ')}); load generator ${c.loadGeneratorPerRequest} ms per request`;
}
