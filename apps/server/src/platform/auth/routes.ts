import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from './service.js';
import { ROLES, ROLE_PERMISSIONS, PERMISSIONS } from './rbac.js';
import { actorOf, CSRF_COOKIE, SESSION_COOKIE } from '../http/admin-auth.js';
import { isHttps } from '../http/security.js';
import type { Config } from '../config.js';

const Role = z.enum(ROLES);
const Password = z.string().min(8, 'at least 8 characters').max(128);
const Login = z.string().trim().min(3).max(64).regex(/^[a-zA-Z0-9_.@+-]+$/, 'letters, digits and _ . @ + - only');

/** Sign-in, the signed-in account, staff and API keys. Mounted under /api/admin. */
export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; config: Config }> = async (app, { auth, config }) => {
  const tags = ['auth'];

  app.post('/auth/sign-in', {
    config: { public: true },
    schema: { tags, summary: 'Staff sign-in (sets a session cookie)', body: z.object({ login: z.string().min(1).max(64), password: z.string().min(1).max(128) }) },
  }, async (req, reply) => {
    const res = await auth.signIn({ ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
    const cookie = { path: '/', sameSite: 'lax' as const, secure: isHttps(req, config), expires: res.expiresAt };
    reply.setCookie(SESSION_COOKIE, res.token, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, res.csrfToken, { ...cookie, httpOnly: false });
    return { staff: res.staff, shopId: res.shopId, csrfToken: res.csrfToken, expiresAt: res.expiresAt };
  });

  app.post('/auth/sign-out', { config: { permission: 'self:read', noAudit: true }, schema: { tags, summary: 'End the session' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await auth.signOut(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/auth/me', { config: { permission: 'self:read' }, schema: { tags, summary: 'Who am I, my shop and my permissions' } }, async (req) => {
    const actor = actorOf(req);
    const me = await auth.me(actor);
    return { ...me, permissions: ROLE_PERMISSIONS[actor.role] };
  });

  app.get('/roles', { config: { permission: 'staff:read' }, schema: { tags, summary: 'Roles and their permissions' } }, async () => ({
    roles: ROLES.map((r) => ({ role: r, permissions: ROLE_PERMISSIONS[r] })),
    permissions: PERMISSIONS,
  }));

  app.get('/staff', { config: { permission: 'staff:read' }, schema: { tags, summary: 'List staff' } }, async (req) => ({
    items: await auth.listStaff(actorOf(req).shopId),
  }));

  app.post('/staff', {
    config: { permission: 'staff:manage' },
    schema: { tags, summary: 'Create a staff account', body: z.object({ login: Login, password: Password, displayName: z.string().trim().min(1).max(50), phone: z.string().regex(/^1\d{10}$/).optional(), role: Role }) },
  }, async (req, reply) => {
    const created = await auth.createStaff(actorOf(req), req.body);
    req.audit = { entity: 'staff', entityId: created.id, after: created };
    return reply.status(201).send(created);
  });

  app.patch('/staff/:id', {
    config: { permission: 'staff:manage' },
    schema: {
      tags,
      summary: 'Change a staff account (role, status, password)',
      params: z.object({ id: z.uuid() }),
      body: z.object({ displayName: z.string().trim().min(1).max(50).optional(), phone: z.string().regex(/^1\d{10}$/).nullable().optional(), role: Role.optional(), status: z.enum(['active', 'disabled']).optional(), password: Password.optional() }),
    },
  }, async (req) => {
    const { before, after } = await auth.updateStaff(actorOf(req), req.params.id, req.body);
    req.audit = { entity: 'staff', entityId: after.id, before, after };
    return after;
  });

  app.get('/api-keys', { config: { permission: 'apikeys:manage' }, schema: { tags, summary: 'List API keys' } }, async (req) => ({
    items: await auth.listApiKeys(actorOf(req).shopId),
  }));

  app.post('/api-keys', {
    config: { permission: 'apikeys:manage' },
    schema: { tags, summary: 'Create an API key (the secret is shown once)', body: z.object({ name: z.string().trim().min(1).max(50), role: Role }) },
  }, async (req, reply) => {
    const key = await auth.createApiKey(actorOf(req), req.body);
    req.audit = { entity: 'api_key', entityId: key.id, after: { name: key.name, role: key.role, prefix: key.prefix } };
    return reply.status(201).send(key);
  });

  app.delete('/api-keys/:id', {
    config: { permission: 'apikeys:manage' },
    schema: { tags, summary: 'Revoke an API key', params: z.object({ id: z.uuid() }) },
  }, async (req) => auth.revokeApiKey(actorOf(req), req.params.id));
};
