import { useEffect, useState } from 'react';
import { shopSlug } from '../../lib/shop';
import { readyDeviceId } from '../../lib/tracking';

// Shapes of the fission store API (拼团, 砍价, 分销, 分享) as the storefront reads them.

export interface GroupBuyActivity {
  id: string;
  groupSize: number;
  durationMinutes: number;
  endsAt: string;
  leaderMode: 'same' | 'discount' | 'free';
  newCustomerOnly: boolean;
  perOrderLimit: number;
  virtualThresholdPct: number | null;
  /** 阶梯团: the tier sizes, rising, the last one the group size; null for a plain group buy. */
  tierSizes: number[] | null;
  /** tierPricesFen: one price per tier, falling; the first is groupPriceFen (what everyone pays). */
  items: { skuId: string; groupPriceFen: number; leaderPriceFen: number; tierPricesFen: number[] | null }[];
}

/** One step of a 阶梯团 ladder: from `size` members each pays `priceFen` (lowest over the SKUs). */
export interface Tier {
  size: number;
  priceFen: number;
}

export interface OpenGroup {
  id: string;
  leaderNickname: string | null;
  leaderAvatarUrl: string | null;
  filled: number;
  size: number;
  seatsLeft: number;
  expiresAt: string;
  /** A tiered group that already succeeded and still takes members. */
  formed: boolean;
}

export interface ProductGroupBuy {
  groupBuy: GroupBuyActivity | null;
  openGroups: OpenGroup[];
  serverTime: string;
}

export type GroupStatus = 'open' | 'succeeded' | 'failed';

export interface GroupView {
  id: string;
  groupBuyId: string;
  productId: string;
  productTitle: string;
  imageUrl: string | null;
  status: GroupStatus;
  size: number;
  filled: number;
  virtualSeats: number;
  expiresAt: string;
  groupPriceFen: number;
  members: { nickname: string | null; avatarUrl: string | null; isLeader: boolean; virtual: boolean }[];
  mine: boolean;
  myOrderId: string | null;
  serverTime: string;
  /** 阶梯团: forms at minSize (the first tier), takes members up to size (the last) until settled. */
  tiered: boolean;
  minSize: number | null;
  settledAt: string | null;
  tierSizeReached: number | null;
  tiers: Tier[] | null;
  /** What came back to the viewing member at settlement (0 when the group stayed at the first tier). */
  myTierRefundFen: number | null;
  /** The server's view: a seat is free, not settled, not expired (a growing tiered group is 'succeeded' and joinable). */
  joinable: boolean;
}

export interface MyGroup {
  groupId: string;
  status: GroupStatus;
  size: number;
  filled: number;
  expiresAt: string;
  productTitle: string;
  imageUrl: string | null;
  orderId: string;
  isLeader: boolean;
  /** 系统补位 seats of the group (they count towards its size). */
  virtualSeats?: number;
  tiered: boolean;
  minSize: number | null;
  settledAt: string | null;
  tierSizeReached: number | null;
  /** The price difference refunded to this member at settlement. */
  tierRefundFen: number | null;
}

export interface Bargain {
  id: string;
  name: string;
  productId: string;
  productTitle: string;
  imageUrl: string | null;
  skuId: string;
  specText: string;
  status: string;
  startsAt: string;
  endsAt: string;
  startPriceFen: number;
  floorPriceFen: number;
  helpersNeeded: number;
  launchHours: number;
  buyMode: 'floor_only' | 'current_price';
  stock: number;
}

export type LaunchStatus = 'ongoing' | 'succeeded' | 'expired' | 'ordered';

export interface Launch {
  id: string;
  bargainId: string;
  productTitle: string;
  imageUrl: string | null;
  startPriceFen: number;
  floorPriceFen: number;
  currentPriceFen: number;
  helpersNeeded: number;
  helpsCount: number;
  status: LaunchStatus;
  expiresAt: string;
  buyMode: 'floor_only' | 'current_price';
  canBuy: boolean;
  helps: { nickname: string | null; avatarUrl: string | null; cutFen: number; at: string }[];
  mine: boolean;
  helpedByMe: boolean;
  serverTime: string;
  // Beyond the brief's shape (the contract's BargainLaunchView has them): checkout needs the SKU bought.
  skuId?: string;
  productId?: string;
  specText?: string;
  launcher?: { nickname: string | null; avatarUrl: string | null };
  /** The launcher's order of it (only to the launcher). */
  orderId?: string | null;
}

export type PromoterStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'disabled';

export interface PromoterMe {
  status: PromoterStatus;
  canApply: boolean;
  account: { earnedFen: number; frozenFen: number; payableFen: number; paidFen: number; clawedFen: number; withdrawingFen: number };
  settings: { withdrawMinFen: number; withdrawFeeBp: number; tiers: 1 | 2; eligibility?: 'everyone' | 'apply' | 'spend'; spendThresholdFen?: number };
  rejectReason?: string | null;
}

export interface TeamMember {
  nickname: string | null;
  avatarUrl: string | null;
  boundAt: string;
  orders: number;
  spentFen: number;
}

export interface Commission {
  orderNo: string;
  productTitle: string;
  tier: 1 | 2;
  amountFen: number;
  clawedFen: number;
  status: 'frozen' | 'payable' | 'cancelled' | string;
  thawAt: string | null;
}

export type WithdrawalStatus = 'reviewing' | 'approved' | 'transferring' | 'wait_confirm' | 'paid' | 'rejected' | 'failed';

export interface Withdrawal {
  id: string;
  withdrawalNo?: string;
  amountFen: number;
  feeFen: number;
  payFen: number;
  status: WithdrawalStatus;
  createdAt: string;
  paidAt?: string | null;
  failReason?: string | null;
  rejectReason?: string | null;
}

export type ShareKind = 'product' | 'group' | 'bargain' | 'promoter';

export interface ShareLink {
  scene: string;
  url: string;
  posterUrl: string;
}

export interface Scene {
  kind: ShareKind;
  targetId: string | null;
  path: string;
  sharerNickname: string | null;
}

/** Milliseconds the server's clock is ahead of this device's. */
export const skewOf = (serverTime: string | undefined) => {
  const t = serverTime ? Date.parse(serverTime) : NaN;
  return Number.isFinite(t) ? t - Date.now() : 0;
};

/**
 * Milliseconds left until `to` on the server's clock, ticking once a second. `onEnd` runs once when a
 * running countdown reaches zero (never for one already over, so a page cannot reload in a loop).
 */
export function useTimeLeft(to: string | null | undefined, skewMs: number, onEnd?: () => void): number {
  const target = to ? Date.parse(to) : NaN;
  const [now, setNow] = useState(() => Date.now() + skewMs);
  useEffect(() => {
    if (!Number.isFinite(target)) return;
    const start = Date.now() + skewMs;
    setNow(start);
    if (target <= start) return;
    const timer = setInterval(() => {
      const n = Date.now() + skewMs;
      setNow(n);
      if (n >= target) {
        clearInterval(timer);
        onEnd?.();
      }
    }, 1000);
    return () => clearInterval(timer);
    // onEnd is a reload callback: a new function each render must not restart the clock.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target, skewMs]);
  return Number.isFinite(target) ? Math.max(0, target - now) : 0;
}

/** Seats still to fill: the size less real members and 系统补位 seats. */
export const seatsLeft = (g: { size: number; filled: number; virtualSeats?: number }) => Math.max(0, g.size - g.filled - (g.virtualSeats ?? 0));

/** This device's id for the server's anti-abuse checks on launches and helps (absent while tracking is off). */
export async function deviceHeaders(): Promise<Record<string, string>> {
  const id = await readyDeviceId();
  return id ? { 'X-Device-Id': id } : {};
}

/** The share link as an absolute URL (the server may answer with a path under this origin). */
export const absoluteUrl = (url: string) => (/^https?:\/\//.test(url) ? url : `${window.location.origin}${url.startsWith('/') ? '' : '/'}${url}`);

// A scene opened from a share link waits here until the customer is signed in; the server then decides
// the referral binding from the scene's stored payload (the storefront never names a promoter itself).
const sceneKey = () => `siyu:shop:${shopSlug}:ref-scene`;
export const pendingScene = {
  get(): string | null {
    try {
      const v = JSON.parse(localStorage.getItem(sceneKey()) ?? 'null') as { scene?: string } | null;
      return typeof v?.scene === 'string' ? v.scene : null;
    } catch {
      return null;
    }
  },
  set(scene: string) {
    try {
      localStorage.setItem(sceneKey(), JSON.stringify({ scene, savedAt: Date.now() }));
    } catch {
      /* private mode: the visit is not recorded, the page still opens */
    }
  },
  forget() {
    try {
      localStorage.removeItem(sceneKey());
    } catch {
      /* nothing stored */
    }
  },
};
