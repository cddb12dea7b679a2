import { useMemo } from 'react';
import { useNavigate } from 'react-router-dom';
import { SkuPopup } from '../../components/SkuPopup';
import { money } from '../../lib/format';
import type { ProductDetail, StoreSku } from '../../lib/types';
import type { GroupBuyActivity } from './api';
import { startFissionCheckout } from './checkout';
import { LadderLine } from './TierLadder';
import { activityLadder } from './tiers';

/** The price the buyer pays for a SKU: the leader's price when opening a group, else the group price. */
export function groupPriceOf(gb: GroupBuyActivity, skuId: string, asLeader: boolean): number | null {
  const it = gb.items.find((i) => i.skuId === skuId);
  if (!it) return null;
  return asLeader ? it.leaderPriceFen : it.groupPriceFen;
}

/** Do the activity's SKUs differ in price (then prices read "¥x 起")? */
export function pricesVary(gb: GroupBuyActivity, asLeader: boolean): boolean {
  return new Set(gb.items.map((i) => (asLeader ? i.leaderPriceFen : i.groupPriceFen))).size > 1;
}

/** Lowest price of the activity, for the buttons ("发起拼团 ¥x"). */
export function lowestGroupPrice(gb: GroupBuyActivity, asLeader: boolean): number {
  return Math.min(...gb.items.map((i) => (asLeader ? i.leaderPriceFen : i.groupPriceFen)));
}

/**
 * The spec picker for 拼团: only the activity's SKUs, at the group (or leader) price, at most
 * perOrderLimit; confirming opens checkout with groupBuy (groupId to join, none to open a group).
 */
export function GroupSkuPopup({ product, groupBuy, groupId, visible, onClose }: { product: ProductDetail; groupBuy: GroupBuyActivity; groupId?: string; visible: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const asLeader = !groupId;
  const tiers = activityLadder(groupBuy);
  // The chosen spec's own ladder once there is one (the activity's is the lowest over all specs).
  const ladderFor = (sku: StoreSku | null) => {
    const it = sku ? groupBuy.items.find((i) => i.skuId === sku.id) : undefined;
    return it ? activityLadder({ tierSizes: groupBuy.tierSizes, items: [it] }) : null;
  };
  const priced = useMemo<ProductDetail>(() => {
    const skus = product.skus.map((s) => {
      const price = groupPriceOf(groupBuy, s.id, asLeader);
      return price === null ? { ...s, soldOut: true } : { ...s, marketPrice: s.price, price };
    });
    const live = skus.filter((s) => !s.soldOut).map((s) => s.price);
    return { ...product, skus, minPrice: live.length ? Math.min(...live) : product.minPrice, maxPrice: live.length ? Math.max(...live) : product.maxPrice };
  }, [product, groupBuy, asLeader]);

  const confirm = (sku: StoreSku, quantity: number) => {
    onClose();
    startFissionCheckout(
      navigate,
      { skuId: sku.id, quantity, title: product.title, specText: sku.specText, priceFen: sku.price, imageUrl: product.images[0] ?? null },
      { groupBuy: { groupBuyId: groupBuy.id, ...(groupId ? { groupId } : {}), ...(tiers ? { firstTier: tiers[0]!.size } : {}) } },
    );
  };

  return (
    <SkuPopup
      product={priced}
      visible={visible}
      action="buy"
      onClose={onClose}
      onConfirm={confirm}
      confirmText={asLeader ? '发起拼团' : '立即参团'}
      maxQuantity={groupBuy.perOrderLimit > 0 ? groupBuy.perOrderLimit : undefined}
      note={(sku) =>
        tiers ? (
          // 阶梯团: the price above is the first tier's; the lower ones come back as a refund after the group ends.
          <div className="small fx-sku-note" data-testid="group-sku-note">
            <LadderLine tiers={ladderFor(sku) ?? tiers} />
            <br />
            按 {tiers[0]!.size} 人团价支付,差价自动退回{groupBuy.newCustomerOnly ? ' · 仅限新客' : ''}
          </div>
        ) : (
          <div className="small fx-sku-note" data-testid="group-sku-note">
            {groupBuy.groupSize}人团{asLeader && groupBuy.leaderMode !== 'same' ? ` · 团长价 ${money(lowestGroupPrice(groupBuy, true))}${pricesVary(groupBuy, true) ? ' 起' : ''}` : ''}
            {groupBuy.newCustomerOnly ? ' · 仅限新客' : ''}
          </div>
        )
      }
    />
  );
}
