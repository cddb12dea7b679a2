import { z } from 'zod';
import { Fen } from './common.js';

/**
 * Flash sales (秒杀): a sale has sessions (time slots such as 10:00 / 14:00 / 20:00), each selling SKUs
 * at a flash price from an activity stock set aside at publish, with a per-customer limit per SKU.
 */

export const FLASH_SALE_STATUSES = ['draft', 'published', 'ended'] as const;
export const FLASH_SALE_STATUS_LABELS: Record<(typeof FLASH_SALE_STATUSES)[number], { zh: string; en: string }> = {
  draft: { zh: '未发布', en: 'Draft' },
  published: { zh: '已发布', en: 'Published' },
  ended: { zh: '已结束', en: 'Ended' },
};
/** A session as the storefront shows it: 即将开抢 / 抢购中 / 已结束. */
export const FLASH_SESSION_STATES = ['upcoming', 'running', 'ended'] as const;
export const FLASH_SESSION_STATE_LABELS: Record<(typeof FLASH_SESSION_STATES)[number], { zh: string; en: string }> = {
  upcoming: { zh: '即将开抢', en: 'Upcoming' },
  running: { zh: '抢购中', en: 'On now' },
  ended: { zh: '已结束', en: 'Ended' },
};
export const FLASH_ATTEMPT_STATUSES = ['pending', 'ordered', 'failed'] as const;

export const FlashSaleItemInput = z.object({
  skuId: z.uuid(),
  /** The flash price per unit; at least 1 fen, because a flash order is paid through WeChat Pay. */
  priceFen: Fen.refine((v) => v >= 1, 'at least 1 fen'),
  /** Activity stock: units taken out of normal stock when the sale is published. */
  stock: z.number().int().min(1, 'at least 1').max(10_000_000),
});

export const FlashSaleSessionInput = z.object({
  startsAt: z.coerce.date(),
  endsAt: z.coerce.date(),
  items: z.array(FlashSaleItemInput).min(1, 'add at least one SKU').max(100),
});

export const FlashSaleInput = z.object({
  name: z.string().trim().min(1, 'required').max(40, 'at most 40 characters'),
  /** Units of one SKU one customer may buy in one session. */
  perCustomerLimit: z.number().int().min(1, '1–100').max(100, '1–100'),
  /** Attempts per second from one IP address / one customer before 429 RATE_LIMITED. */
  ipRatePerSecond: z.number().int().min(1).max(1_000_000).default(20),
  customerRatePerSecond: z.number().int().min(1).max(100).default(3),
  sessions: z.array(FlashSaleSessionInput).min(1, 'add at least one session').max(50),
});
export type FlashSaleInput = z.infer<typeof FlashSaleInput>;

export const FlashSaleListQuery = z.object({
  status: z.enum(FLASH_SALE_STATUSES).optional(),
  q: z.string().trim().max(40).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

/** 立即抢购: one tap. The delivery address (express) or pickup point (pickup) is checked before any stock is taken. */
export const FlashSaleAttemptInput = z.object({
  itemId: z.uuid(),
  quantity: z.number().int().min(1).max(100).default(1),
  fulfilment: z.enum(['express', 'pickup']),
  addressId: z.uuid().optional(),
  pickupPointId: z.uuid().optional(),
  remark: z.string().trim().max(200).optional(),
});
export type FlashSaleAttemptInput = z.infer<typeof FlashSaleAttemptInput>;
