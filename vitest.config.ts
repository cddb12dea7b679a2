import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/server/src/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one file per core. Each file gets its own database, so files never share state.
    maxWorkers: 2,
    pool: 'forks',
  },
});
