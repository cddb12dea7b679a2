import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OperatorAuditQuery, OperatorShopListQuery, OperatorSignInBody, ShopStatusChangeBody } from '@siyu/contracts';
import type { Config } from '../config.js';
import { forbidden, unauthorized } from '../errors.js';
import { safeEqual } from '../auth/tokens.js';
import { isHttps } from '../http/security.js';
import type { OperatorActor, OperatorService } from './service.js';
import type { OperatorShops } from './shops.js';

export const OPERATOR_SESSION_COOKIE = 'siyu_op_session';
export const OPERATOR_CSRF_COOKIE = 'siyu_op_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    operator?: OperatorActor;
  }
}

export function operatorOf(req: FastifyRequest): OperatorActor {
  if (!req.operator) throw unauthorized();
  return req.operator;
}

/**
 * Guards /api/platform/*: only the platform operator's session cookie opens it (a shop's staff session
 * or API key is not one), and writes carry the operator's CSRF token. Sign-in is the one public route.
 */
export function installOperatorAuth(app: FastifyInstance, operators: OperatorService) {
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config.public) return;
    const token = req.cookies[OPERATOR_SESSION_COOKIE];
    if (!token) throw unauthorized();
    const actor = await operators.actorForSession(token);
    if (!actor) throw unauthorized('SESSION_EXPIRED', 'Session expired, sign in again');
    if (!SAFE.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, operators.csrfFor(token))) throw forbidden('CSRF_INVALID', 'Missing or wrong X-CSRF-Token header');
    }
    req.operator = actor;
  });
}

/** The platform operator's API. Mounted under /api/platform. */
export const operatorRoutes: FastifyPluginAsyncZod<{ operators: OperatorService; shops: OperatorShops; config: Config }> = async (app, { operators, shops, config }) => {
  const tags = ['platform'];
  const meta = (req: FastifyRequest) => ({ ip: req.ip, requestId: req.id });

  app.post('/auth/sign-in', {
    config: { public: true },
    schema: { tags, summary: 'Platform operator sign-in (sets the operator session cookie)', body: OperatorSignInBody },
  }, async (req, reply) => {
    const res = await operators.signIn({ ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
    const cookie = { sameSite: 'strict' as const, secure: isHttps(req, config), expires: res.expiresAt };
    reply.setCookie(OPERATOR_SESSION_COOKIE, res.token, { ...cookie, path: '/api/platform', httpOnly: true });
    reply.setCookie(OPERATOR_CSRF_COOKIE, res.csrfToken, { ...cookie, path: '/', httpOnly: false });
    return { operator: res.operator, csrfToken: res.csrfToken, expiresAt: res.expiresAt };
  });

  app.post('/auth/sign-out', { schema: { tags, summary: 'End the operator session' } }, async (req, reply) => {
    const token = req.cookies[OPERATOR_SESSION_COOKIE];
    if (token) await operators.signOut(token, meta(req));
    reply.clearCookie(OPERATOR_SESSION_COOKIE, { path: '/api/platform' }).clearCookie(OPERATOR_CSRF_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/auth/me', { schema: { tags, summary: 'The signed-in operator' } }, async (req) => ({ operator: operatorOf(req) }));

  app.get('/shops', { schema: { tags, summary: 'Every shop: name, address, owner, created, status, products and orders', querystring: OperatorShopListQuery } }, async (req) =>
    shops.list(req.query),
  );

  const ShopParams = z.object({ id: z.uuid() });

  app.get('/shops/:id', { schema: { tags, summary: 'One shop with its operator history', params: ShopParams } }, async (req) => shops.get(req.params.id));

  app.post('/shops/:id/suspend', {
    schema: { tags, summary: 'Suspend a shop with a reason: its storefront refuses every write (403 SHOP_SUSPENDED) at once', params: ShopParams, body: ShopStatusChangeBody },
  }, async (req) => shops.suspend(operatorOf(req), req.params.id, req.body, meta(req)));

  app.post('/shops/:id/resume', {
    schema: { tags, summary: 'Resume a suspended shop, with a reason', params: ShopParams, body: ShopStatusChangeBody.pick({ reason: true }) },
  }, async (req) => shops.resume(operatorOf(req), req.params.id, req.body, meta(req)));

  app.get('/audit-log', { schema: { tags, summary: 'Everything the operator did, newest first', querystring: OperatorAuditQuery } }, async (req) => ({
    items: await operators.auditLog(req.query),
  }));
};
