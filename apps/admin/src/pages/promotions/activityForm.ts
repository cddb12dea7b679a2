import dayjs, { type Dayjs } from 'dayjs';
import { fenToYuan, yuanToFen } from '../../lib/money';
import type { Activity, ActivityKind, BundleRules, FullReductionRules, LimitedDiscountRules } from '../../lib/types';
import { percentToZhe, zheToPercent } from './shared';

/** One 限时折扣 row: a whole product (all its SKUs) or one SKU, at a share paid (折) or a fixed price. */
export interface DiscountRow {
  productId: string;
  skuId?: string;
  mode: 'percent' | 'price';
  zhe?: number | null;
  price?: string;
}
export interface TierRow {
  threshold?: string;
  reduce?: string;
  giftProductId?: string;
  giftSkuId?: string;
}
export interface BundleRow {
  productId: string;
  quantity?: number | null;
}

/** The activity form: period fields plus the fields of every kind (only the chosen kind's are sent). */
export interface ActivityValues {
  name: string;
  description?: string;
  range?: [Dayjs, Dayjs] | null;
  discountRows: DiscountRow[];
  perCustomerLimit?: number | null;
  tiers: TierRow[];
  scope: 'all' | 'categories' | 'products';
  categoryIds: string[];
  productIds: string[];
  excludedProductIds: string[];
  bundleRows: BundleRow[];
  bundlePrice?: string;
}

export const EMPTY_ACTIVITY: ActivityValues = {
  name: '',
  description: '',
  range: null,
  discountRows: [],
  perCustomerLimit: 0,
  tiers: [{ threshold: '', reduce: '' }],
  scope: 'all',
  categoryIds: [],
  productIds: [],
  excludedProductIds: [],
  bundleRows: [],
  bundlePrice: '',
};

const fen = (yuan: string | undefined) => (yuan && yuan.trim() ? (yuanToFen(yuan) ?? Number.NaN) : undefined);

/**
 * A 满赠 tier names a SKU only; the form also needs its product to offer the product's SKUs. `skuOwner`
 * finds it among the products already loaded (the activity's `products`).
 */
export function activityToForm(a: Activity, skuOwner: (skuId: string) => string | undefined): ActivityValues {
  const v: ActivityValues = { ...EMPTY_ACTIVITY, name: a.name, description: a.description ?? '', range: [dayjs(a.startsAt), dayjs(a.endsAt)] };
  if (a.kind === 'limited_discount') {
    const r = a.rules as LimitedDiscountRules;
    v.discountRows = r.items.map((i) => ({
      productId: i.productId,
      skuId: i.skuId,
      mode: i.priceFen !== undefined && i.priceFen !== null ? 'price' : 'percent',
      zhe: percentToZhe(i.percentPaid),
      price: i.priceFen !== undefined && i.priceFen !== null ? fenToYuan(i.priceFen) : '',
    }));
    v.perCustomerLimit = r.perCustomerLimit;
  } else if (a.kind === 'full_reduction') {
    const r = a.rules as FullReductionRules;
    v.tiers = r.tiers.map((tier) => ({
      threshold: fenToYuan(tier.thresholdFen),
      reduce: tier.reduceFen ? fenToYuan(tier.reduceFen) : '',
      giftSkuId: tier.giftSkuId ?? undefined,
      giftProductId: tier.giftSkuId ? skuOwner(tier.giftSkuId) : undefined,
    }));
    v.scope = r.scope;
    v.categoryIds = r.scope === 'categories' ? r.scopeIds : [];
    v.productIds = r.scope === 'products' ? r.scopeIds : [];
    v.excludedProductIds = r.excludedProductIds;
  } else {
    const r = a.rules as BundleRules;
    v.bundleRows = r.items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
    v.bundlePrice = fenToYuan(r.priceFen);
  }
  return v;
}

export function activityBody(kind: ActivityKind, v: ActivityValues) {
  const period = {
    kind,
    name: v.name,
    startsAt: v.range?.[0]?.toISOString(),
    endsAt: v.range?.[1]?.toISOString(),
    ...(v.description?.trim() ? { description: v.description.trim() } : {}),
  };
  if (kind === 'limited_discount') {
    return {
      ...period,
      rules: {
        items: (v.discountRows ?? []).map((r) => ({
          productId: r.productId,
          ...(r.skuId ? { skuId: r.skuId } : {}),
          ...(r.mode === 'price' ? { priceFen: fen(r.price) ?? Number.NaN } : { percentPaid: zheToPercent(r.zhe) ?? Number.NaN }),
        })),
        perCustomerLimit: v.perCustomerLimit ?? 0,
      },
    };
  }
  if (kind === 'full_reduction') {
    return {
      ...period,
      rules: {
        tiers: (v.tiers ?? []).map((tier) => ({
          thresholdFen: fen(tier.threshold) ?? Number.NaN,
          reduceFen: fen(tier.reduce) ?? 0,
          ...(tier.giftSkuId ? { giftSkuId: tier.giftSkuId } : {}),
        })),
        scope: v.scope,
        scopeIds: v.scope === 'categories' ? (v.categoryIds ?? []) : v.scope === 'products' ? (v.productIds ?? []) : [],
        excludedProductIds: v.scope === 'products' ? [] : (v.excludedProductIds ?? []),
      },
    };
  }
  return {
    ...period,
    rules: {
      items: (v.bundleRows ?? []).map((r) => ({ productId: r.productId, quantity: r.quantity ?? Number.NaN })),
      priceFen: fen(v.bundlePrice) ?? Number.NaN,
    },
  };
}

/** API / contract paths → form field paths, for showing an error where the merchant typed the value. */
export function activityFieldMap(kind: ActivityKind, v: ActivityValues): Record<string, string> {
  const map: Record<string, string> = {
    startsAt: 'range',
    endsAt: 'range',
    'rules.items': kind === 'bundle' ? 'bundleRows' : 'discountRows',
    'rules.perCustomerLimit': 'perCustomerLimit',
    'rules.tiers': 'tiers',
    'rules.scope': 'scope',
    'rules.scopeIds': v.scope === 'categories' ? 'categoryIds' : 'productIds',
    'rules.excludedProductIds': 'excludedProductIds',
    'rules.priceFen': 'bundlePrice',
  };
  const scopeField = map['rules.scopeIds'];
  (v.scope === 'categories' ? (v.categoryIds ?? []) : (v.productIds ?? [])).forEach((_, i) => (map[`rules.scopeIds.${i}`] = scopeField));
  (v.excludedProductIds ?? []).forEach((_, i) => (map[`rules.excludedProductIds.${i}`] = 'excludedProductIds'));
  if (kind === 'limited_discount') (v.discountRows ?? []).forEach((r, i) => {
    const value = r.mode === 'price' ? `discountRows.${i}.price` : `discountRows.${i}.zhe`;
    map[`rules.items.${i}`] = value;
    map[`rules.items.${i}.percentPaid`] = `discountRows.${i}.zhe`;
    map[`rules.items.${i}.priceFen`] = `discountRows.${i}.price`;
    map[`rules.items.${i}.productId`] = value;
    map[`rules.items.${i}.skuId`] = value;
  });
  (v.tiers ?? []).forEach((_, i) => {
    map[`rules.tiers.${i}.thresholdFen`] = `tiers.${i}.threshold`;
    map[`rules.tiers.${i}.reduceFen`] = `tiers.${i}.reduce`;
    map[`rules.tiers.${i}.giftSkuId`] = `tiers.${i}.giftSkuId`;
    map[`rules.tiers.${i}`] = `tiers.${i}.reduce`;
  });
  if (kind === 'bundle') (v.bundleRows ?? []).forEach((_, i) => {
    map[`rules.items.${i}.quantity`] = `bundleRows.${i}.quantity`;
    map[`rules.items.${i}.productId`] = `bundleRows.${i}.quantity`;
    map[`rules.items.${i}`] = `bundleRows.${i}.quantity`;
  });
  return map;
}
