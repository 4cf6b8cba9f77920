/**
 * `GET /healthz` (liveness: 200 once models are loaded, 503 before or after a failed start; reports the state of
 * PostgreSQL and Redis when configured), `GET /readyz` (readiness: 200 only when this process and its configured
 * dependencies can serve turns) and `GET /metrics`.
 */
import express, { type Router } from 'express';
import type { MonetaMetrics } from '../observability/metrics.ts';
import { adminAccess } from './admin-access.ts';

/** Start-up state as reported by /healthz. */
export interface Readiness {
  status: 'starting' | 'ok' | 'failed' | 'stopping';
}

/** A configured external dependency (PostgreSQL, Redis) the process needs to serve turns. */
export interface DependencyProbe {
  name: string;
  /** True when reachable; must not throw and must answer within about a second. */
  check(): Promise<boolean>;
}

/** Options for `createHealthRouter`. */
export interface HealthRouterOptions {
  readiness: Readiness;
  metrics: MonetaMetrics;
  /** `/metrics` needs `Authorization: Bearer <token>`; unset = loopback callers only (server/http/admin-access.ts). */
  metricsToken?: string | undefined;
  dependencies?: readonly DependencyProbe[];
}

/** Health, readiness and Prometheus metrics endpoints. */
export function createHealthRouter(options: HealthRouterOptions): Router {
  const router = express.Router();
  const dependencies = options.dependencies ?? [];
  // States only: never the URL (it may carry a password) nor the host.
  const probe = async (): Promise<Record<string, 'up' | 'down'>> =>
    Object.fromEntries(await Promise.all(dependencies.map(async (d) => [d.name, (await d.check().catch(() => false)) ? 'up' : 'down'] as const)));
  router.get('/healthz', async (_req, res) => {
    const { status } = options.readiness;
    res.setHeader('cache-control', 'no-store');
    // Liveness does not fail on a dependency outage: restarting the process would not bring PostgreSQL back.
    res.status(status === 'ok' ? 200 : 503).json({ status, ...(dependencies.length ? { dependencies: await probe() } : {}) });
  });
  router.get('/readyz', async (_req, res) => {
    const { status } = options.readiness;
    const states = await probe();
    const ready = status === 'ok' && Object.values(states).every((s) => s === 'up');
    res.setHeader('cache-control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : status === 'ok' ? 'unavailable' : status, ...(dependencies.length ? { dependencies: states } : {}) });
  });
  router.get('/metrics', adminAccess({ token: options.metricsToken }), async (_req, res) => {
    const { registry } = options.metrics;
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
