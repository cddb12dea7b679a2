import { z } from 'zod';
import { Page, Phone } from './common.js';

/**
 * Merchant onboarding (开店), staff password reset and the platform operator (平台运营).
 */

/** A shop's storefront address `/s/<slug>/`: lower-case letters, digits and single hyphens inside. */
export const SHOP_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const ShopSlug = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, '3–32 characters')
  .max(32, '3–32 characters')
  .regex(SHOP_SLUG_PATTERN, 'lower-case letters, digits and hyphens; no hyphen at either end');

/**
 * Slugs a shop cannot take: the product's own paths, and words people would mistake for the platform.
 * The server refuses them with 409 SHOP_SLUG_RESERVED; the console checks the same list as you type.
 */
export const RESERVED_SLUGS: readonly string[] = [
  'admin', 'api', 's', 'sandbox', 'docs', 'static', 'www', 'shop-assets', 'assets', 'media', 'openapi',
  'healthz', 'readyz', 'metrics', 'platform', 'operator', 'app', 'apps', 'help', 'support', 'login',
  'sign-in', 'signin', 'sign-up', 'signup', 'register', 'account', 'settings', 'root', 'system', 'siyu',
  'mail', 'email', 'sms', 'pay', 'wechat', 'weixin', 'official', 'service', 'cdn', 'blog', 'status',
];
export const isReservedSlug = (slug: string) => RESERVED_SLUGS.includes(slug.trim().toLowerCase());

export const Email = z.string().trim().toLowerCase().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address');
export const NewPassword = z.string().min(8, 'at least 8 characters').max(128);
const Code = z.string().regex(/^\d{6}$/, 'must be 6 digits');

/** A sign-up is by phone (SMS code) or by e-mail (code in the mail). */
export const SignUpChannel = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('sms'), phone: Phone }),
  z.object({ channel: z.literal('email'), email: Email }),
]);
export type SignUpChannel = z.infer<typeof SignUpChannel>;

export const SignUpCodeBody = SignUpChannel;

/** The code proves the phone or address; the password is chosen now and kept (hashed) until the shop exists. */
export const SignUpVerifyBody = z.intersection(
  SignUpChannel,
  z.object({ code: Code, password: NewPassword, displayName: z.string().trim().min(1).max(30).optional() }),
);

export const ContactPhone = z
  .string()
  .trim()
  .regex(/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})$/, 'a mobile, landline (区号-号码) or 400 number');

export const CreateShopBody = z.object({
  /** From the verify step: proves the phone or e-mail and carries the chosen password. */
  ticket: z.string().min(20).max(100),
  name: z.string().trim().min(2, 'at least 2 characters').max(30, 'at most 30 characters'),
  slug: ShopSlug,
  logoUrl: z.string().max(500).nullable().optional(),
  contactPhone: ContactPhone,
});

export const SlugCheckQuery = z.object({ slug: z.string().max(64) });

export const ChecklistPatchBody = z.object({ dismissed: z.boolean() }).strict();

/** `login` is a staff login or a phone number on record. */
export const PasswordResetCodeBody = z.object({ login: z.string().trim().min(3).max(64) });
export const PasswordResetBody = z.object({ login: z.string().trim().min(3).max(64), code: Code, password: NewPassword });

export const OperatorSignInBody = z.object({ login: z.string().trim().min(1).max(64), password: z.string().min(1).max(128) });

export const ShopStatusChangeBody = z.object({
  reason: z.string().trim().min(2, 'give a reason').max(200),
  /** Suspend only: show the reason to customers on the storefront. */
  reasonPublic: z.boolean().default(false),
});

export const OperatorShopListQuery = Page.extend({
  q: z.string().trim().max(60).optional(),
  status: z.enum(['active', 'suspended']).optional(),
});

export const OperatorAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  beforeId: z.coerce.number().int().positive().optional(),
  shopId: z.uuid().optional(),
});
