/**
 * `POST /api/v1/portfolio/suggest` (CONTRACTS §6): risk-profile answers or a risk score (plus optional amount, horizon
 * and current holdings) → a suggested portfolio with expected return, volatility, outcome range, rationale, disclaimer.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { isPortfolioError } from '../../models/portfolio/errors.ts';
import { scoreRiskProfile, validateRiskAnswers, type RiskProfile } from '../../models/portfolio/advisor/risk-profile.ts';
import type { PortfolioAdvisor, PortfolioSuggestion } from '../../models/portfolio/advisor/suggest.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { withRegionalFunds, type FundRegion } from '../skills/portfolio/fund-region.ts';

/** Dependencies of the portfolio-advice router. */
export interface PortfolioAdviceRouterDeps {
  /** The advisor (its CMA loaded); a function lets bootstrap build it lazily. */
  advisor: PortfolioAdvisor | (() => PortfolioAdvisor);
  /** Where the example funds are listed (`config.portfolio.fundRegion`); default `us`. */
  fundRegion?: FundRegion;
}

const MAX_HOLDINGS = 200;

const bodySchema = z
  .object({
    answers: z.record(z.string(), z.unknown(), { error: 'must be an object keyed by question id' }).optional(),
    riskScore: z
      .number({ error: 'must be a number' })
      .int('must be a whole number from 1 to 10')
      .min(1, 'must be a whole number from 1 to 10')
      .max(10, 'must be a whole number from 1 to 10')
      .optional(),
    amount: z
      .number({ error: 'must be a number' })
      .positive('must be greater than 0')
      .max(1e12, 'must be at most 1,000,000,000,000')
      .optional(),
    currency: z
      .string({ error: 'must be a 3-letter currency code' })
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter currency code')
      .transform((s) => s.toUpperCase())
      .optional(),
    horizonYears: z.number({ error: 'must be a number' }).min(1, 'must be between 1 and 60').max(60, 'must be between 1 and 60').optional(),
    holdings: z
      .array(
        z.object({
          ticker: z.string({ error: 'is required (a ticker, asset-class id or name)' }).trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
          value: z.number({ error: 'must be a number' }).min(0, 'must not be negative').max(1e12, 'is too large'),
        }),
        { error: 'must be an array of { ticker, value }' },
      )
      .max(MAX_HOLDINGS, `must have at most ${MAX_HOLDINGS} entries`)
      .optional(),
  })
  .passthrough();

/** A validated suggestion request: the score (from answers or given), and the optional extras. */
export interface SuggestRequest {
  riskScore: number;
  riskProfile?: RiskProfile;
  amount?: number;
  currency?: string;
  horizonYears?: number;
  holdings?: Array<{ ticker: string; value: number }>;
}

/** Validates a suggest body. Throws ValidationError naming every bad field (`answers.<question>` for answers). */
export function parseSuggestBody(body: unknown): SuggestRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Invalid portfolio request', [{ field: 'body', message: 'must be a JSON object' }]);
  }
  const parsed = bodySchema.safeParse(body);
  const issues: FieldIssue[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
  const raw = body as Record<string, unknown>;
  const hasAnswers = raw.answers !== undefined && raw.answers !== null;
  const hasScore = raw.riskScore !== undefined && raw.riskScore !== null;
  if (!hasAnswers && !hasScore) issues.push({ field: 'answers', message: 'or riskScore is required' });
  if (hasAnswers && hasScore) issues.push({ field: 'riskScore', message: 'must not be given together with answers (the answers determine the score)' });
  let riskProfile: RiskProfile | undefined;
  let horizonFromAnswers: number | undefined;
  if (hasAnswers && !issues.some((i) => i.field === 'answers')) {
    const checked = validateRiskAnswers(raw.answers);
    if (checked.ok) {
      riskProfile = scoreRiskProfile(checked.answers);
      horizonFromAnswers = checked.answers.horizon_years;
    } else {
      issues.push(...checked.issues.map((i) => ({ field: i.field === 'answers' ? 'answers' : `answers.${i.field}`, message: i.message })));
    }
  }
  if (issues.length || !parsed.success) throw new ValidationError('Invalid portfolio request', issues);
  const data = parsed.data;
  const horizonYears = data.horizonYears ?? horizonFromAnswers;
  return {
    riskScore: riskProfile ? riskProfile.riskScore : data.riskScore!,
    ...(riskProfile ? { riskProfile } : {}),
    ...(data.amount !== undefined ? { amount: data.amount } : {}),
    ...(data.currency ? { currency: data.currency } : {}),
    ...(horizonYears !== undefined ? { horizonYears } : {}),
    ...(data.holdings ? { holdings: data.holdings } : {}),
  };
}

/** Runs the advisor on a validated request; a PortfolioError about the input becomes a ValidationError. */
export function suggestPortfolio(advisor: PortfolioAdvisor, request: SuggestRequest): PortfolioSuggestion {
  try {
    return advisor.suggest(request);
  } catch (e) {
    if (isPortfolioError(e) && e.code === 'invalid_input') {
      throw new ValidationError('Invalid portfolio request', [{ field: e.field ?? 'body', message: e.message }], { cause: e });
    }
    throw e;
  }
}

/** Express router for portfolio suggestions; errors go to the platform's error middleware as MonetaErrors. */
export function createPortfolioAdviceRouter(deps: PortfolioAdviceRouterDeps): Router {
  const getAdvisor = typeof deps.advisor === 'function' ? deps.advisor : () => deps.advisor as PortfolioAdvisor;
  const router = express.Router();
  router.post('/api/v1/portfolio/suggest', express.json({ limit: '64kb' }), (req, res) => {
    const request = parseSuggestBody(req.body);
    res.json(withRegionalFunds(suggestPortfolio(getAdvisor(), request), deps.fundRegion ?? 'us'));
  });
  return router;
}
