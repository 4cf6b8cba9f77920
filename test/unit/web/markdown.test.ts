/** Unit tests for the widget's Markdown-subset parser: formatting, lists, safe links, and HTML staying text. */
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref, toPlainText, type Block, type Inline } from '../../../web/src/markdown.ts';

const para = (children: Inline[]): Block => ({ type: 'paragraph', children });
const t = (text: string): Inline => ({ type: 'text', text });

describe('parseInline', () => {
  it('parses bold, italics and inline code', () => {
    expect(parseInline('a **b** _c_ *d* `e`', 0)).toEqual([
      t('a '),
      { type: 'strong', children: [t('b')] },
      t(' '),
      { type: 'em', children: [t('c')] },
      t(' '),
      { type: 'em', children: [t('d')] },
      t(' '),
      { type: 'code', text: 'e' },
    ]);
  });

  it('nests emphasis inside bold', () => {
    expect(parseInline('**very _important_ note**', 0)).toEqual([
      { type: 'strong', children: [t('very '), { type: 'em', children: [t('important')] }, t(' note')] },
    ]);
  });

  it('leaves snake_case words, lone asterisks and arithmetic alone', () => {
    expect(parseInline('credit_risk_assessment', 0)).toEqual([t('credit_risk_assessment')]);
    expect(parseInline('2 * 3 = 6', 0)).toEqual([t('2 * 3 = 6')]);
    expect(parseInline('** not bold **', 0)).toEqual([t('** not bold **')]);
  });

  it('makes links only for safe schemes', () => {
    expect(parseInline('see [the FAQ](https://bank.example/faq?q=1)', 0)).toEqual([
      t('see '),
      { type: 'link', href: 'https://bank.example/faq?q=1', children: [t('the FAQ')] },
    ]);
    // javascript:, data: and relative targets keep the label as text and drop the target.
    expect(parseInline('[click](javascript:alert(1))', 0)).toEqual([t('click'), t(')')]);
    expect(parseInline('[x](data:text/html,<b>hi</b>)', 0)).toEqual([t('x')]);
    expect(parseInline('[x](/relative)', 0)).toEqual([t('x')]);
  });

  it('autolinks bare http(s) URLs without trailing punctuation', () => {
    expect(parseInline('Visit https://bank.example/help.', 0)).toEqual([
      t('Visit '),
      { type: 'link', href: 'https://bank.example/help', children: [t('https://bank.example/help')] },
      t('.'),
    ]);
  });

  it('does not nest links inside link labels', () => {
    expect(parseInline('[https://a.example](https://b.example)', 0)).toEqual([
      { type: 'link', href: 'https://b.example/', children: [t('https://a.example')] },
    ]);
  });

  it('honours backslash escapes', () => {
    expect(parseInline('\\*not em\\*', 0)).toEqual([t('*not em*')]);
  });

  it('keeps HTML as literal text', () => {
    const html = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    expect(parseInline(html, 0)).toEqual([t(html)]);
  });
});

describe('parseMarkdown', () => {
  it('splits paragraphs on blank lines and keeps single line breaks', () => {
    expect(parseMarkdown('one\ntwo\n\nthree')).toEqual([
      para([t('one'), { type: 'br' }, t('two')]),
      para([t('three')]),
    ]);
  });

  it('parses bullet and numbered lists', () => {
    expect(parseMarkdown('Steps:\n1. Freeze the card\n2. Order a new one\n\n- fast\n- **free**')).toEqual([
      para([t('Steps:')]),
      { type: 'list', ordered: true, items: [[t('Freeze the card')], [t('Order a new one')]] },
      { type: 'list', ordered: false, items: [[t('fast')], [{ type: 'strong', children: [t('free')] }]] },
    ]);
  });

  it('never throws on odd input and handles CRLF', () => {
    for (const s of ['', '*', '**', '[', '[]()', '`', '_a', 'a_', '\r\n\r\n', '*'.repeat(500), '[a]('.repeat(200)]) {
      expect(() => parseMarkdown(s)).not.toThrow();
    }
    expect(parseMarkdown('a\r\nb')).toEqual([para([t('a'), { type: 'br' }, t('b')])]);
  });

  it('stays fast on long pathological input', () => {
    const s = '*a '.repeat(3000) + '_b '.repeat(3000);
    const start = performance.now();
    parseMarkdown(s);
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('round-trips to plain text', () => {
    expect(toPlainText(parseMarkdown('**Hi** [there](https://x.example)\n- a\n- b'))).toBe('Hi there\n\n• a\n• b');
  });
});

describe('safeHref', () => {
  it.each([
    ['https://bank.example/a b', undefined],
    ['https://bank.example/a', 'https://bank.example/a'],
    ['HTTPS://BANK.EXAMPLE', 'https://bank.example/'],
    ['mailto:help@bank.example', 'mailto:help@bank.example'],
    ['tel:+441234567', 'tel:+441234567'],
    ['javascript:alert(1)', undefined],
    ['JaVaScRiPt:alert(1)', undefined],
    ['java\tscript:alert(1)', undefined],
    ['vbscript:x', undefined],
    ['data:text/html;base64,PHNjcmlwdD4=', undefined],
    ['//evil.example', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(safeHref(input)).toBe(expected);
  });
});
