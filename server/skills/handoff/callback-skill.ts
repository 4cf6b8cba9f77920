/**
 * Call-back requests (issue 12): when no colleague can join the chat, the hand-off card offers a form (phone number,
 * preferred time, consent) that sends `/callback_request{"phone":…,"time":…,"consent":true}`. The request is stored
 * with the conversation (a `callback_requested` event) and, when a hand-off webhook is configured, sent to the bank's
 * team with the transcript. The customer gets a reference either way.
 */
import type { HandoffContact } from '../../contracts/chat-protocol.ts';
import { buildTranscript, newTicketReference, type HandoffNotifier } from '../../dialogue/handoff.ts';
import { customMessage, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';

/** The intent the form's payload names. */
export const CALLBACK_INTENT = 'callback_request';

/** Preferred times the form offers, in words for the confirmation. */
export const CALLBACK_TIMES: Readonly<Record<string, string>> = {
  asap: 'as soon as possible',
  morning: 'in the morning (8:00–12:00)',
  afternoon: 'in the afternoon (12:00–17:00)',
  evening: 'in the evening (17:00–20:00)',
};

/** Options of the skill. */
export interface CallbackSkillOptions {
  /** The hand-off webhook, when configured (the request is sent with the transcript). */
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

/** Shows only the last three digits back to the customer (the number is in the transcript already). */
const masked = (phone: string): string => `${'•'.repeat(Math.max(0, phone.replace(/\D/g, '').length - 3))}${phone.slice(-3)}`;

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
    let sent = false;
    if (this.options.notifier) {
      try {
        const receipt = await this.options.notifier.notify({
          sessionId: ctx.sessionId,
          reason: CALLBACK_INTENT,
          at: ctx.now,
          ticket,
          callback: { phone, time },
          transcript: buildTranscript(ctx.events),
        });
        ticket = receipt?.ticket ?? ticket;
        sent = true;
      } catch {
        // Stored below all the same: the bank's team can pick it up from the conversation.
      }
    }
    return {
      events: [{ type: 'callback_requested', at: ctx.now, ticket, time, phone, sent }],
      replies: [
        textMessage(`Thank you. We'll call you back ${CALLBACK_TIMES[time]} on the number ending ${masked(phone).slice(-3)}. Your reference is ${ticket}.`),
        customMessage({ type: 'handoff', reason: CALLBACK_INTENT, status: 'callback_requested', ticket, ...(hasContact ? { contact } : {}) }),
      ],
    };
  }
}
