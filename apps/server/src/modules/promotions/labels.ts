/** How promotions read to a person, in Chinese: "满100减20", "8.5折", "领取后7天内有效". */

import { activityLabelText, couponLabelText, discountText, yuanShort } from '@siyu/contracts';

/** Yuan without trailing zeros: 10000 → "100", 1050 → "10.5", 1999 → "19.99". */
export const yuan = yuanShort;

/** 85 → "8.5折", 80 → "8折". */
export const zhe = (percentPaid: number) => discountText(percentPaid, 'zh');

/**
 * The Chinese label the API sends with a coupon template; the console renders the same fields in its own
 * language with `couponLabelText` from @siyu/contracts.
 */
export function couponLabel(t: { kind: string; thresholdFen: number; amountOffFen: number | null; percentPaid: number | null; maxDiscountFen: number | null }, giftTitle?: string | null): string {
  return couponLabelText(t, 'zh', giftTitle);
}

export function scopeText(scope: string): string {
  return scope === 'categories' ? '指定分类可用' : scope === 'products' ? '指定商品可用' : '全部商品可用';
}

const day = (d: Date) => {
  const sh = new Date(d.getTime() + 8 * 3600_000);
  return `${sh.getUTCFullYear()}.${String(sh.getUTCMonth() + 1).padStart(2, '0')}.${String(sh.getUTCDate()).padStart(2, '0')}`;
};

export function validityText(v: { type: 'fixed'; from: string; to: string } | { type: 'relative'; days: number }): string {
  return v.type === 'relative' ? `领取后${v.days}天内有效` : `${day(new Date(v.from))}–${day(new Date(v.to))}`;
}

/** The Chinese label the API sends with an activity (the console renders kind + rules with `activityLabelText`). */
export function activityLabel(kind: string, rules: Record<string, unknown>): string {
  return activityLabelText(kind, rules, 'zh');
}
