import { describe, expect, it } from 'vitest';
import { newOrderNo } from './order-no.js';

describe('order numbers', () => {
  const at = new Date('2026-11-23T02:03:04.567Z');

  it('is the Shanghai second followed by six digits', () => {
    expect(newOrderNo(at, 1)).toMatch(/^20261123100304\d{6}$/);
  });

  it('never repeats within a million consecutive sequence values in the same second', () => {
    const seen = new Set<string>();
    for (let n = 1; n <= 1_000_000; n++) seen.add(newOrderNo(at, n));
    expect(seen.size).toBe(1_000_000);
  });

  it('does not reveal how many orders came before', () => {
    const a = Number(newOrderNo(at, 41).slice(-6));
    const b = Number(newOrderNo(at, 42).slice(-6));
    expect(Math.abs(a - b)).toBeGreaterThan(1000);
  });
});
