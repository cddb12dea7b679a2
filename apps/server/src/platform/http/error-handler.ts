import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { localize } from './i18n.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(req: FastifyRequest, code: string, english: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message: localize(code, english, req.headers['accept-language']), ...(details ? { details } : {}) } };
}

interface ValidationFailure {
  validation: { instancePath: string; message?: string; keyword: string }[];
  validationContext?: string;
}

/** A route schema refused the input (zod, or a platform input rule: see input-rules.ts). */
function isValidationError(err: unknown): err is ValidationFailure {
  const v = (err as { validation?: unknown }).validation;
  return Array.isArray(v) && v.length > 0 && typeof v[0]?.instancePath === 'string';
}

/**
 * PostgreSQL refusing a value (bad text for a type, out of range, NUL, too long): input the rules did not
 * catch. It is the client's input, so a 400, never a 500; logged, because a rule should have caught it.
 */
const DATA_ERRORS: Record<string, { code: string; english: string }> = {
  '22P02': { code: 'INVALID_VALUE', english: 'A value has the wrong format' },
  '22007': { code: 'INVALID_VALUE', english: 'A date or time has the wrong format' },
  '22008': { code: 'VALUE_OUT_OF_RANGE', english: 'A date or time is out of range' },
  '22003': { code: 'VALUE_OUT_OF_RANGE', english: 'A number is out of range' },
  '22001': { code: 'VALUE_TOO_LONG', english: 'A value is too long' },
  '54000': { code: 'VALUE_TOO_LONG', english: 'A value is too long' },
  '22021': { code: 'INVALID_CHARACTER', english: 'A value contains a character that cannot be stored' },
  '22P05': { code: 'INVALID_CHARACTER', english: 'A value contains a character that cannot be stored' },
};

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : undefined;
  return code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Maps every thrown thing to the one error shape; 5xx never carries internals to the client. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.status === 429 && typeof err.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(err.details.retryAfterSeconds));
      return reply.status(err.status).send(errorBody(req, err.code, err.message, err.details));
    }
    if (isValidationError(err)) {
      const where = err.validationContext ?? 'body';
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
    const data = DATA_ERRORS[sqlState(err) ?? ''];
    if (data) {
      req.log.warn({ err }, 'input refused by the database');
      return reply.status(400).send(errorBody(req, data.code, data.english, { field: 'body' }));
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
