import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, SMS_MARKETING_WINDOW, type Channel, type ContactBudget } from '@siyu/contracts';
import { capBroken, count, emptyReceived, nextSendTime, shopMinute } from './budget.js';
import { incrementalRevenue } from './broadcasts.js';

const cap = fc.option(fc.integer({ min: 0, max: 6 }), { nil: null });
const budgetArb: fc.Arbitrary<ContactBudget> = fc.record({
  daily: fc.record({ total: cap, mini_subscribe: cap, oa_template: cap, sms: cap, wecom: cap }),
  weekly: fc.record({ total: cap, mini_subscribe: cap, oa_template: cap, sms: cap, wecom: cap }),
  quietStart: fc.integer({ min: 0, max: 1439 }),
  quietEnd: fc.integer({ min: 0, max: 1439 }),
});
const channelArb = fc.constantFrom<Channel>(...CHANNELS);
const inQuiet = (b: ContactBudget, m: number) => (b.quietStart === b.quietEnd ? false : b.quietStart < b.quietEnd ? m >= b.quietStart && m < b.quietEnd : m >= b.quietStart || m < b.quietEnd);

describe('contact budget rules', () => {
  it('never schedules a marketing message in quiet hours, nor an SMS outside 08:00–20:00', () => {
    fc.assert(
      fc.property(budgetArb, channelArb, fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), (b, channel, ms) => {
        const when = nextSendTime(b, channel, new Date(ms));
        // Quiet hours that cover the whole SMS window: marketing SMS never go (a year away stands for never).
        if (when.getTime() - ms > 300 * 86_400_000) return;
        expect(when.getTime()).toBeGreaterThanOrEqual(ms);
        const m = shopMinute(when);
        expect(inQuiet(b, m)).toBe(false);
        if (channel === 'sms') expect(m >= SMS_MARKETING_WINDOW.start && m < SMS_MARKETING_WINDOW.end).toBe(true);
        // The first allowed minute: the minute before it (if later than asked) was not allowed.
        if (when.getTime() > ms) {
          const before = shopMinute(new Date(when.getTime() - 60_000));
          expect(inQuiet(b, before) || (channel === 'sms' && !(before >= SMS_MARKETING_WINDOW.start && before < SMS_MARKETING_WINDOW.end))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('admitting while capBroken says no never passes any cap, and transactional messages are never capped', () => {
    fc.assert(
      fc.property(budgetArb, fc.array(channelArb, { maxLength: 40 }), (b, wanted) => {
        const r = emptyReceived();
        for (const ch of wanted) {
          expect(capBroken(b, r, ch, true)).toBeNull();
          if (!capBroken(b, r, ch, false)) count(r, ch);
        }
        const over = (c: number | null, n: number | undefined) => c !== null && (n ?? 0) > c;
        expect(over(b.daily.total, r.today.get('*'))).toBe(false);
        expect(over(b.weekly.total, r.week.get('*'))).toBe(false);
        for (const ch of CHANNELS) {
          expect(over(b.daily[ch], r.today.get(ch))).toBe(false);
          expect(over(b.weekly[ch], r.week.get(ch))).toBe(false);
        }
      }),
    );
  });
});

describe('incremental revenue', () => {
  it('matches a Welch interval computed by hand', () => {
    // sent: 10 people, 2 bought ¥100 and ¥50; holdout: 10 people, 1 bought ¥50.
    const sent = [10000, 5000, 0, 0, 0, 0, 0, 0, 0, 0];
    const hold = [5000, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const agg = (xs: number[]) => ({ n: xs.length, sum: xs.reduce((a, b) => a + b, 0), sumSq: xs.reduce((a, b) => a + b * b, 0) });
    const r = incrementalRevenue(agg(sent), agg(hold))!;
    // Two-pass sample variances (n − 1): sent 102,500,000 / 9, holdout 22,500,000 / 9.
    const se = Math.sqrt(102_500_000 / 9 / 10 + 22_500_000 / 9 / 10);
    expect(r.estimate).toBe(10000);
    expect(r.low).toBe(Math.round((1000 - 1.959963984540054 * se) * 10));
    expect(r.high).toBe(Math.round((1000 + 1.959963984540054 * se) * 10));
    expect(r.low).toBe(-13098);
    expect(incrementalRevenue({ n: 1, sum: 0, sumSq: 0 }, agg(hold))).toBeNull();
  });
});
