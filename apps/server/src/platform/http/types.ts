import type { Actor } from '../context.js';
import type { Permission } from '../auth/rbac.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    /** Set by a route to enrich its audit entry with the entity and before/after values. */
    audit?: { entity?: string; entityId?: string; before?: unknown; after?: unknown };
  }
  interface FastifyContextConfig {
    /** The permission an /api/admin route needs. Required on every admin route. */
    permission?: Permission;
    /** Admin routes that need no sign-in (sign-in itself). */
    public?: boolean;
    /** Skip the audit entry (reads that use POST, such as exports). */
    noAudit?: boolean;
  }
}

export {};
