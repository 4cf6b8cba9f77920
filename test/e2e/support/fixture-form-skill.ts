/**
 * A small questionnaire skill for the widget's browser tests: one number, one choice and one text question, declared
 * with the platform's real slot builders and run by the real form runner, so the widget's form inputs are exercised
 * end to end independently of how the credit and risk-profile questionnaires evolve.
 */
import { textMessage } from '../../../server/response/render.ts';
import { choiceSlot, numberSlot, textSlot } from '../../../server/dialogue/slots.ts';
import type { FormSpec } from '../../../server/dialogue/forms.ts';
import type { Skill, SkillContext, SkillResult } from '../../../server/skills/skill.ts';

/** Trigger payload that starts the fixture form. */
export const FIXTURE_FORM_TRIGGER = '/e2e_savings_plan';

const spec: FormSpec = {
  name: 'e2e_savings_plan',
  triggerIntents: ['e2e_savings_plan'],
  intro: "Let's plan your savings. Three quick questions.",
  slots: [
    numberSlot({
      name: 'monthly_amount',
      question: 'How much can you put aside each month?',
      why: 'To size the plan.',
      kind: 'amount',
      unit: 'EUR',
      min: 10,
      max: 5000,
    }),
    choiceSlot({
      name: 'goal',
      question: 'What are you saving for?',
      why: 'Different goals suit different accounts.',
      options: [
        { title: 'A house', payload: 'house' },
        { title: 'Retirement', payload: 'retirement' },
        { title: 'A rainy day', payload: 'rainy_day' },
      ],
    }),
    textSlot({ name: 'nickname', question: 'What should we call this plan?', why: 'So you can find it later.', maxLength: 40 }),
  ],
};

/** Completes with a one-line summary of the answers. */
export class FixtureFormSkill implements Skill {
  readonly name = 'e2e-fixture-form';
  readonly intents = ['e2e_savings_plan'] as const;
  readonly forms = [spec];

  async run(ctx: SkillContext): Promise<SkillResult> {
    const s = ctx.completedForm?.slots ?? {};
    return {
      events: [],
      replies: [textMessage(`Plan "${String(s.nickname)}": ${String(s.monthly_amount)} EUR a month for ${String(s.goal)}.`)],
    };
  }
}
