import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, Platform } from '../context.js';
import type { AuthService } from '../auth/service.js';
import { can, type Permission } from '../auth/rbac.js';
import { AppError, forbidden, unauthorized } from '../errors.js';
import { safeEqual } from '../auth/tokens.js';
import type { Db } from '../db/index.js';
import { runInTransactionScope, type TransactionScope } from '../db/transaction-scope.js';
import { completeAuditEntry, writeAuditEntry, type AuditEntry } from '../tenancy/audit.js';
import { MAX_DEPTH } from './input-rules.js';

export const SESSION_COOKIE = 'siyu_session';
export const CSRF_COOKIE = 'siyu_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const REDACT = /password|secret|token|key/i;

/**
 * What every /api/admin route declared, by `METHOD /url`, collected as routes register. Keyed by
 * Platform (one per app) so the permission test can compare the declarations with ROLE_PERMISSIONS.
 */
const declared = new WeakMap<Platform, Map<string, { permission?: Permission; public?: boolean }>>();

export function declaredPermissions(p: Platform): ReadonlyMap<string, { permission?: Permission; public?: boolean }> {
  return declared.get(p) ?? new Map();
}

/** The authenticated staff member or API key behind an admin request. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthorized();
  return req.actor;
}

/** Bodies kept in the audit log are cut at this size: the log records what was asked, not uploads. */
const MAX_RECORDED_BODY = 16_384;

/**
 * The request body as the audit log keeps it: secrets masked. Bodies are at most MAX_DEPTH deep
 * (input-rules.ts), so the walk cannot overflow; an oversized one is recorded by its size only.
 */
function redact(body: unknown, depth = 0): unknown {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return depth === 0 ? undefined : body;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (Array.isArray(body)) return body.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = REDACT.test(k) && typeof v === 'string' ? '***' : redact(v, depth + 1);
  return out;
}

function recordedBody(body: unknown): unknown {
  const masked = redact(body);
  if (masked === undefined) return undefined;
  const size = JSON.stringify(masked).length;
  return size > MAX_RECORDED_BODY ? { truncated: true, bytes: size } : masked;
}

/**
 * Writes the request's audit entry inside the first transaction that commits a change, so a change and
 * its entry exist together or not at all. A write that makes no transaction gets its entry when it
 * answers (see onSend).
 */
class AuditRecorder implements TransactionScope {
  entryId: number | null = null;
  private writing = false;

  constructor(readonly entry: () => AuditEntry) {}

  async beforeCommit(tx: Db): Promise<boolean> {
    if (this.entryId !== null || this.writing) return false;
    this.writing = true;
    try {
      this.entryId = await writeAuditEntry(tx, this.entry());
      return true;
    } finally {
      this.writing = false;
    }
  }

  rolledBack() {
    this.entryId = null;
  }
}

const recorders = new WeakMap<FastifyRequest, AuditRecorder>();

/**
 * Guards the /api/admin scope: resolves who is calling (cookie session or `Authorization: Bearer sk_…`),
 * checks the route's permission, checks CSRF for cookie sessions, and writes an audit entry for
 * every successful write.
 */
export function installAdminAuth(app: FastifyInstance, p: Platform, auth: AuthService) {
  const routes = new Map<string, { permission?: Permission; public?: boolean }>();
  declared.set(p, routes);
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { permission?: Permission; public?: boolean };
    for (const method of [route.method].flat()) routes.set(`${method} ${route.url}`, { permission: config.permission, public: config.public });
  });
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config.public) return;
    const header = req.headers.authorization;
    let actor: Actor | null = null;
    if (header?.startsWith('Bearer sk_')) {
      actor = await auth.actorForApiKey(header.slice(7));
      if (!actor) throw unauthorized('API_KEY_INVALID', 'API key is invalid or revoked');
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (!token) throw unauthorized();
      actor = await auth.actorForSession(token);
      if (!actor) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
      if (!SAFE.has(req.method)) {
        const sent = req.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !safeEqual(sent, auth.csrfFor(token))) {
          throw forbidden('CSRF_INVALID', 'Missing or wrong X-CSRF-Token header');
        }
      }
    }
    const permission = config.permission;
    if (!permission) throw new AppError(403, 'PERMISSION_UNDECLARED', 'This route declares no permission');
    if (!can(actor.role, permission)) throw forbidden('FORBIDDEN', `Role ${actor.role} lacks ${permission}`, { permission });
    req.actor = actor;
  });

  // Runs the handler inside the audit scope: every transaction it opens carries the entry (see AuditRecorder).
  app.addHook('preHandler', (req, _reply, done) => {
    if (SAFE.has(req.method) || !req.actor || req.routeOptions.config.noAudit) return done();
    const actor = req.actor;
    const recorder = new AuditRecorder(() => {
      const params = (req.params ?? {}) as Record<string, string>;
      return {
        shopId: actor.shopId,
        actor,
        action: `${req.method} ${req.routeOptions.url}`,
        entityId: params.id,
        request: { params, body: recordedBody(req.body) },
        ip: req.ip,
        requestId: req.id,
      };
    });
    recorders.set(req, recorder);
    runInTransactionScope(recorder, done);
  });

  // onSend, not onResponse: the outcome is recorded before the client hears "done".
  app.addHook('onSend', async (req, reply, payload) => {
    const recorder = recorders.get(req);
    if (!recorder) return payload;
    const outcome = { status: reply.statusCode, entity: req.audit?.entity, entityId: req.audit?.entityId, before: req.audit?.before, after: req.audit?.after };
    try {
      if (recorder.entryId !== null) await completeAuditEntry(p.db, recorder.entryId, outcome);
      else if (reply.statusCode < 400) {
        // Nothing was written in a transaction (a single-statement write, or a call to a vendor): the
        // change is done, so its entry is written now.
        await writeAuditEntry(p.db, { ...recorder.entry(), ...outcome, entityId: outcome.entityId ?? ((req.params ?? {}) as Record<string, string>).id });
        p.metrics.auditAfterChange.inc({ route: `${req.method} ${req.routeOptions.url}` });
      }
    } catch (err) {
      req.log.error({ err }, 'audit write failed');
    }
    // Whatever staff changed, data cached for the shop (settings, templates, rules, activities) is reread.
    if (reply.statusCode < 400) await p.shopCache.invalidate(recorder.entry().shopId).catch((err) => req.log.error({ err }, 'shop cache invalidation failed'));
    return payload;
  });
}
