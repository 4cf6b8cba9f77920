/** HTTP middleware: request ids, the one error boundary (MonetaError → `{ error: { code, message } }`), JSON 404s. */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MonetaError, NotFoundError, RateLimitedError, isMonetaError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { MonetaMetrics } from '../observability/metrics.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlates the client's error with the server log line. */
    requestId?: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Sets `req.requestId` (a well-formed incoming `x-request-id` or a new UUID) and echoes it in the response header. */
export function requestId(): RequestHandler {
  return function requestIdMiddleware(req, res, next) {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.requestId);
    next();
  };
}

/** Unknown routes → 404 JSON. */
export function notFound(): RequestHandler {
  return function notFoundMiddleware(req, _res, next) {
    next(new NotFoundError(`No such endpoint: ${req.method} ${req.path.length > 100 ? `${req.path.slice(0, 100)}…` : req.path}`));
  };
}

/**
 * Errors a client causes before any route runs, mapped to 4xx: body-parser's (they carry a `type` and an HTTP status),
 * a body whose Content-Encoding does not match its bytes (zlib errors), a path with malformed percent-encoding
 * (URIError from decodeURIComponent in the router or static files), and any other http-errors error with a 4xx status.
 */
function fromClientFault(error: unknown): MonetaError | undefined {
  const e = error as { type?: string; status?: number; statusCode?: number; limit?: number; code?: string; errno?: number } | null;
  if (!e || typeof e !== 'object') return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return new MonetaError('bad_request', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new MonetaError('payload_too_large', `The request body is too large (limit ${e.limit ?? '?'} bytes).`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new MonetaError('unsupported', 'Unsupported request body encoding; send UTF-8 JSON.');
    default:
      break;
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new MonetaError('bad_request', 'The request body does not match its Content-Encoding (it could not be decompressed).');
  }
  if (error instanceof URIError) return new MonetaError('bad_request', 'The request path has malformed percent-encoding.');
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new MonetaError('payload_too_large', 'The request body is too large.');
    if (status === 404) return new NotFoundError('Not found.');
    return new MonetaError('bad_request', 'The request could not be read.');
  }
  return undefined;
}

/** Options for `errorHandler`. */
export interface ErrorHandlerOptions {
  logger: Logger;
  metrics: MonetaMetrics;
}

/**
 * The HTTP error boundary: MonetaError → its status and `{ error: { code, message, details? } }`; anything else → 500
 * with a generic message and the request id, logged with the stack server-side only. Never a stack trace to clients.
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  return function errorMiddleware(error, req, res, next) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = isMonetaError(error) && error.code !== 'internal' ? error : fromClientFault(error);
    if (known) {
      options.metrics.errorsTotal.inc({ code: known.code });
      if (known.httpStatus >= 500) options.logger.error({ err: known, requestId: req.requestId }, 'request failed');
      if (known instanceof RateLimitedError && known.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(known.retryAfterSeconds));
      res.status(known.httpStatus).json(known.toJSON());
      return;
    }
    options.metrics.errorsTotal.inc({ code: 'internal' });
    options.logger.error({ err: error, requestId: req.requestId, method: req.method, route: req.route?.path }, 'unexpected error');
    res.status(500).json({ error: { code: 'internal', message: `Internal error (request id ${req.requestId ?? 'unknown'}).` } });
  };
}
