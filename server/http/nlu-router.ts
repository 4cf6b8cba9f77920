/** `POST /model/parse` (CONTRACTS §3, Rasa's NLU endpoint): intent, ranking (top 10) and entities for one text. */
import express, { type Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { NluPipeline, ParseResult } from '../nlu/types.ts';

/** Dependencies of the NLU router. */
export interface NluRouterDeps {
  nlu: NluPipeline;
  /** Longest accepted text in characters; longer texts are rejected with 400 (default 100,000; the model itself only
   * reads the first `model_max_length` tokens, so long texts are truncated, never an error). */
  maxTextLength?: number;
  /** How many ranking entries to return (at least 5; default 10). */
  rankingSize?: number;
}

/** Shapes a parse result for the wire: the contract fields first, ranking cut to `rankingSize`. */
export function toParseResponse(result: ParseResult, rankingSize = 10): ParseResult {
  const { text, intent, intent_ranking, entities, ...extra } = result;
  return { text, intent, intent_ranking: intent_ranking.slice(0, Math.max(5, rankingSize)), entities, ...extra };
}

/** Express router for `/model/parse`; bad bodies become ValidationErrors (400 via the platform's error middleware). */
export function createNluRouter(deps: NluRouterDeps): Router {
  const maxLen = deps.maxTextLength ?? 100_000;
  const schema = z.object({
    text: z.string({ error: 'is required and must be a string' }).max(maxLen, `must be at most ${maxLen} characters`),
  });
  const router = express.Router();
  router.post('/model/parse', express.json({ limit: '1mb' }), async (req, res) => {
    const r = schema.safeParse(req.body ?? {});
    if (!r.success) {
      throw new ValidationError(
        'Invalid parse request',
        r.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
      );
    }
    res.json(toParseResponse(await deps.nlu.parse(r.data.text), deps.rankingSize));
  });
  return router;
}
