import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import '../platform/http/types.js';
import type { Platform } from '../platform/context.js';
import { installErrorHandler } from '../platform/http/error-handler.js';
import { installHealth } from '../platform/http/health.js';
import { passwordResetRoutes } from '../platform/auth/password-reset.js';
import { installOperatorAuth, operatorRoutes } from '../platform/operator/routes.js';
import { installSecurityHeaders } from '../platform/http/security.js';
import { installInputRules } from '../platform/http/input-rules.js';
import { installAdminAuth } from '../platform/http/admin-auth.js';
import { authRoutes } from '../platform/auth/routes.js';
import { tenancyRoutes } from '../platform/tenancy/routes.js';
import type { Services } from './container.js';
import { registerModuleRoutes } from './routes.js';
import { serveApps } from './static.js';

export interface BuiltApp {
  app: FastifyInstance;
  /** Marks the app as shutting down (readyz turns 503) before close() drains requests. */
  state: { shuttingDown: boolean };
}

export async function buildApp(p: Platform, services: Services): Promise<BuiltApp> {
  const state = { shuttingDown: false };
  const app = Fastify({
    loggerInstance: p.log as FastifyBaseLogger,
    bodyLimit: p.config.MAX_BODY_BYTES,
    // Forwarded addresses are believed only from the proxies the operator named: otherwise anyone could
    // pick the address that rate limits, SMS limits and the audit log see.
    trustProxy: p.config.TRUST_PROXY.length > 0 ? p.config.TRUST_PROXY : false,
    logController: new LogController({ disableRequestLogging: !p.config.LOG_REQUESTS }),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installInputRules(app);

  installSecurityHeaders(app, p.config);
  await app.register(cookie, { secret: p.config.SESSION_SECRET });
  await app.register(multipart, { limits: { fileSize: p.config.UPLOAD_MAX_BYTES, files: 10, fields: 20 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Siyu API', version: '0.1.0', description: 'Siyu (私域) merchant, storefront and integration API. Errors: `{ error: { code, message, details } }`.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'siyu_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'Integrator API key `sk_…`' },
          customer: { type: 'http', scheme: 'bearer', description: 'Customer token from storefront sign-in' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installHealth(app, p, state);

  await app.register(async (admin) => {
    installAdminAuth(admin, p, services.auth);
    await admin.register(authRoutes, { auth: services.auth, config: p.config });
    await admin.register(tenancyRoutes, { tenancy: services.tenancy });
    await admin.register(passwordResetRoutes, { reset: services.passwordReset });
    await registerModuleRoutes.admin(admin, p, services);
  }, { prefix: '/api/admin' });

  // The platform operator's area: its own session and CSRF, never a shop's staff.
  await app.register(async (platform) => {
    installOperatorAuth(platform, services.operators);
    await platform.register(operatorRoutes, { operators: services.operators, shops: services.operatorShops, config: p.config });
  }, { prefix: '/api/platform' });

  await registerModuleRoutes.public(app, p, services);
  await serveApps(app);

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/admin/'));

  return { app, state };
}
