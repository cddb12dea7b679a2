import os from 'node:os';

/**
 * Cleanup: child processes, temp databases and data directories go away on success, on error and on
 * Ctrl-C, newest first (servers stop before their database is dropped).
 */

const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

export function onCleanup(fn: () => Promise<void>) {
  cleanups.push(fn);
}

/** True after SIGINT/SIGTERM: load loops stop sending and the run ends. */
export function interrupted() {
  return stopping;
}

export async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    await fn().catch((err) => console.error('cleanup failed:', err instanceof Error ? err.message : err));
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${sig}: stopping servers and cleaning up…`);
    void runCleanups().finally(() => process.exit(130));
  });
}

/** Runs a benchmark's main, then the cleanups; a failure prints its message and exits 1 after cleaning up. */
export function runMain(main: () => Promise<unknown>) {
  main()
    .then(() => runCleanups())
    .catch(async (err) => {
      console.error('\nbenchmark failed:', err instanceof Error ? err.message : err);
      await runCleanups();
      process.exit(1);
    });
}

/** A benchmark's main: each mode in turn (Ctrl-C stops between modes), then the cleanups. */
export function runModes<M extends string>(title: string, modes: M[], runMode: (mode: M) => Promise<unknown>, label: (mode: M) => string = (m) => m) {
  runMain(async () => {
    console.log(`${title} benchmark: ${modes.map(label).join(' + ')} on ${os.cpus().length} CPUs, node ${process.version}`);
    for (const mode of modes) {
      if (interrupted()) break;
      await runMode(mode);
    }
  });
}
