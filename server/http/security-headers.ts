/**
 * Response hardening for every HTTP answer (helmet): a Content-Security-Policy without inline scripts for Moneta's
 * own pages, `frame-ancestors` from config, Referrer-Policy and nosniff everywhere.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Options for `securityHeaders`. */
export interface SecurityHeadersOptions {
  /** CSP `frame-ancestors` sources, e.g. `'self'` or `https://www.bank.example` (`config.security.frameAncestors`). */
  frameAncestors: string[];
}

/**
 * The CSP for Moneta's pages (the demo page, `/rasa-demo.html`): scripts only from this origin, never inline (the
 * rasa-webchat set-up lives in `/rasa-demo.js`); styles may be inline because both widgets put theirs into the page
 * at run time (Moneta's in a shadow root, rasa-webchat's React styles); connections only back to this origin, which
 * in CSP Level 3 includes its `ws:`/`wss:` URLs. A host page that embeds the widget keeps its own CSP
 * (docs/security.md lists what it needs). Pages with their own policy (the staff console) override this header.
 */
export function contentSecurityPolicy(frameAncestors: string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': frameAncestors,
  };
}

/** helmet with Moneta's policy. X-Frame-Options follows `frame-ancestors` for browsers without CSP Level 2. */
export function securityHeaders(options: SecurityHeadersOptions): RequestHandler {
  const only = options.frameAncestors.length === 1 ? options.frameAncestors[0] : undefined;
  const xFrameOptions = only === "'self'" ? { action: 'sameorigin' as const } : only === "'none'" ? { action: 'deny' as const } : false;
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(options.frameAncestors) },
    // The widget script is loaded by other origins' pages: the static router sets `cross-origin` on it.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions,
    // HSTS is the TLS terminator's business (it knows whether HTTPS is in front); see the production checklist.
    strictTransportSecurity: false,
  });
}
