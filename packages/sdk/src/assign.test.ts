import { describe, expect, it } from 'vitest';
import { assignVariant, bucket, murmur3 } from './assign.js';

describe('variant assignment', () => {
  it('computes MurmurHash3 x86_32 as the reference implementation does', () => {
    // Values of the reference C implementation (smhasher MurmurHash3_x86_32), as published in its test vectors.
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('test', 0)).toBe(0xba6bd213);
    expect(murmur3('Hello, world!', 0)).toBe(0xc0363e43);
    expect(murmur3('Hello, world!', 1234)).toBe(0xfaf6cdb3);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
    expect(murmur3('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3('abc', 0)).toBe(0xb3dd93fa);
  });

  it('hashes non-ASCII ids by their UTF-8 bytes', () => {
    expect(murmur3('测试')).toBe(murmur3('\u6d4b\u8bd5'));
    expect(murmur3('测试')).not.toBe(murmur3('测'));
  });

  it('splits by weight and keeps traffic and variant independent', () => {
    const variants = [{ key: 'control', weight: 1 }, { key: 'b', weight: 3 }];
    const counts: Record<string, number> = { control: 0, b: 0, out: 0 };
    for (let i = 0; i < 40_000; i++) counts[assignVariant('salt', 50, variants, `device-${i}`) ?? 'out']!++;
    expect(counts.out! / 40_000).toBeCloseTo(0.5, 1);
    expect(counts.b! / (counts.b! + counts.control!)).toBeCloseTo(0.75, 1);
    // Widening the traffic keeps everyone who was in on the same variant.
    for (let i = 0; i < 2_000; i++) {
      const before = assignVariant('salt', 20, variants, `d${i}`);
      if (before) expect(assignVariant('salt', 80, variants, `d${i}`)).toBe(before);
    }
    expect(bucket('s', 'traffic', 'x')).toBeLessThan(10_000);
  });
});
