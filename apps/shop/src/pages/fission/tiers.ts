import { money } from '../../lib/format';
import type { GroupBuyActivity, GroupStatus, Tier } from './api';

// 阶梯团 (tiered group buys) as the storefront words them. Everyone pays the first tier's price; the group
// forms at the first tier, keeps taking members until full or out of time, then each member gets the
// difference to the tier reached back. Pure functions only (tiers.test.ts), no React here.

/** An activity's ladder: each tier's size with the lowest of its SKUs' prices, or null for a plain group buy. */
export function activityLadder(gb: Pick<GroupBuyActivity, 'tierSizes' | 'items'>): Tier[] | null {
  if (!gb.tierSizes?.length) return null;
  const tiers = gb.tierSizes.map((size, i) => {
    const prices = gb.items.map((it) => it.tierPricesFen?.[i]).filter((p): p is number => typeof p === 'number');
    return { size, priceFen: prices.length ? Math.min(...prices) : NaN };
  });
  // A ladder with a hole would promise a price nobody set: show none rather than a wrong one.
  return tiers.every((t) => Number.isFinite(t.priceFen)) ? tiers : null;
}

/** "2人团 ¥60.00 · 3人团 ¥50.00 · 5人团 ¥40.00" */
export const ladderText = (tiers: Tier[]) => tiers.map((t) => `${t.size}人团 ${money(t.priceFen)}`).join(' · ');

/** The rule in one line, under the ladder. */
export const tierRuleText = (tiers: Tier[]) => `按 ${tiers[0]?.size ?? 2} 人团价支付,成团后人数越多越便宜,差价自动退回`;

/**
 * Where `count` members stand on the ladder: the index of the tier reached (-1 below the first), the price
 * that holds now (the first tier's until it forms, since that is what everyone paid), and the next tier.
 */
export function ladderPosition(tiers: Tier[], count: number): { reached: number; priceFen: number; next: Tier | null; toNext: number } {
  let reached = -1;
  tiers.forEach((t, i) => {
    if (t.size <= count) reached = i;
  });
  const next = tiers[reached + 1] ?? null;
  return { reached, priceFen: tiers[Math.max(0, reached)]?.priceFen ?? 0, next, toNext: next ? Math.max(0, next.size - count) : 0 };
}

/** Members still needed to form the group: to the first tier for a tiered group, else to its size (系统补位 count). */
export const seatsToForm = (g: { size: number; filled: number; virtualSeats?: number; minSize?: number | null }) => Math.max(0, (g.minSize ?? g.size) - g.filled - (g.virtualSeats ?? 0));

/**
 * A tiered group's phase: forming (below the first tier), growing (formed, still taking members), closing
 * (formed, full or out of time, settlement not booked yet), settled, or failed (never formed, refunded).
 */
export type TieredPhase = 'forming' | 'growing' | 'closing' | 'settled' | 'failed';

export function tieredPhase(g: { status: GroupStatus; settledAt: string | null; joinable: boolean }): TieredPhase {
  if (g.status === 'failed') return 'failed';
  if (g.status === 'open') return 'forming';
  if (g.settledAt) return 'settled';
  return g.joinable ? 'growing' : 'closing';
}

/** Is a group of the list (no `joinable` there) still taking members? Tiered, formed, unsettled, a seat free, in time. */
export const myGroupGrowing = (g: { tiered?: boolean; status: GroupStatus; settledAt?: string | null; size: number; filled: number; virtualSeats?: number; expiresAt: string }, nowMs: number) =>
  !!g.tiered && g.status === 'succeeded' && !g.settledAt && g.size - g.filled - (g.virtualSeats ?? 0) > 0 && Date.parse(g.expiresAt) > nowMs;

/**
 * The group page's status line for a tiered group (the clock, where one runs, is drawn after it):
 * "还差 1 人成团" / "已成团 · 再邀 2 人降至 ¥40.00" / "已按 3 人团价结算".
 */
export function tieredStatusLine(
  g: { status: GroupStatus; settledAt: string | null; joinable: boolean; filled: number; size: number; minSize: number | null; tierSizeReached: number | null; tiers: Tier[] | null },
): string {
  const tiers = g.tiers ?? [];
  const pos = ladderPosition(tiers, g.filled);
  switch (tieredPhase(g)) {
    case 'forming':
      return `还差 ${seatsToForm(g)} 人成团`;
    case 'growing':
      return pos.next ? `已成团 · 再邀 ${pos.toNext} 人降至 ${money(pos.next.priceFen)}` : '已成团 · 可继续邀请';
    case 'closing':
      return `已成团,正在按 ${tiers[pos.reached]?.size ?? g.filled} 人团价结算`;
    case 'settled':
      return `已按 ${g.tierSizeReached ?? tiers[pos.reached]?.size ?? g.filled} 人团价结算`;
    case 'failed':
      return '未在时间内成团,款项已原路退回';
  }
}

/** The member's own line after settlement, or null when nothing came back (the group stayed at the first tier). */
export const myTierRefundLine = (g: { mine: boolean; settledAt: string | null; myTierRefundFen: number | null }) =>
  g.mine && g.settledAt && (g.myTierRefundFen ?? 0) > 0 ? `差价 ${money(g.myTierRefundFen!)} 已原路退回` : null;

/** 我的拼团's status for a tiered group; null for a plain one (GROUP_STATUS_TEXT says it). */
export function myTieredStatusText(g: { tiered?: boolean; status: GroupStatus; settledAt?: string | null; tierRefundFen?: number | null; size: number; filled: number; virtualSeats?: number; expiresAt: string }, nowMs: number): string | null {
  if (!g.tiered || g.status !== 'succeeded') return null;
  if (g.settledAt) return (g.tierRefundFen ?? 0) > 0 ? `已结算 · 退差价 ${money(g.tierRefundFen!)}` : '已结算';
  return myGroupGrowing(g, nowMs) ? '已成团(可继续邀请)' : '已成团,待结算';
}

/**
 * A price-difference refund (阶梯团差价): money back with no goods, so every item it names has quantity 0.
 * A refund naming no items at all (postage only, say) is not one.
 */
export const isPriceDifferenceRefund = (r: { items: { quantity: number }[] }) => r.items.length > 0 && r.items.every((i) => i.quantity === 0);
