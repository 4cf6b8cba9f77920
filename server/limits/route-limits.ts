/**
 * The per-route HTTP rate limits, in one table: which paths share which per-client-address budget. Mounted by the
 * composition root before every router, so a feature router needs no limiter code of its own.
 */
import express, { type Router } from 'express';
import type { MonetaConfig } from '../config/index.ts';
import type { RequestHandler } from 'express';
import { PayloadTooLargeError } from '../errors.ts';
import { rateLimit, type RateLimiterFactory } from './rate-limit.ts';

/** One limited route group: the path prefixes it covers and its per-minute budget per client address. */
export interface RouteLimit {
  name: string;
  paths: string[];
  perMinute: number;
}

/** Paths never limited: load balancers and orchestrators poll them. */
export const UNLIMITED_PATHS = ['/healthz', '/readyz'];

/** The route groups and their budgets from `config.limits` (one table; docs/platform.md lists it). */
export function routeLimits(limits: MonetaConfig['limits']): RouteLimit[] {
  return [
    { name: 'credit', paths: ['/api/v1/credit'], perMinute: limits.creditPerIpPerMinute },
    { name: 'portfolio-suggest', paths: ['/api/v1/portfolio/suggest'], perMinute: limits.suggestPerIpPerMinute },
    { name: 'portfolio-optimize', paths: ['/api/v1/portfolio/optimize'], perMinute: limits.optimizePerIpPerMinute },
    { name: 'parse', paths: ['/model/parse'], perMinute: limits.parsePerIpPerMinute },
    { name: 'knowledge', paths: ['/api/v1/knowledge'], perMinute: limits.knowledgePerIpPerMinute },
    { name: 'sessions', paths: ['/api/v1/sessions'], perMinute: limits.sessionsPerIpPerMinute },
  ];
}

/** Options for `createRouteRateLimits`. */
export interface RouteRateLimitOptions {
  limits: MonetaConfig['limits'];
  /** The app's one limiter factory. */
  factory: RateLimiterFactory;
}

/**
 * A router applying the global per-address budget to every request but health checks, then each route group's own
 * budget. Keys are `req.ip`, which follows `trust proxy` (a hop count or CIDR list, never "trust everything").
 */
export function createRouteRateLimits(options: RouteRateLimitOptions): Router {
  const router = express.Router();
  const all = rateLimit({ limiter: options.factory({ name: 'http', points: options.limits.httpPerIpPerMinute, durationSeconds: 60 }) });
  router.use((req, res, next) => (UNLIMITED_PATHS.includes(req.path) ? next() : all(req, res, next)));
  for (const route of routeLimits(options.limits)) {
    const limiter = options.factory({ name: `route-${route.name}`, points: route.perMinute, durationSeconds: 60 });
    router.use(route.paths, rateLimit({ limiter }));
  }
  return router;
}

/** JSON body caps per route group (bytes); anything else gets `defaultJsonBytes`. */
export function routeBodyCaps(): Array<{ paths: string[]; jsonBytes: number }> {
  return [
    // Small, fixed-shape requests: a questionnaire, a query, a risk score.
    { paths: ['/api/v1/credit', '/api/v1/knowledge', '/api/v1/portfolio/suggest'], jsonBytes: 64 * 1024 },
    // History and erase take no body; feedback is a few fields.
    { paths: ['/api/v1/sessions'], jsonBytes: 8 * 1024 },
  ];
}

/**
 * The JSON body parsers: each route group's cap, then the default for the rest (chat webhook, /model/parse, JSON
 * optimise requests). body-parser refuses a declared Content-Length over the cap before reading, and stops reading a
 * chunked body as soon as it passes the cap, so an oversized body is never buffered whole (413 either way).
 */
export function createJsonBodyParsers(options: { defaultJsonBytes: number; optimizeMaxBytes: number }): Router {
  const router = express.Router();
  router.use(declaredLengthGuard((path) => {
    if (path === '/api/v1/portfolio/optimize') return Math.max(options.optimizeMaxBytes, options.defaultJsonBytes);
    return routeBodyCaps().find((cap) => cap.paths.some((p) => path === p || path.startsWith(`${p}/`)))?.jsonBytes ?? options.defaultJsonBytes;
  }));
  for (const cap of routeBodyCaps()) router.use(cap.paths, express.json({ limit: cap.jsonBytes }));
  router.use(express.json({ limit: options.defaultJsonBytes }));
  return router;
}

/**
 * Refuses a body whose declared Content-Length is over the route's cap at once (413) and closes the connection, so the
 * client cannot make us read — even to discard — a body we will not use. (body-parser alone would read such a body to
 * its end before answering.) Chunked bodies are counted by body-parser as they stream and never buffered past the cap.
 */
export function declaredLengthGuard(capFor: (path: string) => number): RequestHandler {
  return function declaredLengthGuardMiddleware(req, res, next) {
    const declared = req.headers['content-length'];
    const cap = capFor(req.path);
    if (declared !== undefined && Number(declared) > cap) {
      res.setHeader('connection', 'close');
      next(new PayloadTooLargeError(`The request body is too large (limit ${cap} bytes).`));
      return;
    }
    next();
  };
}
