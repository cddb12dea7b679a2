import { randomInt } from 'node:crypto';
import type { Platform } from '../context.js';
import { AppError, badRequest, tooMany } from '../errors.js';
import { hmac, newToken, safeEqual } from '../auth/tokens.js';
import { SmsSendError, type SmsSender } from './tencent-client.js';

/** `merchant_sign_up` and `password_reset` are asked for under the `platform` scope, not a shop's. */
export type SmsPurpose = 'sign_in' | 'bind' | 'merchant_sign_up' | 'password_reset';

interface CodeRecord {
  id: string;
  hash: string;
  expiresAt: number;
}

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;
/** Keep a code record past its expiry so a late attempt hears "expired", not "wrong code". */
const KEEP_AFTER_EXPIRY_MS = 30 * 60_000;

/**
 * SMS verification codes. Everything lives in the hot store (shared by all processes): the code record
 * (hashed), the attempt counter, the single-use marker and the rate limits. The code is 6 random digits.
 */
export class SmsVerification {
  constructor(
    private p: Platform,
    private sender: () => SmsSender,
  ) {}

  async send(shopId: string, input: { phone: string; purpose: SmsPurpose; ip?: string }) {
    const { hot, config } = this.p;
    const now = this.p.now().getTime();

    const ipLimit = await hot.rateLimit(`sms:ip:${input.ip ?? 'unknown'}`, config.SMS_IP_HOURLY_LIMIT, 3600_000);
    if (!ipLimit.allowed) {
      throw tooMany('RATE_LIMITED', 'Too many code requests from this network, try again later', { retryAfterSeconds: Math.ceil(ipLimit.resetMs / 1000) });
    }
    // The resend interval is claimed atomically, so two quick taps send one SMS.
    const resendKey = `sms:resend:${shopId}:${input.phone}`;
    if (!(await hot.set(resendKey, '1', { nx: true, ttlMs: config.SMS_RESEND_SECONDS * 1000 }))) {
      const ttl = await hot.ttl(resendKey);
      throw tooMany('SMS_TOO_FREQUENT', 'A code was sent recently; wait before requesting another', {
        field: 'phone',
        retryAfterSeconds: Math.max(1, Math.ceil((ttl > 0 ? ttl : config.SMS_RESEND_SECONDS * 1000) / 1000)),
      });
    }
    // The daily cap follows the China calendar day, the one the customer lives in.
    const cstNow = now + CST_OFFSET_MS;
    const msToMidnight = DAY_MS - (cstNow % DAY_MS);
    const dailyKey = `sms:daily:${shopId}:${input.phone}:${new Date(cstNow).toISOString().slice(0, 10)}`;
    const sentToday = await hot.incrBy(dailyKey, 1, msToMidnight + 60_000);
    if (sentToday > config.SMS_DAILY_LIMIT) {
      throw tooMany('SMS_DAILY_LIMIT', 'This number has received too many codes today', { field: 'phone', retryAfterSeconds: Math.ceil(msToMidnight / 1000) });
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const ttlMs = config.SMS_CODE_TTL_SECONDS * 1000;
    const record: CodeRecord = { id: newToken(12), hash: this.hash(shopId, input.purpose, input.phone, code), expiresAt: now + ttlMs };
    const codeKey = this.codeKey(shopId, input.purpose, input.phone);
    await hot.set(codeKey, JSON.stringify(record), { ttlMs: ttlMs + KEEP_AFTER_EXPIRY_MS });
    try {
      const sent = await this.sender().sendVerificationCode({ phone: input.phone, code, ttlMinutes: Math.ceil(config.SMS_CODE_TTL_SECONDS / 60) });
      this.p.log.info({ shopId, serialNo: sent.serialNo, purpose: input.purpose }, 'verification SMS sent');
    } catch (err) {
      // Nothing reached the phone: give the customer their quota back and let them retry at once.
      await hot.del(codeKey);
      await hot.del(resendKey);
      await hot.incrBy(dailyKey, -1);
      if (err instanceof SmsSendError) {
        this.p.log.warn({ shopId, vendorCode: err.vendorCode, requestId: err.requestId, msg: err.message }, 'verification SMS refused');
        throw new AppError(502, 'SMS_SEND_FAILED', 'The SMS could not be sent, try again later', { vendorCode: err.vendorCode });
      }
      throw err;
    }
    return { resendAfterSeconds: config.SMS_RESEND_SECONDS, expiresInSeconds: config.SMS_CODE_TTL_SECONDS };
  }

  /**
   * Checks a code and consumes it. Each try is counted before the comparison, so parallel guesses cannot
   * exceed SMS_MAX_ATTEMPTS; a right code works once.
   */
  async verify(shopId: string, input: { phone: string; purpose: SmsPurpose; code: string }) {
    const { hot, config } = this.p;
    const raw = await hot.get(this.codeKey(shopId, input.purpose, input.phone));
    if (!raw) throw badRequest('SMS_CODE_INVALID', 'Wrong verification code', { field: 'code' });
    const rec = JSON.parse(raw) as CodeRecord;
    const now = this.p.now().getTime();
    if (rec.expiresAt <= now) throw badRequest('SMS_CODE_EXPIRED', 'The verification code has expired, request a new one', { field: 'code' });
    const keepMs = rec.expiresAt - now + KEEP_AFTER_EXPIRY_MS;
    const tries = await hot.incrBy(`sms:tries:${rec.id}`, 1, keepMs);
    if (tries > config.SMS_MAX_ATTEMPTS) throw tooMany('SMS_TOO_MANY_ATTEMPTS', 'Too many wrong codes, request a new one', { field: 'code' });
    if (!safeEqual(this.hash(shopId, input.purpose, input.phone, input.code), rec.hash)) {
      if (tries >= config.SMS_MAX_ATTEMPTS) throw tooMany('SMS_TOO_MANY_ATTEMPTS', 'Too many wrong codes, request a new one', { field: 'code' });
      throw badRequest('SMS_CODE_INVALID', 'Wrong verification code', { field: 'code', attemptsLeft: config.SMS_MAX_ATTEMPTS - tries });
    }
    if (!(await hot.set(`sms:used:${rec.id}`, '1', { nx: true, ttlMs: keepMs }))) {
      throw badRequest('SMS_CODE_INVALID', 'This code has already been used, request a new one', { field: 'code' });
    }
  }

  private codeKey(shopId: string, purpose: SmsPurpose, phone: string) {
    return `sms:code:${shopId}:${purpose}:${phone}`;
  }

  /** Keyed hash: a copy of the hot store does not reveal codes (a million candidates are cheap to try). */
  private hash(shopId: string, purpose: SmsPurpose, phone: string, code: string) {
    return hmac(this.p.config.SESSION_SECRET, `sms:${shopId}:${purpose}:${phone}:${code}`);
  }
}
