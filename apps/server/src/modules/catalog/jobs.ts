import type { Platform } from '../../platform/context.js';
import { IMPORT_QUEUE, type ImportService } from './import.js';

/** The import job; a crash is retried a few times before the import is marked failed. */
export function registerCatalogJobs(p: Platform, s: { imports: ImportService }) {
  p.jobs.register(
    IMPORT_QUEUE,
    async (payload: { importId: string }, job) => {
      await s.imports.run(payload.importId, { last: job.attempts >= job.max_attempts });
    },
    { backoffMs: 2000 },
  );
}
