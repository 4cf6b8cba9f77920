/**
 * The turn loop: load the conversation, parse the message, ask the policy for a plan, run its steps (replies, skills,
 * hand-off), append everything to the log in one write, and return the replies. Callers serialise turns per session.
 */
import type { BotMessage } from '../contracts/chat-protocol.ts';
import { isMonetaError, NotFoundError, ValidationError } from '../errors.ts';
import type { NluPipeline, ParseResult } from '../nlu/types.ts';
import { timeStage, type StageInstrumentation } from '../observability/stage.ts';
import { customMessage, normalizeReplies, textMessage } from '../response/render.ts';
import { TEXTS } from '../response/templates.ts';
import { deriveState, findKnowledgeAnswer } from '../session/tracker.ts';
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from '../session/types.ts';
import type { SkillContext, SkillResult } from '../skills/skill.ts';
import type { HandoffContact } from '../contracts/chat-protocol.ts';
import { activeAgent, buildTranscript, contactSentence, newTicketReference, redactCallbackUtterance, type HandoffNotifier, type LiveHandoffDesk } from './handoff.ts';
import type { KnowledgeProbe, KnowledgeSignal, PlanStep, Policy, TurnInput } from './types.ts';

/** Wall-clock source (injected so tests can move time). */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Options for the `MessageProcessor` constructor. */
export interface MessageProcessorOptions {
  store: SessionStore;
  nlu: NluPipeline;
  policy: Policy;
  handoffNotifier?: HandoffNotifier | undefined;
  /** Contact details shown with every hand-off (`config.handoff`); none by default. */
  handoffContact?: HandoffContact;
  /** Ticket references for hand-offs (default: newTicketReference). */
  newTicket?: () => string;
  /** The staff console's live desk: hand-offs queue there when it is staffed (and no webhook is configured). */
  liveDesk?: LiveHandoffDesk | undefined;
  clock?: Clock;
  instrumentation?: StageInstrumentation;
  /** Hashes session ids for logs. */
  hash?: (value: string) => string;
  /** Intent ranking entries kept in the stored parse (the log stays small; CONTRACTS needs the top 5). */
  storedRankingSize?: number;
  /**
   * Retrieval-first routing: searches every message in the knowledge base before the policy decides (stage
   * `retrieval`); the policy and the knowledge skill both use the result.
   */
  knowledgeProbe?: KnowledgeProbe | undefined;
}

/** Texts that have a second wording, used when the same reply would otherwise be sent twice in a row. */
const SECOND_WORDING: ReadonlyMap<string, string> = new Map([
  [TEXTS.rephrase, "Sorry, I still didn't catch that. Could you put it in a short sentence, for example \"my card hasn't arrived\"?"],
  [TEXTS.outOfScope, "That's outside what I can help with too, I'm afraid. I can answer questions about your cards, payments and account, explain money topics, estimate your credit risk or suggest a portfolio."],
  [TEXTS.englishOnly, 'I can only read English, sorry. Please write your question in English, or ask to talk to a person.'],
]);

/** A reply that does not repeat the previous bot text word for word (customers read a repeat as the bot being stuck). */
export function reworded(text: string): string {
  return SECOND_WORDING.get(text) ?? `To repeat what I said: ${text}`;
}

/** One user message to process. */
export interface TurnRequest {
  sessionId: string;
  text: string;
  channel: string;
  /**
   * Who the channel authorised for this session (server/session/ownership.ts); used only if the session has to be
   * created, e.g. when a client keeps talking after erasing its conversation.
   */
  owner: SessionOwner;
}

/** Processes turns. Not re-entrant per session: the channel core holds the per-session lock around each call. */
export class MessageProcessor {
  private readonly clock: Clock;
  private readonly instrumentation: StageInstrumentation;
  private readonly hash: (value: string) => string;

  constructor(private readonly options: MessageProcessorOptions) {
    this.clock = options.clock ?? systemClock;
    this.instrumentation = options.instrumentation ?? {};
    this.hash = options.hash ?? ((v) => v);
  }

  /** Handles one user message and returns the bot's replies, in order. */
  async handleMessage(request: TurnRequest): Promise<BotMessage[]> {
    const now = this.clock.now();
    const record = await this.load(request.sessionId, request.owner, now);
    const parse = await timeStage('nlu', this.instrumentation, () => this.options.nlu.parse(request.text));
    const opening: SessionEvent[] = record.events.length === 0 ? [{ type: 'session_started', at: now }] : [];
    // The call-back form's phone number is masked before it is stored; the skill below still gets it from `parse`.
    const stored = redactCallbackUtterance(request.text, this.compact(parse));
    const userEvent: SessionEvent = { type: 'user_uttered', at: now, text: stored.text, parse: stored.parse, channel: request.channel };
    // While a person from the bank is in the conversation the bot stays silent: the message goes to them.
    if (this.options.liveDesk && activeAgent(record.events)) {
      await this.options.store.append(record.id, [...opening, userEvent], now);
      this.options.liveDesk.customerMessage(record.id, stored.text, now); // as stored: a call-back number masked
      return [];
    }
    return this.runTurn(record, [...opening, userEvent], request.text, parse, now);
  }

  /**
   * A client opened the chat without sending a message (rasa-webchat does this): a new conversation gets the greeting;
   * an existing one gets nothing, so a reload does not repeat it.
   */
  async handleOpen(request: Omit<TurnRequest, 'text'>): Promise<BotMessage[]> {
    const now = this.clock.now();
    const record = await this.load(request.sessionId, request.owner, now);
    if (deriveState(record.events).botHasSpoken) return [];
    const parse: ParseResult = { text: '/greet', intent: { name: 'greet', confidence: 1 }, intent_ranking: [{ name: 'greet', confidence: 1 }], entities: [], trigger: true };
    const opening: SessionEvent[] = record.events.length === 0 ? [{ type: 'session_started', at: now }] : [];
    return this.runTurn(record, opening, '/greet', parse, now);
  }

  private async load(sessionId: string, owner: SessionOwner, now: number): Promise<SessionRecord> {
    return (await this.options.store.get(sessionId)) ?? (await this.options.store.create(sessionId, now, owner));
  }

  private async runTurn(record: SessionRecord, turnEvents: SessionEvent[], text: string, parse: ParseResult, now: number): Promise<BotMessage[]> {
    const base: TurnInput = { sessionId: record.id, text, parse, state: deriveState(record.events), events: record.events, now };
    // Retrieval-first routing searches the message once, unless the policy says the search cannot change its plan.
    const knowledge = this.options.policy.wantsKnowledge?.(base) === false ? undefined : await this.probe(text, parse, record.id);
    const input: TurnInput = knowledge ? { ...base, knowledge } : base;
    const steps = await timeStage('policy', this.instrumentation, () => this.options.policy.plan(input));
    const events = [...turnEvents];
    const replies: BotMessage[] = [];
    let firstText = true;
    const emit = (stepEvents: SessionEvent[], stepReplies: BotMessage[]): void => {
      const normalized = normalizeReplies(stepReplies).map((m) => {
        if (!('text' in m) || !firstText) return m;
        firstText = false;
        // Never the same text twice in a row (a second miss, the same question asked again).
        return m.text === input.state.lastBotText ? { ...m, text: reworded(m.text) } : m;
      });
      events.push(...stepEvents, ...normalized.map((message): SessionEvent => ({ type: 'bot_uttered', at: now, message })));
      replies.push(...normalized);
    };
    for (const step of steps) {
      const result = await this.runStep(step, input, events);
      emit(result.events, result.replies);
    }
    await this.options.store.append(record.id, events, now);
    this.countKnowledge(events);
    this.instrumentation.logger?.debug(
      { sessionHash: this.hash(record.id), intent: parse.intent.name, confidence: Number(parse.intent.confidence.toFixed(3)), replies: replies.length },
      'turn',
    );
    return replies;
  }

  /**
   * "Did this help?" from an HTTP client (`POST /api/v1/sessions/:id/feedback`): appends a `feedback` event for an
   * answer this conversation received. Unknown session → NotFoundError; unknown answer id → ValidationError, and
   * nothing changes. Callers hold the session lock. Returns the cited passage and the next-best one, if any.
   */
  async recordFeedback(sessionId: string, answerId: string, helpful: boolean): Promise<{ passageId: string; next?: string }> {
    const record = await this.options.store.get(sessionId);
    if (!record) throw new NotFoundError('No such session.');
    const answer = findKnowledgeAnswer(record.events, answerId);
    if (!answer) throw new ValidationError('Unknown answer', [{ field: 'answerId', message: 'does not name an answer in this conversation' }]);
    const now = this.clock.now();
    const event: SessionEvent = { type: 'feedback', at: now, answerId, passageId: answer.passages[0]!, helpful };
    await this.options.store.append(sessionId, [event], now);
    this.countKnowledge([event]);
    const next = helpful ? undefined : answer.passages[1];
    return { passageId: answer.passages[0]!, ...(next ? { next } : {}) };
  }

  /** Knowledge outcomes and feedback in /metrics (feedback by passage: which articles customers find unhelpful). */
  countKnowledge(events: readonly SessionEvent[]): void {
    const metrics = this.instrumentation.metrics;
    if (!metrics) return;
    for (const e of events) {
      if (e.type === 'feedback') metrics.knowledgeFeedbackTotal.inc({ passage: e.passageId, helpful: String(e.helpful) });
      else if (e.type === 'knowledge') metrics.knowledgeOutcomesTotal.inc({ outcome: e.outcome });
    }
  }

  /** The knowledge search of this message (retrieval-first routing); a failure only costs the signal, never the turn. */
  private async probe(text: string, parse: ParseResult, sessionId: string): Promise<KnowledgeSignal | undefined> {
    const probe = this.options.knowledgeProbe;
    if (!probe || parse.trigger) return undefined;
    try {
      return await timeStage('retrieval', this.instrumentation, () => probe.search(text, parse));
    } catch (error) {
      this.instrumentation.metrics?.errorsTotal.inc({ code: isMonetaError(error) ? error.code : 'internal' });
      this.instrumentation.logger?.warn({ err: error, sessionHash: this.hash(sessionId) }, 'knowledge search failed');
      return undefined;
    }
  }

  /** Runs one planned step; `turnEvents` are the events this turn has produced so far. */
  private async runStep(step: PlanStep, turn: TurnInput, turnEvents: readonly SessionEvent[]): Promise<SkillResult> {
    switch (step.kind) {
      case 'reply':
        return { events: step.events, replies: step.replies };
      case 'skill':
        return this.runSkill(step, turn, turnEvents);
      case 'handoff':
        return this.handoff(step.reason, turn, turnEvents);
      case 'rescue':
        return this.rescue(step, turn, turnEvents);
    }
  }

  /** The rescue skill's answer, or the steps it stands in front of when it declines or fails. */
  private async rescue(step: Extract<PlanStep, { kind: 'rescue' }>, turn: TurnInput, turnEvents: readonly SessionEvent[]): Promise<SkillResult> {
    const { skill } = step;
    try {
      const result = await timeStage('skill', this.instrumentation, async () => skill.rescue?.(this.skillContext(turn, turnEvents)));
      if (result) return { events: [...result.events, { type: 'skill_ran', at: turn.now, skill: skill.name, intent: turn.parse.intent.name, ok: true }], replies: result.replies };
    } catch (error) {
      // A failed second opinion is not the user's problem: log it and give the reply the policy planned.
      this.instrumentation.metrics?.errorsTotal.inc({ code: isMonetaError(error) ? error.code : 'internal' });
      this.instrumentation.logger?.warn({ err: error, skill: skill.name, sessionHash: this.hash(turn.sessionId) }, 'rescue failed');
    }
    const merged: SkillResult = { events: [], replies: [] };
    for (const next of step.otherwise) {
      const r = await this.runStep(next, turn, [...turnEvents, ...merged.events]);
      merged.events.push(...r.events);
      merged.replies.push(...r.replies);
    }
    return merged;
  }

  /** What a skill sees of this turn: the conversation so far plus the events this turn has produced. */
  private skillContext(turn: TurnInput, turnEvents: readonly SessionEvent[]): SkillContext {
    return {
      sessionId: turn.sessionId,
      parse: turn.parse,
      text: turn.text,
      events: [...turn.events, ...turnEvents],
      now: turn.now,
      ...(turn.knowledge ? { knowledge: turn.knowledge } : {}),
    };
  }

  private async runSkill(step: Extract<PlanStep, { kind: 'skill' }>, turn: TurnInput, turnEvents: readonly SessionEvent[]): Promise<SkillResult> {
    const { skill, intent } = step;
    const { now } = turn;
    try {
      const result = await timeStage('skill', this.instrumentation, () =>
        skill.run({ ...this.skillContext(turn, turnEvents), intent, ...(step.completedForm ? { completedForm: step.completedForm } : {}) }),
      );
      return { events: [...result.events, { type: 'skill_ran', at: now, skill: skill.name, intent, ok: true }], replies: result.replies };
    } catch (error) {
      // A failing skill becomes an apologetic reply, never a dropped turn or a disconnect (ARCHITECTURE principle 12).
      const code = isMonetaError(error) ? error.code : 'internal';
      const userMessage = isMonetaError(error) && error.code !== 'internal' ? error.message : TEXTS.skillFailed;
      this.instrumentation.metrics?.errorsTotal.inc({ code });
      this.instrumentation.logger?.error({ err: error, skill: skill.name, intent, sessionHash: this.hash(turn.sessionId) }, 'skill failed');
      return {
        events: [{ type: 'skill_ran', at: now, skill: skill.name, intent, ok: false }],
        replies: [textMessage(userMessage), customMessage({ type: 'error', code, message: userMessage })],
      };
    }
  }

  private async handoff(reason: string, turn: TurnInput, turnEvents: readonly SessionEvent[]): Promise<SkillResult> {
    const { sessionId, now } = turn;
    const notifier = this.options.handoffNotifier;
    const contact = this.options.handoffContact ?? {};
    let status: 'sent' | 'failed' | 'unavailable' = 'unavailable';
    let ticket: string | undefined;
    const desk = this.options.liveDesk;
    // Banks with their own agent desk keep the webhook; otherwise the console's agents take it when they are there.
    if (!notifier && desk && (await desk.available(now))) {
      try {
        const place = await desk.enqueue({ sessionId, reason, at: now, events: [...turn.events, ...turnEvents, { type: 'handoff', at: now, reason }] });
        return {
          events: [{ type: 'handoff', at: now, reason }],
          replies: [textMessage(TEXTS.handoffQueued(place.position, place.waitSeconds)), // No contact details here: Moneta's widget would show the contact card in place of this text, and the text
          // carries the customer's place in the queue.
          customMessage({ type: 'handoff', reason, status: 'queued', queue: place })],
        };
      } catch (error) {
        // Could not queue (e.g. Redis away): fall through to the contact/call-back path rather than fail the turn.
        this.instrumentation.logger?.warn({ err: error, sessionHash: this.hash(sessionId) }, 'live hand-off queue failed');
      }
    }
    if (notifier) {
      try {
        const proposed = (this.options.newTicket ?? newTicketReference)();
        const receipt = await notifier.notify({ sessionId, reason, at: now, ticket: proposed, transcript: buildTranscript([...turn.events, ...turnEvents]) });
        ticket = receipt?.ticket ?? proposed;
        status = 'sent';
      } catch (error) {
        status = 'failed';
        this.instrumentation.metrics?.errorsTotal.inc({ code: 'internal' });
        this.instrumentation.logger?.warn({ err: error, sessionHash: this.hash(sessionId) }, 'hand-off webhook failed');
      }
    }
    // Hand-off that goes somewhere (issue 12): a ticket reference when the team has it, otherwise the ways to reach
    // the team and a call back (the card offers a form; `callback: true`).
    const reach = contactSentence(contact);
    const text =
      status === 'sent'
        ? `${TEXTS.handoffSent} Your reference is ${ticket}.`
        : `${status === 'failed' ? TEXTS.handoffFailed : TEXTS.handoffUnavailable}${reach ? ` ${reach}` : ''}${notifier ? ' You can also ask us to call you back.' : ''}`;
    const hasContact = Object.keys(contact).length > 0;
    return {
      events: [{ type: 'handoff', at: now, reason }],
      replies: [
        textMessage(text),
        customMessage({
          type: 'handoff',
          reason,
          status,
          ...(ticket ? { ticket } : {}),
          ...(hasContact ? { contact } : {}),
          // A call back only where the number can go: the bank's system behind the webhook (docs/security.md).
          ...(status !== 'sent' && notifier ? { callback: true } : {}),
        }),
      ],
    };
  }

  private compact(parse: ParseResult): ParseResult {
    const size = this.options.storedRankingSize ?? 5;
    return { ...parse, intent_ranking: parse.intent_ranking.slice(0, size) };
  }
}
