import net from 'node:net';
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
  /**
   * Connections the kernel queues for accept (capped by net.core.somaxconn). A rush opens hundreds at
   * once; Node's default of 511 turns the rest into connection resets on a busy machine.
   */
  LISTEN_BACKLOG: z.coerce.number().int().min(16).max(65535).default(4096),
  /** Public base URL used in links, OAuth redirects and payment notify URLs. */
  PUBLIC_URL: z.string().url().optional(),
  /** PostgreSQL connection string; without it the embedded PGlite under DATA_DIR is used. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  /** Redis connection string; without it the in-process hot store is used (single process only). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  DATA_DIR: z.string().default('./data'),
  /**
   * Embedded mode: PGlite in a worker thread, so the HTTP event loop stays free while it works; `false`
   * runs it on the HTTP thread as before (kept only to compare the two).
   */
  PGLITE_IN_WORKER: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * One log line when a request arrives and one when it is answered. Off by default: at thousands of
   * requests a second they cost more than the routes; /metrics counts and times every route anyway.
   */
  LOG_REQUESTS: bool.default(false),
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
  /**
   * Outgoing mail (merchant sign-up codes) over SMTP. Without SMTP_HOST the sandbox's SMTP server is used
   * (SANDBOX on), whose credentials are the defaults below (packages/sandbox/src/mail).
   */
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Implicit TLS (port 465); otherwise STARTTLS is used when the server offers it. */
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().min(1).default('siyu-sandbox'),
  SMTP_PASSWORD: z.string().min(1).default('sandbox-smtp-password'),
  MAIL_FROM: z.string().min(3).max(200).default('思域商城 <no-reply@siyu.localhost>'),
  /** Port of the sandbox SMTP server; 0 picks a free one (the server's mail client is told which). */
  SANDBOX_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** The platform operator (平台运营) made at first start when none exists yet; later changes: the `operator` command. */
  OPERATOR_LOGIN: z.string().trim().min(3).max(64).regex(/^[a-zA-Z0-9_.@+-]+$/, 'letters, digits and _ . @ + - only').optional(),
  OPERATOR_PASSWORD: z.string().min(12, 'at least 12 characters').max(128).optional(),
  /** WeChat official-account app used by shops without their own `settings.wechat` while SANDBOX is on. */
  WECHAT_SANDBOX_APP_ID: z.string().min(1).default('wxsandbox000000001'),
  WECHAT_SANDBOX_APP_SECRET: z.string().min(1).default('sandbox-app-secret'),
  /** Where browsers are sent to authorize (open.weixin.qq.com); defaults to WECHAT_OAUTH_BASE_URL, then the sandbox. */
  WECHAT_AUTHORIZE_BASE_URL: z.string().url().optional(),
  /** Run the vendor simulators (WeChat, WeChat Pay, SMS) inside this process. Default: on, off in production. */
  SANDBOX: bool.optional(),
  /** Base URLs of vendor APIs; default to the in-process sandbox. */
  WECHATPAY_BASE_URL: z.string().url().optional(),
  WECHAT_OAUTH_BASE_URL: z.string().url().optional(),
  SMS_BASE_URL: z.string().url().optional(),
  /** The official account and mini-program server API (api.weixin.qq.com) and Aliyun SMS (dysmsapi). */
  WECHAT_MP_BASE_URL: z.string().url().optional(),
  ALIYUN_SMS_BASE_URL: z.string().url().optional(),
  /** WeCom's server API (qyapi.weixin.qq.com); the sandbox's simulator when SANDBOX is on and this is unset. */
  WECOM_BASE_URL: z.string().url().optional(),
  /**
   * Mass messages (群发) one customer may get per calendar month (Beijing time). Unset: as many as the
   * month has days, WeCom's own cap; set lower to keep further from it.
   */
  WECOM_MASS_MONTHLY_CAP: z.coerce.number().int().min(1).max(31).optional(),
  /** Deliveries a worker admits through the contact budget and sends per batch. */
  MESSAGING_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** Dispatcher batches one worker process runs at once (each: admit, send, record in turn). */
  MESSAGING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Due journey instances one advance transaction walks (each instance's steps commit with its state). */
  JOURNEY_BATCH: z.coerce.number().int().min(1).max(2000).default(100),
  /** Advance transactions one worker process runs at once (each on its own connection). */
  JOURNEY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Benchmarks only (bench/broadcast): the dispatcher's clock runs ahead to the next 12:00 shop time, so
   * marketing SMS (08:00–20:00 only) go out whenever the benchmark runs. Refused in production.
   */
  MESSAGING_CLOCK_NOON_FOR_BENCH: bool.default(false),
  /** Seed the public demo shop on first start. Default: on, off in production. */
  SEED_DEMO: bool.optional(),
  /**
   * Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses, CIDRs or `loopback`,
   * `linklocal`, `uniquelocal`, comma-separated. Without it the peer address is the client.
   */
  TRUST_PROXY: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every(isProxyEntry), 'addresses, CIDRs or loopback / linklocal / uniquelocal, comma-separated')
    .optional(),
  /** Bearer token that /metrics requires (Prometheus `authorization` / `bearer_token`). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** `host:port` of a separate listener that serves only /metrics (then the main port does not). */
  METRICS_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464')
    .optional(),
  /** Where events are analysed: DuckDB embedded in the owning process (default) or a ClickHouse server. */
  ANALYTICS_ENGINE: z.enum(['duckdb', 'clickhouse']).default('duckdb'),
  /** The DuckDB file (default DATA_DIR/analytics/events.duckdb; `:memory:` keeps nothing). */
  ANALYTICS_PATH: z.string().optional(),
  ANALYTICS_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** DuckDB's memory cap, e.g. `4GB`. */
  ANALYTICS_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 4GB').optional(),
  /**
   * Which process owns the DuckDB file and loads events: with `auto`, the one that runs jobs (roles all
   * and worker). A serve-only process then sends its analyses to ANALYTICS_OWNER_URL.
   */
  ANALYTICS_OWNER: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Base URL of the owning process's analytics listener (ANALYTICS_LISTEN there), for serve-only processes with DuckDB. */
  ANALYTICS_OWNER_URL: z.url().optional(),
  /** `host:port` where the owner answers other processes' analyses (DuckDB in scaled mode). */
  ANALYTICS_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9470')
    .optional(),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _').default('siyu'),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  /** Events waiting for the inbox's next commit beyond which ingest answers 429. */
  INGEST_MAX_PENDING: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
  /** Inbox INSERTs at once (PostgreSQL commits them in parallel; the embedded PGlite takes 1 whatever this says). */
  INGEST_MAX_INFLIGHT: z.coerce.number().int().min(1).max(64).default(4),
  JOBS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /**
   * How long a claimed job is its worker's: a worker that died mid-job leaves it to others after this. Longer
   * than the slowest job (a segment's full refresh, an import) so that a live worker's job is never run twice.
   */
  JOBS_LOCK_MS: z.coerce.number().int().min(5_000).max(3_600_000).default(300_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
});

type Parsed = z.infer<typeof ConfigSchema>;
export type Config = Omit<Parsed, 'SANDBOX' | 'SEED_DEMO' | 'TRUST_PROXY'> & {
  SESSION_SECRET: string;
  SANDBOX: boolean;
  SEED_DEMO: boolean;
  TRUST_PROXY: string[];
};

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyEntry(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const family = net.isIP(addr);
  if (!family) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/**
 * Hosts of the vendors' production APIs. A server that talks to them must not also run the simulators
 * or the public demo shop: anyone could read sign-in codes in the sandbox inbox and mark orders paid.
 */
const VENDOR_HOSTS = [/(^|\.)weixin\.qq\.com$/, /(^|\.)tencentcloudapi\.com$/, /(^|\.)aliyuncs\.com$/];

export function isVendorProductionUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return VENDOR_HOSTS.some((re) => re.test(host));
}

const VENDOR_URL_SETTINGS = ['WECHATPAY_BASE_URL', 'WECHAT_OAUTH_BASE_URL', 'WECHAT_AUTHORIZE_BASE_URL', 'SMS_BASE_URL', 'WECHAT_MP_BASE_URL', 'ALIYUN_SMS_BASE_URL', 'WECOM_BASE_URL'] as const;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const production = raw.NODE_ENV === 'production';
  const cfg = {
    ...raw,
    SANDBOX: raw.SANDBOX ?? !production,
    SEED_DEMO: raw.SEED_DEMO ?? !production,
    TRUST_PROXY: raw.TRUST_PROXY ?? [],
  };
  const problems: string[] = [];
  if (production) {
    if (!cfg.SESSION_SECRET) problems.push('SESSION_SECRET: required in production');
    if (cfg.MESSAGING_CLOCK_NOON_FOR_BENCH) problems.push('MESSAGING_CLOCK_NOON_FOR_BENCH: a benchmark setting (it moves the messaging clock), refused in production');
    const live = VENDOR_URL_SETTINGS.filter((k) => cfg[k] && isVendorProductionUrl(cfg[k]!));
    if (live.length > 0) {
      if (cfg.SANDBOX) problems.push(`SANDBOX: must be off while ${live.join(', ')} point at the vendors' production APIs`);
      if (cfg.SEED_DEMO) problems.push(`SEED_DEMO: must be off while ${live.join(', ')} point at the vendors' production APIs`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((l) => `  ${l}`).join('\n')}`);
  // Development and tests get a fixed, obviously-not-secret value.
  return { ...cfg, SESSION_SECRET: cfg.SESSION_SECRET ?? 'siyu-development-secret-change-me-please' };
}
