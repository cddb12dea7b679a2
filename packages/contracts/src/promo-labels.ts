import type { TextLang } from './order-texts.js';

/**
 * How a coupon or an activity reads ("满100减20", "¥20 off over ¥100"), made from the fields the API
 * returns with it (kind, thresholds, amounts), so the server's Chinese `label` and the console's English
 * one come from the same rules.
 */

/** Yuan without trailing zeros: 10000 → "100", 1050 → "10.5", 1999 → "19.99". */
export function yuanShort(fen: number): string {
  return (fen / 100).toFixed(2).replace(/\.?0+$/, '');
}

/** 85 (percent paid) → "8.5折" in Chinese, "15% off" in English. */
export function discountText(percentPaid: number, lang: TextLang): string {
  return lang === 'zh' ? `${yuanShort(percentPaid * 10)}折` : `${100 - percentPaid}% off`;
}

export interface CouponLabelFields {
  kind: string;
  thresholdFen: number;
  amountOffFen: number | null;
  percentPaid: number | null;
  maxDiscountFen: number | null;
}

export function couponLabelText(c: CouponLabelFields, lang: TextLang, giftTitle?: string | null): string {
  const zh = lang === 'zh';
  const y = (fen: number | null) => yuanShort(fen ?? 0);
  switch (c.kind) {
    case 'amount_off':
      return zh ? `满${y(c.thresholdFen)}减${y(c.amountOffFen)}` : `¥${y(c.amountOffFen)} off over ¥${y(c.thresholdFen)}`;
    case 'no_threshold':
      return zh ? `无门槛减${y(c.amountOffFen)}` : `¥${y(c.amountOffFen)} off, no minimum`;
    case 'percent_off': {
      const off = discountText(c.percentPaid ?? 100, lang);
      const base = zh ? (c.thresholdFen > 0 ? `满${y(c.thresholdFen)}享` : '') + off : off + (c.thresholdFen > 0 ? ` over ¥${y(c.thresholdFen)}` : '');
      if (!c.maxDiscountFen) return base;
      return zh ? `${base} 最多减${y(c.maxDiscountFen)}` : `${base}, up to ¥${y(c.maxDiscountFen)}`;
    }
    default:
      if (zh) return giftTitle ? `兑换券:${giftTitle}` : '兑换券';
      return giftTitle ? `Voucher: ${giftTitle}` : 'Voucher';
  }
}

export function activityLabelText(kind: string, rules: Record<string, unknown>, lang: TextLang): string {
  const zh = lang === 'zh';
  if (kind === 'full_reduction') {
    const tiers = (rules.tiers as { thresholdFen: number; reduceFen: number; giftSkuId?: string | null }[] | undefined) ?? [];
    return tiers
      .map((t) =>
        zh
          ? `满${yuanShort(t.thresholdFen)}${t.reduceFen > 0 ? `减${yuanShort(t.reduceFen)}` : ''}${t.giftSkuId ? '送赠品' : ''}`
          : `${[t.reduceFen > 0 ? `¥${yuanShort(t.reduceFen)} off` : '', t.giftSkuId ? 'a gift' : ''].filter(Boolean).join(' + ')} over ¥${yuanShort(t.thresholdFen)}`,
      )
      .join(zh ? ',' : ', ');
  }
  if (kind === 'bundle') return zh ? `套餐价¥${yuanShort(rules.priceFen as number)}` : `Bundle price ¥${yuanShort(rules.priceFen as number)}`;
  const items = (rules.items as { percentPaid?: number | null; priceFen?: number | null }[] | undefined) ?? [];
  const pct = items.filter((i) => typeof i.percentPaid === 'number').map((i) => i.percentPaid as number);
  if (pct.length === items.length && pct.length > 0) {
    const low = Math.min(...pct);
    if (pct.every((p) => p === low)) return discountText(low, lang);
    return zh ? `低至${discountText(low, lang)}` : `Up to ${discountText(low, lang)}`;
  }
  return zh ? '限时特价' : 'Special price';
}
