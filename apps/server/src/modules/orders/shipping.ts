import { provinceKey } from '@siyu/contracts/regions';
import { unprocessable } from '../../platform/errors.js';

/**
 * 运费模板 rule: the first `first` units cost `firstFeeFen`, each further `additional` units (or part of
 * them) cost `additionalFeeFen`. Units are pieces or grams, by the template's `chargeBy`.
 * A rule with no regions is the default for every region not named elsewhere.
 */
export interface ShippingRule {
  regions: string[];
  first: number;
  firstFeeFen: number;
  additional: number;
  additionalFeeFen: number;
}

export interface ShippingTemplateDef {
  chargeBy: 'piece' | 'weight';
  rules: ShippingRule[];
  /** Free shipping when the goods (after discounts) reach this amount. */
  freeOverFen: number | null;
  excludedRegions: string[];
}

export interface ShippingQuote {
  feeFen: number;
  free: boolean;
  reason: string;
}

export function quoteShipping(
  tpl: ShippingTemplateDef,
  input: { province: string; pieces: number; weightGrams: number; goodsPayableFen: number },
): ShippingQuote {
  // Templates name provinces in full (广东省) or, if saved before the region picker, in short (广东).
  const key = provinceKey(input.province);
  const names = (regions: string[]) => regions.some((r) => provinceKey(r) === key);
  if (names(tpl.excludedRegions)) {
    throw unprocessable('REGION_NOT_DELIVERABLE', `We do not deliver to ${input.province}`, { field: 'address.province', province: input.province });
  }
  const rule = tpl.rules.find((r) => names(r.regions)) ?? tpl.rules.find((r) => r.regions.length === 0);
  if (!rule) {
    throw unprocessable('REGION_NOT_DELIVERABLE', `We do not deliver to ${input.province}`, { field: 'address.province', province: input.province });
  }
  if (tpl.freeOverFen !== null && input.goodsPayableFen >= tpl.freeOverFen) {
    return { feeFen: 0, free: true, reason: `满${tpl.freeOverFen / 100}元包邮` };
  }
  const units = tpl.chargeBy === 'piece' ? input.pieces : input.weightGrams;
  let fee = rule.firstFeeFen;
  if (units > rule.first && rule.additional > 0) {
    fee += Math.ceil((units - rule.first) / rule.additional) * rule.additionalFeeFen;
  }
  const unit = tpl.chargeBy === 'piece' ? '件' : 'g';
  return { feeFen: fee, free: false, reason: `首${rule.first}${unit}${rule.firstFeeFen / 100}元,续${rule.additional}${unit}${rule.additionalFeeFen / 100}元` };
}
