/**
 * Variant assignment shared by the server and the SDK: the same subject gets the same variant in every
 * process and on every device that knows the experiment's salt, with no request. MurmurHash3 (x86, 32-bit)
 * over the UTF-8 bytes: synchronous in every JavaScript runtime (a mini-program has no SubtleCrypto) and
 * well mixed for ids that differ in one character.
 */

function utf8(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

export function murmur3(text: string, seed = 0): number {
  const bytes = utf8(text);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A subject's place in [0, 10000) for one experiment and purpose. */
export function bucket(salt: string, purpose: 'traffic' | 'variant', subject: string): number {
  return murmur3(`${salt}:${purpose}:${subject}`) % 10_000;
}

export interface WeightedVariant {
  key: string;
  weight: number;
}

/**
 * The variant a new subject gets, or null when outside the experiment's traffic (they see the control
 * and are not counted). Traffic and variant use separate hashes so that widening the traffic keeps everyone
 * already in on their variant.
 */
export function assignVariant(salt: string, trafficPercent: number, variants: readonly WeightedVariant[], subject: string): string | null {
  if (!variants.length || bucket(salt, 'traffic', subject) >= trafficPercent * 100) return null;
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const at = (bucket(salt, 'variant', subject) / 10_000) * total;
  let acc = 0;
  for (const v of variants) {
    acc += v.weight;
    if (at < acc) return v.key;
  }
  return variants.at(-1)!.key;
}
