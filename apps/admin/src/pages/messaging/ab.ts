import type { z } from 'zod';
import type { BroadcastVariant } from '@siyu/contracts';
import type { SendChannel } from './types';

/**
 * A/B 测试 of a broadcast: the wizard's variant rows and their conversion to the contract's `variants`,
 * the split the confirm step shows, and small numbers of the result. Pure: no React, no antd; tested in ab.test.ts.
 */

/** The contract allows any key; the console names arms a–d so the deliveries and the result read A, B, C, D. */
export const VARIANT_KEYS = ['a', 'b', 'c', 'd'] as const;
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 4;

export interface VariantValues {
  key: string;
  name: string;
  weight: number | null;
  /** Per channel of the chain; empty keeps the broadcast's template. */
  templateIds: Partial<Record<SendChannel, string | undefined>>;
  /** Every variable the arm's templates use, prefilled from the broadcast's values; only differences are sent. */
  vars: Record<string, string | undefined>;
}

type VariantInput = z.input<typeof BroadcastVariant>;

const clean = (v: unknown) => (v === undefined || v === null ? '' : String(v)).trim();

/** "a" → "A". */
export const variantLetter = (key: string) => key.toUpperCase();

/** "方案 B · 减30"; an arm still called by its letter ("方案 A") is not named twice. */
export const armTitle = (letterText: string, name: string | undefined) => {
  const n = clean(name);
  return !n || n === letterText ? letterText : `${letterText} · ${n}`;
};

/** The next arm: the first free key of a–d, an even weight, the broadcast's values; null when four are there. */
export function newVariant(existing: Pick<VariantValues, 'key'>[], baseVars: Record<string, string | undefined>, nameOf: (letter: string) => string): VariantValues | null {
  const used = new Set(existing.map((v) => v.key));
  const key = VARIANT_KEYS.find((k) => !used.has(k));
  if (!key || existing.length >= MAX_VARIANTS) return null;
  return { key, name: nameOf(variantLetter(key)), weight: 50, templateIds: {}, vars: { ...baseVars } };
}

/** A and B, 50 / 50, as the switch turns the test on. */
export function defaultVariants(baseVars: Record<string, string | undefined>, nameOf: (letter: string) => string): VariantValues[] {
  const a = newVariant([], baseVars, nameOf)!;
  return [a, newVariant([a], baseVars, nameOf)!];
}

/**
 * The rows → the contract's arms. A template only for a channel in the chain, and a value only where it
 * differs from the broadcast's: an arm that changes nothing sends the broadcast's own message. An emptied
 * weight stays NaN so the contract reports it on its field.
 */
export function variantsBody(rows: VariantValues[], baseVars: Record<string, string | undefined>, channels: SendChannel[]): VariantInput[] {
  return rows.map((v) => {
    const templateIds = Object.fromEntries(channels.flatMap((c) => (v.templateIds?.[c] ? [[c, v.templateIds[c]!]] : [])));
    const vars = Object.fromEntries(Object.entries(v.vars ?? {}).flatMap(([k, x]) => (clean(x) && clean(x) !== clean(baseVars[k]) ? [[k, clean(x)]] : [])));
    return { key: v.key, name: clean(v.name), weight: v.weight ?? Number.NaN, templateIds, vars };
  });
}

/**
 * After the broadcast's value of a variable changes, the arms that still had the old value (or none) take
 * the new one; an arm whose value the merchant changed keeps it. Returns null when nothing moves.
 */
export function followBaseVars(rows: VariantValues[], before: Record<string, string | undefined>, after: Record<string, string | undefined>): VariantValues[] | null {
  const changed = Object.keys(after).filter((k) => clean(after[k]) !== clean(before[k]));
  if (!changed.length) return null;
  let moved = false;
  const next = rows.map((v) => {
    const vars = { ...v.vars };
    for (const k of changed) {
      if (!clean(vars[k]) || clean(vars[k]) === clean(before[k])) {
        vars[k] = after[k];
        moved = true;
      }
    }
    return { ...v, vars };
  });
  return moved ? next : null;
}

/**
 * How many of `toSend` each arm gets, exactly as the server splits them: arm i ends at
 * round(Σweight up to i / Σweight × toSend) in the random order, so the counts add up to toSend.
 */
export function splitCounts(toSend: number, weights: (number | null | undefined)[]): number[] {
  const ws = weights.map((w) => (typeof w === 'number' && w > 0 ? w : 0));
  const total = ws.reduce((s, w) => s + w, 0);
  if (!ws.length) return [];
  if (total <= 0 || toSend <= 0) return ws.map(() => 0);
  let acc = 0;
  let end = 0;
  return ws.map((w, i) => {
    acc += w;
    const next = i === ws.length - 1 ? toSend : Math.round((acc / total) * toSend);
    const n = next - end;
    end = next;
    return n;
  });
}

/** Wilson 95 % interval of a rate (what the experiments' error bars show); null without people. */
export function wilsonInterval(successes: number, n: number, z = 1.959964): { lower: number; upper: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** The server compares each arm with the control at 5 % split over the comparisons (Bonferroni). */
export const alphaPerComparison = (arms: number) => 0.05 / Math.max(1, arms - 1);
