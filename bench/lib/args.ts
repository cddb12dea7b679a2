/** Command-line helpers shared by the benchmarks: they fail with exit code 2 and one line saying why. */
import path from 'node:path';
import { parseArgs } from 'node:util';

export type Mode = 'embedded' | 'scaled';

export function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

export function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got ${v})`);
  return n;
}

/** `--mode embedded|scaled|both`; both runs embedded first, then scaled. */
export function parseModes(v: string | undefined): Mode[] {
  if (v === 'both') return ['embedded', 'scaled'];
  if (v === 'embedded' || v === 'scaled') return [v];
  return fail(`--mode must be embedded, scaled or both (got ${v})`);
}

/**
 * Parses `--mode` (default both), `--out` (default `<here>/results`), the benchmark's positive-integer
 * options `ints` (name → default) and its other options `strings` (name → default); an unknown option
 * fails. `tmp` is `<here>/tmp` (git-ignored).
 */
export function parseBenchArgs<K extends string, S extends string = never>(here: string, ints: Record<K, number>, strings = {} as Record<S, string>) {
  const option = (v: unknown) => ({ type: 'string' as const, default: String(v) });
  const { values } = parseArgs({
    options: {
      mode: option('both'),
      out: option(path.join(here, 'results')),
      ...Object.fromEntries(Object.entries({ ...ints, ...strings }).map(([k, v]) => [k, option(v)])),
    },
  });
  const all = values as Record<string, string>;
  return {
    ints: Object.fromEntries(Object.keys(ints).map((k) => [k, positiveInt(k, all[k])])) as Record<K, number>,
    strings: all as Record<S, string>,
    modes: parseModes(all.mode),
    /** Where <mode>.json goes; point it elsewhere (e.g. tmp/) for experiments that should not be committed. */
    results: path.resolve(all.out),
    tmp: path.join(here, 'tmp'),
  };
}
