import { customerAddresses, customerIdentities, customers } from './schema.js';

export type CustomerRow = typeof customers.$inferSelect;
export type AddressRow = typeof customerAddresses.$inferSelect;
export type IdentityRow = typeof customerIdentities.$inferSelect;

/** What a customer sees of themselves on the storefront. */
export const customerView = (c: CustomerRow, wechatBound = false) => ({
  id: c.id,
  phone: c.phone,
  nickname: c.nickname,
  avatarUrl: c.avatarUrl,
  gender: c.gender,
  birthday: c.birthday,
  /** The customer used their one change; staff correct it from now on. */
  birthdayLocked: c.birthdaySetAt !== null,
  registeredAt: c.registeredAt,
  wechatBound,
});
export type CustomerView = ReturnType<typeof customerView>;

/** What staff see: the profile plus how the customer came in and the merge trail. */
export const adminCustomerView = (c: CustomerRow) => ({
  id: c.id,
  phone: c.phone,
  nickname: c.nickname,
  avatarUrl: c.avatarUrl,
  gender: c.gender,
  province: c.province,
  city: c.city,
  source: c.source,
  remark: c.remark,
  birthday: c.birthday,
  birthdayLocked: c.birthdaySetAt !== null,
  registeredAt: c.registeredAt,
  lastActiveAt: c.lastActiveAt,
  mergedInto: c.mergedInto,
  mergedAt: c.mergedAt,
});
export type AdminCustomerView = ReturnType<typeof adminCustomerView>;

export const addressView = (a: AddressRow) => ({
  id: a.id,
  contactName: a.contactName,
  phone: a.phone,
  province: a.province,
  city: a.city,
  district: a.district,
  detail: a.detail,
  postalCode: a.postalCode,
  isDefault: a.isDefault,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});
export type AddressView = ReturnType<typeof addressView>;

export const identityView = (i: IdentityRow) => ({
  id: i.id,
  provider: i.provider,
  appId: i.appId,
  openid: i.openid,
  unionid: i.unionid,
  createdAt: i.createdAt,
  lastUsedAt: i.lastUsedAt,
});
