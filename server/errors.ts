/**
 * Moneta's one error tree. The HTTP boundary maps MonetaError to `{ error: { code, message } }`;
 * in chat a MonetaError becomes an apologetic reply. Anything else is a bug: logged with a request id, answered as 500.
 */

/** Every error code a client can see. Closed on purpose: adding one is a contract decision. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'model_not_ready'
  | 'config_invalid'
  | 'infeasible'
  | 'unsupported'
  | 'unavailable'
  | 'timeout'
  | 'overloaded'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  model_not_ready: 503,
  config_invalid: 500,
  infeasible: 422,
  unsupported: 400,
  unavailable: 503,
  /** A request over its time budget (the worker pool stopped it). */
  timeout: 503,
  /** Too much heavy work queued already. */
  overloaded: 503,
  internal: 500,
};

/** A field-level problem, e.g. `{ field: 'duration', message: 'must be between 4 and 72 months' }`. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface MonetaErrorOptions {
  cause?: unknown;
  details?: FieldIssue[];
}

/** Base class: a safe, user-presentable message plus a stable code. Wrap low-level failures with `cause`. */
export class MonetaError extends Error {
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message: string, options: MonetaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The JSON body every HTTP endpoint returns on error. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: FieldIssue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** Input that does not fit: names every bad field in `details` and in the message. */
export class ValidationError extends MonetaError {
  constructor(message: string, details?: FieldIssue[], options: { cause?: unknown } = {}) {
    const full = details?.length ? `${message}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}` : message;
    super('validation_failed', full, { ...options, ...(details ? { details } : {}) });
  }
}

export class BadRequestError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('bad_request', message, options);
  }
}

export class NotFoundError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('not_found', message, options);
  }
}

/** A credential is required and missing or invalid (REST key, customer token, metrics token). */
export class UnauthorizedError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('unauthorized', message, options);
  }
}

/** The request is refused whoever sends it this way (an origin not on the allow-list, /metrics from afar). */
export class ForbiddenError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('forbidden', message, options);
  }
}

/** The request lost a race with another (e.g. two agents accepting the same hand-off: the second is told who won). */
export class ConflictError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('conflict', message, options);
  }
}

export class PayloadTooLargeError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('payload_too_large', message, options);
  }
}

export class RateLimitedError extends MonetaError {
  /** Seconds until the client may try again; the HTTP boundary sends it as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message = 'Too many messages: please wait a moment and try again.', options: MonetaErrorOptions & { retryAfterSeconds?: number } = {}) {
    super('rate_limited', message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A model or index is missing or still loading; says what to fix. */
export class ModelNotReadyError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('model_not_ready', message, options);
  }
}

/** Configuration that cannot work; the message says which variable to fix and how. */
export class ConfigError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('config_invalid', message, options);
  }
}

/** An optimisation problem without a solution (target return above the maximum, bounds that cannot sum to 1…). */
export class InfeasibleError extends MonetaError {
  constructor(message: string, options: MonetaErrorOptions = {}) {
    super('infeasible', message, options);
  }
}

/**
 * A dependency (PostgreSQL, Redis) could not be reached or failed mid-turn. Nothing of the turn was stored; the user
 * is asked to send the message again.
 */
export class ServiceUnavailableError extends MonetaError {
  constructor(message = 'Sorry, I cannot reach my records right now. Please try again in a moment.', options: MonetaErrorOptions = {}) {
    super('unavailable', message, options);
  }
}

export const isMonetaError = (e: unknown): e is MonetaError => e instanceof MonetaError;
