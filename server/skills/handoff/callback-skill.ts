/**
 * Call-back requests (issue 12): when no colleague can join the chat and the bank's system is reachable through the
 * hand-off webhook, the hand-off card offers a form (phone number, preferred time, consent) that sends
 * `/callback_request{"phone":…,"time":…,"consent":true}`. The full number goes to the bank's system only, with the
 * transcript; the conversation log keeps its last four digits (a `callback_requested` event, and the stored message
 * is redacted by the processor: `redactCallbackUtterance`). Without a webhook there is nobody the number could reach
 * (a masked log cannot be called back), so no call back is offered or accepted: the customer gets the contact details.
 */
import type { HandoffContact } from '../../contracts/chat-protocol.ts';
import { buildTranscript, CALLBACK_INTENT, contactSentence, maskPhone, newTicketReference, type HandoffNotifier } from '../../dialogue/handoff.ts';
import { customMessage, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';

export { CALLBACK_INTENT };

/** Preferred times the form offers, in words for the confirmation. */
export const CALLBACK_TIMES: Readonly<Record<string, string>> = {
  asap: 'as soon as possible',
  morning: 'in the morning (8:00–12:00)',
  afternoon: 'in the afternoon (12:00–17:00)',
  evening: 'in the evening (17:00–20:00)',
};

/** Options of the skill. */
export interface CallbackSkillOptions {
  /** The hand-off webhook: the only destination of the number. Without it no call back is taken. */
  notifier?: HandoffNotifier | undefined;
  contact: HandoffContact;
  newTicket?: () => string;
}

/** A phone number as digits with an optional leading +, 6 to 20 digits; undefined otherwise. */
export function normalizePhone(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const raw = String(value).trim();
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 20 || /[^\d\s+()./-]/.test(raw)) return undefined;
  return `${raw.startsWith('+') ? '+' : ''}${digits}`;
}

/** Answers `callback_request`: validates, stores, sends, confirms with a reference. */
export class CallbackRequestSkill implements Skill {
  readonly name = 'callback-request';
  readonly intents = [CALLBACK_INTENT] as const;

  constructor(private readonly options: CallbackSkillOptions) {}

  async run(ctx: SkillContext): Promise<SkillResult> {
    const fields = Object.fromEntries(ctx.parse.entities.filter((e) => e.extractor === 'trigger').map((e) => [e.entity, e.value]));
    const phone = normalizePhone(fields.phone);
    const time = typeof fields.time === 'string' && fields.time in CALLBACK_TIMES ? fields.time : undefined;
    const contact = this.options.contact;
    const hasContact = Object.keys(contact).length > 0;
    const notifier = this.options.notifier;
    if (!notifier) {
      // A client sent the form although no call back was offered (no destination configured).
      const reach = contactSentence(contact);
      return {
        events: [],
        replies: [
          textMessage(`Sorry, we can't arrange a call back from this chat.${reach ? ` ${reach}` : ''}`),
          customMessage({ type: 'handoff', reason: CALLBACK_INTENT, status: 'unavailable', ...(hasContact ? { contact } : {}) }),
        ],
      };
    }
    if (!phone || !time || fields.consent !== true) {
      return {
        events: [],
        replies: [
          textMessage('To arrange a call back I need your phone number, a preferred time and your consent. Please use the form below.'),
          customMessage({ type: 'handoff', reason: CALLBACK_INTENT, status: 'unavailable', callback: true, ...(hasContact ? { contact } : {}) }),
        ],
      };
    }
    let ticket = (this.options.newTicket ?? newTicketReference)();
    try {
      const receipt = await notifier.notify({
        sessionId: ctx.sessionId,
        reason: CALLBACK_INTENT,
        at: ctx.now,
        ticket,
        callback: { phone, time },
        transcript: buildTranscript(ctx.events),
      });
      ticket = receipt?.ticket ?? ticket;
    } catch {
      // The number is not kept anywhere the team could read it, so the customer must know it did not arrive.
      const reach = contactSentence(contact);
      return {
        events: [{ type: 'callback_requested', at: ctx.now, ticket, time, phone: maskPhone(phone), sent: false }],
        replies: [
          textMessage(`Sorry, I couldn't pass your call-back request to our team just now. Please try again in a moment.${reach ? ` ${reach}` : ''}`),
          customMessage({ type: 'handoff', reason: CALLBACK_INTENT, status: 'failed', callback: true, ...(hasContact ? { contact } : {}) }),
        ],
      };
    }
    return {
      events: [{ type: 'callback_requested', at: ctx.now, ticket, time, phone: maskPhone(phone), sent: true }],
      replies: [
        textMessage(`Thank you. We'll call you back ${CALLBACK_TIMES[time]} on the number ending ${maskPhone(phone).slice(-4)}. Your reference is ${ticket}.`),
        customMessage({ type: 'handoff', reason: CALLBACK_INTENT, status: 'callback_requested', ticket, ...(hasContact ? { contact } : {}) }),
      ],
    };
  }
}
