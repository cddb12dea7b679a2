import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Platform } from '../context.js';
import type { Db } from '../db/index.js';
import { AppError, tooMany, unauthorized } from '../errors.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { hmac, newToken, sha256 } from '../auth/tokens.js';
import { operatorAuditLog, operatorSessions, platformOperators } from './schema.js';

/** Who is acting in the platform area. */
export interface OperatorActor {
  id: string;
  login: string;
  displayName: string;
}

/** Operator sessions are shorter than a shop's: this account can stop every shop. */
const SESSION_HOURS = 12;

let dummyHash: Promise<string> | null = null;

/**
 * The platform operator (平台运营): one account per deployment, outside every shop. It is made at first
 * start from OPERATOR_LOGIN / OPERATOR_PASSWORD, or with printed credentials on a first start with the
 * demo seed, and changed with the `operator` command. Sessions are cookie based like the console's,
 * with their own cookie and CSRF secret, so a shop's session is never an operator's.
 */
export class OperatorService {
  constructor(private p: Platform) {}

  async current() {
    const [row] = await this.p.db.select().from(platformOperators);
    return row ?? null;
  }

  /**
   * Sets the operator's login and password (creating the account when there is none). Every session of
   * the previous credentials ends. Idempotent: setting the same values again only ends the sessions.
   */
  async set(input: { login: string; password: string; displayName?: string }, by: { login: string; ip?: string } = { login: 'cli' }) {
    const passwordHash = await hashPassword(input.password);
    return this.p.database.transaction(async (tx) => {
      const [before] = await tx.select().from(platformOperators).for('update');
      const values = { login: input.login, displayName: input.displayName ?? before?.displayName ?? '平台运营', passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: this.p.now() };
      const [after] = before
        ? await tx.update(platformOperators).set(values).where(eq(platformOperators.id, before.id)).returning()
        : await tx.insert(platformOperators).values(values).returning();
      await tx.delete(operatorSessions).where(eq(operatorSessions.operatorId, after.id));
      await this.record(tx, { id: after.id, login: by.login }, { action: before ? 'operator.update' : 'operator.create', before: before ? { login: before.login } : null, after: { login: after.login }, ip: by.ip });
      return { id: after.id, login: after.login, created: !before };
    });
  }

  /**
   * At start: makes the operator from OPERATOR_LOGIN / OPERATOR_PASSWORD when there is none yet, or,
   * on a demo start without them, one with a random password to print. An existing operator is kept
   * (change it with the `operator` command). Two processes starting together make one (the unique
   * singleton column refuses the second).
   */
  async ensureAtStart(opts: { demo: boolean }): Promise<{ login: string; password?: string; created: boolean } | null> {
    const existing = await this.current();
    if (existing) {
      if (this.p.config.OPERATOR_LOGIN && this.p.config.OPERATOR_LOGIN !== existing.login) {
        this.p.log.warn({ login: existing.login }, 'OPERATOR_LOGIN is ignored: an operator exists; change it with the `operator` command');
      }
      return { login: existing.login, created: false };
    }
    const { OPERATOR_LOGIN: login, OPERATOR_PASSWORD: password } = this.p.config;
    const chosen = login && password ? { login, password } : opts.demo ? { login: 'operator', password: newToken(12) } : null;
    if (!chosen) return null;
    const passwordHash = await hashPassword(chosen.password);
    const made = await this.p.database.transaction(async (tx) => {
      const [row] = await tx
        .insert(platformOperators)
        .values({ login: chosen.login, displayName: '平台运营', passwordHash })
        .onConflictDoNothing({ target: platformOperators.singleton })
        .returning();
      if (row) await this.record(tx, { id: row.id, login: 'start-up' }, { action: 'operator.create', after: { login: row.login } });
      return row;
    });
    if (!made) {
      const winner = await this.current();
      return winner ? { login: winner.login, created: false } : null;
    }
    return { login: chosen.login, password: login && password ? undefined : chosen.password, created: true };
  }

  async signIn(input: { login: string; password: string; ip?: string; userAgent?: string }) {
    const { config, hot } = this.p;
    const limit = await hot.rateLimit(`opsignin:ip:${input.ip ?? 'unknown'}`, config.SIGNIN_RATE_PER_MINUTE, 60_000);
    if (!limit.allowed) throw tooMany('RATE_LIMITED', 'Too many sign-in attempts, try again later', { retryAfterSeconds: Math.ceil(limit.resetMs / 1000) });
    const row = await this.current();
    if (!row || row.login !== input.login) {
      dummyHash ??= hashPassword('not-a-real-password');
      await verifyPassword(await dummyHash, input.password);
      throw unauthorized('INVALID_CREDENTIALS', 'Wrong login or password');
    }
    const now = this.p.now();
    if (row.lockedUntil && row.lockedUntil > now) {
      throw new AppError(423, 'ACCOUNT_LOCKED', 'Too many failed sign-ins; the account is locked for a while', { lockedUntil: row.lockedUntil.toISOString() });
    }
    if (!(await verifyPassword(row.passwordHash, input.password))) {
      // One statement, so parallel guesses cannot slip past the limit.
      const [after] = await this.p.db
        .update(platformOperators)
        .set({
          failedLogins: sql`${platformOperators.failedLogins} + 1`,
          lockedUntil: sql`CASE WHEN ${platformOperators.failedLogins} + 1 >= ${config.LOGIN_MAX_FAILURES}
            THEN now() + make_interval(mins => ${config.LOGIN_LOCK_MINUTES}) ELSE ${platformOperators.lockedUntil} END`,
        })
        .where(eq(platformOperators.id, row.id))
        .returning({ failedLogins: platformOperators.failedLogins });
      if (after.failedLogins >= config.LOGIN_MAX_FAILURES) throw new AppError(423, 'ACCOUNT_LOCKED', 'Too many failed sign-ins; the account is locked for a while');
      throw unauthorized('INVALID_CREDENTIALS', 'Wrong login or password');
    }
    const token = newToken();
    const expiresAt = new Date(now.getTime() + Math.min(SESSION_HOURS, config.SESSION_TTL_HOURS) * 3600_000);
    await this.p.database.transaction(async (tx) => {
      await tx.update(platformOperators).set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now }).where(eq(platformOperators.id, row.id));
      await tx.insert(operatorSessions).values({ tokenHash: sha256(token), operatorId: row.id, expiresAt, ip: input.ip, userAgent: input.userAgent?.slice(0, 300) });
      await this.record(tx, row, { action: 'sign_in', ip: input.ip });
    });
    return { token, csrfToken: this.csrfFor(token), expiresAt, operator: { id: row.id, login: row.login, displayName: row.displayName } };
  }

  async signOut(token: string, meta: { ip?: string; requestId?: string } = {}) {
    const actor = await this.actorForSession(token);
    await this.p.database.transaction(async (tx) => {
      await tx.delete(operatorSessions).where(eq(operatorSessions.tokenHash, sha256(token)));
      if (actor) await this.record(tx, actor, { action: 'sign_out', ...meta });
    });
  }

  /** Derived from the session like the console's, under another label: neither token works for the other. */
  csrfFor(sessionToken: string) {
    return hmac(this.p.config.SESSION_SECRET, `operator-csrf:${sha256(sessionToken)}`);
  }

  async actorForSession(token: string): Promise<OperatorActor | null> {
    const [row] = await this.p.db
      .select({ id: platformOperators.id, login: platformOperators.login, displayName: platformOperators.displayName })
      .from(operatorSessions)
      .innerJoin(platformOperators, eq(platformOperators.id, operatorSessions.operatorId))
      .where(and(eq(operatorSessions.tokenHash, sha256(token)), gt(operatorSessions.expiresAt, this.p.now())));
    return row ?? null;
  }

  /** Writes one entry of the operator audit log, in the caller's transaction. */
  async record(
    db: Db,
    who: { id: string | null; login: string },
    entry: { action: string; shopId?: string; reason?: string; before?: unknown; after?: unknown; ip?: string; requestId?: string },
  ) {
    await db.insert(operatorAuditLog).values({
      operatorId: who.id,
      operatorLogin: who.login,
      action: entry.action,
      shopId: entry.shopId ?? null,
      reason: entry.reason ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
      ip: entry.ip ?? null,
      requestId: entry.requestId ?? null,
    });
  }

  async auditLog(q: { limit: number; beforeId?: number; shopId?: string }) {
    const conds = [q.beforeId ? lt(operatorAuditLog.id, q.beforeId) : undefined, q.shopId ? eq(operatorAuditLog.shopId, q.shopId) : undefined].filter((c) => !!c);
    return this.p.db.select().from(operatorAuditLog).where(and(...conds)).orderBy(desc(operatorAuditLog.id)).limit(q.limit);
  }
}
