import { randomInt } from 'node:crypto';
import type { Platform } from '../context.js';
import { AppError, badRequest, tooMany } from '../errors.js';
import { hmac, newToken, safeEqual } from '../auth/tokens.js';
import { MailSendError, type MailSender } from './smtp-client.js';

export type EmailPurpose = 'merchant_sign_up' | 'password_reset';

interface CodeRecord {
  id: string;
  hash: string;
  expiresAt: number;
}

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;
/** Keep a code record past its expiry so a late attempt hears "expired", not "wrong code". */
const KEEP_AFTER_EXPIRY_MS = 30 * 60_000;

const SUBJECT: Record<EmailPurpose, string> = {
  merchant_sign_up: '开店注册验证码',
  password_reset: '重置密码验证码',
};

/**
 * E-mail verification codes, with the rules of the SMS codes (platform/sms/verification.ts) and their
 * settings: 6 random digits, kept hashed in the hot store, SMS_CODE_TTL_SECONDS to live,
 * SMS_MAX_ATTEMPTS tries, single use; one code per address per SMS_RESEND_SECONDS, SMS_DAILY_LIMIT a
 * China calendar day, SMS_IP_HOURLY_LIMIT requests per network per hour. `scope` namespaces the keys
 * (`platform` for merchants, a shop id for a shop's people).
 */
export class EmailVerification {
  constructor(
    private p: Platform,
    private sender: () => MailSender,
    private brand: () => string,
  ) {}

  async send(scope: string, input: { email: string; purpose: EmailPurpose; ip?: string }) {
    const { hot, config } = this.p;
    const email = input.email.toLowerCase();
    const now = this.p.now().getTime();

    const ipLimit = await hot.rateLimit(`mail:ip:${input.ip ?? 'unknown'}`, config.SMS_IP_HOURLY_LIMIT, 3600_000);
    if (!ipLimit.allowed) {
      throw tooMany('RATE_LIMITED', 'Too many code requests from this network, try again later', { retryAfterSeconds: Math.ceil(ipLimit.resetMs / 1000) });
    }
    // Claimed atomically, so two quick clicks send one message.
    const resendKey = `mail:resend:${scope}:${email}`;
    if (!(await hot.set(resendKey, '1', { nx: true, ttlMs: config.SMS_RESEND_SECONDS * 1000 }))) {
      const ttl = await hot.ttl(resendKey);
      throw tooMany('EMAIL_TOO_FREQUENT', 'A code was sent recently; wait before requesting another', {
        field: 'email',
        retryAfterSeconds: Math.max(1, Math.ceil((ttl > 0 ? ttl : config.SMS_RESEND_SECONDS * 1000) / 1000)),
      });
    }
    const cstNow = now + CST_OFFSET_MS;
    const msToMidnight = DAY_MS - (cstNow % DAY_MS);
    const dailyKey = `mail:daily:${scope}:${email}:${new Date(cstNow).toISOString().slice(0, 10)}`;
    if ((await hot.incrBy(dailyKey, 1, msToMidnight + 60_000)) > config.SMS_DAILY_LIMIT) {
      throw tooMany('EMAIL_DAILY_LIMIT', 'This address has received too many codes today', { field: 'email', retryAfterSeconds: Math.ceil(msToMidnight / 1000) });
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const ttlMs = config.SMS_CODE_TTL_SECONDS * 1000;
    const minutes = Math.ceil(config.SMS_CODE_TTL_SECONDS / 60);
    const record: CodeRecord = { id: newToken(12), hash: this.hash(scope, input.purpose, email, code), expiresAt: now + ttlMs };
    const codeKey = this.codeKey(scope, input.purpose, email);
    await hot.set(codeKey, JSON.stringify(record), { ttlMs: ttlMs + KEEP_AFTER_EXPIRY_MS });
    const brand = this.brand();
    try {
      const sent = await this.sender().send({
        to: email,
        subject: `【${brand}】${SUBJECT[input.purpose]} ${code}`,
        text: `您的验证码为 ${code},${minutes} 分钟内有效。如非本人操作,请忽略本邮件。\n\n${brand}`,
        html: `<p>您的验证码为 <strong style="font-size:20px;letter-spacing:2px">${code}</strong>,${minutes} 分钟内有效。</p><p>如非本人操作,请忽略本邮件。</p><p>${escapeHtml(brand)}</p>`,
      });
      this.p.log.info({ scope, messageId: sent.messageId, purpose: input.purpose }, 'verification e-mail sent');
    } catch (err) {
      // Nothing reached the inbox: give the quota back so the person can retry at once.
      await hot.del(codeKey);
      await hot.del(resendKey);
      await hot.incrBy(dailyKey, -1);
      if (err instanceof MailSendError) {
        if (err.smtpCode === 'NOT_CONFIGURED') throw new AppError(503, 'EMAIL_NOT_CONFIGURED', 'E-mail is not set up on this server; sign up with a phone number', { field: 'email' });
        this.p.log.warn({ scope, smtpCode: err.smtpCode, msg: err.message }, 'verification e-mail refused');
        throw new AppError(502, 'EMAIL_SEND_FAILED', 'The e-mail could not be sent, try again later', { field: 'email', smtpCode: err.smtpCode });
      }
      throw err;
    }
    return { resendAfterSeconds: config.SMS_RESEND_SECONDS, expiresInSeconds: config.SMS_CODE_TTL_SECONDS };
  }

  /** Checks a code and consumes it; each try is counted before the comparison, so parallel guesses cannot exceed the limit. */
  async verify(scope: string, input: { email: string; purpose: EmailPurpose; code: string }) {
    const { hot, config } = this.p;
    const email = input.email.toLowerCase();
    const raw = await hot.get(this.codeKey(scope, input.purpose, email));
    if (!raw) throw badRequest('EMAIL_CODE_INVALID', 'Wrong verification code', { field: 'code' });
    const rec = JSON.parse(raw) as CodeRecord;
    const now = this.p.now().getTime();
    if (rec.expiresAt <= now) throw badRequest('EMAIL_CODE_EXPIRED', 'The verification code has expired, request a new one', { field: 'code' });
    const keepMs = rec.expiresAt - now + KEEP_AFTER_EXPIRY_MS;
    const tries = await hot.incrBy(`mail:tries:${rec.id}`, 1, keepMs);
    if (tries > config.SMS_MAX_ATTEMPTS) throw tooMany('EMAIL_TOO_MANY_ATTEMPTS', 'Too many wrong codes, request a new one', { field: 'code' });
    if (!safeEqual(this.hash(scope, input.purpose, email, input.code), rec.hash)) {
      if (tries >= config.SMS_MAX_ATTEMPTS) throw tooMany('EMAIL_TOO_MANY_ATTEMPTS', 'Too many wrong codes, request a new one', { field: 'code' });
      throw badRequest('EMAIL_CODE_INVALID', 'Wrong verification code', { field: 'code', attemptsLeft: config.SMS_MAX_ATTEMPTS - tries });
    }
    if (!(await hot.set(`mail:used:${rec.id}`, '1', { nx: true, ttlMs: keepMs }))) {
      throw badRequest('EMAIL_CODE_INVALID', 'This code has already been used, request a new one', { field: 'code' });
    }
  }

  private codeKey(scope: string, purpose: EmailPurpose, email: string) {
    return `mail:code:${scope}:${purpose}:${email}`;
  }

  /** Keyed hash: a copy of the hot store does not reveal codes. */
  private hash(scope: string, purpose: EmailPurpose, email: string, code: string) {
    return hmac(this.p.config.SESSION_SECRET, `mail:${scope}:${purpose}:${email}:${code}`);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
