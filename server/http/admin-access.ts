/**
 * Access to operator endpoints (`/metrics`): with `MONETA_METRICS_TOKEN` set, `Authorization: Bearer <token>`;
 * without it, only direct loopback callers (a Prometheus agent or curl on the same host), never through a proxy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';

/** Options for `adminAccess`. */
export interface AdminAccessOptions {
  /** `config.security.metricsToken`. */
  token?: string | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
/** Headers a reverse proxy adds: their presence means the real caller is elsewhere, whatever the peer address says. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Middleware guarding an operator endpoint. 401 (wrong or missing token) or 403 (no token configured, not loopback). */
export function adminAccess(options: AdminAccessOptions): RequestHandler {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return function adminAccessMiddleware(req, res, next) {
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      if (match && timingSafeEqual(digest(match[1]!), expected)) {
        next();
        return;
      }
      res.setHeader('www-authenticate', 'Bearer realm="moneta-metrics"');
      next(new UnauthorizedError('This endpoint needs "Authorization: Bearer <MONETA_METRICS_TOKEN>".'));
      return;
    }
    const peer = req.socket.remoteAddress ?? '';
    if (LOOPBACK.test(peer) && !FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined)) {
      next();
      return;
    }
    next(new ForbiddenError('This endpoint is served to the local host only. Set MONETA_METRICS_TOKEN to scrape it from elsewhere.'));
  };
}
