import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitCount, utf8Length } from './batch.js';
import { SafeStorage } from './storage.js';
import { MemoryStorage } from './fakes.js';
import { randomUuid } from './uuid.js';
import { VERSION } from './version.js';

describe('utf8Length', () => {
  it('agrees with TextEncoder', () => {
    for (const s of ['', 'abc', 'é', '商品', '😀', 'a😀b商', '\ud800x', JSON.stringify({ t: '小明\n"😀"' })]) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});

describe('fitCount', () => {
  it('counts envelope, parts and the commas between them', () => {
    // envelope 10 + 5 + 1 + 5 = 21
    expect(fitCount([5, 5, 5], 21, 10, 100)).toBe(2);
    expect(fitCount([5, 5, 5], 20, 10, 100)).toBe(1);
    expect(fitCount([5, 5, 5], 14, 10, 100)).toBe(0);
    expect(fitCount([1, 1, 1], 1000, 0, 2)).toBe(2);
  });
});

describe('SafeStorage', () => {
  it('falls back to memory when writes fail, and back to storage when they work again', () => {
    const backing = new MemoryStorage();
    const s = new SafeStorage(backing);
    backing.failWrites = true;
    expect(s.setItem('k', '1')).toBe(false);
    expect(s.getItem('k')).toBe('1');
    s.removeItem('k');
    expect(s.getItem('k')).toBeNull();
    backing.failWrites = false;
    expect(s.setItem('k', '2')).toBe(true);
    backing.map.set('k', '3');
    expect(s.getItem('k')).toBe('3');
  });

  it('reads from memory when storage cannot be read', () => {
    const backing = new MemoryStorage();
    backing.failReads = true;
    const s = new SafeStorage(backing);
    s.setItem('k', 'v');
    expect(s.getItem('k')).toBe('v');
  });
});

describe('randomUuid', () => {
  it('makes distinct v4 UUIDs', () => {
    const a = randomUuid();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomUuid()).not.toBe(a);
  });
});

describe('VERSION', () => {
  it('is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
