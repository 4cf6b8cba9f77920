/** Express guards for the console: same-origin only (never customers' sites), and a signed-in role. */
import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../errors.ts';
import type { StaffSessions } from './staff-session.ts';
import type { StaffIdentity, StaffRole } from './staff-users.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in member of staff (set by `requireStaff`). */
    staff?: StaffIdentity;
  }
}

/** The origin this request was addressed to (`config.server.publicUrl` when set, else protocol and Host). */
export function ownOrigin(req: Request, publicUrl: string | undefined): string {
  return publicUrl ? new URL(publicUrl).origin : `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * Refuses (403) anything a customer's site could trigger: a request carrying another `Origin` (fetch/XHR/form posts from
 * the widget's host pages, whatever MONETA_ALLOWED_ORIGINS says), a cross-site subresource or frame load
 * (`Sec-Fetch-Site`/`Sec-Fetch-Dest`). Top-level navigations from elsewhere (a bookmark, the identity provider's
 * redirect) are allowed; the console sends no CORS headers and forbids framing.
 */
export function sameOriginOnly(publicUrl: string | undefined): RequestHandler {
  return function sameOriginOnlyMiddleware(req, res, next) {
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    res.setHeader('referrer-policy', 'same-origin');
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    const mode = req.get('sec-fetch-mode');
    const dest = req.get('sec-fetch-dest');
    const crossSite = site === 'cross-site' || site === 'same-site';
    if ((origin && origin !== ownOrigin(req, publicUrl)) || (crossSite && mode !== 'navigate') || dest === 'iframe' || dest === 'frame' || dest === 'embed' || dest === 'object') {
      next(new ForbiddenError('The staff console is not available from this site.'));
      return;
    }
    next();
  };
}

/** Requires a signed-in member of staff with one of `roles` (401 when not signed in, 403 without the role). */
export function requireStaff(sessions: StaffSessions, roles: readonly StaffRole[]): RequestHandler {
  return async function requireStaffMiddleware(req, _res, next) {
    const staff = await sessions.read(req);
    if (!staff) return next(new UnauthorizedError('Please sign in to the console.'));
    if (!staff.roles.some((r) => roles.includes(r))) return next(new ForbiddenError(`This needs the ${roles.join(' or ')} role.`));
    req.staff = staff;
    next();
  };
}
