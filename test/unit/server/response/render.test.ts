/** Reply invariants (CONTRACTS §1) and the REST rendering (§2). */
import { describe, expect, it } from 'vitest';
import type { BotMessage } from '../../../../server/contracts/chat-protocol.ts';
import { ValidationError } from '../../../../server/errors.ts';
import { errorReplies, normalizeReplies, toRestReplies } from '../../../../server/response/render.ts';

describe('normalizeReplies', () => {
  it('splits a message mixing text and custom into two events, text first', () => {
    const mixed = { text: 'Here you go', custom: { type: 'citations', sources: [] } } as unknown as BotMessage;
    expect(normalizeReplies([mixed])).toEqual([{ text: 'Here you go' }, { custom: { type: 'citations', sources: [] } }]);
  });
  it('drops null or empty quick_replies (rasa-webchat crashes on null)', () => {
    expect(normalizeReplies([{ text: 'a', quick_replies: null } as unknown as BotMessage, { text: 'b', quick_replies: [] }])).toEqual([{ text: 'a' }, { text: 'b' }]);
  });
  it('drops messages with nothing to show', () => {
    expect(normalizeReplies([{} as BotMessage, null as unknown as BotMessage, { custom: {} } as BotMessage])).toEqual([]);
  });
});

describe('toRestReplies', () => {
  it('renders one element per event, buttons for quick replies', () => {
    const messages: BotMessage[] = [
      { text: 'Pick one', quick_replies: [{ content_type: 'text', title: 'A', payload: '/a' }] },
      { custom: { type: 'handoff', reason: 'user_request' } },
      { attachment: { type: 'image', payload: { src: 'https://x/y.png' } } },
    ];
    expect(toRestReplies('u1', messages)).toEqual([
      { recipient_id: 'u1', text: 'Pick one', buttons: [{ title: 'A', payload: '/a' }] },
      { recipient_id: 'u1', custom: { type: 'handoff', reason: 'user_request' } },
      { recipient_id: 'u1', image: 'https://x/y.png' },
    ]);
  });
});

describe('errorReplies', () => {
  it('is a text event followed by a custom error event', () => {
    const error = new ValidationError('Please type a message');
    expect(errorReplies(error)).toEqual([{ text: 'Please type a message' }, { custom: { type: 'error', code: 'validation_failed', message: 'Please type a message' } }]);
  });
});
