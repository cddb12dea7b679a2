import { describe, expect, it } from 'vitest';
import {
  activityLadder,
  isPriceDifferenceRefund,
  ladderPosition,
  ladderText,
  myGroupGrowing,
  myTierRefundLine,
  myTieredStatusText,
  seatsToForm,
  tieredPhase,
  tieredStatusLine,
  tierRuleText,
} from './tiers';

const tiers = [
  { size: 2, priceFen: 6000 },
  { size: 3, priceFen: 5000 },
  { size: 5, priceFen: 4000 },
];
const item = (skuId: string, tierPricesFen: number[] | null) => ({ skuId, groupPriceFen: tierPricesFen?.[0] ?? 6000, leaderPriceFen: tierPricesFen?.[0] ?? 6000, tierPricesFen });

describe('activityLadder', () => {
  it('is null for a plain group buy', () => {
    expect(activityLadder({ tierSizes: null, items: [item('a', null)] })).toBeNull();
    expect(activityLadder({ tierSizes: [], items: [item('a', null)] })).toBeNull();
  });
  it('takes the lowest price over the SKUs per tier', () => {
    expect(activityLadder({ tierSizes: [2, 3, 5], items: [item('a', [6000, 5000, 4000]), item('b', [5800, 5200, 3900])] })).toEqual([
      { size: 2, priceFen: 5800 },
      { size: 3, priceFen: 5000 },
      { size: 5, priceFen: 3900 },
    ]);
  });
  it('shows no ladder when a tier has no price', () => {
    expect(activityLadder({ tierSizes: [2, 3], items: [item('a', [6000])] })).toBeNull();
  });
});

describe('texts', () => {
  it('reads the ladder and the rule', () => {
    expect(ladderText(tiers)).toBe('2人团 ¥60.00 · 3人团 ¥50.00 · 5人团 ¥40.00');
    expect(tierRuleText(tiers)).toBe('按 2 人团价支付,成团后人数越多越便宜,差价自动退回');
  });
});

describe('ladderPosition', () => {
  it('holds the first price below the first tier', () => {
    expect(ladderPosition(tiers, 1)).toEqual({ reached: -1, priceFen: 6000, next: tiers[0], toNext: 1 });
  });
  it('finds the tier reached and the next one', () => {
    expect(ladderPosition(tiers, 2)).toEqual({ reached: 0, priceFen: 6000, next: tiers[1], toNext: 1 });
    expect(ladderPosition(tiers, 4)).toEqual({ reached: 1, priceFen: 5000, next: tiers[2], toNext: 1 });
    expect(ladderPosition(tiers, 5)).toEqual({ reached: 2, priceFen: 4000, next: null, toNext: 0 });
  });
});

describe('seatsToForm', () => {
  it('counts to the first tier for a tiered group, else to the size with 系统补位', () => {
    expect(seatsToForm({ size: 5, filled: 1, minSize: 2 })).toBe(1);
    expect(seatsToForm({ size: 5, filled: 3, minSize: 2 })).toBe(0);
    expect(seatsToForm({ size: 5, filled: 1, virtualSeats: 2, minSize: null })).toBe(2);
  });
});

const group = (over: Partial<Parameters<typeof tieredStatusLine>[0]> = {}) => ({
  status: 'open' as const,
  settledAt: null,
  joinable: true,
  filled: 1,
  size: 5,
  minSize: 2,
  tierSizeReached: null,
  tiers,
  ...over,
});

describe('tiered group status', () => {
  it('goes forming → growing → closing → settled, or failed', () => {
    expect(tieredPhase(group())).toBe('forming');
    expect(tieredPhase(group({ status: 'succeeded', filled: 3 }))).toBe('growing');
    expect(tieredPhase(group({ status: 'succeeded', filled: 5, joinable: false }))).toBe('closing');
    expect(tieredPhase(group({ status: 'succeeded', filled: 3, joinable: false, settledAt: '2026-12-05T00:00:00Z' }))).toBe('settled');
    expect(tieredPhase(group({ status: 'failed', joinable: false }))).toBe('failed');
  });
  it('says what is missing and what the next tier brings', () => {
    expect(tieredStatusLine(group())).toBe('还差 1 人成团');
    expect(tieredStatusLine(group({ status: 'succeeded', filled: 2 }))).toBe('已成团 · 再邀 1 人降至 ¥50.00');
    expect(tieredStatusLine(group({ status: 'succeeded', filled: 3 }))).toBe('已成团 · 再邀 2 人降至 ¥40.00');
    expect(tieredStatusLine(group({ status: 'succeeded', filled: 5, joinable: false }))).toBe('已成团,正在按 5 人团价结算');
    expect(tieredStatusLine(group({ status: 'succeeded', filled: 4, joinable: false, settledAt: '2026-12-05T00:00:00Z', tierSizeReached: 3 }))).toBe('已按 3 人团价结算');
    expect(tieredStatusLine(group({ status: 'failed', joinable: false }))).toBe('未在时间内成团,款项已原路退回');
  });
  it('tells a member what came back, only when something did', () => {
    const settledAt = '2026-12-05T00:00:00Z';
    expect(myTierRefundLine({ mine: true, settledAt, myTierRefundFen: 1000 })).toBe('差价 ¥10.00 已原路退回');
    expect(myTierRefundLine({ mine: true, settledAt, myTierRefundFen: 0 })).toBeNull();
    expect(myTierRefundLine({ mine: false, settledAt, myTierRefundFen: null })).toBeNull();
    expect(myTierRefundLine({ mine: true, settledAt: null, myTierRefundFen: 1000 })).toBeNull();
  });
});

describe('我的拼团', () => {
  const now = Date.parse('2026-12-05T00:00:00Z');
  const mine = { tiered: true, status: 'succeeded' as const, settledAt: null, tierRefundFen: null, size: 5, filled: 3, virtualSeats: 0, expiresAt: '2026-12-05T01:00:00Z' };
  it('reads growing, waiting and settled groups', () => {
    expect(myGroupGrowing(mine, now)).toBe(true);
    expect(myTieredStatusText(mine, now)).toBe('已成团(可继续邀请)');
    expect(myTieredStatusText({ ...mine, filled: 5 }, now)).toBe('已成团,待结算');
    expect(myTieredStatusText({ ...mine, expiresAt: '2026-12-04T23:00:00Z' }, now)).toBe('已成团,待结算');
    expect(myTieredStatusText({ ...mine, settledAt: '2026-12-05T00:00:00Z', tierRefundFen: 3000 }, now)).toBe('已结算 · 退差价 ¥30.00');
    expect(myTieredStatusText({ ...mine, settledAt: '2026-12-05T00:00:00Z', tierRefundFen: 0 }, now)).toBe('已结算');
  });
  it('leaves plain groups and the other statuses to GROUP_STATUS_TEXT', () => {
    expect(myTieredStatusText({ ...mine, tiered: false }, now)).toBeNull();
    expect(myTieredStatusText({ ...mine, status: 'open' }, now)).toBeNull();
    expect(myGroupGrowing({ ...mine, tiered: false }, now)).toBe(false);
  });
});

describe('isPriceDifferenceRefund', () => {
  it('is a refund whose items all have quantity 0', () => {
    expect(isPriceDifferenceRefund({ items: [{ quantity: 0 }] })).toBe(true);
    expect(isPriceDifferenceRefund({ items: [{ quantity: 0 }, { quantity: 1 }] })).toBe(false);
    expect(isPriceDifferenceRefund({ items: [] })).toBe(false);
  });
});
