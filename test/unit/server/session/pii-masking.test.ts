/** Table-driven tests of the masking step: what is masked (checksums verified), what is left alone, and the stored event. */
import { describe, expect, it } from 'vitest';
import { maskEvent } from '../../../../server/session/masking-session-store.ts';
import { ibanValid, luhnValid, maskPersonalData } from '../../../../server/session/pii-masking.ts';

describe('maskPersonalData', () => {
  it.each([
    ['my card is 4111 1111 1111 1111, it was stolen', 'my card is [card ••••1111], it was stolen'],
    ['card 5500-0000-0000-0004 declined', 'card [card ••••0004] declined'],
    ['number 378282246310005', 'number [card ••••0005]'],
    ['IBAN DE89370400440532013000 please', 'IBAN [IBAN ••••3000] please'],
    ['send it to GB82 WEST 1234 5698 7654 32 today', 'send it to [IBAN ••••5432] today'],
    ['iban de89 3704 0044 0532 0130 00', 'iban [IBAN ••••3000]'],
    ['write to jane.doe+bank@mail.example.co.uk now', 'write to [email] now'],
    ['call me on +44 20 7946 0958', 'call me on [phone ••••0958]'],
    ['my number is 0171 1234567.', 'my number is [phone ••••4567].'],
    ['555-123-4567 is my cell', '[phone ••••4567] is my cell'],
    ['card 4111111111111111 and mail a@b.io', 'card [card ••••1111] and mail [email]'],
  ])('masks %j', (input, expected) => {
    expect(maskPersonalData(input).text).toBe(expected);
  });

  it.each([
    'I have 20,000 to invest for 15 years',
    'borrow 1 500 EUR over 24 months',
    'born 1990-05-17, aged 35',
    'my secret is 1234',
    'amount 250000',
    'a card number that fails Luhn: 4111 1111 1111 1112',
    'an IBAN with a wrong check: DE89370400440532013001',
    'order 12345678',
    '/credit_risk_assessment',
  ])('leaves %j alone', (input) => {
    expect(maskPersonalData(input)).toEqual({ text: input, spans: [] });
  });

  it('checks Luhn and mod-97 as specified', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
  });
});

describe('maskEvent (what reaches a store)', () => {
  it('masks the user text once, drops the parse\'s copy and entities that covered masked data, keeps the intent', () => {
    const text = 'my card 4111 1111 1111 1111 for 300 EUR';
    const stored = maskEvent({
      type: 'user_uttered',
      at: 1,
      text,
      channel: 'socketio',
      parse: {
        text,
        intent: { name: 'card_arrival', confidence: 0.9 },
        intent_ranking: [{ name: 'card_arrival', confidence: 0.9 }],
        entities: [
          { entity: 'amount', value: 4111, start: 8, end: 12, extractor: 'rule' },
          { entity: 'amount', value: 300, start: 32, end: 39, extractor: 'rule' },
        ],
      },
    });
    expect(stored).toEqual({
      type: 'user_uttered',
      at: 1,
      text: 'my card [card ••••1111] for 300 EUR',
      channel: 'socketio',
      parse: { intent: { name: 'card_arrival', confidence: 0.9 }, intent_ranking: [{ name: 'card_arrival', confidence: 0.9 }], entities: [{ entity: 'amount', value: 300, start: 32, end: 39, extractor: 'rule' }] },
    });
    expect(JSON.stringify(stored)).not.toContain('1111 1111');
  });

  it('masks bot text and string slot values too (a reply or a form answer may repeat what the user typed)', () => {
    expect(maskEvent({ type: 'bot_uttered', at: 1, message: { text: 'We will write to jo@x.example.' } })).toEqual({ type: 'bot_uttered', at: 1, message: { text: 'We will write to [email].' } });
    expect(maskEvent({ type: 'slot_set', at: 1, name: 'contact', value: '+49 30 1234 5678' })).toMatchObject({ value: '[phone ••••5678]' });
    expect(maskEvent({ type: 'slot_set', at: 1, name: 'amount', value: 5000 })).toMatchObject({ value: 5000 });
  });
});
