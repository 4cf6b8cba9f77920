/**
 * The ownership stage (CONTRACTS §8): the one place that decides who owns a conversation. Every channel and route
 * turns its credential into a `Caller` here and asks `open` (socket), `openRest` (REST webhook) or `authorize`
 * (history, erase) before touching a session. Stores only ever see owner strings, which are hashes, never credentials.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { JWT_SHAPE, type CustomerIdentity, type CustomerTokenVerifier } from '../auth/customer-token.ts';
import { UnauthorizedError } from '../errors.ts';
import { isIssuedSessionId, newSessionId } from './session-id.ts';
import type { SessionOwner, SessionStore } from './types.ts';

/** Who is asking, established from the credential a channel received (before any session is looked at). */
export type Caller =
  /** A customer the bank signed in (verified JWT). */
  | { kind: 'customer'; identity: CustomerIdentity }
  /** A REST back end: it presented the REST API key, or no key is configured (open demo mode). */
  | { kind: 'rest' }
  /** A browser without a customer token; what it can reach is decided by the session secret it holds. */
  | { kind: 'anonymous' };

/**
 * What a client holds for a conversation: the public session id and, for anonymous conversations, the per-session
 * secret. On the wire it is one string, `<id>.<secret>` (anonymous) or `<id>` (customer): the `session_id` of the
 * Rasa protocol, so rasa-webchat stores and re-sends it unchanged.
 */
export interface SessionReference {
  id: string;
  secret?: string;
}

/** A session the caller may use: its public id, what the client must keep, and the owner it is bound to. */
export interface OpenedSession {
  sessionId: string;
  /** The string for `session_confirm` (and every later `session_id`). */
  reference: string;
  owner: SessionOwner;
  /** True when the requested conversation was resumed; false when a new one was issued. */
  resumed: boolean;
}

/** The owner recorded for conversations created over the REST webhook. */
export const REST_OWNER: SessionOwner = 'rest';

/** 32 random bytes, base64url: 256 bits, so the secret cannot be guessed and a plain SHA-256 of it is safe to store. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Parses a client-held reference (`<uuid>.<secret>` or `<uuid>`); `undefined` for anything else. */
export function parseSessionReference(value: unknown): SessionReference | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined;
  const dot = value.indexOf('.');
  const id = dot === -1 ? value : value.slice(0, dot);
  if (!isIssuedSessionId(id)) return undefined;
  if (dot === -1) return { id };
  const secret = value.slice(dot + 1);
  return SECRET.test(secret) ? { id, secret } : undefined;
}

/** Options for the `SessionOwnership` constructor. */
export interface SessionOwnershipOptions {
  store: SessionStore;
  /** Verifies customer tokens; absent = anonymous mode only (a token is refused). */
  customerTokens?: CustomerTokenVerifier | undefined;
  /** When set, REST callers must present it (`Authorization: Bearer <key>`). */
  restApiKey?: string | undefined;
  now?: () => number;
}

/** Decides who may open, resume, read, write or erase each conversation. */
export class SessionOwnership {
  private readonly now: () => number;

  constructor(private readonly options: SessionOwnershipOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when the REST webhook needs a key (otherwise it runs in open demo mode). */
  get restKeyRequired(): boolean {
    return this.options.restApiKey !== undefined;
  }

  /** True when customer tokens are configured. */
  get customerTokensEnabled(): boolean {
    return this.options.customerTokens !== undefined;
  }

  /** The caller for a customer token (socket handshake `auth.token`); throws `UnauthorizedError` if it is not valid. */
  async customer(token: string): Promise<Caller> {
    const verifier = this.options.customerTokens;
    if (!verifier) throw new UnauthorizedError('Customer sign-in is not configured on this server.');
    return { kind: 'customer', identity: await verifier.verify(token) };
  }

  /**
   * The caller (and the session reference, if one was presented) for an HTTP `Authorization` header:
   * `Bearer <id>.<secret>` (an anonymous session's reference), `Bearer <JWT>` (a customer) or `Bearer <REST key>`.
   * No header is an anonymous caller — or REST in open demo mode, where REST conversations answer to their name
   * alone (CONTRACTS §2). A credential that is present but wrong is refused (401), never silently downgraded.
   */
  async fromAuthorization(header: string | undefined): Promise<{ caller: Caller; reference?: SessionReference }> {
    if (header === undefined || header.trim() === '') return { caller: this.restKeyRequired ? { kind: 'anonymous' } : { kind: 'rest' } };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError('Send the credential as "Authorization: Bearer <credential>".');
    const credential = match[1]!;
    const reference = parseSessionReference(credential);
    if (reference?.secret) return { caller: { kind: 'anonymous' }, reference };
    if (JWT_SHAPE.test(credential)) return { caller: await this.customer(credential) };
    const key = this.options.restApiKey;
    if (key !== undefined && equalSecrets(credential, key)) return { caller: { kind: 'rest' } };
    throw new UnauthorizedError('The credential is not valid.');
  }

  /**
   * Socket `session_request` (and a first `user_uttered`): resumes the requested conversation only if this caller owns
   * it; anything else — unknown, never issued, someone else's, malformed, none — gets a new conversation, created now
   * so that only ids the server issued ever exist.
   */
  async open(requested: unknown, caller: Caller): Promise<OpenedSession> {
    const reference = parseSessionReference(requested);
    if (reference) {
      const expected = ownerOf(caller, reference);
      if (sameOwner(await this.options.store.getOwner(reference.id), expected)) {
        return { sessionId: reference.id, reference: requested as string, owner: expected!, resumed: true };
      }
    }
    return this.issue(caller);
  }

  /**
   * REST webhook: the owner to use for `sender`, or `undefined` (answer 404) when the conversation exists and belongs
   * to someone else — a socket conversation, another customer's. `created` tells whether the sender is new.
   */
  async openRest(sender: string, caller: Caller): Promise<{ owner: SessionOwner; created: boolean } | undefined> {
    const expected = ownerOf(caller, undefined);
    const stored = await this.options.store.getOwner(sender);
    if (stored === undefined && expected !== undefined && caller.kind !== 'anonymous') return { owner: expected, created: true };
    return sameOwner(stored, expected) ? { owner: expected!, created: false } : undefined;
  }

  /**
   * History and erase: the session's owner when `caller` (with the `reference` it presented) owns `sessionId`, else
   * `undefined` — the same answer for "not yours" as for "does not exist", after the same store lookup and comparison.
   */
  async authorize(sessionId: string, caller: Caller, reference?: SessionReference): Promise<SessionOwner | undefined> {
    const expected = ownerOf(caller, reference && reference.id === sessionId ? reference : undefined);
    const stored = await this.options.store.getOwner(sessionId);
    return sameOwner(stored, expected) ? expected : undefined;
  }

  private async issue(caller: Caller): Promise<OpenedSession> {
    const sessionId = newSessionId();
    if (caller.kind === 'customer') {
      const owner = customerOwner(caller.identity);
      await this.options.store.create(sessionId, this.now(), owner);
      return { sessionId, reference: sessionId, owner, resumed: false };
    }
    const secret = randomBytes(32).toString('base64url');
    const owner = anonymousOwner(secret);
    await this.options.store.create(sessionId, this.now(), owner);
    return { sessionId, reference: `${sessionId}.${secret}`, owner, resumed: false };
  }
}

/** `sub:` + SHA-256 of issuer and subject: the store never holds the bank's customer id in clear. */
function customerOwner(identity: CustomerIdentity): SessionOwner {
  return `sub:${createHash('sha256').update(identity.issuer).update('\n').update(identity.subject).digest('base64url')}`;
}

/** `anon:` + SHA-256 of the session secret (only the hash is stored; the client keeps the secret). */
function anonymousOwner(secret: string): SessionOwner {
  return `anon:${sha256(secret).toString('base64url')}`;
}

/** The owner string a caller proves, or `undefined` when it proves none (an anonymous caller without a secret). */
function ownerOf(caller: Caller, reference: SessionReference | undefined): SessionOwner | undefined {
  switch (caller.kind) {
    case 'customer':
      return customerOwner(caller.identity);
    case 'rest':
      return REST_OWNER;
    case 'anonymous':
      return reference?.secret ? anonymousOwner(reference.secret) : undefined;
  }
}

/**
 * Constant-time owner comparison over fixed-length digests, run even when one side is missing, so "no such session"
 * and "someone else's" take the same path.
 */
function sameOwner(stored: SessionOwner | null | undefined, expected: SessionOwner | undefined): boolean {
  const equal = timingSafeEqual(sha256(stored ?? ''), sha256(expected ?? ''));
  return equal && typeof stored === 'string' && expected !== undefined;
}

/** Constant-time comparison of two secrets of any length. */
function equalSecrets(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
