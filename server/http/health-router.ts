/** `GET /healthz` (200 once dependencies are loaded, 503 before or after a failed start) and `GET /metrics`. */
import express, { type Router } from 'express';
import type { MonetaMetrics } from '../observability/metrics.ts';

/** Start-up state as reported by /healthz. */
export interface Readiness {
  status: 'starting' | 'ok' | 'failed' | 'stopping';
}

/** Options for `createHealthRouter`. */
export interface HealthRouterOptions {
  readiness: Readiness;
  metrics: MonetaMetrics;
}

/** Health and Prometheus metrics endpoints. */
export function createHealthRouter(options: HealthRouterOptions): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    const { status } = options.readiness;
    res.setHeader('cache-control', 'no-store');
    res.status(status === 'ok' ? 200 : 503).json({ status });
  });
  router.get('/metrics', async (_req, res) => {
    const { registry } = options.metrics;
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
