/**
 * The portfolio-advice skill: `portfolio_advice` starts the `risk_profile` form; when it completes, the answers are
 * scored and the advisor's suggestion is sent as a concise text (customer-view.ts) followed by `{ custom: { type: "portfolio", … } }`
 * (the same fields as `POST /api/v1/portfolio/suggest`).
 */
import { scoreRiskProfile, validateRiskAnswers } from '../../../models/portfolio/advisor/risk-profile.ts';
import type { PortfolioAdvisor, PortfolioSuggestion } from '../../../models/portfolio/advisor/suggest.ts';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import { ValidationError } from '../../errors.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { customerPortfolioText, customerPortfolioView } from './customer-view.ts';
import { withRegionalFunds, type FundRegion } from './fund-region.ts';
import { RISK_PROFILE_FORM, RISK_PROFILE_FORM_NAME, type AmountAnswer } from './risk-profile-form.ts';

/** Options of the skill. */
export interface PortfolioAdviceSkillOptions {
  /** The advisor, or a getter (bootstrap builds it once, lazily). */
  advisor: PortfolioAdvisor | (() => PortfolioAdvisor);
  /** Currency of amounts given without one (`config.display.currency`); without it amounts carry no currency. */
  currency?: string;
  /** Where the example funds are listed (`config.portfolio.fundRegion`); default `us`. */
  fundRegion?: FundRegion;
}

/** Runs the advisor on a completed risk-profile form. Throws ValidationError if the slots do not form valid answers. */
export function suggestFromForm(advisor: PortfolioAdvisor, slots: Record<string, unknown>, defaultCurrency?: string): PortfolioSuggestion {
  const checked = validateRiskAnswers(slots);
  if (!checked.ok) throw new ValidationError('The risk-profile answers are incomplete', checked.issues);
  const profile = scoreRiskProfile(checked.answers);
  const amount = slots.amount as AmountAnswer | undefined;
  return advisor.suggest({
    riskScore: profile.riskScore,
    riskProfile: profile,
    horizonYears: checked.answers.horizon_years,
    ...(amount ? { amount: amount.value } : {}),
    ...(amount?.currency || defaultCurrency ? { currency: amount?.currency ?? defaultCurrency } : {}),
  });
}

/** Owns the `risk_profile` form and answers `portfolio_advice`. */
export class PortfolioAdviceSkill implements Skill {
  readonly name = 'portfolio-advice';
  readonly intents = ['portfolio_advice'] as const;
  readonly forms = [RISK_PROFILE_FORM];
  private readonly getAdvisor: () => PortfolioAdvisor;
  private readonly currency: string | undefined;
  private readonly fundRegion: FundRegion;

  constructor(options: PortfolioAdviceSkillOptions) {
    this.currency = options.currency;
    this.fundRegion = options.fundRegion ?? 'us';
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
    const suggestion = withRegionalFunds(suggestFromForm(this.getAdvisor(), ctx.completedForm.slots, this.currency), this.fundRegion);
    // A concise text for every client and the customer view as extra card fields; Moneta's widget shows the card
    // instead of the text (issue 12: one result, once).
    const view = customerPortfolioView(suggestion, ctx.completedForm.slots);
    const replies: BotMessage[] = [
      textMessage(customerPortfolioText(view, suggestion), view.nextSteps),
      customMessage({ ...suggestion, ...view, type: 'portfolio' }),
    ];
    return { events: [], replies };
  }
}
