import { z } from 'zod';
import { Page } from './common.js';

/** Product reviews (评价): one per line of a completed order; staff may hide one (moderation). */

export const REVIEW_MAX_CHARS = 500;

export const ReviewCreateBody = z
  .object({
    orderId: z.uuid(),
    orderItemId: z.uuid(),
    rating: z.number().int('1–5').min(1, '1–5').max(5, '1–5'),
    content: z.string().trim().max(REVIEW_MAX_CHARS, `at most ${REVIEW_MAX_CHARS} characters`).default(''),
  })
  .strict();

export const ProductReviewsQuery = Page.extend({
  rating: z.coerce.number().int().min(1).max(5).optional(),
});

export const MyReviewsQuery = z.object({ orderId: z.uuid().optional() });

export const AdminReviewListQuery = Page.extend({
  rating: z.coerce.number().int().min(1).max(5).optional(),
  productId: z.uuid().optional(),
  status: z.enum(['visible', 'hidden']).optional(),
});

export const ReviewModerateBody = z.object({ status: z.enum(['visible', 'hidden']) }).strict();

export const REVIEW_STATUS_LABELS = {
  visible: { zh: '展示中', en: 'Shown' },
  hidden: { zh: '已隐藏', en: 'Hidden' },
} as const;

export type ReviewCreateInput = z.infer<typeof ReviewCreateBody>;
