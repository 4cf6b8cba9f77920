/** The tracker derives slots, the active form, the fallback streak and the last question from the event log. */
import { describe, expect, it } from 'vitest';
import { deriveState } from '../../../../server/session/tracker.ts';
import type { SessionEvent } from '../../../../server/session/types.ts';

const u = (text: string): SessionEvent => ({ type: 'user_uttered', at: 1, text });
const b = (text: string): SessionEvent => ({ type: 'bot_uttered', at: 1, message: { text } });
const fb: SessionEvent = { type: 'fallback', at: 1, reason: 'low_confidence' };
const q = (form: string, slot: string): SessionEvent => ({ type: 'bot_uttered', at: 1, message: { custom: { type: 'form_question', form, slot, input: { type: 'number' } } } });

describe('deriveState', () => {
  it('starts empty', () => {
    expect(deriveState([])).toEqual({ slots: {}, activeForm: undefined, fallbackCount: 0, lastBotText: undefined, lastBotQuestion: undefined, userTurns: 0, botHasSpoken: false });
  });

  it('tracks the active form, its filled slots and the requested slot', () => {
    const state = deriveState([
      u('loan'),
      { type: 'form_started', at: 1, form: 'loan' },
      b('How much?'),
      q('loan', 'amount'),
      u('5000'),
      { type: 'slot_set', at: 1, name: 'amount', value: 5000, form: 'loan' },
      b('How long?'),
      q('loan', 'duration'),
    ]);
    expect(state.activeForm).toEqual({ name: 'loan', filled: { amount: 5000 }, requestedSlot: 'duration', asked: ['amount', 'duration'] });
    expect(state.slots).toEqual({ amount: 5000 });
    expect(state.lastBotText).toBe('How long?');
    expect(state.lastBotQuestion).toBe('How long?');
    expect(state.userTurns).toBe(2);
    expect(state.botHasSpoken).toBe(true);
  });

  it('clears filled slots when a form restarts and forgets the form when it ends', () => {
    const events: SessionEvent[] = [
      { type: 'form_started', at: 1, form: 'loan' },
      { type: 'slot_set', at: 1, name: 'amount', value: 5000, form: 'loan' },
      { type: 'form_ended', at: 1, form: 'loan', reason: 'cancelled' },
    ];
    expect(deriveState(events).activeForm).toBeUndefined();
    expect(deriveState(events).slots).toEqual({ amount: 5000 });
    expect(deriveState([...events, { type: 'form_started', at: 2, form: 'loan' }]).activeForm?.filled).toEqual({});
  });

  it('remembers the last question, including form questions without a question mark', () => {
    expect(deriveState([b('Shall I continue?'), b('Here is a fact.')]).lastBotQuestion).toBe('Shall I continue?');
    expect(deriveState([b('Tell me your postcode'), q('f', 'postcode'), b('Noted.')]).lastBotQuestion).toBe('Tell me your postcode');
  });

  it('counts consecutive fallback turns and resets after an understood turn', () => {
    expect(deriveState([u('x'), fb, b('?')]).fallbackCount).toBe(1);
    expect(deriveState([u('x'), fb, u('y'), fb]).fallbackCount).toBe(2);
    expect(deriveState([u('x'), fb, u('hello'), b('Hi')]).fallbackCount).toBe(0);
    expect(deriveState([u('x'), fb, u('hello'), b('Hi'), u('z'), fb]).fallbackCount).toBe(1);
  });
});
