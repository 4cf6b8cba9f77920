/** Small talk and orientation: greet, goodbye, thank_you, bot_challenge, capabilities, and affirm/deny outside forms. */
import { textMessage } from '../../response/render.ts';
import { CAPABILITY_BUTTONS, TEXTS } from '../../response/templates.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';

const reply = (text: string, withButtons = false): SkillResult => ({
  events: [],
  replies: [textMessage(text, withButtons ? CAPABILITY_BUTTONS : undefined)],
});

/** Answers the conversational intents with fixed, friendly texts. */
export class ConversationSkill implements Skill {
  readonly name = 'conversation';
  /** `banking_help` is a button-only intent (from the capability buttons), not a classifier label. */
  readonly intents = ['greet', 'goodbye', 'thank_you', 'bot_challenge', 'capabilities', 'affirm', 'deny', 'banking_help'] as const;

  async run(ctx: SkillContext): Promise<SkillResult> {
    switch (ctx.intent ?? ctx.parse.intent.name) {
      case 'greet':
        return reply(TEXTS.greeting, true);
      case 'goodbye':
        return reply('Goodbye, and thanks for chatting with Moneta. Come back any time.');
      case 'thank_you':
        return reply("You're welcome! Is there anything else I can help with?");
      case 'bot_challenge':
        return reply(
          "I'm Moneta's virtual assistant, not a person: a computer program that runs at your bank. If you'd rather talk to someone from our team, just say so.",
        );
      case 'capabilities':
        return reply(TEXTS.capabilities, true);
      case 'affirm':
        return reply('Great. What would you like to do next?', true);
      case 'deny':
        return reply('No problem. Is there anything else I can help you with?');
      case 'banking_help':
        return reply(
          "Sure. Ask me about your cards, payments, transfers, top-ups or your account, for example \"My card hasn't arrived yet\" or \"How do I change my PIN?\"",
        );
      default:
        return reply(TEXTS.capabilities, true);
    }
  }
}
