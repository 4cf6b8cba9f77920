/**
 * The credit-risk skill: `credit_risk_assessment` starts the `credit_risk` form; when it completes, the answers go
 * through the german model and the customer gets a text summary (probability of default, risk band with its
 * thresholds, reasons, model version, assumptions, disclaimer) followed by `{ custom: { type: "credit_assessment", … } }`
 * with the same fields as `POST /api/v1/credit/assess`.
 */
import { GERMAN_SCHEMA } from '../../../models/credit/lib/datasets/german-credit.ts';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { amountAssumption, buildCreditForm, CREDIT_FORM_NAME, featuresFromForm } from './credit-form.ts';
import type { CreditAssessmentResult, CreditService } from './credit-service.ts';

/** Options of the skill. */
export interface CreditAssessmentSkillOptions {
  /** The service, or a promise of it while the models load. */
  service: CreditService | Promise<CreditService>;
  /** Model the questionnaire feeds (its schema must be the german one). */
  model?: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The chat summary of an assessment (plain text; the rich client gets the custom payload too). */
export function summarizeAssessment(result: CreditAssessmentResult): string {
  const band = result.bands.find((b) => b.name === result.riskBand);
  const lines = [
    `Estimated probability of default: ${pct(result.probabilityOfDefault)} — ${result.riskBand} risk band (${band?.description ?? result.riskBandExplanation})`,
    `Bands: low under ${pct(result.bands[0]!.to)}, medium ${pct(result.bands[1]!.from)}–${pct(result.bands[1]!.to)}, high from ${pct(result.threshold)}.`,
  ];
  if (result.reasons.length) {
    lines.push('Main reasons:');
    for (const r of result.reasons) lines.push(`• ${r.text}`);
  }
  lines.push(...result.assumptions);
  lines.push(`Model: ${result.model} ${result.modelVersion}. ${result.disclaimer}`);
  return lines.join('\n');
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
    const result = service.assess({ model: this.model, features: featuresFromForm(slots) }, 'chat', amountAssumption(slots));
    const replies: BotMessage[] = [textMessage(summarizeAssessment(result)), customMessage({ ...result, type: 'credit_assessment' })];
    return { events: [], replies };
  }

  async dispose(): Promise<void> {
    await (await this.options.service).dispose();
  }
}
