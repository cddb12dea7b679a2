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
  /** The state returned with the authorize URL; it must be the one issued to this browser (its cookie). */
  state: z.string().min(1).max(128),
});
export const BindPhoneBody = z.object({ phone: Phone, code: SmsCode });

/** Today in the shop's time (Asia/Shanghai), YYYY-MM-DD. */
const shanghaiToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/** A real calendar day, YYYY-MM-DD, not before 1900 and not in the future (生日). */
export function isValidBirthday(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === v && v >= '1900-01-01' && v <= shanghaiToday();
}
export const Birthday = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine(isValidBirthday, 'a real date in the past');

export const UpdateMeBody = z
  .object({
    nickname: z.string().trim().min(1).max(32).optional(),
    avatarUrl: z.string().url().max(500).nullable().optional(),
    gender: CustomerGender.optional(),
    /** Set once by the customer; staff correct it afterwards. */
    birthday: Birthday.optional(),
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
    birthday: Birthday.nullable().optional(),
  })
  .strict();

export type CustomerAddressInput = z.infer<typeof CustomerAddressBody>;
export type CustomerAddressPatch = z.infer<typeof CustomerAddressPatchBody>;
export type AdminCustomerListInput = z.infer<typeof AdminCustomerListQuery>;
