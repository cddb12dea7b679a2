import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../platform/db/migrate.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Migration folders in the order they apply: platform first, then modules by dependency. */
export const migrationSources: MigrationSource[] = [
  { owner: 'platform', dir: path.join(src, 'platform/migrations') },
];
