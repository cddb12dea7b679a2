import { Popup } from 'antd-mobile';
import { CloseOutline, RightOutline } from 'antd-mobile-icons';
import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { CentreCoupon, LimitedDiscount, ProductDetail, ProductPromotions } from '../lib/types';
import { CouponClaimAction, useClaimOnReturn, useCouponClaim } from './CouponActions';
import { CouponCard } from './CouponCard';
import { Countdown } from './Countdown';
import { MarketPrice, Price } from './Price';

/** SKUs the activity actually discounts (the list also carries the others at their own price). */
function discounted(d: LimitedDiscount) {
  return d.skus.filter((s) => s.priceFen < s.originalFen);
}

/** Is the 限时折扣 on now (prices apply), coming (preview), or neither? */
export function flashPhase(d: LimitedDiscount | null | undefined, now = Date.now()): 'running' | 'upcoming' | null {
  if (!d || discounted(d).length === 0) return null;
  if (new Date(d.endsAt).getTime() <= now) return null;
  if (d.running) return 'running';
  return new Date(d.startsAt).getTime() > now ? 'upcoming' : null;
}

/**
 * The product as the SKU picker should price it: while a 限时折扣 runs, SKUs with an activity price show
 * it, with the regular price struck through (as the market price).
 */
export function withActivityPrices(p: ProductDetail | null, d: LimitedDiscount | null | undefined): ProductDetail | null {
  if (!p || flashPhase(d) !== 'running') return p;
  const byId = new Map(discounted(d!).map((s) => [s.skuId, s]));
  const skus = p.skus.map((s) => {
    const a = byId.get(s.id);
    return a ? { ...s, price: a.priceFen, marketPrice: Math.max(a.originalFen, s.price) } : s;
  });
  const prices = skus.map((s) => s.price);
  return { ...p, skus, minPrice: prices.length ? Math.min(...prices) : p.minPrice, maxPrice: prices.length ? Math.max(...prices) : p.maxPrice };
}

/** 限时折扣 band under the product images: activity price, the regular price struck, and a live countdown. */
export function PromoFlash({ discount, sku, onPhaseEnd }: { discount: LimitedDiscount; sku: { id: string; price: number } | null; onPhaseEnd: () => void }) {
  const phase = flashPhase(discount);
  if (!phase) return null;
  const upcoming = phase === 'upcoming';
  const deals = discounted(discount);
  const picked = sku ? deals.find((s) => s.skuId === sku.id) : undefined;
  const cheapest = deals.reduce((a, b) => (b.priceFen < a.priceFen ? b : a));
  // A chosen SKU outside the activity keeps its own price (the picker shows the same).
  const outside = !!sku && !picked && !upcoming;
  const shown = picked ?? (outside ? { priceFen: sku!.price, originalFen: 0 } : cheapest);
  const range = !sku && new Set(deals.map((s) => s.priceFen)).size > 1;
  // The 8折 label, when it is more than the activity's name says.
  const label = discount.label && discount.label !== discount.name ? discount.label : null;
  return (
    <section className={upcoming ? 'promo-flash upcoming' : 'promo-flash'} aria-label="限时折扣" data-testid="promo-flash" data-phase={phase}>
      <div className="pf-main">
        <div className="pf-title">
          <span className="pf-tag">{upcoming ? '限时折扣 即将开始' : '限时折扣'}</span>
          {label && <span className="pf-label">{label}</span>}
        </div>
        <div className="pf-price">
          {upcoming && <span className="small">活动价 </span>}
          <Price fen={shown.priceFen} size="lg" from={range} testId={upcoming ? 'promo-flash-price' : 'product-price'} />
          <MarketPrice fen={shown.originalFen} />
        </div>
        {outside ? (
          <div className="small">所选规格不参与本活动</div>
        ) : (
          discount.perCustomerLimit > 0 && <div className="small">每人限购 {discount.perCustomerLimit} 件活动价</div>
        )}
      </div>
      <div className="pf-clock">
        <div className="small">{upcoming ? '距开始' : '距结束'}</div>
        <Countdown to={upcoming ? discount.startsAt : discount.endsAt} onEnd={onPhaseEnd} testId="promo-countdown" />
      </div>
    </section>
  );
}

/** 促销 rows: one 满减/满赠 tag per running activity. */
export function PromoReductions({ items }: { items: ProductPromotions['fullReductions'] }) {
  if (!items.length) return null;
  return (
    <div className="cell-btn" style={{ cursor: 'default', alignItems: 'flex-start' }} data-testid="promo-reductions">
      <span className="muted">促销</span>
      <span className="grow">
        {items.map((f) => (
          <span key={f.activityId} className="promo-row" data-testid="promo-reduction">
            <span className="promo-tag">{/赠/.test(f.label) && !/减/.test(f.label) ? '满赠' : '满减'}</span>
            <span>{f.label}</span>
          </span>
        ))}
      </span>
    </div>
  );
}

/** 领券 row and its popup: the claim-centre coupons this product qualifies for, claimable in place. */
export function PromoCoupons({ productId, coupons, onUpdate }: { productId: string; coupons: CentreCoupon[]; onUpdate: (c: CentreCoupon) => void }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const returnTo = useCallback((c: CentreCoupon) => `/products/${encodeURIComponent(productId)}?claim=${encodeURIComponent(c.id)}`, [productId]);
  const { claim, busyId } = useCouponClaim({ returnTo, onUpdate });
  useClaimOnReturn(coupons, claim);
  if (!coupons.length) return null;
  return (
    <>
      <button type="button" className="cell-btn" onClick={() => setOpen(true)} aria-haspopup="dialog" data-testid="open-coupons">
        <span className="muted">领券</span>
        <span className="grow coupon-chips">
          {coupons.slice(0, 3).map((c) => (
            <span key={c.id} className="coupon-chip">
              {c.label}
            </span>
          ))}
        </span>
        <span className="small coupon-count">领取</span>
        <RightOutline aria-hidden />
      </button>
      <Popup visible={open} onMaskClick={() => setOpen(false)} onClose={() => setOpen(false)} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }}>
        <div className="coupon-pop" role="dialog" aria-modal="true" aria-labelledby="pd-coupons-title" data-testid="coupon-popup">
          <div className="coupon-pop-head">
            <h2 id="pd-coupons-title">领取优惠券</h2>
            <button type="button" className="nav-back" aria-label="关闭" onClick={() => setOpen(false)}>
              <CloseOutline fontSize={20} aria-hidden />
            </button>
          </div>
          <ul className="plain-list coupon-pop-body" aria-label="可领取的优惠券">
            {coupons.map((c) => (
              <CouponCard
                key={c.id}
                item
                coupon={c}
                validity={c.validityText}
                dim={!c.canClaim && c.claimedByMe === 0}
                action={<CouponClaimAction coupon={c} busy={busyId === c.id} onClaim={() => void claim(c)} onUse={() => setOpen(false)} />}
              />
            ))}
          </ul>
          <div className="coupon-pop-foot">
            <button type="button" className="link-btn" onClick={() => navigate('/coupons')} data-testid="pd-coupon-center">
              去领券中心看看更多优惠券 ›
            </button>
          </div>
        </div>
      </Popup>
    </>
  );
}
