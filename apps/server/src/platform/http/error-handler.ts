import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { localize } from './i18n.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(req: FastifyRequest, code: string, english: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message: localize(code, english, req.headers['accept-language']), ...(details ? { details } : {}) } };
}

/** Maps every thrown thing to the one error shape; 5xx never carries internals to the client. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.status === 429 && typeof err.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(err.details.retryAfterSeconds));
      return reply.status(err.status).send(errorBody(req, err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as unknown as { validationContext?: string }).validationContext ?? 'body';
      const issues = err.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || where,
        message: v.message ?? 'invalid',
        code: v.keyword,
      }));
      return reply.status(400).send(errorBody(req, 'VALIDATION_FAILED', `Invalid ${where}: ${issues[0].field} ${issues[0].message}`, { field: issues[0].field, in: where, issues }));
    }
    const fe = err as FastifyError;
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(errorBody(req, 'INVALID_JSON', 'Request body is not valid JSON', { field: 'body' }));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
        return reply.status(413).send(errorBody(req, 'PAYLOAD_TOO_LARGE', 'Request body is too large', { field: 'body' }));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send(errorBody(req, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type', { field: 'content-type' }));
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return reply.status(415).send(errorBody(req, 'UNSUPPORTED_MEDIA_TYPE', 'Expected multipart/form-data', { field: 'content-type' }));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody(req, 'BAD_REQUEST', fe.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody(req, 'INTERNAL', 'Internal server error'));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody(req, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`));
  });
}
