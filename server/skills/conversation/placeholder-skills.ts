/**
 * Temporary skills for features still being built (credit, portfolio, knowledge). Each says plainly that the feature
 * is not ready yet. Remove one from bootstrap.ts when the real skill lands.
 */
import { textMessage } from '../../response/render.ts';
import { CAPABILITY_BUTTONS } from '../../response/templates.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';

/** Answers its intents with "this feature is not available yet". */
export class PlaceholderSkill implements Skill {
  /**
   * @param name skill name (e.g. "credit-placeholder")
   * @param intents intents it stands in for
   * @param feature what the user asked for, in words ("credit risk estimates")
   */
  constructor(
    readonly name: string,
    readonly intents: readonly string[],
    private readonly feature: string,
  ) {}

  async run(_ctx: SkillContext): Promise<SkillResult> {
    return {
      events: [],
      replies: [textMessage(`Sorry, ${this.feature} ${this.feature.endsWith('s') ? 'are' : 'is'} not available in this version of Moneta yet. Is there something else I can help with?`, CAPABILITY_BUTTONS)],
    };
  }
}

/** Stand-in for the credit-risk skill (`credit_risk_assessment`). */
export const creditPlaceholder = (): PlaceholderSkill =>
  new PlaceholderSkill('credit-placeholder', ['credit_risk_assessment'], 'credit risk estimates');

/** Stand-in for the portfolio skill (`portfolio_advice`). */
export const portfolioPlaceholder = (): PlaceholderSkill =>
  new PlaceholderSkill('portfolio-placeholder', ['portfolio_advice'], 'portfolio suggestions');

/** Stand-in for the knowledge skill: `financial_education` plus the customer-service intents. */
export const knowledgePlaceholder = (customerServiceIntents: readonly string[]): PlaceholderSkill =>
  new PlaceholderSkill('knowledge-placeholder', ['financial_education', ...customerServiceIntents], 'answers to banking and money questions');
