import { boolean, date, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const customers = pgTable('customers', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  phone: text('phone'),
  nickname: text('nickname'),
  avatarUrl: text('avatar_url'),
  gender: text('gender').$type<'unknown' | 'male' | 'female'>().notNull().default('unknown'),
  province: text('province'),
  city: text('city'),
  source: text('source').$type<CustomerSource>().notNull(),
  remark: text('remark'),
  /** YYYY-MM-DD; the customer sets it once (birthdaySetAt), staff may correct it. */
  birthday: date('birthday', { mode: 'string' }),
  birthdaySetAt: ts('birthday_set_at'),
  registeredAt: ts('registered_at').notNull().defaultNow(),
  lastActiveAt: ts('last_active_at').notNull().defaultNow(),
  mergedInto: uuid('merged_into'),
  mergedAt: ts('merged_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type CustomerSource = 'sms' | 'wechat' | 'import';

export const customerIdentities = pgTable('customer_identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  provider: text('provider').$type<'wechat'>().notNull(),
  appId: text('app_id').notNull(),
  openid: text('openid').notNull(),
  unionid: text('unionid'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at').notNull().defaultNow(),
});

export const customerSessions = pgTable('customer_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  via: text('via').$type<'sms' | 'wechat' | 'merge'>().notNull(),
  expiresAt: ts('expires_at').notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const customerAddresses = pgTable('customer_addresses', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  customerId: uuid('customer_id').notNull(),
  contactName: text('contact_name').notNull(),
  phone: text('phone').notNull(),
  province: text('province').notNull(),
  city: text('city').notNull(),
  district: text('district').notNull(),
  detail: text('detail').notNull(),
  postalCode: text('postal_code'),
  isDefault: boolean('is_default').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
