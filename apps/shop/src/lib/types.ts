/** Response shapes of the storefront API (/api/store/:shop/…), as the server modules return them. */

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Category {
  id: string;
  name: string;
  imageUrl: string | null;
  children: Category[];
}

export interface ProductSummary {
  id: string;
  title: string;
  subtitle: string;
  imageUrl: string | null;
  categoryId: string | null;
  minPrice: number;
  maxPrice: number;
  salesCount: number;
  soldOut: boolean;
}

export interface SpecAttribute {
  name: string;
  values: string[];
}

export interface StoreSku {
  id: string;
  specValues: Record<string, string>;
  specText: string;
  price: number;
  marketPrice: number | null;
  available: number;
  soldOut: boolean;
}

export interface ProductDetail {
  id: string;
  title: string;
  subtitle: string;
  description: string;
  categoryId: string | null;
  images: string[];
  specAttributes: SpecAttribute[];
  minPrice: number;
  maxPrice: number;
  salesCount: number;
  soldOut: boolean;
  skus: StoreSku[];
}

export interface Customer {
  id: string;
  phone: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  gender: 'unknown' | 'male' | 'female';
  registeredAt: string;
  wechatBound: boolean;
}

export interface SignInResult {
  token: string;
  expiresAt: string;
  customer: Customer;
}

export interface Address {
  id: string;
  contactName: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
  postalCode: string | null;
  isDefault: boolean;
}

export type CartProblem = 'SKU_NOT_FOUND' | 'PRODUCT_NOT_ON_SALE' | 'STOCK_INSUFFICIENT' | null;

export interface CartLine {
  skuId: string;
  quantity: number;
  selected: boolean;
  productId: string | null;
  title: string;
  specText: string;
  imageUrl: string | null;
  unitPriceFen: number;
  available: number;
  problem: CartProblem;
}

export interface Cart {
  items: CartLine[];
  selectedCount: number;
  selectedTotalFen: number;
}

export interface PickupPoint {
  id: string;
  name: string;
  address: string;
  phone: string | null;
  hours: string | null;
  active?: boolean;
}

export interface PricedLine {
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  unitPriceFen: number;
  quantity: number;
  lineTotalFen: number;
  discountFen: number;
  payableFen: number;
  /** A 满赠 gift line: its price is wholly discounted. */
  gift?: boolean;
}

export interface Adjustment {
  /** limited_discount | bundle | full_reduction | coupon | shipping; savings are negative. */
  code: string;
  label: string;
  amountFen: number;
  skuId?: string;
  ref?: string;
}

/** A 满赠 gift line: added at ¥0 by a full-reduction tier. */
export interface PromoGift {
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  quantity: number;
  reason: string;
}

export interface CheckoutPreview {
  lines: PricedLine[];
  itemsTotalFen: number;
  discountFen: number;
  shippingFen: number;
  payableFen: number;
  adjustments: Adjustment[];
  /** Present once the promotions module prices the order. */
  gifts?: PromoGift[];
  coupons?: CheckoutCoupons;
  /** Why an offer did not apply, or what would unlock one ("再买¥5.00可减¥20"). */
  notes?: { code: string; ref?: string; message: string }[];
  shipping: { method: 'express' | 'pickup'; reason: string; free: boolean };
  address: Omit<Address, 'id' | 'isDefault' | 'postalCode'> | null;
  pickupPoint: PickupPoint | null;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refund_requested' | 'refunded';
export type RefundStatus = 'requested' | 'awaiting_return' | 'returned' | 'processing' | 'refunded' | 'rejected' | 'cancelled';

export interface OrderItem {
  id: string;
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  imageUrl: string | null;
  unitPriceFen: number;
  quantity: number;
  lineTotalFen: number;
  discountFen: number;
  payableFen: number;
  refundedQty: number;
  refundedFen: number;
  /** `discountFen` by source (coupon share, points share …); null on orders placed before it was kept. */
  savings?: { code: string; amountFen: number }[] | null;
}

export interface OrderHistoryEntry {
  id: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorType: string;
  /** Chinese text; entries with a `code` are rendered from it (historyNoteText in @siyu/contracts). */
  note: string | null;
  code?: string | null;
  params?: Record<string, unknown> | null;
  createdAt: string;
}

export interface Refund {
  id: string;
  refundNo: string;
  type: 'refund_only' | 'return_refund';
  status: RefundStatus;
  amountFen: number;
  shippingFen: number;
  items: { orderItemId: string; quantity: number; amountFen: number }[];
  /** The customer's own words; `reasonCode` is the reason picked from the list. */
  reason: string;
  reasonCode?: string | null;
  /** Back to the member balance; the rest (cashFen) through WeChat Pay. */
  balanceFen?: number;
  cashFen?: number;
  returnCarrier: string | null;
  returnTrackingNo: string | null;
  rejectReason: string | null;
  refundedAt: string | null;
  createdAt: string;
}

export interface Order {
  id: string;
  orderNo: string;
  status: OrderStatus;
  fulfilment: 'express' | 'pickup';
  address: { contactName: string; phone: string; province: string; city: string; district: string; detail: string } | null;
  pickupPoint: PickupPoint | null;
  pickupCode: string | null;
  itemsTotalFen: number;
  discountFen: number;
  shippingFen: number;
  payableFen: number;
  paidFen: number;
  /** Part of the payable paid from the member balance (余额支付); WeChat Pay takes the rest. */
  balanceFen?: number;
  refundedFen: number;
  pricing: { adjustments?: Adjustment[]; gifts?: PromoGift[] } | null;
  remark: string | null;
  carrier: string | null;
  carrierName: string | null;
  trackingNo: string | null;
  cancelReason: string | null;
  payExpiresAt: string;
  paidAt: string | null;
  shippedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
  items: OrderItem[];
  /** The latest after-sales request and what became of it (order lists only). */
  afterSale?: { id: string; status: RefundStatus; type: 'refund_only' | 'return_refund'; amountFen: number } | null;
}

export interface OrderDetail extends Order {
  history: OrderHistoryEntry[];
  payment: { provider: string; status: string; amountFen: number; transactionId: string | null; paidAt: string | null } | null;
  refunds: Refund[];
}

export interface PayStart {
  orderId: string;
  amountFen: number;
  prepayId: string;
  payParams: Record<string, string>;
  cashierUrl: string | null;
}

export interface Carrier {
  code: string;
  name: string;
}

// Promotions (docs/promotions.md, storefront API)

export type CouponKind = 'amount_off' | 'percent_off' | 'no_threshold' | 'gift';

/** The money side of a coupon, shared by claim-centre and issued coupons. */
export interface CouponValue {
  id: string;
  name: string;
  kind: CouponKind;
  label: string;
  scopeText: string;
  thresholdFen: number;
  amountOffFen: number | null;
  percentPaid: number | null;
  maxDiscountFen: number | null;
}

/** A coupon template as the claim centre and a claim link show it. */
export interface CentreCoupon extends CouponValue {
  /** "领取后7天内有效" / "2026.11.01–2026.11.30" */
  validityText: string;
  description: string | null;
  remaining: number;
  /** 0 when not signed in. */
  claimedByMe: number;
  canClaim: boolean;
  /** Sent by the server beside the documented fields: 新客专享 coupons are tagged. */
  audience?: 'all' | 'new_customers' | 'levels' | 'tags';
  /** Why not: "已领完", "已领取", "仅限新客", "活动已暂停", "活动已结束". */
  reason: string | null;
}

export type MyCouponStatus = 'unused' | 'used' | 'expired' | 'revoked';

/** A coupon issued to the signed-in customer. */
export interface MyCoupon extends CouponValue {
  templateId: string;
  validFrom: string;
  validTo: string;
  status: MyCouponStatus;
  usedAt: string | null;
  orderId: string | null;
  source: string;
}

export interface MyCoupons {
  items: MyCoupon[];
  counts: { unused: number; used: number; expired: number };
}

export interface CheckoutCoupons {
  selectedId: string | null;
  available: { coupon: MyCoupon; savingFen: number }[];
  unavailable: { coupon: MyCoupon; reason: string }[];
}

export interface BundleItem {
  productId: string;
  title: string;
  quantity: number;
  imageUrl: string | null;
  minPriceFen: number;
  skus: { skuId: string; specText: string; priceFen: number; available: number }[];
}

export interface ProductBundle {
  activityId: string;
  name: string;
  priceFen: number;
  originalFen: number;
  items: BundleItem[];
}

export interface LimitedDiscount {
  activityId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  running: boolean;
  /** Units per customer at the activity price; 0 = no limit. */
  perCustomerLimit: number;
  label: string;
  skus: { skuId: string; priceFen: number; originalFen: number }[];
}

export interface ProductPromotions {
  limitedDiscount: LimitedDiscount | null;
  fullReductions: { activityId: string; name: string; label: string; endsAt: string }[];
  bundles: ProductBundle[];
  coupons: CentreCoupon[];
}
