import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { CdpService } from './service.js';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES, parseRequest, type CallType } from './segment.js';

/** Segment's auth: HTTP basic with the write key as user name; a beacon (no headers) puts it in the body. */
function writeKeyOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    return at === -1 ? decoded : decoded.slice(0, at);
  }
  const body = req.body as { writeKey?: unknown } | undefined;
  return typeof body?.writeKey === 'string' ? body.writeKey : undefined;
}

/**
 * The Segment HTTP tracking API under /v1. Its own JSON parsing: the platform's parser refuses a whole
 * body for one bad string, while here a bad event is refused alone and the rest of its batch is kept.
 * `text/plain` is JSON too (what navigator.sendBeacon can send without a CORS preflight).
 */
export async function ingestRoutes(app: FastifyInstance, d: { cdp: CdpService }) {
  app.removeAllContentTypeParsers();
  const parse = (_req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    try {
      done(null, JSON.parse(body));
    } catch {
      done(new AppError(400, 'INVALID_JSON', 'Request body is not valid JSON', { field: 'body' }));
    }
  };
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, parse);

  // Browsers on the shop's own pages send here, and so may an app's web view from another origin.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('access-control-allow-origin', req.headers.origin ?? '*');
    reply.header('access-control-allow-headers', 'authorization, content-type');
    reply.header('access-control-allow-methods', 'POST, OPTIONS');
    reply.header('vary', 'origin');
  });
  app.options('/*', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());

  for (const type of ['track', 'page', 'screen', 'identify', 'group', 'alias', 'batch', 'import'] as const) {
    const kind = type === 'import' ? 'batch' : type;
    app.post(`/${type}`, {
      bodyLimit: kind === 'batch' ? MAX_BATCH_BYTES : MAX_EVENT_BYTES,
      schema: { tags: ['tracking'], summary: kind === 'batch' ? 'Segment batch: up to 500 KB of calls, each at most 32 KB' : `Segment ${type} call`, hide: false },
    }, async (req, reply) => {
      const key = writeKeyOf(req);
      const owner = key ? await d.cdp.keys.resolve(key) : null;
      if (!owner) throw new AppError(401, 'INVALID_WRITE_KEY', 'A valid write key is required (HTTP basic auth user name)', { field: 'writeKey' });
      const { events, errors } = parseRequest(req.body, kind as CallType | 'batch', Date.now(), Number(req.headers['content-length'] ?? Infinity));
      if (kind !== 'batch' && errors.length) {
        const e = errors[0]!;
        throw new AppError(400, e.code, e.message, { field: e.field || 'body' });
      }
      const { accepted, duplicates } = await d.cdp.accept(owner.shopId, events);
      const body = { success: errors.length === 0, accepted, duplicates, errors };
      return reply.status(errors.length && events.length === 0 ? 400 : 200).send(body);
    });
  }
}
