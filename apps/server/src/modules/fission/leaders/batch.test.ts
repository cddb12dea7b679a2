import { describe, expect, it } from 'vitest';
import { addDays, batchOf, batchWindow, beijingDay, cutoffAt, endOfDay } from './batch.js';

describe('cut-off batches (Beijing time, +08:00 all year)', () => {
  it('puts an order paid at or before the cut-off in that day’s batch and one paid after it in the next', () => {
    // 21:59 and 22:00 Beijing on 1 March are 13:59 and 14:00 UTC.
    expect(batchOf(new Date('2026-03-01T13:59:00Z'), '22:00', 1)).toEqual({ batchDate: '2026-03-01', cutoffAt: new Date('2026-03-01T14:00:00Z'), pickupDate: '2026-03-02' });
    expect(batchOf(new Date('2026-03-01T14:00:00Z'), '22:00', 1).batchDate).toBe('2026-03-01');
    expect(batchOf(new Date('2026-03-01T14:00:00.001Z'), '22:00', 1)).toMatchObject({ batchDate: '2026-03-02', pickupDate: '2026-03-03' });
  });

  it('uses the Beijing day, not the UTC one, near midnight', () => {
    // 00:30 Beijing on 2 March is still 1 March in UTC.
    const paid = new Date('2026-03-01T16:30:00Z');
    expect(beijingDay(paid)).toBe('2026-03-02');
    expect(batchOf(paid, '22:00', 0)).toMatchObject({ batchDate: '2026-03-02', pickupDate: '2026-03-02' });
    // An early cut-off: 00:30 Beijing is after 00:15, so the next day's.
    expect(batchOf(paid, '00:15', 2)).toMatchObject({ batchDate: '2026-03-03', pickupDate: '2026-03-05' });
  });

  it('makes consecutive windows that meet exactly, and every paid time falls in the window of its batch', () => {
    const a = batchWindow('2026-02-28', '20:30');
    const b = batchWindow('2026-03-01', '20:30');
    expect(a.to).toEqual(b.from);
    expect(b.to).toEqual(cutoffAt('2026-03-01', '20:30'));
    expect(b.to.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    for (let t = Date.parse('2026-02-27T00:00:00Z'); t < Date.parse('2026-03-03T00:00:00Z'); t += 17 * 60_000 + 13_000) {
      const paid = new Date(t);
      const { batchDate } = batchOf(paid, '20:30', 1);
      const w = batchWindow(batchDate, '20:30');
      expect(paid > w.from && paid <= w.to).toBe(true);
    }
  });

  it('crosses months and years, and ends a day at Beijing midnight', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(batchOf(new Date('2026-12-31T15:00:00Z'), '22:00', 1)).toMatchObject({ batchDate: '2027-01-01', pickupDate: '2027-01-02' });
    expect(endOfDay('2026-03-01').toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(() => cutoffAt('2026-02-30', '22:00')).toThrow();
    expect(() => cutoffAt('2026-03-01', '24:00')).toThrow();
  });
});
