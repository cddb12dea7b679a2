import { describe, expect, it } from 'vitest';
import { BargainBody, DistributionSettingsBody, GroupBuyBody } from '@siyu/contracts';
import { en, zh, ZH_CONTRACT_MESSAGES, type MessageKey } from '../../lib/dict';
import type { TFunction } from '../../lib/i18n';
import { commissionDailyOption, fillDays, groupDailyOption } from './charts';
import { bpText, durationText, groupPriceRange, maxHelpers, pctToBp, phaseOf } from './helpers';

// i18n.tsx reads localStorage when imported; the dictionaries are enough here.
const tr = (lang: 'zh-CN' | 'en-US'): TFunction => (key: MessageKey, vars?: Record<string, string | number>) =>
  Object.entries(vars ?? {}).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), (lang === 'zh-CN' ? zh : en)[key]);
const zhT = tr('zh-CN');
const enT = tr('en-US');

describe('maxHelpers: every helper cuts at least one fen', () => {
  it('allows as many helpers as fen between start and floor', () => {
    expect(maxHelpers(16800, 8400)).toBe(8400);
    expect(maxHelpers(4990, 4987)).toBe(3);
  });
  it('has no cap while the floor is not below the start', () => {
    expect(maxHelpers(100, 100)).toBeNull();
    expect(maxHelpers(100, 200)).toBeNull();
    expect(maxHelpers(null, 0)).toBeNull();
  });
});

describe('durationText', () => {
  it('says days, hours and minutes that are there', () => {
    expect(durationText(1440, zhT)).toBe('1 天');
    expect(durationText(1500, zhT)).toBe('1 天 1 小时');
    expect(durationText(90, enT)).toBe('1 h 30 min');
    expect(durationText(5, zhT)).toBe('5 分钟');
    expect(durationText(10080, zhT)).toBe('7 天');
  });
});

describe('phaseOf', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const a = (status: 'upcoming' | 'active' | 'ended', startsAt: string, endsAt: string) => phaseOf({ status, startsAt, endsAt }, now);
  it('reads the window and an early end', () => {
    expect(a('active', '2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z')).toBe('upcoming');
    expect(a('upcoming', '2026-12-04T00:00:00Z', '2026-12-06T00:00:00Z')).toBe('running');
    expect(a('active', '2026-12-01T00:00:00Z', '2026-12-04T12:00:00Z')).toBe('ended');
    expect(a('ended', '2026-12-01T00:00:00Z', '2026-12-09T00:00:00Z')).toBe('ended');
  });
});

describe('basis points', () => {
  it('turn typed percents into integers and back without float noise', () => {
    expect(pctToBp(10)).toBe(1000);
    expect(pctToBp(12.34)).toBe(1234);
    expect(pctToBp(0.07)).toBe(7);
    expect(pctToBp(undefined)).toBeNull();
    expect(bpText(1050)).toBe('10.5%');
    expect(bpText(1000)).toBe('10%');
    expect(bpText(7)).toBe('0.07%');
  });
});

describe('groupPriceRange', () => {
  it('shows one price or the range over SKUs', () => {
    expect(groupPriceRange([{ groupPriceFen: 3992 }, { groupPriceFen: 3992 }])).toBe('¥39.92');
    expect(groupPriceRange([{ groupPriceFen: 5900 }, { groupPriceFen: 4900 }])).toBe('¥49.00 ~ ¥59.00');
    expect(groupPriceRange([])).toBe('-');
  });
});

describe('fillDays', () => {
  it('lists every one of the last 30 China days, zero where the API sent none', () => {
    const now = Date.parse('2026-12-04T20:00:00Z'); // already 12-05 in Shanghai
    const days = fillDays([{ date: '2026-12-05', earnedFen: 100, paidFen: 0 }, { date: '2026-11-20', earnedFen: 5, paidFen: 5 }], (date) => ({ date, earnedFen: 0, paidFen: 0 }), 30, now);
    expect(days).toHaveLength(30);
    expect(days[0].date).toBe('2026-11-06');
    expect(days[29]).toEqual({ date: '2026-12-05', earnedFen: 100, paidFen: 0 });
    expect(days.find((d) => d.date === '2026-11-20')?.paidFen).toBe(5);
    expect(days.filter((d) => d.earnedFen === 0)).toHaveLength(28);
  });
});

describe('charts', () => {
  it('draw commission in yuan over 30 days', () => {
    const o = commissionDailyOption([], zhT) as { series: { name: string; data: number[] }[]; xAxis: { data: string[] } };
    expect(o.xAxis.data).toHaveLength(30);
    expect(o.series.map((s) => s.name)).toEqual(['产生佣金', '打款']);
  });
  it('draw groups opened as bars and endings as lines', () => {
    const o = groupDailyOption([{ date: '2026-12-04', opened: 3, succeeded: 1, failed: 2 }], enT) as { series: { name: string; type: string; data: number[] }[] };
    expect(o.series.map((s) => [s.name, s.type, s.data[0]])).toEqual([
      ['Opened', 'bar', 3],
      ['Succeeded', 'line', 1],
      ['Failed', 'line', 2],
    ]);
  });
});

describe('contract messages the forms can show', () => {
  const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) => (r.success ? [] : r.error!.issues.map((i) => i.message));
  it('have Chinese for the fission contracts’ own messages', () => {
    const base = { name: 'x', productId: '6f1d2c1e-8d1a-4c3e-9d7a-1b2c3d4e5f60', startsAt: '2026-12-05T00:00:00Z', endsAt: '2026-12-06T00:00:00Z' };
    const gb = messages(GroupBuyBody.safeParse({ ...base, groupSize: 3, durationMinutes: 60, leaderMode: 'discount', newCustomerOnly: false, perOrderLimit: 1, perCustomerLimit: 1, items: [{ skuId: base.productId, groupPriceFen: 100, leaderPriceFen: 200 }] }));
    const bg = messages(BargainBody.safeParse({ ...base, skuId: base.productId, floorPriceFen: 0, helpersNeeded: 3, launchHours: 24, buyMode: 'floor_only', helpsPerHelperPerDay: 1, launchesPerCustomer: 1, stock: 1, firstCutPct: [50, 30] }));
    const ds = messages(DistributionSettingsBody.safeParse({ enabled: true, eligibility: 'everyone', spendThresholdFen: 0, bindingMode: 'first_click', bindingDays: null, newCustomersOnly: false, tiers: 2, level1Bp: 8000, level2Bp: 3000, afterSaleDays: 7, withdrawMinFen: 100, withdrawFeeBp: 0, withdrawReview: true }));
    const all = [...gb, ...bg, ...ds];
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const m of all) expect(ZH_CONTRACT_MESSAGES[m], m).toBeTruthy();
  });
});
