/**
 * Credit-risk HTTP API (CONTRACTS §5): `GET /api/v1/credit/models`, `GET /api/v1/credit/models/:name/schema` and
 * `POST /api/v1/credit/assess` `{ model, features }` → probability of default, risk band, reasons, disclaimer.
 * Invalid or missing features → 400 naming each bad field (`details`); an unknown model's schema → 404.
 */
import express, { type Router } from 'express';
import { ModelNotReadyError } from '../errors.ts';
import type { CreditService } from '../skills/credit/credit-service.ts';

/** Dependencies of the credit router. */
export interface CreditRouterDeps {
  /** The service, or a promise of it while the models load (requests get 503 until then). */
  service: CreditService | Promise<CreditService>;
}

/** Builds the router; paths are absolute, so the platform mounts it at `/`. */
export function createCreditRouter(deps: CreditRouterDeps): Router {
  let ready: CreditService | undefined = deps.service instanceof Promise ? undefined : deps.service;
  let failure: unknown;
  if (deps.service instanceof Promise) {
    deps.service.then(
      (s) => {
        ready = s;
      },
      (error: unknown) => {
        failure = error;
      },
    );
  }
  const service = (): CreditService => {
    if (ready) return ready;
    // The reason (with file paths) goes to the operator at start-up, which stops; clients get no paths.
    if (failure) throw new ModelNotReadyError('Credit models are not available.');
    throw new ModelNotReadyError('Credit models are still loading; try again in a moment.');
  };

  const router = express.Router();
  router.get('/api/v1/credit/models', (_req, res) => {
    res.json(service().listModels());
  });
  router.get('/api/v1/credit/models/:name/schema', (req, res) => {
    res.json(service().publicSchema(String(req.params.name)));
  });
  router.post('/api/v1/credit/assess', express.json({ limit: '64kb' }), (req, res) => {
    res.json(service().assess(req.body, 'api'));
  });
  return router;
}
