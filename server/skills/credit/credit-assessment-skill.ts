/**
 * The credit-risk skill: `credit_risk_assessment` starts the `credit_risk` form; when it completes, the answers go
 * through the german model and the customer gets a concise text (headline, at most four reasons, next steps, model
 * version, short disclaimer; see customer-view.ts) followed by `{ custom: { type: "credit_assessment", … } }`
 * with the same fields as `POST /api/v1/credit/assess`.
 */
import { GERMAN_SCHEMA } from '../../../models/credit/lib/datasets/german-credit.ts';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { amountAssumption, buildCreditForm, CREDIT_FORM_NAME, featuresFromForm } from './credit-form.ts';
import type { CreditService } from './credit-service.ts';
import { customerCreditText, customerCreditView } from './customer-view.ts';

/** Options of the skill. */
export interface CreditAssessmentSkillOptions {
  /** The service, or a promise of it while the models load. */
  service: CreditService | Promise<CreditService>;
  /** Model the questionnaire feeds (its schema must be the german one). */
  model?: string;
  /** ISO code the customer's amounts are shown in (`config.display.currency`, default EUR). */
  currency?: string;
}

/** Owns the `credit_risk` form and answers `credit_risk_assessment`. */
export class CreditAssessmentSkill implements Skill {
  readonly name = 'credit-assessment';
  readonly intents = ['credit_risk_assessment'] as const;
  readonly forms = [buildCreditForm(GERMAN_SCHEMA)];
  private readonly model: string;

  constructor(private readonly options: CreditAssessmentSkillOptions) {
    this.model = options.model ?? 'german';
  }

  async run(ctx: SkillContext): Promise<SkillResult> {
    if (ctx.completedForm?.name !== CREDIT_FORM_NAME) {
      // The form normally starts on the intent; this only runs if a policy routes the intent here directly.
      return {
        events: [],
        replies: [textMessage('I can estimate the risk of a loan after a few questions about it and your finances.', [quickReply('Start', '/credit_risk_assessment')])],
      };
    }
    const service = await this.options.service;
    const slots = ctx.completedForm.slots;
    const features = featuresFromForm(slots);
    const result = service.assess({ model: this.model, features }, 'chat', amountAssumption(slots));
    // The customer's view: a concise text (headline, ≤ 4 reasons, next step) for every client, and the same view as
    // extra fields of the card, which Moneta's widget shows instead of the text (issue 12: one result, once).
    const view = customerCreditView(result, features, {
      slots,
      currency: this.options.currency ?? 'EUR',
      thresholdRule: service.model(this.model).policy.thresholdRule,
    });
    const replies: BotMessage[] = [
      textMessage(customerCreditText(view, result.model, result.modelVersion), view.nextSteps),
      customMessage({ ...result, ...view, type: 'credit_assessment' }),
    ];
    return { events: [], replies };
  }

  async dispose(): Promise<void> {
    await (await this.options.service).dispose();
  }
}
