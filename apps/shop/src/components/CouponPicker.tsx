import { Button, Popup } from 'antd-mobile';
import { CheckOutline, CloseOutline, RightOutline } from 'antd-mobile-icons';
import { useState } from 'react';
import { money } from '../lib/format';
import type { CheckoutCoupons } from '../lib/types';
import { CouponCard, myCouponValidity } from './CouponCard';

/** What the 优惠券 row of checkout says on its right: -¥20.00, N张可用, or 无可用. */
function rowValue(coupons: CheckoutCoupons, savingFen: number) {
  if (coupons.selectedId && savingFen > 0) return <span className="price">-{money(savingFen)}</span>;
  if (coupons.available.length) return <span className="coupon-count">{coupons.available.length}张可用</span>;
  return <span className="muted">无可用</span>;
}

function Radio({ on }: { on: boolean }) {
  return (
    <span className={on ? 'rcheck on' : 'rcheck'} aria-hidden="true">
      {on && <CheckOutline />}
    </span>
  );
}

/**
 * The checkout's 优惠券 row and its popup: usable coupons (the server's best preselected) as radios with
 * what each saves, 不使用优惠券, and the unusable ones with the reason. `onChoose(null)` means none.
 */
export function CouponPicker({ coupons, savingFen, disabled, onChoose }: { coupons: CheckoutCoupons; savingFen: number; disabled?: boolean; onChoose: (id: string | null) => void }) {
  const [open, setOpen] = useState(false);
  const [tab, setTab] = useState<'available' | 'unavailable'>('available');
  const selected = coupons.available.find((a) => a.coupon.id === coupons.selectedId)?.coupon;
  const choose = (id: string | null) => {
    setOpen(false);
    if (id !== coupons.selectedId) onChoose(id);
  };

  return (
    <>
      <button type="button" className="cell-btn coupon-row" onClick={() => setOpen(true)} disabled={disabled} aria-haspopup="dialog" data-testid="checkout-coupon-row">
        <span>优惠券</span>
        <span className="grow ellipsis small muted" style={{ textAlign: 'right' }}>
          {selected ? selected.label : ''}
        </span>
        <span data-testid="checkout-coupon-value">{rowValue(coupons, savingFen)}</span>
        <RightOutline aria-hidden />
      </button>

      <Popup visible={open} onMaskClick={() => setOpen(false)} onClose={() => setOpen(false)} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }}>
        <div className="coupon-pop" role="dialog" aria-modal="true" aria-labelledby="coupon-pop-title" data-testid="coupon-picker">
          <div className="coupon-pop-head">
            <h2 id="coupon-pop-title">选择优惠券</h2>
            <button type="button" className="nav-back" aria-label="关闭" onClick={() => setOpen(false)}>
              <CloseOutline fontSize={20} aria-hidden />
            </button>
          </div>
          <div className="order-tabs" role="tablist" aria-label="优惠券">
            <button type="button" role="tab" aria-selected={tab === 'available'} onClick={() => setTab('available')} data-testid="coupon-picker-tab-available">
              可用({coupons.available.length})
            </button>
            <button type="button" role="tab" aria-selected={tab === 'unavailable'} onClick={() => setTab('unavailable')} data-testid="coupon-picker-tab-unavailable">
              不可用({coupons.unavailable.length})
            </button>
          </div>
          <div className="coupon-pop-body" role="tabpanel" aria-label={tab === 'available' ? '可用优惠券' : '不可用优惠券'}>
            {tab === 'available' ? (
              coupons.available.length === 0 ? (
                <p className="center-pad muted">暂无可用的优惠券</p>
              ) : (
                <div role="radiogroup" aria-label="可用优惠券">
                  {coupons.available.map(({ coupon, savingFen: save }) => {
                    const on = coupon.id === coupons.selectedId;
                    return (
                      <button
                        key={coupon.id}
                        type="button"
                        role="radio"
                        aria-checked={on}
                        aria-label={`${coupon.name},${coupon.label},可省${money(save)}`}
                        className="coupon-choice"
                        onClick={() => choose(coupon.id)}
                        data-testid="coupon-option"
                        data-coupon-id={coupon.id}
                      >
                        <CouponCard coupon={coupon} validity={myCouponValidity(coupon)} action={<Radio on={on} />}>
                          <div className="coupon-save">可省 {money(save)}</div>
                        </CouponCard>
                      </button>
                    );
                  })}
                  <button type="button" role="radio" aria-checked={!coupons.selectedId} className="coupon-none" onClick={() => choose(null)} data-testid="coupon-option-none">
                    <span>不使用优惠券</span>
                    <Radio on={!coupons.selectedId} />
                  </button>
                </div>
              )
            ) : coupons.unavailable.length === 0 ? (
              <p className="center-pad muted">没有不可用的优惠券</p>
            ) : (
              <ul className="plain-list" aria-label="不可用优惠券">
                {coupons.unavailable.map(({ coupon, reason }) => (
                  <CouponCard key={coupon.id} item coupon={coupon} validity={myCouponValidity(coupon)} dim testId="coupon-unavailable">
                    <div className="coupon-reason" data-testid="coupon-unavailable-reason">
                      {reason}
                    </div>
                  </CouponCard>
                ))}
              </ul>
            )}
          </div>
          <div className="coupon-pop-foot">
            <Button block color="primary" className="btn-round" onClick={() => setOpen(false)}>
              完成
            </Button>
          </div>
        </div>
      </Popup>
    </>
  );
}
