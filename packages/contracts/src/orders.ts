import { z } from 'zod';
import { CANCEL_REASON_CODES, REFUND_REASON_CODES } from './order-texts.js';

const Qty = z.number().int('must be a whole number').min(1, 'at least 1').max(999, 'at most 999');
const Text = (max: number) => z.string().trim().max(max);

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refund_requested', 'refunded'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);

export const ORDER_STATUS_LABELS: Record<(typeof ORDER_STATUSES)[number], { zh: string; en: string }> = {
  pending_payment: { zh: '待付款', en: 'Awaiting payment' },
  paid: { zh: '待发货', en: 'Awaiting shipment' },
  shipped: { zh: '已发货', en: 'Shipped' },
  completed: { zh: '已完成', en: 'Completed' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  refund_requested: { zh: '售后中', en: 'After-sales' },
  refunded: { zh: '已退款', en: 'Refunded' },
};

/** The label a person reads: a paid pickup order waits for the customer (待自提), not for shipping. */
export function orderStatusLabel(status: (typeof ORDER_STATUSES)[number], fulfilment?: 'express' | 'pickup'): { zh: string; en: string } {
  if (status === 'paid' && fulfilment === 'pickup') return { zh: '待自提', en: 'Awaiting pickup' };
  return ORDER_STATUS_LABELS[status];
}

export const CartAddBody = z.object({ skuId: z.uuid(), quantity: Qty });
export const CartUpdateBody = z.object({ quantity: Qty.optional(), selected: z.boolean().optional() });

export const CheckoutBody = z
  .object({
    items: z.array(z.object({ skuId: z.uuid(), quantity: Qty })).min(1, 'choose at least one item').max(50, 'at most 50 lines'),
    fulfilment: z.enum(['express', 'pickup']),
    addressId: z.uuid().optional(),
    pickupPointId: z.uuid().optional(),
    remark: Text(200).optional(),
    fromCart: z.boolean().optional(),
    /** A coupon of mine; absent picks the best one, null uses none. */
    couponId: z.uuid().nullable().optional(),
    /** Pay part of the goods with points (积分抵扣), within the shop's cap. */
    usePoints: z.boolean().optional(),
    /** Pay the balance of a pre-sale (定金预售 尾款) whose deposit I paid. */
    presaleOrderId: z.uuid().optional(),
    /** Pay from the member balance (余额支付) as far as it goes; WeChat Pay the rest. */
    useBalance: z.boolean().optional(),
    /** A points-mall goods item (积分兑换): the one line is priced at its cash price and paid with its points. */
    mallItemId: z.uuid().optional(),
    /** 拼团: open a group of this group buy (no groupId) or join one; the group price is the price. */
    groupBuy: z.object({ groupBuyId: z.uuid(), groupId: z.uuid().optional() }).strict().optional(),
    /** 砍价: buy my bargain launch's SKU at the price its helpers cut it to. */
    bargainLaunchId: z.uuid().optional(),
  })
  .strict();

export const PayBody = z.object({ returnUrl: z.string().url().max(500).optional() });

export const RefundItemsSchema = z
  .array(z.object({ orderItemId: z.uuid(), quantity: Qty }))
  .min(1, 'choose at least one line')
  .max(50);

/** The reason is a code from the list (REFUND_REASON_LABELS), the customer's own words, or both. */
export const RefundRequestBody = z
  .object({
    type: z.enum(['refund_only', 'return_refund']),
    items: RefundItemsSchema,
    reasonCode: z.enum(REFUND_REASON_CODES).optional(),
    reason: Text(200).default(''),
  })
  .refine((b) => b.reasonCode !== undefined || b.reason.length > 0, { message: 'give a reason', path: ['reasonCode'] });

export const StaffRefundBody = z.object({
  items: RefundItemsSchema,
  reason: Text(200).min(1, 'give a reason'),
  restock: z.boolean().optional(),
});

export const ReturnShipmentBody = z.object({ carrier: z.string().min(1).max(10), trackingNo: z.string().trim().regex(/^[A-Za-z0-9-]{6,32}$/, '6–32 letters or digits') });
export const ShipBody = ReturnShipmentBody;
export const RejectBody = z.object({ reason: Text(200).min(1, 'give a reason') });
export const CancelBody = z.object({ reasonCode: z.enum(CANCEL_REASON_CODES).optional(), reason: Text(200).default('') });
export const PickupCodeBody = z.object({ code: z.string().regex(/^\d{8}$/, '8 digits') });

export const OrderListQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: OrderStatus.optional(),
  orderNo: z.string().trim().max(32).optional(),
  phone: z.string().trim().regex(/^\d{3,11}$/, 'digits only').optional(),
  customerId: z.uuid().optional(),
  fulfilment: z.enum(['express', 'pickup']).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

const ShippingRule = z.object({
  regions: z.array(z.string().min(2).max(20)).max(40),
  first: z.number().int().min(1).max(1_000_000),
  firstFeeFen: z.number().int().min(0).max(1_000_000),
  additional: z.number().int().min(0).max(1_000_000),
  additionalFeeFen: z.number().int().min(0).max(1_000_000),
});

export const ShippingTemplateBody = z.object({
  name: Text(40).min(1),
  chargeBy: z.enum(['piece', 'weight']),
  rules: z.array(ShippingRule).min(1, 'add at least one rule').max(40),
  freeOverFen: z.number().int().min(0).max(100_000_000).nullable().default(null),
  excludedRegions: z.array(z.string().min(2).max(20)).max(40).default([]),
  isDefault: z.boolean().default(false),
});

export const PickupPointBody = z.object({
  name: Text(40).min(1),
  /** 省/市/区 from the region picker (checked to be a real combination); `address` is then the street part. */
  province: Text(20).min(1).nullable().optional(),
  city: Text(20).min(1).nullable().optional(),
  district: Text(20).min(1).nullable().optional(),
  address: Text(200).min(1),
  phone: Text(30).nullable().optional(),
  hours: Text(60).nullable().optional(),
  active: z.boolean().optional(),
});
