/** `POST /api/v1/knowledge/search` (CONTRACTS §4): the passages the assistant would cite, best first. */
import express, { type Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { publicHit } from '../rag/hybrid-retriever.ts';
import type { Retriever } from '../rag/types.ts';

/** Dependencies of the knowledge router. */
export interface KnowledgeRouterDeps {
  retriever: Retriever;
  /** Longest accepted query, in characters. Default 2000. */
  maxQueryLength?: number;
  /** Largest accepted `k`. Default 50. */
  maxK?: number;
}

const filterValue = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Validates a search body and turns zod issues into a ValidationError naming each bad field. */
export function parseSearchBody(body: unknown, limits: { maxQueryLength: number; maxK: number }) {
  const schema = z.object({
    query: z
      .string({ error: 'is required and must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(limits.maxQueryLength, `must be at most ${limits.maxQueryLength} characters`),
    k: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(limits.maxK, `must be at most ${limits.maxK}`)
      .default(5),
    // Extensions (CONTRACTS allows extra fields): the intent-aware boost and metadata filters.
    intent: z.string().min(1).max(100).optional(),
    filter: z.object({ topic: filterValue.optional(), tags: filterValue.optional() }).strict().optional(),
  });
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    throw new ValidationError('Invalid search request', details);
  }
  return r.data;
}

/** Express router for knowledge search; errors go to the platform's error middleware as MonetaErrors. */
export function createKnowledgeRouter(deps: KnowledgeRouterDeps): Router {
  const limits = { maxQueryLength: deps.maxQueryLength ?? 2000, maxK: deps.maxK ?? 50 };
  const router = express.Router();
  router.post('/api/v1/knowledge/search', express.json({ limit: '64kb' }), async (req, res) => {
    const body = parseSearchBody(req.body, limits);
    const hits = await deps.retriever.invoke(body.query, {
      k: body.k,
      ...(body.intent ? { intent: body.intent } : {}),
      ...(body.filter ? { filter: body.filter } : {}),
    });
    res.json(hits.map(publicHit));
  });
  return router;
}
