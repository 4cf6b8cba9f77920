/** The opening screen's options: greeting and entry buttons from the script tag (issue 12), with safe fallbacks. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENTRY_BUTTONS, DEFAULT_GREETING, parseEntryButtons, readOptions } from '../../../web/src/options.ts';

const page = 'https://bank.example/';

describe('opening options', () => {
  it('defaults to the greeting and the four capability buttons', () => {
    const o = readOptions({}, undefined, page);
    expect(o.greeting).toBe(DEFAULT_GREETING);
    expect(o.entryButtons.map((b) => b.title)).toEqual(['Cards & account help', 'Explain a money topic', 'Check my credit risk', 'Suggest a portfolio']);
  });

  it('takes the bank’s greeting and buttons from data attributes', () => {
    const o = readOptions(
      { greeting: 'Welcome to Example Bank', entryButtons: JSON.stringify([{ title: 'Mortgages', payload: '/mortgage' }, { title: ' Cards ', payload: '/banking_help' }]) },
      undefined,
      page,
    );
    expect(o.greeting).toBe('Welcome to Example Bank');
    expect(o.entryButtons).toEqual([{ title: 'Mortgages', payload: '/mortgage' }, { title: 'Cards', payload: '/banking_help' }]);
  });

  it('shows no buttons for an empty attribute, and the defaults for malformed ones', () => {
    expect(parseEntryButtons('')).toEqual([]);
    expect(parseEntryButtons('not json')).toEqual(DEFAULT_ENTRY_BUTTONS);
    expect(parseEntryButtons('{"title":"x"}')).toEqual(DEFAULT_ENTRY_BUTTONS);
    expect(parseEntryButtons('[{"title":"","payload":"/x"},{"title":1}]')).toEqual(DEFAULT_ENTRY_BUTTONS);
    expect(parseEntryButtons(JSON.stringify(Array.from({ length: 9 }, (_, i) => ({ title: `b${i}`, payload: `/b${i}` }))))).toHaveLength(6);
  });
});
