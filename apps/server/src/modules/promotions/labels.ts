/** How promotions read to a person, in Chinese: "满100减20", "8.5折", "领取后7天内有效". */

/** Yuan without trailing zeros: 10000 → "100", 1050 → "10.5", 1999 → "19.99". */
export function yuan(fen: number): string {
  const s = (fen / 100).toFixed(2);
  return s.replace(/\.?0+$/, '');
}

/** 85 → "8.5折", 80 → "8折". */
export function zhe(percentPaid: number): string {
  return `${yuan(percentPaid * 10)}折`;
}

export function couponLabel(t: { kind: string; thresholdFen: number; amountOffFen: number | null; percentPaid: number | null; maxDiscountFen: number | null }, giftTitle?: string | null): string {
  switch (t.kind) {
    case 'amount_off':
      return `满${yuan(t.thresholdFen)}减${yuan(t.amountOffFen ?? 0)}`;
    case 'no_threshold':
      return `无门槛减${yuan(t.amountOffFen ?? 0)}`;
    case 'percent_off': {
      const base = (t.thresholdFen > 0 ? `满${yuan(t.thresholdFen)}享` : '') + zhe(t.percentPaid ?? 100);
      return t.maxDiscountFen ? `${base} 最多减${yuan(t.maxDiscountFen)}` : base;
    }
    default:
      return giftTitle ? `兑换券:${giftTitle}` : '兑换券';
  }
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

export function activityLabel(kind: string, rules: Record<string, unknown>): string {
  if (kind === 'full_reduction') {
    const tiers = (rules.tiers as { thresholdFen: number; reduceFen: number; giftSkuId?: string }[]) ?? [];
    return tiers.map((t) => `满${yuan(t.thresholdFen)}${t.reduceFen > 0 ? `减${yuan(t.reduceFen)}` : ''}${t.giftSkuId ? '送赠品' : ''}`).join(',');
  }
  if (kind === 'bundle') return `套餐价¥${yuan(rules.priceFen as number)}`;
  const items = (rules.items as { percentPaid?: number; priceFen?: number }[]) ?? [];
  const pct = items.filter((i) => i.percentPaid !== undefined).map((i) => i.percentPaid as number);
  if (pct.length === items.length && pct.length > 0) {
    const low = Math.min(...pct);
    return pct.every((p) => p === low) ? zhe(low) : `低至${zhe(low)}`;
  }
  return '限时特价';
}
