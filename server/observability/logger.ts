/** Structured logging (pino) that never writes personal data in clear: message text is redacted, ids are salted hashes. */
import { createHash, randomBytes } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { maskPersonalData } from '../session/pii-masking.ts';

/** The pino logger type, re-exported so callers need not import pino. */
export type { Logger } from 'pino';

/** Log keys whose values are personal data: they are replaced by a short salted hash (ids) or removed (text). */
const HASHED_KEYS = ['sessionId', 'session_id', 'sender', 'recipient_id', 'ip', 'url', 'originalUrl', 'reference'] as const;
const REMOVED_KEYS = ['text', 'message', 'userText', 'transcript', 'answer', 'authorization', 'cookie', 'token', 'secret'] as const;

/** Redaction paths at the top level and one level down (pino's redact paths are explicit, `*` is one level). */
const redactPaths = [...HASHED_KEYS, ...REMOVED_KEYS].flatMap((k) => [k, `*.${k}`]).concat(['*.headers.authorization', '*.headers.cookie']);

const SESSION_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\.[A-Za-z0-9_-]{43})?/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
/** Path segments that name a conversation or a sender (`/api/v1/sessions/<id>`, `/console/api/conversations/<id>`). */
const ID_IN_PATH = /(\/(?:sessions|conversations)\/)([^\s/?#"']+)/g;

/**
 * Keeps an error message readable while taking out what identifies someone: session ids and references, URLs and
 * ids in paths become `#<hash>`, tokens `[token]` (e.g. a router's "Failed to decode param '…'" or a fetch error naming
 * the URL it called). Personal data typed by a customer is masked as in storage.
 */
export function scrubLogText(text: string, hash: (value: string) => string): string {
  return maskPersonalData(
    text
      .replace(JWT, '[token]')
      .replace(URL_IN_TEXT, (url) => `#${hash(url)}`)
      .replace(SESSION_ID, (id) => `#${hash(id.split('.')[0]!)}`)
      .replace(ID_IN_PATH, (_m, prefix: string, id: string) => (id.startsWith('#') ? `${prefix}${id}` : `${prefix}#${hash(id)}`)),
  ).text;
}

/** Options for `createLogger`. */
export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  /** Salt for id hashes. Default: random per process, so hashes cannot be linked across restarts or deployments. */
  hashSalt?: string;
  /** Where to write (default stdout); tests pass a stream to inspect the output. */
  destination?: DestinationStream;
  /** Extra bindings on every line (e.g. `{ service: 'moneta' }`). */
  base?: Record<string, unknown>;
}

/** A logger plus the hash function it uses, so code can log `idHash` fields consistently. */
export interface MonetaLogger {
  logger: Logger;
  /** Short salted hash of a personal identifier (session id, IP): stable within one process, not reversible. */
  hash(value: string): string;
}

/** Hashes `value` with `salt` into a 12-hex-character tag (48 bits: enough to correlate log lines, useless to reverse). */
export function hashIdentifier(value: string, salt: string): string {
  return createHash('sha256').update(salt).update('\0').update(value).digest('hex').slice(0, 12);
}

/**
 * Creates the process logger. Redaction is a safety net: call sites log `sessionHash`, not ids or text, but if a
 * personal field slips into a log object it is hashed (ids) or replaced by `[redacted]` (free text).
 */
export function createLogger(options: CreateLoggerOptions = {}): MonetaLogger {
  const salt = options.hashSalt ?? randomBytes(16).toString('hex');
  const hash = (value: string): string => hashIdentifier(value, salt);
  const hashed = new Set<string>(HASHED_KEYS);
  const loggerOptions: LoggerOptions = {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'moneta' },
      redact: {
        paths: redactPaths,
        censor: (value, path) =>
          hashed.has(path.at(-1) ?? '') && typeof value === 'string' ? `#${hash(value)}` : '[redacted]',
      },
      serializers: {
        err: (error: Error) => {
          const serialized = pino.stdSerializers.err(error);
          if (!serialized || typeof serialized !== 'object') return serialized;
          for (const key of ['message', 'stack'] as const) {
            if (typeof serialized[key] === 'string') serialized[key] = scrubLogText(serialized[key], hash);
          }
          return serialized;
        },
      },
  };
  const logger = options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
  return { logger, hash };
}

/** A logger that discards everything (tests and the bench). */
export function createSilentLogger(): MonetaLogger {
  return createLogger({ level: 'silent', hashSalt: 'silent' });
}
