import { and, eq, inArray, or } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PasswordResetBody, PasswordResetCodeBody } from '@siyu/contracts';
import type { Platform } from '../context.js';
import { AppError, badRequest, tooMany } from '../errors.js';
import type { SmsVerification } from '../sms/index.js';
import type { EmailVerification } from '../mail/index.js';
import type { TenancyService } from '../tenancy/service.js';
import { staff, staffSessions } from '../tenancy/schema.js';
import type { AuthService } from './service.js';
import { hashPassword } from './passwords.js';

/** Reset codes are not a shop's: they live under the platform scope, like merchant sign-up codes. */
const SCOPE = 'platform';
const PHONE = /^1[3-9]\d{9}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Account = typeof staff.$inferSelect;
/** Where the code of a set of accounts goes: the phone on record, else the e-mail address they sign in with. */
type Destination = { kind: 'sms'; phone: string } | { kind: 'email'; email: string };

/**
 * "Forgot password" for staff: a code to the phone on record (or, for an account that signs in with an
 * e-mail address and has no phone, to that address), then a new password. Every answer before the code
 * is right is the same whether or not the account exists, so the form reveals no logins or numbers.
 * A reset ends every session of the account and clears its sign-in lock-out.
 */
export class PasswordResetService {
  constructor(
    private p: Platform,
    private auth: AuthService,
    private tenancy: TenancyService,
    private sms: SmsVerification,
    private email: EmailVerification,
  ) {}

  async requestCode(input: { login: string; ip?: string }) {
    const { hot, config } = this.p;
    const ipLimit = await hot.rateLimit(`pwreset:ip:${input.ip ?? 'unknown'}`, config.SMS_IP_HOURLY_LIMIT, 3600_000);
    if (!ipLimit.allowed) {
      throw tooMany('RATE_LIMITED', 'Too many code requests from this network, try again later', { retryAfterSeconds: Math.ceil(ipLimit.resetMs / 1000) });
    }
    // Keyed by what was typed, existing or not: the limit itself must not tell accounts apart.
    const typed = input.login.trim().toLowerCase();
    if (!(await hot.set(`pwreset:resend:${typed}`, '1', { nx: true, ttlMs: config.SMS_RESEND_SECONDS * 1000 }))) {
      throw tooMany('SMS_TOO_FREQUENT', 'A code was sent recently; wait before requesting another', { field: 'login', retryAfterSeconds: config.SMS_RESEND_SECONDS });
    }
    const accounts = await this.accountsFor(input.login);
    const to = destinationOf(accounts);
    if (to) {
      // Sent after answering: waiting for the SMS gateway only when an account exists would tell by timing.
      // A refusal (the number's daily cap, the gateway down) is logged, never answered.
      void this.send(to, input.ip).catch((err: Error) => this.p.log.warn({ err: err.message, kind: to.kind }, 'password reset code not sent'));
    }
    return { ok: true, resendAfterSeconds: config.SMS_RESEND_SECONDS, expiresInSeconds: config.SMS_CODE_TTL_SECONDS };
  }

  /**
   * Checks the code against the destination of the typed login and sets the new password on every
   * account it names (a phone typed for several accounts resets each: the phone's owner is their owner).
   */
  async reset(input: { login: string; code: string; password: string }) {
    const accounts = await this.accountsFor(input.login);
    const to = destinationOf(accounts);
    // One answer for a wrong, expired or exhausted code and for no account at all: "expired" or
    // "attempts left" would only ever be said about accounts that exist.
    const refused = () => badRequest('RESET_CODE_INVALID', 'Wrong or expired verification code; request a new one if needed', { field: 'code' });
    if (!to) throw refused();
    try {
      if (to.kind === 'sms') await this.sms.verify(SCOPE, { phone: to.phone, purpose: 'password_reset', code: input.code });
      else await this.email.verify(SCOPE, { email: to.email, purpose: 'password_reset', code: input.code });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw refused();
      throw err;
    }
    const passwordHash = await hashPassword(input.password);
    const ids = accounts.map((a) => a.id);
    await this.p.database.transaction(async (tx) => {
      await tx.update(staff).set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: this.p.now() }).where(inArray(staff.id, ids));
      await tx.delete(staffSessions).where(inArray(staffSessions.staffId, ids));
      for (const a of accounts) {
        await this.auth.clearSignInAttempts(a.login, tx);
        await this.tenancy.record(
          { shopId: a.shopId, actor: { type: 'staff', id: a.id, name: a.displayName }, action: 'POST /api/admin/auth/password-reset', entity: 'staff', entityId: a.id, after: { passwordReset: true, by: to.kind } },
          tx,
        );
      }
    });
    this.p.log.info({ accounts: ids.length, by: to.kind }, 'staff password reset');
    return { ok: true, logins: accounts.map((a) => a.login) };
  }

  private send(to: Destination, ip?: string) {
    if (to.kind === 'sms') return this.sms.send(SCOPE, { phone: to.phone, purpose: 'password_reset', ip });
    return this.email.send(SCOPE, { email: to.email, purpose: 'password_reset', ip });
  }

  /** Active accounts a typed login names: the login itself, else (when it is a phone number) those with that phone. */
  private async accountsFor(typed: string): Promise<Account[]> {
    const login = typed.trim();
    const candidates = await this.p.db
      .select()
      .from(staff)
      .where(and(eq(staff.status, 'active'), PHONE.test(login) ? or(eq(staff.login, login), eq(staff.phone, login)) : or(eq(staff.login, login), eq(staff.login, login.toLowerCase()))));
    const byLogin = candidates.filter((a) => a.login === login || a.login === login.toLowerCase());
    return byLogin.length > 0 ? byLogin.slice(0, 1) : candidates;
  }
}

function destinationOf(accounts: Account[]): Destination | null {
  if (accounts.length === 0) return null;
  const phones = [...new Set(accounts.map((a) => a.phone).filter((x): x is string => !!x && PHONE.test(x)))];
  if (phones.length === 1) return { kind: 'sms', phone: phones[0] };
  if (phones.length === 0 && accounts.length === 1 && EMAIL.test(accounts[0].login)) return { kind: 'email', email: accounts[0].login.toLowerCase() };
  return null;
}

/** Mounted under /api/admin, public like sign-in. */
export const passwordResetRoutes: FastifyPluginAsyncZod<{ reset: PasswordResetService }> = async (app, { reset }) => {
  const tags = ['auth'];

  app.post('/auth/password-reset/code', {
    config: { public: true },
    schema: { tags, summary: 'Forgot password: send a code to the phone on record of a login or phone (the same answer whether or not the account exists)', body: PasswordResetCodeBody },
  }, async (req) => reset.requestCode({ login: req.body.login, ip: req.ip }));

  app.post('/auth/password-reset', {
    config: { public: true },
    schema: { tags, summary: 'Forgot password: set a new password with the code; ends every session of the account and clears its lock-out', body: PasswordResetBody },
  }, async (req) => reset.reset(req.body));
};
