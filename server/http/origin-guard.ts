/**
 * `MONETA_ALLOWED_ORIGINS` enforced (CONTRACTS §8), not just advertised through CORS: state-changing HTTP requests and
 * Socket.IO handshakes from other origins are refused. One predicate serves both.
 */
import type http from 'node:http';
import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors.ts';

/** Methods that change state; GET/HEAD/OPTIONS are left to CORS (a browser will not show the answer to other origins). */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Options for `originAllowed` and friends. */
export interface OriginPolicy {
  /** `config.server.allowedOrigins`; `*` allows every origin (the demo default). */
  allowedOrigins: string[];
  /** Moneta's own public URL (`MONETA_PUBLIC_URL`), always allowed. */
  publicUrl?: string | undefined;
}

/**
 * True when a request with this `Origin` header may proceed: no Origin (not a cross-origin browser request: curl,
 * server-to-server, same-origin navigations), `*` configured, an origin on the list, or Moneta's own origin (the
 * request's Host, or `publicUrl`). `Origin: null` (sandboxed frames, file://) is allowed only with `*`.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined || origin === '') return true;
  if (policy.allowedOrigins.includes('*')) return true;
  const normalized = origin.trim().toLowerCase().replace(/\/+$/, '');
  if (policy.allowedOrigins.some((o) => o.trim().toLowerCase().replace(/\/+$/, '') === normalized)) return true;
  let url: URL;
  try {
    url = new URL(normalized);
  } catch {
    return false;
  }
  if (url.origin === 'null') return false;
  if (policy.publicUrl && new URL(policy.publicUrl).origin === url.origin) return true;
  return host !== undefined && url.host === host.toLowerCase();
}

/** Express middleware: a state-changing request from an origin that is not allowed → 403 `{ error: forbidden }`. */
export function originGuard(policy: OriginPolicy): RequestHandler {
  return function originGuardMiddleware(req, _res, next) {
    if (!STATE_CHANGING.has(req.method) || originAllowed(req.get('origin'), req.get('host'), policy)) {
      next();
      return;
    }
    next(new ForbiddenError('This origin is not allowed to use this server. Add it to MONETA_ALLOWED_ORIGINS.'));
  };
}

/** Socket.IO's `allowRequest`: refuses handshakes (polling and WebSocket alike) from origins that are not allowed. */
export function socketOriginCheck(policy: OriginPolicy): (req: http.IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void {
  return (req, callback) => {
    const origin = req.headers.origin;
    const allowed = originAllowed(Array.isArray(origin) ? origin[0] : origin, req.headers.host, policy);
    callback(allowed ? null : 'origin not allowed', allowed);
  };
}
