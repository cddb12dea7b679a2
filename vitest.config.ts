import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The console's pure modules (graph conversions, rule editing) run here too; they need no DOM.
    include: ['apps/server/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'apps/admin/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one file per core. Each file gets its own database, so files never share state.
    maxWorkers: 2,
    pool: 'forks',
  },
});
