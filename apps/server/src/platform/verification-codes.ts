import { randomInt } from 'node:crypto';
import type { Platform } from './context.js';
import { badRequest, tooMany } from './errors.js';
import { hmac, newToken, safeEqual } from './auth/tokens.js';

interface CodeRecord {
  id: string;
  hash: string;
  expiresAt: number;
}

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;
/** Keep a code record past its expiry so a late attempt hears "expired", not "wrong code". */
const KEEP_AFTER_EXPIRY_MS = 30 * 60_000;

/** What differs between sending a code by SMS and by e-mail. */
export interface CodeChannel {
  /** Hot-store key prefix and hash namespace: `sms`, `mail`. */
  keyPrefix: string;
  /** Error code prefix: `SMS`, `EMAIL`. */
  errorPrefix: string;
  /** The request field the address came in: `phone`, `email`. */
  field: string;
  /** "This number", "This address": the subject of the daily-limit message. */
  addressNoun: string;
  /** Delivers the code; a failure is mapped by `deliveryFailed` after the quota is given back. */
  deliver(address: string, code: string, ttlMinutes: number, purpose: string): Promise<Record<string, unknown>>;
  /** The AppError to answer when delivery failed (or undefined to rethrow the error as it is). */
  deliveryFailed(err: unknown): Error | undefined;
}

/**
 * Verification codes, whatever carries them. Everything lives in the hot store (shared by all
 * processes): the code record (hashed), the attempt counter, the single-use marker and the rate limits.
 * The code is 6 random digits, SMS_CODE_TTL_SECONDS to live, SMS_MAX_ATTEMPTS tries, single use; one code
 * per address per SMS_RESEND_SECONDS, SMS_DAILY_LIMIT a China calendar day, SMS_IP_HOURLY_LIMIT requests
 * per network per hour. `scope` namespaces the keys (a shop id, or `platform` for merchants).
 */
export class VerificationCodes {
  constructor(
    private p: Platform,
    private channel: CodeChannel,
  ) {}

  async send(scope: string, address: string, purpose: string, ip: string | undefined) {
    const { hot, config } = this.p;
    const { keyPrefix, errorPrefix, field } = this.channel;
    const now = this.p.now().getTime();

    const ipLimit = await hot.rateLimit(`${keyPrefix}:ip:${ip ?? 'unknown'}`, config.SMS_IP_HOURLY_LIMIT, 3600_000);
    if (!ipLimit.allowed) {
      throw tooMany('RATE_LIMITED', 'Too many code requests from this network, try again later', { retryAfterSeconds: Math.ceil(ipLimit.resetMs / 1000) });
    }
    // The resend interval is claimed atomically, so two quick taps send one message.
    const resendKey = `${keyPrefix}:resend:${scope}:${address}`;
    if (!(await hot.set(resendKey, '1', { nx: true, ttlMs: config.SMS_RESEND_SECONDS * 1000 }))) {
      const ttl = await hot.ttl(resendKey);
      throw tooMany(`${errorPrefix}_TOO_FREQUENT`, 'A code was sent recently; wait before requesting another', {
        field,
        retryAfterSeconds: Math.max(1, Math.ceil((ttl > 0 ? ttl : config.SMS_RESEND_SECONDS * 1000) / 1000)),
      });
    }
    // The daily cap follows the China calendar day, the one the person lives in.
    const cstNow = now + CST_OFFSET_MS;
    const msToMidnight = DAY_MS - (cstNow % DAY_MS);
    const dailyKey = `${keyPrefix}:daily:${scope}:${address}:${new Date(cstNow).toISOString().slice(0, 10)}`;
    if ((await hot.incrBy(dailyKey, 1, msToMidnight + 60_000)) > config.SMS_DAILY_LIMIT) {
      throw tooMany(`${errorPrefix}_DAILY_LIMIT`, `${this.channel.addressNoun} has received too many codes today`, {
        field,
        retryAfterSeconds: Math.ceil(msToMidnight / 1000),
      });
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const ttlMs = config.SMS_CODE_TTL_SECONDS * 1000;
    const record: CodeRecord = { id: newToken(12), hash: this.hash(scope, purpose, address, code), expiresAt: now + ttlMs };
    const codeKey = this.codeKey(scope, purpose, address);
    await hot.set(codeKey, JSON.stringify(record), { ttlMs: ttlMs + KEEP_AFTER_EXPIRY_MS });
    try {
      const receipt = await this.channel.deliver(address, code, Math.ceil(config.SMS_CODE_TTL_SECONDS / 60), purpose);
      this.p.log.info({ scope, purpose, ...receipt }, `verification code sent (${keyPrefix})`);
    } catch (err) {
      // Nothing reached the person: give the quota back so they can retry at once.
      await hot.del(codeKey);
      await hot.del(resendKey);
      await hot.incrBy(dailyKey, -1);
      throw this.channel.deliveryFailed(err) ?? err;
    }
    return { resendAfterSeconds: config.SMS_RESEND_SECONDS, expiresInSeconds: config.SMS_CODE_TTL_SECONDS };
  }

  /**
   * Checks a code and consumes it. Each try is counted before the comparison, so parallel guesses cannot
   * exceed SMS_MAX_ATTEMPTS; a right code works once.
   */
  async verify(scope: string, address: string, purpose: string, code: string) {
    const { hot, config } = this.p;
    const { keyPrefix, errorPrefix } = this.channel;
    const invalid = (message: string, details: Record<string, unknown> = {}) => badRequest(`${errorPrefix}_CODE_INVALID`, message, { field: 'code', ...details });
    const tooManyTries = () => tooMany(`${errorPrefix}_TOO_MANY_ATTEMPTS`, 'Too many wrong codes, request a new one', { field: 'code' });
    const raw = await hot.get(this.codeKey(scope, purpose, address));
    if (!raw) throw invalid('Wrong verification code');
    const rec = JSON.parse(raw) as CodeRecord;
    const now = this.p.now().getTime();
    if (rec.expiresAt <= now) throw badRequest(`${errorPrefix}_CODE_EXPIRED`, 'The verification code has expired, request a new one', { field: 'code' });
    const keepMs = rec.expiresAt - now + KEEP_AFTER_EXPIRY_MS;
    const tries = await hot.incrBy(`${keyPrefix}:tries:${rec.id}`, 1, keepMs);
    if (tries > config.SMS_MAX_ATTEMPTS) throw tooManyTries();
    if (!safeEqual(this.hash(scope, purpose, address, code), rec.hash)) {
      if (tries >= config.SMS_MAX_ATTEMPTS) throw tooManyTries();
      throw invalid('Wrong verification code', { attemptsLeft: config.SMS_MAX_ATTEMPTS - tries });
    }
    if (!(await hot.set(`${keyPrefix}:used:${rec.id}`, '1', { nx: true, ttlMs: keepMs }))) {
      throw invalid('This code has already been used, request a new one');
    }
  }

  private codeKey(scope: string, purpose: string, address: string) {
    return `${this.channel.keyPrefix}:code:${scope}:${purpose}:${address}`;
  }

  /** Keyed hash: a copy of the hot store does not reveal codes (a million candidates are cheap to try). */
  private hash(scope: string, purpose: string, address: string, code: string) {
    return hmac(this.p.config.SESSION_SECRET, `${this.channel.keyPrefix}:${scope}:${purpose}:${address}:${code}`);
  }
}
