import { lineSavingsText } from '@siyu/contracts';
import { money } from '../lib/format';
import type { Adjustment, OrderItem, PromoGift } from '../lib/types';

const KIND: Record<string, string> = {
  limited_discount: '限时折扣',
  bundle: '组合套餐',
  full_reduction: '满减',
  coupon: '优惠券',
};

/** Savings only (shipping is shown as its own row), optionally without some codes. */
export function savingLines(adjustments: Adjustment[] | undefined, without: string[] = []): Adjustment[] {
  return (adjustments ?? []).filter((a) => a.code !== 'shipping' && a.amountFen !== 0 && !without.includes(a.code));
}

/** One row per saving: "限时折扣 8折 -¥12.00". */
export function PromoSavings({ adjustments }: { adjustments: Adjustment[] }) {
  return (
    <>
      {adjustments.map((a, i) => {
        const kind = KIND[a.code];
        const showKind = kind && !a.label.includes(kind);
        return (
          <div className="kv" key={`${a.code}-${a.ref ?? ''}-${a.skuId ?? ''}-${i}`} data-testid="saving-line" data-code={a.code}>
            <span className="promo-saving-label">
              {showKind && <span className="promo-tag">{kind}</span>}
              <span className="ellipsis">{a.label || kind || '优惠'}</span>
            </span>
            <span className="v promo-saving-amount" data-testid="saving-amount">
              {money(a.amountFen)}
            </span>
          </div>
        );
      })}
    </>
  );
}

/** 满赠 gift lines at ¥0. */
export function PromoGiftLines({ gifts }: { gifts: PromoGift[] }) {
  if (!gifts.length) return null;
  return (
    <ul className="plain-list promo-gifts" aria-label="赠品">
      {gifts.map((g) => (
        <li key={`${g.skuId}-${g.reason}`} className="promo-gift" data-testid="gift-line" data-sku-id={g.skuId}>
          <span className="promo-tag">赠品</span>
          <span className="grow">
            <span className="ellipsis" style={{ display: 'block' }}>
              {g.title}
              {g.specText ? ` ${g.specText}` : ''}
            </span>
            {g.reason && <span className="small muted">{g.reason}</span>}
          </span>
          <span className="muted">×{g.quantity}</span>
          <span className="v">{money(0)}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * Why a line cost less than its price: "实付 ¥59.23,含优惠券分摊 −¥10.77". Orders placed before lines
 * kept their savings by source say the total discount only.
 */
export function LinePaid({ item }: { item: Pick<OrderItem, 'payableFen' | 'discountFen' | 'savings'> }) {
  if (item.discountFen <= 0) return null;
  const why = item.savings?.length ? lineSavingsText(item.savings, 'zh') : `含优惠 −${money(item.discountFen)}`;
  return (
    <div className="line-savings" data-testid="line-paid">
      实付 {money(item.payableFen)}
      {why ? `,${why}` : ''}
    </div>
  );
}
