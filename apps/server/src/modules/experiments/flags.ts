import { createHash } from 'node:crypto';
import type { ExperimentVariant } from '@siyu/contracts';

/** A subject's place in [0, 10000) for one experiment and purpose: the same answer in every process. */
export function bucket(salt: string, purpose: 'traffic' | 'variant', subject: string): number {
  return createHash('sha256').update(`${salt}:${purpose}:${subject}`).digest().readUInt32BE(0) % 10_000;
}

/**
 * The variant a new subject gets, or null when outside the experiment's traffic (they see the control
 * and are not counted). Traffic and variant use separate hashes so that widening the traffic keeps everyone
 * already in on their variant.
 */
export function assignVariant(salt: string, trafficPercent: number, variants: Pick<ExperimentVariant, 'key' | 'weight'>[], subject: string): string | null {
  if (bucket(salt, 'traffic', subject) >= trafficPercent * 100) return null;
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const at = (bucket(salt, 'variant', subject) / 10_000) * total;
  let acc = 0;
  for (const v of variants) {
    acc += v.weight;
    if (at < acc) return v.key;
  }
  return variants.at(-1)!.key;
}
