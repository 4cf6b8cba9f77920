/**
 * The portfolio-advice skill: `portfolio_advice` starts the `risk_profile` form; when it completes, the answers are
 * scored and the advisor's suggestion is sent as a text summary followed by `{ custom: { type: "portfolio", … } }`
 * (the same fields as `POST /api/v1/portfolio/suggest`).
 */
import { scoreRiskProfile, validateRiskAnswers } from '../../../models/portfolio/advisor/risk-profile.ts';
import { describeMix, formatMoney, inSentence, type PortfolioAdvisor, type PortfolioSuggestion } from '../../../models/portfolio/advisor/suggest.ts';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import { ValidationError } from '../../errors.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { RISK_PROFILE_FORM, RISK_PROFILE_FORM_NAME, type AmountAnswer } from './risk-profile-form.ts';

/** Options of the skill. */
export interface PortfolioAdviceSkillOptions {
  /** The advisor, or a getter (bootstrap builds it once, lazily). */
  advisor: PortfolioAdvisor | (() => PortfolioAdvisor);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The chat summary of a suggestion: score, mix in words, expected return and volatility, outcome range. */
export function summarizeSuggestion(s: PortfolioSuggestion): string {
  const top = s.allocation.slice(0, 3).map((a) => `${inSentence(a.assetClass)} ${Math.round(100 * a.weight)}%`);
  const money = (v: number) => formatMoney(v, s.currency);
  const amount = s.amountAssumed ? `an example ${money(s.amount)}` : money(s.amount);
  const limited =
    s.riskProfile && s.riskProfile.limitedBy !== 'both'
      ? ` (your ${s.riskProfile.limitedBy === 'capacity' ? 'situation' : 'comfort with risk'} set the limit: capacity ${s.riskProfile.capacity}/10, tolerance ${s.riskProfile.tolerance}/10)`
      : '';
  return [
    `Your risk score is ${s.riskScore} out of 10 (${s.riskLabel})${limited}.`,
    `Suggested mix: about ${describeMix(s.groups)}. The largest parts are ${top.join(', ')}.`,
    `Estimated return: about ${pct(s.expectedReturn)} a year, with a volatility of about ${pct(s.volatility)}.`,
    `Over ${s.horizonYears} year${s.horizonYears === 1 ? '' : 's'}, ${amount} might grow to about ${money(s.outcomes.p50)} in a middle case (poor case about ${money(s.outcomes.p5)}, good case about ${money(s.outcomes.p95)}). These are estimates from historical data, not promises.`,
    'This is educational information, not financial advice.',
  ].join(' ');
}

/** Runs the advisor on a completed risk-profile form. Throws ValidationError if the slots do not form valid answers. */
export function suggestFromForm(advisor: PortfolioAdvisor, slots: Record<string, unknown>): PortfolioSuggestion {
  const checked = validateRiskAnswers(slots);
  if (!checked.ok) throw new ValidationError('The risk-profile answers are incomplete', checked.issues);
  const profile = scoreRiskProfile(checked.answers);
  const amount = slots.amount as AmountAnswer | undefined;
  return advisor.suggest({
    riskScore: profile.riskScore,
    riskProfile: profile,
    horizonYears: checked.answers.horizon_years,
    ...(amount ? { amount: amount.value, ...(amount.currency ? { currency: amount.currency } : {}) } : {}),
  });
}

/** Owns the `risk_profile` form and answers `portfolio_advice`. */
export class PortfolioAdviceSkill implements Skill {
  readonly name = 'portfolio-advice';
  readonly intents = ['portfolio_advice'] as const;
  readonly forms = [RISK_PROFILE_FORM];
  private readonly getAdvisor: () => PortfolioAdvisor;

  constructor(options: PortfolioAdviceSkillOptions) {
    const { advisor } = options;
    this.getAdvisor = typeof advisor === 'function' ? advisor : () => advisor;
  }

  async run(ctx: SkillContext): Promise<SkillResult> {
    if (ctx.completedForm?.name !== RISK_PROFILE_FORM_NAME) {
      // The form normally starts on the intent; this only runs if a policy routes the intent here directly.
      return {
        events: [],
        replies: [textMessage('I can suggest a diversified portfolio after a few questions about your goal and attitude to risk.', [quickReply('Start', '/portfolio_advice')])],
      };
    }
    const suggestion = suggestFromForm(this.getAdvisor(), ctx.completedForm.slots);
    const replies: BotMessage[] = [textMessage(summarizeSuggestion(suggestion)), customMessage({ ...suggestion, type: 'portfolio' })];
    return { events: [], replies };
  }
}
