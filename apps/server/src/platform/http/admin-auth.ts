import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, Platform } from '../context.js';
import type { AuthService } from '../auth/service.js';
import type { TenancyService } from '../tenancy/service.js';
import { can, type Permission } from '../auth/rbac.js';
import { AppError, forbidden, unauthorized } from '../errors.js';
import { safeEqual } from '../auth/tokens.js';

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

function redact(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  return JSON.parse(JSON.stringify(body, (k, v) => (REDACT.test(k) && typeof v === 'string' ? '***' : v)));
}

/**
 * Guards the /api/admin scope: resolves who is calling (cookie session or `Authorization: Bearer sk_…`),
 * checks the route's permission, checks CSRF for cookie sessions, and writes an audit entry for
 * every successful write.
 */
export function installAdminAuth(app: FastifyInstance, p: Platform, auth: AuthService, tenancy: TenancyService) {
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

  // onSend, not onResponse: the entry is written before the client hears "done".
  app.addHook('onSend', async (req, reply, payload) => {
    if (SAFE.has(req.method) || !req.actor || req.routeOptions.config.noAudit || reply.statusCode >= 400) return payload;
    const params = (req.params ?? {}) as Record<string, string>;
    await tenancy
      .record({
        shopId: req.actor.shopId,
        actor: req.actor,
        action: `${req.method} ${req.routeOptions.url}`,
        entity: req.audit?.entity,
        entityId: req.audit?.entityId ?? params.id,
        before: req.audit?.before,
        after: req.audit?.after,
        request: { params, body: redact(req.body) },
        status: reply.statusCode,
        ip: req.ip,
        requestId: req.id,
      })
      .catch((err) => req.log.error({ err }, 'audit write failed'));
    return payload;
  });
}
