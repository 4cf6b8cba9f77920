/** The console's display masking: personal data never shown in full, ordinary numbers left alone. */
import { describe, expect, it } from 'vitest';
import { maskDeep, maskForDisplay, personalDataSpans } from '../../../../server/console/review/display-mask.ts';

describe('maskForDisplay', () => {
  it.each([
    ['card 4111 1111 1111 1111 please', 'card [card] please'],
    ['card 4111-1111-1111-1111', 'card [card]'],
    ['my card is 5500005555555559', 'my card is [card]'],
    ['write to jane.doe+bank@example.co.uk today', 'write to [email] today'],
    ['IBAN DE89 3704 0044 0532 0130 00 thanks', 'IBAN [iban] thanks'],
    ['iban GB29NWBK60161331926819', 'iban [iban]'],
    ['call +44 7700 900123', 'call [phone]'],
    ['call 07700900123 after 5', 'call [phone] after 5'],
  ])('masks %s', (input, expected) => {
    expect(maskForDisplay(input)).toBe(expected);
  });

  it.each(['I want to borrow 20,000 euros over 36 months', 'my PIN was blocked 3 times in 2026', 'transfer of 1500 to my savings', 'what is an ETF?'])('leaves %s unchanged', (input) => {
    expect(maskForDisplay(input)).toBe(input);
  });

  it('reports the spans, and masks strings inside structures', () => {
    expect(personalDataSpans('x 4111111111111111 y')).toEqual([[2, 18, '[card]']]);
    expect(maskDeep({ a: ['mail a@b.io'], n: 4 })).toEqual({ a: ['mail [email]'], n: 4 });
  });
});
