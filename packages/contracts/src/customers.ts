import { z } from 'zod';
import { Page, Phone } from './common.js';

/** Customers: storefront sign-in (SMS code, WeChat web authorization), profile, addresses; admin list. */

export const SmsCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');
export const SmsPurpose = z.enum(['sign_in', 'bind']);
export const WechatScope = z.enum(['snsapi_base', 'snsapi_userinfo']);
export const CustomerGender = z.enum(['unknown', 'male', 'female']);
export const CustomerSource = z.enum(['sms', 'wechat', 'import']);

export const SendSmsCodeBody = z.object({ phone: Phone, purpose: SmsPurpose.default('sign_in') });
export const SmsSignInBody = z.object({ phone: Phone, code: SmsCode });
export const WechatAuthorizeUrlQuery = z.object({
  scope: WechatScope.default('snsapi_userinfo'),
  /** The storefront page WeChat sends the browser back to (it then posts the code). */
  redirect: z.url({ protocol: /^https?$/ }).max(1000),
});
export const WechatSignInBody = z.object({
  code: z.string().trim().min(1).max(512),
  /** The state returned with the authorize URL; when sent it must match what this shop issued. */
  state: z.string().max(128).optional(),
});
export const BindPhoneBody = z.object({ phone: Phone, code: SmsCode });

export const UpdateMeBody = z
  .object({
    nickname: z.string().trim().min(1).max(32).optional(),
    avatarUrl: z.string().url().max(500).nullable().optional(),
    gender: CustomerGender.optional(),
  })
  .strict();

const Text = (max: number) => z.string().trim().min(1).max(max);
export const CustomerAddressBody = z
  .object({
    contactName: Text(20),
    phone: Phone,
    province: Text(20),
    city: Text(20),
    district: Text(20),
    detail: Text(120),
    postalCode: z.string().regex(/^\d{6}$/, 'must be 6 digits').nullable().optional(),
    isDefault: z.boolean().optional(),
  })
  .strict();
export const CustomerAddressPatchBody = CustomerAddressBody.partial().strict();

export const AdminCustomerListQuery = Page.extend({
  /** Phone digits or part of the nickname. */
  q: z.string().trim().min(1).max(50).optional(),
  source: CustomerSource.optional(),
  registeredFrom: z.coerce.date().optional(),
  registeredTo: z.coerce.date().optional(),
});
export const AdminCustomerPatchBody = z
  .object({
    nickname: z.string().trim().min(1).max(32).optional(),
    remark: z.string().trim().max(500).nullable().optional(),
  })
  .strict();

export type CustomerAddressInput = z.infer<typeof CustomerAddressBody>;
export type CustomerAddressPatch = z.infer<typeof CustomerAddressPatchBody>;
export type AdminCustomerListInput = z.infer<typeof AdminCustomerListQuery>;
