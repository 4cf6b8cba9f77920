/** The tracker: current conversation state derived from the append-only event log (Rasa's tracker idea), never stored. */
import type { BotMessage, FormQuestionPayload } from '../contracts/chat-protocol.ts';
import type { SessionEvent } from './types.ts';

/** The form being filled, if any. */
export interface ActiveForm {
  name: string;
  /** Slots answered since this form (re)started. */
  filled: Record<string, unknown>;
  /** The slot of the last `form_question` the bot asked in this form. */
  requestedSlot: string | undefined;
  /** Slots the bot has asked in this form, in order (slots answered in advance never appear: progress counts these). */
  asked: string[];
}

/** State derived from the log. */
export interface TrackerState {
  /** Latest value of every slot ever set (across forms). */
  slots: Record<string, unknown>;
  activeForm: ActiveForm | undefined;
  /** Consecutive user turns that ended in the fallback stage (reset by any turn that did not). */
  fallbackCount: number;
  /** Text of the last bot text message, if any. */
  lastBotText: string | undefined;
  /** The last question the bot asked: a form question's text, or a bot text ending in "?" (for contextual yes/no). */
  lastBotQuestion: string | undefined;
  /** Number of user messages so far. */
  userTurns: number;
  /** Whether the bot has said anything yet (a new conversation gets a greeting when the widget opens). */
  botHasSpoken: boolean;
}

/** Replays `events` into the current state. Pure and cheap (linear in the log). */
export function deriveState(events: readonly SessionEvent[]): TrackerState {
  const state: TrackerState = {
    slots: {},
    activeForm: undefined,
    fallbackCount: 0,
    lastBotText: undefined,
    lastBotQuestion: undefined,
    userTurns: 0,
    botHasSpoken: false,
  };
  let inTurn = false;
  let turnHadFallback = false;
  for (const event of events) {
    switch (event.type) {
      case 'user_uttered':
        if (inTurn && !turnHadFallback) state.fallbackCount = 0;
        inTurn = true;
        turnHadFallback = false;
        state.userTurns += 1;
        break;
      case 'fallback':
        state.fallbackCount += 1;
        turnHadFallback = true;
        break;
      case 'bot_uttered':
        state.botHasSpoken = true;
        trackBotMessage(state, event.message);
        break;
      case 'slot_set':
        state.slots[event.name] = event.value;
        if (state.activeForm && (event.form === undefined || event.form === state.activeForm.name)) {
          state.activeForm.filled[event.name] = event.value;
        }
        break;
      case 'form_started':
        state.activeForm = { name: event.form, filled: {}, requestedSlot: undefined, asked: [] };
        break;
      case 'form_ended':
        if (state.activeForm?.name === event.form) state.activeForm = undefined;
        break;
      default:
        break;
    }
  }
  if (inTurn && !turnHadFallback) state.fallbackCount = 0;
  return state;
}

function trackBotMessage(state: TrackerState, message: BotMessage): void {
  if ('text' in message) {
    state.lastBotText = message.text;
    if (/\?\s*$/.test(message.text)) state.lastBotQuestion = message.text;
  }
  if ('custom' in message && message.custom.type === 'form_question') {
    // The text right before a form_question event is its question, even when it does not end in "?".
    if (state.lastBotText !== undefined) state.lastBotQuestion = state.lastBotText;
    const q = message.custom as FormQuestionPayload;
    if (state.activeForm && q.form === state.activeForm.name) {
      state.activeForm.requestedSlot = q.slot;
      if (!state.activeForm.asked.includes(q.slot)) state.activeForm.asked.push(q.slot);
    }
  }
}

/** A knowledge answer recorded in the log (`knowledge` event with outcome `answered`). */
export type KnowledgeAnswerEvent = Extract<SessionEvent, { type: 'knowledge' }>;

/** The answered `knowledge` event with this answer id, or undefined (feedback for an unknown answer changes nothing). */
export function findKnowledgeAnswer(events: readonly SessionEvent[], answerId: string): KnowledgeAnswerEvent | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i]!;
    if (e.type === 'knowledge' && e.outcome === 'answered' && e.answerId === answerId) return e;
  }
  return undefined;
}
