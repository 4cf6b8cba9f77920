/** Session identifiers: the server issues random UUIDs; client-sent ids are accepted only when well-formed. */
import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** Rasa REST clients name conversations themselves (`sender`); we accept short opaque tokens of safe characters. */
const SENDER_TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** A new random session id (UUID v4, 122 random bits: cannot be guessed). */
export function newSessionId(): string {
  return randomUUID();
}

/** True for ids this server could have issued (UUIDs). The socket channel only resumes these. */
export function isIssuedSessionId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/**
 * True for a REST `sender`: a UUID or an opaque token (letters, digits, `_ . : @ -`, at most 128 characters), as Rasa
 * REST clients pick their own sender ids. Anything else (control characters, paths, huge strings) is rejected.
 */
export function isWellFormedSender(id: unknown): id is string {
  return typeof id === 'string' && (UUID.test(id) || SENDER_TOKEN.test(id));
}
