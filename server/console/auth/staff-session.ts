/**
 * Staff sessions: a short-lived HS256 JWT (jose) in an httpOnly, SameSite=Strict cookie scoped to /console. Stateless,
 * so every process sharing `MONETA_CONSOLE_SESSION_SECRET` accepts it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignJWT, jwtVerify } from 'jose';
import { STAFF_ROLES, type StaffIdentity, type StaffRole } from './staff-users.ts';

/** The cookie's name. `__Host-` would require Secure and Path=/; ours is path-scoped to the console. */
export const STAFF_COOKIE = 'moneta_staff';

/** Options for `StaffSessions`. */
export interface StaffSessionsOptions {
  /** Signing key (≥ 32 characters); a random one per process when undefined. */
  secret?: string | undefined;
  /** Lifetime of a sign-in. */
  hours: number;
  /** Add `Secure` (the console is served over HTTPS). */
  secure: boolean;
}

/** Issues and checks staff session cookies. */
export class StaffSessions {
  /** The signing key (the OIDC flow cookie is signed with it too, under its own audience). */
  readonly key: Uint8Array;

  constructor(private readonly options: StaffSessionsOptions) {
    this.key = options.secret ? new TextEncoder().encode(options.secret) : randomBytes(32);
  }

  /** The `Set-Cookie` value that signs `identity` in. */
  async issue(identity: StaffIdentity, now = Date.now()): Promise<string> {
    const seconds = Math.round(this.options.hours * 3600);
    const token = await new SignJWT({ name: identity.name, roles: identity.roles, via: identity.via })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(identity.id)
      .setAudience('moneta-console')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + seconds)
      .sign(this.key);
    return this.cookie(token, seconds);
  }

  /** The `Set-Cookie` value that signs out. */
  clear(): string {
    return this.cookie('', 0);
  }

  /** The identity in a request's cookie, or undefined (missing, expired, forged). */
  async read(req: Pick<IncomingMessage, 'headers'>): Promise<StaffIdentity | undefined> {
    const token = readCookie(req.headers.cookie, STAFF_COOKIE);
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'moneta-console' });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is StaffRole => STAFF_ROLES.includes(r as StaffRole)) : [];
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string' || roles.length === 0) return undefined;
      return { id: payload.sub, name: payload.name, roles, via: payload.via === 'oidc' ? 'oidc' : 'local' };
    } catch {
      return undefined;
    }
  }

  private cookie(value: string, maxAge: number): string {
    return `${STAFF_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.options.secure ? '; Secure' : ''}`;
  }
}

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}
