import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default defineConfig({
  root,
  test: {
    include: ['e2e/**/*.e2e.ts'],
    // Each file starts a server and a Chromium; on two shared cores one at a time keeps timings honest.
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // A browser flow is a story: a later step depends on the earlier ones, so no retries that would hide flakiness.
    retry: 0,
  },
});
