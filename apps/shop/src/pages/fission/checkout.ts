import type { NavigateFunction } from 'react-router-dom';
import { checkoutDraft, type CheckoutDraft } from '../../lib/checkout-draft';

/**
 * What a 拼团 or 砍价 checkout adds to the draft; the checkout page sends it with /checkout/preview and
 * /orders the way it sends presaleOrderId. No groupId opens a new group with the buyer as its leader.
 */
export interface FissionCheckout {
  /** `firstTier`: a 阶梯团's first tier size, for the note only (never sent). */
  groupBuy?: { groupBuyId: string; groupId?: string; firstTier?: number };
  bargainLaunchId?: string;
}

export type FissionDraft = CheckoutDraft & FissionCheckout;

/** The fields of a draft that go into the preview and order bodies. */
export function fissionBody(d: FissionCheckout | null | undefined): FissionCheckout {
  if (!d) return {};
  return {
    ...(d.groupBuy ? { groupBuy: d.groupBuy.groupId ? { groupBuyId: d.groupBuy.groupBuyId, groupId: d.groupBuy.groupId } : { groupBuyId: d.groupBuy.groupBuyId } } : {}),
    ...(d.bargainLaunchId ? { bargainLaunchId: d.bargainLaunchId } : {}),
  };
}

/** A line explaining the order at checkout, or null for an ordinary one. */
export function fissionNote(d: FissionCheckout | null | undefined): string | null {
  const first = d?.groupBuy?.firstTier;
  if (first) return `阶梯团订单:按 ${first} 人团价支付,满 ${first} 人即成团发货(已成团的团付款后即发货),满员或到期按最终人数自动退差价;未成团将自动全额退款`;
  if (d?.groupBuy) return d.groupBuy.groupId ? '拼团订单:支付后加入该团,成团后发货;未成团将自动全额退款' : '拼团订单:支付后开团,邀请好友参团,成团后发货;未成团将自动全额退款';
  if (d?.bargainLaunchId) return '砍价订单:按砍后价格购买';
  return null;
}

export function startFissionCheckout(navigate: NavigateFunction, line: { skuId: string; quantity: number; title: string; specText: string; priceFen: number; imageUrl: string | null }, extra: FissionCheckout) {
  const draft: FissionDraft = {
    items: [{ skuId: line.skuId, quantity: line.quantity }],
    fromCart: false,
    images: { [line.skuId]: line.imageUrl },
    info: { [line.skuId]: { title: line.title, specText: line.specText, priceFen: line.priceFen } },
    ...extra,
  };
  checkoutDraft.set(draft);
  navigate('/checkout');
}
