/**
 * One error shape for the whole API: `{ error: { code, message, details } }`.
 * Codes are stable and machine-readable; messages are for people.
 */
export interface ErrorDetails {
  field?: string;
  [k: string]: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: ErrorDetails;

  constructor(status: number, code: string, message: string, details?: ErrorDetails) {
    // An AppError is an answer, not a bug: nobody reads its stack, and capturing one costs more than the
    // rest of a refused request (a flash-sale rush answers tens of thousands of 409s). 5xx keep theirs.
    const limit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (code: string, message: string, details?: ErrorDetails) => new AppError(400, code, message, details);
export const unauthorized = (code = 'UNAUTHENTICATED', message = 'Sign-in required') => new AppError(401, code, message);
export const forbidden = (code = 'FORBIDDEN', message = 'You do not have permission for this action', details?: ErrorDetails) =>
  new AppError(403, code, message, details);
export const notFound = (what: string, details?: ErrorDetails) => new AppError(404, 'NOT_FOUND', `${what} not found`, details);
export const conflict = (code: string, message: string, details?: ErrorDetails) => new AppError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: ErrorDetails) => new AppError(422, code, message, details);
export const tooMany = (code: string, message: string, details?: ErrorDetails) => new AppError(429, code, message, details);
