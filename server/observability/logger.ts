/** Structured logging (pino) that never writes personal data in clear: message text is redacted, ids are salted hashes. */
import { createHash, randomBytes } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** The pino logger type, re-exported so callers need not import pino. */
export type { Logger } from 'pino';

/** Log keys whose values are personal data: they are replaced by a short salted hash (ids) or removed (text). */
const HASHED_KEYS = ['sessionId', 'session_id', 'sender', 'recipient_id', 'ip'] as const;
const REMOVED_KEYS = ['text', 'message', 'userText', 'transcript', 'answer'] as const;

/** Redaction paths at the top level and one level down (pino's redact paths are explicit, `*` is one level). */
const redactPaths = [...HASHED_KEYS, ...REMOVED_KEYS].flatMap((k) => [k, `*.${k}`]);

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
      serializers: { err: pino.stdSerializers.err },
  };
  const logger = options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
  return { logger, hash };
}

/** A logger that discards everything (tests and the bench). */
export function createSilentLogger(): MonetaLogger {
  return createLogger({ level: 'silent', hashSalt: 'silent' });
}
