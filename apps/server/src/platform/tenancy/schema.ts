import { bigserial, boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const shops = pgTable('shops', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  logoUrl: text('logo_url'),
  settings: jsonb('settings').$type<ShopSettings>().notNull().default({}),
  /** `suspended` by the platform operator: the storefront refuses every write (SHOP_SUSPENDED). */
  status: text('status').$type<ShopStatus>().notNull().default('active'),
  suspendedAt: ts('suspended_at'),
  suspensionReason: text('suspension_reason'),
  suspensionReasonPublic: boolean('suspension_reason_public').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type ShopStatus = 'active' | 'suspended';

export interface ShopSettings {
  /** Minutes before an unpaid order is cancelled and its stock released. */
  unpaidTimeoutMinutes?: number;
  /** Days after shipping before an order completes automatically. */
  autoCompleteDays?: number;
  servicePhone?: string;
  wechat?: { appId: string; appSecret: string };
  wechatPay?: WechatPayMerchantConfig;
}

export interface WechatPayMerchantConfig {
  mchId: string;
  appId: string;
  /** Serial number of the merchant API certificate. */
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  /** WeChat Pay verification keys by serial: platform certificates or a `PUB_KEY_ID_…` public key. */
  platformKeys: Record<string, string>;
  /** Sandbox only: lets a restarted in-process sandbox recognise this merchant again. */
  sandboxRestoreToken?: string;
}

export const staff = pgTable('staff', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  login: text('login').notNull(),
  displayName: text('display_name').notNull(),
  phone: text('phone'),
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull(),
  status: text('status').notNull().default('active'),
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: ts('locked_until'),
  lastLoginAt: ts('last_login_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const staffSessions = pgTable('staff_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  staffId: uuid('staff_id').notNull(),
  shopId: uuid('shop_id').notNull(),
  expiresAt: ts('expires_at').notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const staffSignInAttempts = pgTable('staff_sign_in_attempts', {
  login: text('login').notNull(),
  ip: text('ip').notNull(),
  attempts: integer('attempts').notNull(),
  lastAt: ts('last_at').notNull().defaultNow(),
});

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  shopId: uuid('shop_id').notNull(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  role: text('role').notNull(),
  createdBy: uuid('created_by'),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  shopId: uuid('shop_id').notNull(),
  actorType: text('actor_type').notNull(),
  actorId: text('actor_id'),
  actorName: text('actor_name'),
  action: text('action').notNull(),
  entity: text('entity'),
  entityId: text('entity_id'),
  before: jsonb('before'),
  after: jsonb('after'),
  request: jsonb('request'),
  status: integer('status'),
  ip: text('ip'),
  requestId: text('request_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
