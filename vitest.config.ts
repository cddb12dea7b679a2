import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The console's and the storefront's pure modules (graph conversions, rule editing) run here too; they need no DOM.
    include: ['apps/server/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'apps/admin/src/**/*.test.ts', 'apps/shop/src/**/*.test.ts'],
    testTimeout: 60_000,
    // A test app's close (drop its schema, stop its loader and queue) once took just over 60 s under CI's
    // load and never locally; the harness and the runtime now log any close step over 5 s to find out why.
    hookTimeout: 120_000,
    // Two cores: one file per core. Each file gets its own database, so files never share state.
    maxWorkers: 2,
    pool: 'forks',
  },
});
