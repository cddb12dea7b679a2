import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Actor, Platform } from '../context.js';
import { AppError, conflict, forbidden, notFound, tooMany, unauthorized } from '../errors.js';
import { apiKeys, shops, staff, staffSessions, staffSignInAttempts } from '../tenancy/schema.js';
import { rows, type Db } from '../db/index.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Role } from './rbac.js';
import { hmac, newToken, sha256 } from './tokens.js';

export type StaffView = {
  id: string;
  login: string;
  displayName: string;
  phone: string | null;
  role: Role;
  status: string;
  lastLoginAt: Date | null;
  createdAt: Date;
};

const view = (s: typeof staff.$inferSelect): StaffView => ({
  id: s.id,
  login: s.login,
  displayName: s.displayName,
  phone: s.phone,
  role: s.role as Role,
  status: s.status,
  lastLoginAt: s.lastLoginAt,
  createdAt: s.createdAt,
});

/** Logins are matched exactly, but "Owner@Demo" and "owner@demo" are one target for counting guesses. */
const attemptLogin = (login: string) => login.trim().toLowerCase();

// A dummy hash so an unknown login costs as much time as a wrong password (no user enumeration by timing).
let dummyHash: Promise<string> | null = null;

/** Staff accounts, console sessions and integrators' API keys. */
export class AuthService {
  constructor(private p: Platform) {}

  /** Signs a staff member in. Repeated failures lock the account for a while. */
  async signIn(input: { login: string; password: string; ip?: string; userAgent?: string }) {
    const { config, hot } = this.p;
    const ipLimit = await hot.rateLimit(`signin:ip:${input.ip ?? 'unknown'}`, config.SIGNIN_RATE_PER_MINUTE, 60_000);
    const loginLimit = await hot.rateLimit(`signin:login:${input.login.toLowerCase()}`, config.SIGNIN_RATE_PER_MINUTE, 60_000);
    if (!ipLimit.allowed || !loginLimit.allowed) {
      throw tooMany('RATE_LIMITED', 'Too many sign-in attempts, try again later', {
        retryAfterSeconds: Math.ceil(Math.max(ipLimit.resetMs, loginLimit.resetMs) / 1000),
      });
    }
    const attempt = await this.countAttempt(input.login, input.ip);
    const lockedUntil = () => new Date(attempt.lastAt.getTime() + config.LOGIN_LOCK_MINUTES * 60_000);
    if (attempt.attempts > config.LOGIN_MAX_FAILURES) {
      throw new AppError(423, 'ACCOUNT_LOCKED', 'Too many failed sign-ins; the account is locked for a while', { lockedUntil: lockedUntil().toISOString() });
    }
    const [row] = await this.p.db.select().from(staff).where(eq(staff.login, input.login));
    if (!row) {
      dummyHash ??= hashPassword('not-a-real-password');
      await verifyPassword(await dummyHash, input.password);
      throw unauthorized('INVALID_CREDENTIALS', 'Wrong login or password');
    }
    const now = this.p.now();
    if (row.status !== 'active') throw forbidden('ACCOUNT_DISABLED', 'This account is disabled');
    if (!(await verifyPassword(row.passwordHash, input.password))) {
      if (attempt.attempts >= config.LOGIN_MAX_FAILURES) {
        throw new AppError(423, 'ACCOUNT_LOCKED', 'Too many failed sign-ins; the account is locked for a while', { lockedUntil: lockedUntil().toISOString() });
      }
      throw unauthorized('INVALID_CREDENTIALS', 'Wrong login or password');
    }
    const token = newToken();
    const expiresAt = new Date(now.getTime() + config.SESSION_TTL_HOURS * 3600_000);
    await this.p.database.transaction(async (tx) => {
      await tx.update(staff).set({ lastLoginAt: now }).where(eq(staff.id, row.id));
      await tx.delete(staffSignInAttempts).where(and(eq(staffSignInAttempts.login, attemptLogin(input.login)), eq(staffSignInAttempts.ip, input.ip ?? 'unknown')));
      await tx.insert(staffSessions).values({
        tokenHash: sha256(token),
        staffId: row.id,
        shopId: row.shopId,
        expiresAt,
        ip: input.ip,
        userAgent: input.userAgent?.slice(0, 300),
      });
    });
    return { token, csrfToken: this.csrfFor(token), expiresAt, staff: view(row), shopId: row.shopId };
  }

  /**
   * Counts a sign-in attempt for (login, client address) before the password is checked: one atomic
   * upsert, so 30 parallel guesses get attempts 1…30 and only the first LOGIN_MAX_FAILURES are checked.
   * A quiet period of LOGIN_LOCK_MINUTES starts the count again; a successful sign-in clears it.
   */
  private async countAttempt(login: string, ip = 'unknown') {
    const lockMinutes = this.p.config.LOGIN_LOCK_MINUTES;
    const [r] = await rows<{ attempts: number; last_at: Date | string }>(
      this.p.db,
      sql`INSERT INTO staff_sign_in_attempts AS a (login, ip, attempts, last_at) VALUES (${attemptLogin(login)}, ${ip}, 1, now())
          ON CONFLICT (login, ip) DO UPDATE SET
            attempts = CASE WHEN a.last_at < now() - make_interval(mins => ${lockMinutes}) THEN 1 ELSE a.attempts + 1 END,
            last_at = now()
          RETURNING attempts, last_at`,
    );
    return { attempts: r.attempts, lastAt: new Date(r.last_at) };
  }

  /** Forgets the failed attempts against a login from every address (after a password reset). */
  async clearSignInAttempts(login: string, db: Db = this.p.db) {
    await db.delete(staffSignInAttempts).where(eq(staffSignInAttempts.login, attemptLogin(login)));
  }

  /** A console session for a staff member who proved who they are another way (merchant sign-up). */
  async openSession(input: { staffId: string; shopId: string; ip?: string; userAgent?: string }, db: Db = this.p.db) {
    const token = newToken();
    const expiresAt = new Date(this.p.now().getTime() + this.p.config.SESSION_TTL_HOURS * 3600_000);
    await db.insert(staffSessions).values({ tokenHash: sha256(token), staffId: input.staffId, shopId: input.shopId, expiresAt, ip: input.ip, userAgent: input.userAgent?.slice(0, 300) });
    return { token, csrfToken: this.csrfFor(token), expiresAt };
  }

  /** The CSRF token is derived from the session, so it needs no storage and dies with the session. */
  csrfFor(sessionToken: string) {
    return hmac(this.p.config.SESSION_SECRET, `csrf:${sha256(sessionToken)}`);
  }

  async signOut(sessionToken: string) {
    await this.p.db.delete(staffSessions).where(eq(staffSessions.tokenHash, sha256(sessionToken)));
  }

  async actorForSession(sessionToken: string): Promise<Actor | null> {
    const [row] = await this.p.db
      .select({ staff, expiresAt: staffSessions.expiresAt })
      .from(staffSessions)
      .innerJoin(staff, eq(staff.id, staffSessions.staffId))
      .where(and(eq(staffSessions.tokenHash, sha256(sessionToken)), gt(staffSessions.expiresAt, this.p.now())));
    if (!row || row.staff.status !== 'active') return null;
    return { shopId: row.staff.shopId, type: 'staff', id: row.staff.id, name: row.staff.displayName, role: row.staff.role as Role };
  }

  async actorForApiKey(key: string): Promise<Actor | null> {
    const [row] = await this.p.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
    if (!row) return null;
    // Last-used is informative only; do not make every API call wait on it.
    void this.p.db.update(apiKeys).set({ lastUsedAt: this.p.now() }).where(eq(apiKeys.id, row.id)).catch(() => undefined);
    return { shopId: row.shopId, type: 'api_key', id: row.id, name: row.name, role: row.role as Role };
  }

  async me(actor: Actor) {
    const [shop] = await this.p.db.select({ id: shops.id, slug: shops.slug, name: shops.name, logoUrl: shops.logoUrl }).from(shops).where(eq(shops.id, actor.shopId));
    if (actor.type !== 'staff') return { actor, shop, staff: null };
    const [row] = await this.p.db.select().from(staff).where(eq(staff.id, actor.id));
    return { actor, shop, staff: row ? view(row) : null };
  }

  async listStaff(shopId: string) {
    const list = await this.p.db.select().from(staff).where(eq(staff.shopId, shopId)).orderBy(staff.createdAt);
    return list.map(view);
  }

  async createStaff(actor: Actor, input: { login: string; password: string; displayName: string; phone?: string; role: Role }) {
    this.guardOwnerRole(actor, input.role);
    const passwordHash = await hashPassword(input.password);
    return this.p.database.transaction(async (tx) => {
      const [taken] = await tx.select({ id: staff.id }).from(staff).where(eq(staff.login, input.login));
      if (taken) throw conflict('LOGIN_TAKEN', 'This login is already used', { field: 'login' });
      const [row] = await tx
        .insert(staff)
        .values({ shopId: actor.shopId, login: input.login, displayName: input.displayName, phone: input.phone, passwordHash, role: input.role })
        .returning();
      return view(row);
    });
  }

  async updateStaff(actor: Actor, id: string, patch: { displayName?: string; phone?: string | null; role?: Role; status?: 'active' | 'disabled'; password?: string }) {
    if (patch.role) this.guardOwnerRole(actor, patch.role);
    const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
    return this.p.database.transaction(async (tx) => {
      const [before] = await tx.select().from(staff).where(and(eq(staff.id, id), eq(staff.shopId, actor.shopId)));
      if (!before) throw notFound('Staff member', { field: 'id' });
      if (before.role === 'owner' && actor.role !== 'owner') throw forbidden('OWNER_PROTECTED', 'Only the owner can change the owner account');
      if (before.role === 'owner' && (patch.role && patch.role !== 'owner' || patch.status === 'disabled')) {
        const [others] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(staff)
          .where(and(eq(staff.shopId, actor.shopId), eq(staff.role, 'owner'), eq(staff.status, 'active'), ne(staff.id, id)));
        if (others.n === 0) throw conflict('LAST_OWNER', 'A shop needs at least one active owner', { field: 'role' });
      }
      const [after] = await tx
        .update(staff)
        .set({
          displayName: patch.displayName ?? before.displayName,
          phone: patch.phone === undefined ? before.phone : patch.phone,
          role: patch.role ?? before.role,
          status: patch.status ?? before.status,
          passwordHash: passwordHash ?? before.passwordHash,
          updatedAt: new Date(),
        })
        .where(eq(staff.id, id))
        .returning();
      // A disabled account or a changed password ends every open session.
      if (patch.status === 'disabled' || passwordHash) await tx.delete(staffSessions).where(eq(staffSessions.staffId, id));
      return { before: view(before), after: view(after) };
    });
  }

  private guardOwnerRole(actor: Actor, role: Role) {
    if (role === 'owner' && actor.role !== 'owner') throw forbidden('OWNER_PROTECTED', 'Only an owner can grant the owner role', { field: 'role' });
  }

  async createApiKey(actor: Actor, input: { name: string; role: Role }) {
    this.guardOwnerRole(actor, input.role);
    const secret = `sk_${newToken(24)}`;
    const [row] = await this.p.database.transaction((tx) =>
      tx
        .insert(apiKeys)
        .values({ shopId: actor.shopId, name: input.name, role: input.role, prefix: secret.slice(0, 10), keyHash: sha256(secret), createdBy: actor.type === 'staff' ? actor.id : null })
        .returning(),
    );
    // The secret is shown once and never stored.
    return { id: row.id, name: row.name, role: row.role, prefix: row.prefix, createdAt: row.createdAt, key: secret };
  }

  async listApiKeys(shopId: string) {
    return this.p.db
      .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, prefix: apiKeys.prefix, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt, createdAt: apiKeys.createdAt })
      .from(apiKeys)
      .where(eq(apiKeys.shopId, shopId))
      .orderBy(apiKeys.createdAt);
  }

  async revokeApiKey(actor: Actor, id: string) {
    // Not found is thrown inside the transaction: it rolls back with the audit entry it would carry.
    return this.p.database.transaction(async (tx) => {
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: this.p.now() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.shopId, actor.shopId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      if (!row) throw notFound('API key', { field: 'id' });
      return row;
    });
  }
}
