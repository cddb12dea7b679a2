import { z } from 'zod';

/**
 * All configuration comes from the environment and is validated once at start-up,
 * so a typo in production fails loudly before the first request instead of at 3 a.m.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL used in links, OAuth redirects and payment notify URLs. */
  PUBLIC_URL: z.string().url().optional(),
  /** PostgreSQL connection string; without it the embedded PGlite under DATA_DIR is used. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  /** Redis connection string; without it the in-process hot store is used (single process only). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Secret used to sign cookies and derive CSRF tokens. Required in production. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  CUSTOMER_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24 * 30),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  SIGNIN_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  SMS_RESEND_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SMS_CODE_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  SMS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SMS_DAILY_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  /** Verification-code requests one IP may make per hour (across phones). */
  SMS_IP_HOURLY_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Tencent Cloud SMS credentials and app; the defaults are the sandbox's (packages/sandbox/src/sms). */
  SMS_SECRET_ID: z.string().min(1).default('AKIDsandbox'),
  SMS_SECRET_KEY: z.string().min(1).default('sandbox-secret-key'),
  SMS_SDK_APP_ID: z.string().min(1).default('1400000001'),
  SMS_SIGN_NAME: z.string().min(1).max(20).default('思域商城'),
  SMS_REGION: z.string().min(1).default('ap-guangzhou'),
  /** Approved template for verification codes: "您的验证码为{1},{2}分钟内有效…". */
  SMS_TEMPLATE_VERIFY_CODE: z.string().min(1).default('1000001'),
  /** WeChat official-account app used by shops without their own `settings.wechat` while SANDBOX is on. */
  WECHAT_SANDBOX_APP_ID: z.string().min(1).default('wxsandbox000000001'),
  WECHAT_SANDBOX_APP_SECRET: z.string().min(1).default('sandbox-app-secret'),
  /** Where browsers are sent to authorize (open.weixin.qq.com); defaults to WECHAT_OAUTH_BASE_URL, then the sandbox. */
  WECHAT_AUTHORIZE_BASE_URL: z.string().url().optional(),
  /** Run the vendor simulators (WeChat, WeChat Pay, SMS) inside this process. */
  SANDBOX: bool.default(true),
  /** Base URLs of vendor APIs; default to the in-process sandbox. */
  WECHATPAY_BASE_URL: z.string().url().optional(),
  WECHAT_OAUTH_BASE_URL: z.string().url().optional(),
  SMS_BASE_URL: z.string().url().optional(),
  SEED_DEMO: bool.default(true),
  JOBS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
});

export type Config = z.infer<typeof ConfigSchema> & { SESSION_SECRET: string };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  if (!cfg.SESSION_SECRET) {
    if (cfg.NODE_ENV === 'production') throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required in production');
    // Development and tests get a fixed, obviously-not-secret value.
    return { ...cfg, SESSION_SECRET: 'siyu-development-secret-change-me-please' };
  }
  return cfg as Config;
}
