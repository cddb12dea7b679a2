import { bigserial, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { PricingResult } from './pricing.js';
import type { ShippingRule } from './shipping.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const shippingTemplates = pgTable('shipping_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  chargeBy: text('charge_by').$type<'piece' | 'weight'>().notNull(),
  rules: jsonb('rules').$type<ShippingRule[]>().notNull(),
  freeOverFen: integer('free_over_fen'),
  excludedRegions: jsonb('excluded_regions').$type<string[]>().notNull().default([]),
  isDefault: boolean('is_default').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const pickupPoints = pgTable('pickup_points', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  /** The whole address as orders copy it; for points saved with the region picker, region + street. */
  address: text('address').notNull(),
  street: text('street'),
  province: text('province'),
  city: text('city'),
  district: text('district'),
  phone: text('phone'),
  hours: text('hours'),
  active: boolean('active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const cartItems = pgTable(
  'cart_items',
  {
    shopId: uuid('shop_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    skuId: uuid('sku_id').notNull(),
    quantity: integer('quantity').notNull(),
    selected: boolean('selected').notNull().default(true),
    addedAt: ts('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.skuId] })],
);

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refund_requested' | 'refunded';

export interface AddressSnapshot {
  contactName: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
}

export interface PickupSnapshot {
  id: string;
  name: string;
  address: string;
  phone: string | null;
  hours: string | null;
}

export const orders = pgTable('orders', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  orderNo: text('order_no').notNull(),
  customerId: uuid('customer_id').notNull(),
  status: text('status').$type<OrderStatus>().notNull(),
  statusBeforeRefund: text('status_before_refund').$type<OrderStatus>(),
  fulfilment: text('fulfilment').$type<'express' | 'pickup'>().notNull(),
  address: jsonb('address').$type<AddressSnapshot>(),
  pickupPoint: jsonb('pickup_point').$type<PickupSnapshot>(),
  pickupCode: text('pickup_code'),
  /** Set by a module that keeps the paid order from shipping or pickup until its condition is met (`group_buy`). */
  fulfilmentHold: text('fulfilment_hold'),
  itemsTotalFen: integer('items_total_fen').notNull(),
  discountFen: integer('discount_fen').notNull().default(0),
  shippingFen: integer('shipping_fen').notNull().default(0),
  payableFen: integer('payable_fen').notNull(),
  /** Paid from the customer's stored value at checkout; WeChat Pay is asked for payable − balance. */
  balanceFen: integer('balance_fen').notNull().default(0),
  paidFen: integer('paid_fen').notNull().default(0),
  refundedFen: integer('refunded_fen').notNull().default(0),
  pricing: jsonb('pricing').$type<PricingResult>().notNull(),
  remark: text('remark'),
  carrier: text('carrier'),
  trackingNo: text('tracking_no'),
  cancelReason: text('cancel_reason'),
  idempotencyKey: text('idempotency_key'),
  /** Where the order came from when not from checkout ('flash_sale'), and that source's key for it. */
  source: text('source'),
  sourceRef: text('source_ref'),
  payExpiresAt: ts('pay_expires_at').notNull(),
  paidAt: ts('paid_at'),
  shippedAt: ts('shipped_at'),
  completedAt: ts('completed_at'),
  cancelledAt: ts('cancelled_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const orderItems = pgTable('order_items', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').notNull(),
  skuId: uuid('sku_id').notNull(),
  productId: uuid('product_id').notNull(),
  title: text('title').notNull(),
  specText: text('spec_text').notNull().default(''),
  skuCode: text('sku_code'),
  imageUrl: text('image_url'),
  unitPriceFen: integer('unit_price_fen').notNull(),
  quantity: integer('quantity').notNull(),
  lineTotalFen: integer('line_total_fen').notNull(),
  discountFen: integer('discount_fen').notNull().default(0),
  payableFen: integer('payable_fen').notNull(),
  refundedQty: integer('refunded_qty').notNull().default(0),
  refundedFen: integer('refunded_fen').notNull().default(0),
  position: integer('position').notNull().default(0),
});

export const orderHistory = pgTable('order_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').notNull(),
  action: text('action').notNull(),
  fromStatus: text('from_status'),
  toStatus: text('to_status').notNull(),
  actorType: text('actor_type').notNull(),
  actorId: text('actor_id'),
  /** The note in Chinese, for exports and entries written before `code` existed. */
  note: text('note'),
  /** What the note says, for each reader to render in their language (ORDER_NOTE_CODES in @siyu/contracts). */
  code: text('code'),
  params: jsonb('params').$type<Record<string, unknown>>(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export type PaymentPurpose = 'order' | 'topup' | 'member_card' | 'presale_deposit';

export const payments = pgTable('payments', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  /** Set for purpose 'order'; other purposes point at their module's record with `refId`. */
  orderId: uuid('order_id'),
  purpose: text('purpose').$type<PaymentPurpose>().notNull().default('order'),
  refId: uuid('ref_id'),
  customerId: uuid('customer_id'),
  provider: text('provider').$type<'wechatpay'>().notNull(),
  outTradeNo: text('out_trade_no').notNull(),
  prepayId: text('prepay_id'),
  amountFen: integer('amount_fen').notNull(),
  status: text('status').$type<'pending' | 'paid' | 'closed'>().notNull(),
  transactionId: text('transaction_id'),
  payerOpenid: text('payer_openid'),
  paidAt: ts('paid_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const paymentNotifications = pgTable('payment_notifications', {
  notificationId: text('notification_id').primaryKey(),
  shopId: uuid('shop_id').notNull(),
  eventType: text('event_type').notNull(),
  outTradeNo: text('out_trade_no'),
  outRefundNo: text('out_refund_no'),
  outcome: text('outcome').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

export type RefundStatus = 'requested' | 'awaiting_return' | 'returned' | 'processing' | 'refunded' | 'rejected' | 'cancelled';
export interface RefundItem {
  orderItemId: string;
  quantity: number;
  amountFen: number;
}

export const refunds = pgTable('refunds', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  orderId: uuid('order_id').notNull(),
  refundNo: text('refund_no').notNull(),
  type: text('type').$type<'refund_only' | 'return_refund'>().notNull(),
  status: text('status').$type<RefundStatus>().notNull(),
  amountFen: integer('amount_fen').notNull(),
  /** The part that goes back to stored value; the rest goes back through WeChat Pay. */
  balanceFen: integer('balance_fen').notNull().default(0),
  shippingFen: integer('shipping_fen').notNull().default(0),
  items: jsonb('items').$type<RefundItem[]>().notNull(),
  /** The customer's own words (the whole reason for refunds written before `reason_code`). */
  reason: text('reason').notNull(),
  reasonCode: text('reason_code'),
  requestedBy: text('requested_by').$type<'customer' | 'staff'>().notNull(),
  returnCarrier: text('return_carrier'),
  returnTrackingNo: text('return_tracking_no'),
  rejectReason: text('reject_reason'),
  restock: boolean('restock').notNull().default(false),
  requestKey: text('request_key'),
  wechatRefundId: text('wechat_refund_id'),
  refundedAt: ts('refunded_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
export type Payment = typeof payments.$inferSelect;
