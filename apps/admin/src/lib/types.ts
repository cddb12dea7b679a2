/** Shapes of the API answers the console reads (the server's views, kept narrow to what is shown). */
export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export type ProductStatus = 'draft' | 'on_sale' | 'off_shelf';

export interface ProductRow {
  id: string;
  title: string;
  subtitle: string;
  categoryId: string | null;
  status: ProductStatus;
  images: string[];
  minPrice: number;
  maxPrice: number;
  salesCount: number;
  stock: number;
  skuCount: number;
  createdAt: string;
}

export interface ProductDetail extends Omit<ProductRow, 'stock' | 'skuCount'> {
  description: string;
  specAttributes: { name: string; values: string[] }[];
  weightGrams: number;
  skus: {
    id: string;
    specValues: Record<string, string>;
    specText: string;
    skuCode: string;
    price: number;
    marketPrice: number | null;
    weightGrams: number | null;
    stock: { available: number; reserved: number; sold: number };
  }[];
}

export interface CategoryNode {
  id: string;
  name: string;
  parentId: string | null;
  sortOrder: number;
  imageUrl: string | null;
  productCount: number;
  children: CategoryNode[];
}

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refund_requested' | 'refunded';

export interface OrderItem {
  id: string;
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  skuCode: string | null;
  imageUrl: string | null;
  unitPriceFen: number;
  quantity: number;
  lineTotalFen: number;
  discountFen: number;
  payableFen: number;
  refundedQty: number;
  refundedFen: number;
  /** The line's discount by source (coupon share …); null on orders placed before it was recorded. */
  savings?: { code: string; amountFen: number }[] | null;
}

export interface Order {
  id: string;
  orderNo: string;
  customerId: string;
  customerPhone?: string | null;
  status: OrderStatus;
  /** Kept from shipping and pickup until another module lifts it: `group_buy` while its group is forming. */
  fulfilmentHold?: string | null;
  fulfilment: 'express' | 'pickup';
  address: { contactName: string; phone: string; province: string; city: string; district: string; detail: string } | null;
  pickupPoint: { id: string; name: string; address: string; phone: string | null; hours: string | null } | null;
  pickupCode: string | null;
  itemsTotalFen: number;
  discountFen: number;
  shippingFen: number;
  payableFen: number;
  paidFen: number;
  /** Part of the payable paid from the member balance (余额支付); the rest is WeChat Pay. */
  balanceFen?: number;
  refundedFen: number;
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
  /** The latest after-sales request, if any. */
  afterSale?: { id: string; status: Refund['status']; type: Refund['type']; amountFen: number } | null;
}

export interface RefundLine {
  orderItemId: string;
  quantity: number;
  amountFen: number;
  title: string;
  specText: string;
  skuCode: string | null;
  imageUrl: string | null;
}

export interface Refund {
  id: string;
  orderId: string;
  /** Given by the after-sales list (with `lines`), not inside an order's detail. */
  orderNo?: string | null;
  lines?: RefundLine[];
  refundNo: string;
  type: 'refund_only' | 'return_refund';
  status: 'requested' | 'awaiting_return' | 'returned' | 'processing' | 'refunded' | 'rejected' | 'cancelled';
  amountFen: number;
  /** What goes back to the member balance; `cashFen` goes back through WeChat Pay. */
  balanceFen: number;
  cashFen: number;
  shippingFen: number;
  items: { orderItemId: string; quantity: number; amountFen: number }[];
  /** The customer's own words; with `reasonCode` when they picked a reason from the list. */
  reason: string;
  reasonCode: string | null;
  requestedBy: 'customer' | 'staff';
  returnCarrier: string | null;
  returnTrackingNo: string | null;
  rejectReason: string | null;
  refundedAt: string | null;
  createdAt: string;
}

export interface OrderDetail extends Order {
  history: { id: number; action: string; fromStatus: string | null; toStatus: string; actorType: string; actorId: string | null; note: string | null; code: string | null; params: Record<string, unknown> | null; createdAt: string }[];
  payment: { provider: string; status: string; amountFen: number; transactionId: string | null; paidAt: string | null } | null;
  refunds: Refund[];
  customer: Customer | null;
}

export interface Customer {
  id: string;
  phone: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  gender: 'unknown' | 'male' | 'female';
  province: string | null;
  city: string | null;
  source: 'sms' | 'wechat' | 'import';
  remark: string | null;
  registeredAt: string;
  lastActiveAt: string | null;
}

// Promotions (转化): coupon templates, issued coupons, issue batches, packs, gift rules, activities.
export type CouponKind = 'amount_off' | 'percent_off' | 'no_threshold' | 'gift';
export type PromotionStatus = 'active' | 'paused' | 'ended';
export type CouponValidity = { type: 'fixed'; from: string; to: string } | { type: 'relative'; days: number };

export interface CouponTemplate {
  id: string;
  name: string;
  kind: CouponKind;
  thresholdFen: number;
  amountOffFen: number | null;
  percentPaid: number | null;
  maxDiscountFen: number | null;
  giftProductId: string | null;
  giftProductTitle: string | null;
  scope: 'all' | 'categories' | 'products';
  scopeIds: string[];
  excludedProductIds: string[];
  audience: 'all' | 'new_customers' | 'levels' | 'tags';
  /** Member level ids ('levels') or customer tag ids ('tags'); empty for the other audiences. */
  audienceIds: string[];
  validity: CouponValidity;
  totalQuantity: number;
  issuedCount: number;
  perCustomerLimit: number;
  stacksWithActivities: boolean;
  claimable: boolean;
  description: string | null;
  status: PromotionStatus;
  label: string;
  scopeText: string;
  /** "领取后7天内有效" / "2026.11.01–2026.11.30" (the server's wording, when it sends it). */
  validityText?: string;
  claimPath: string;
  stats: { issued: number; used: number; expired: number; orders: number; revenueFen: number; discountFen: number };
  createdAt: string;
  updatedAt: string;
}

export interface IssuedCoupon {
  id: string;
  templateId: string;
  customerId: string;
  customerPhone: string | null;
  customerName: string | null;
  status: 'unused' | 'used' | 'expired' | 'revoked';
  source: 'claim' | 'issue' | 'new_customer' | 'pay_gift' | 'pack';
  validFrom: string;
  validTo: string;
  usedAt: string | null;
  orderId: string | null;
  orderNo: string | null;
  createdAt: string;
}

export interface CouponBatch {
  id: string;
  templateId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  target: string;
  total: number;
  processed: number;
  issued: number;
  skipped: number;
  failures: { ref: string; reason: string }[];
  createdAt: string;
  finishedAt: string | null;
}

export interface CouponPack {
  id: string;
  name: string;
  /** `labelFields` are the coupon's own fields, to say its label in the console's language (null if the template is gone). */
  items: { templateId: string; quantity: number; name: string; label: string; labelFields?: { kind: string; thresholdFen: number; amountOffFen: number | null; percentPaid: number | null; maxDiscountFen: number | null } | null }[];
}

export interface GiftRule {
  enabled: boolean;
  packId: string | null;
  minPaidFen: number;
  given: number;
}

export type ActivityKind = 'limited_discount' | 'full_reduction' | 'bundle';
export type ActivityPhase = 'upcoming' | 'running' | 'paused' | 'ended';

export interface LimitedDiscountRules {
  items: { productId: string; skuId?: string; percentPaid?: number; priceFen?: number }[];
  perCustomerLimit: number;
}
export interface FullReductionRules {
  tiers: { thresholdFen: number; reduceFen: number; giftSkuId?: string }[];
  scope: 'all' | 'categories' | 'products';
  scopeIds: string[];
  excludedProductIds: string[];
}
export interface BundleRules {
  items: { productId: string; quantity: number }[];
  priceFen: number;
}

export interface Activity {
  id: string;
  kind: ActivityKind;
  name: string;
  description: string | null;
  startsAt: string;
  endsAt: string;
  status: PromotionStatus;
  phase: ActivityPhase;
  rules: LimitedDiscountRules | FullReductionRules | BundleRules;
  label: string;
  products: { id: string; title: string; imageUrl: string | null; minPriceFen: number; skus?: { id: string; specText: string; priceFen: number; available: number }[] }[];
  stats: { orders: number; revenueFen: number; discountFen: number; units: number };
  createdAt: string;
  updatedAt: string;
}
