/** Table-driven tests for the rule-based entity extractors used by forms and /model/parse. */
import { describe, expect, it } from 'vitest';
import {
  extractEntities,
  parseAge,
  parseAmount,
  parseCount,
  parseDate,
  parseDuration,
  parseNumber,
  parsePercentage,
  parseYesNo,
} from '../../../../server/nlu/entities/index.ts';

const NOW = new Date('2026-11-29T12:00:00Z');

describe('parseNumber', () => {
  it.each([
    ['2,500', 2500],
    ['about 3k', 3000],
    ['1.5m', 1_500_000],
    ['twenty-five thousand', 25_000],
    ['a hundred and five', 105],
    ['two thousand five hundred', 2500],
    ['2.500,50', 2500.5],
    ['.5', 0.5],
    ['3 thousand', 3000],
    ['a couple', 2],
    ['a dozen', 12],
    ['nothing here', undefined],
    ['', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseNumber(text)).toBe(expected);
  });
});

describe('parseAmount', () => {
  it.each([
    ['2,500 euros', { value: 2500, currency: 'EUR' }],
    ['$3k', { value: 3000, currency: 'USD' }],
    ['€1.2m', { value: 1_200_000, currency: 'EUR' }],
    ['twenty thousand dollars', { value: 20_000, currency: 'USD' }],
    ['£750', { value: 750, currency: 'GBP' }],
    ['2500 DM', { value: 2500, currency: 'DEM' }],
    ['40k quid', { value: 40_000, currency: 'GBP' }],
    ['NT$ 50,000', { value: 50_000, currency: 'TWD' }],
    ['USD 1,000.50', { value: 1000.5, currency: 'USD' }],
    ['5000', { value: 5000 }],
    ['3k', { value: 3000 }],
    ['-200 euros', { value: -200, currency: 'EUR' }],
    ['I would like to borrow 2,500 euros for two years', { value: 2500, currency: 'EUR' }],
    ['no idea', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseAmount(text)).toEqual(expected);
  });
});

describe('parseDuration', () => {
  it.each([
    ['two years', 24],
    ['18 months', 18],
    ['1.5 years', 18],
    ['a year and a half', 18],
    ['one and a half years', 18],
    ['half a year', 6],
    ['for a year', 12],
    ['24m', 24],
    ['18 mo', 18],
    ['36-month loan', 36],
    ['3 yrs', 36],
    ['a decade', 120],
    ['actually, make the duration 24 months', 24],
    ['2500 euros', undefined],
    ['a year old', undefined],
  ])('%j → %j months', (text, months) => {
    expect(parseDuration(text)?.months).toBe(months);
  });

  it('keeps days for day- and week-based answers', () => {
    expect(parseDuration('6 weeks')).toMatchObject({ days: 42 });
    expect(parseDuration('90 days')).toMatchObject({ days: 90 });
  });
});

describe('parseAge', () => {
  it.each([
    ["I'm 34", 34],
    ['34 years old', 34],
    ['aged 52', 52],
    ['34', 34],
    ['about 40', 40],
    ['thirty-four', 34],
    ['12', undefined],
    ['2500', undefined],
    ['34 months', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseAge(text)).toBe(expected);
  });
});

describe('parsePercentage', () => {
  it.each([
    ['5%', 5],
    ['4.5 percent', 4.5],
    ['five per cent', 5],
    ['four and a half percent', 4.5],
    ['0.25 pct', 0.25],
    ['25', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parsePercentage(text)).toBe(expected);
  });
});

describe('parseYesNo', () => {
  it.each([
    ['yes', true],
    ['Yeah sure', true],
    ['yep!', true],
    ['of course', true],
    ['I do', true],
    ['um, yes please', true],
    ['no', false],
    ['nope', false],
    ['Not really', false],
    ["I don't", false],
    ['nah', false],
    ['I am 34', undefined],
    ['maybe', undefined],
    ['nobody knows', undefined],
    ['yesterday', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseYesNo(text)).toBe(expected);
  });
});

describe('parseCount', () => {
  it.each([
    ['two kids', 2],
    ['3', 3],
    ['none', 0],
    ['no dependants', 0],
    ['zero', 0],
    ['1.5', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseCount(text)).toBe(expected);
  });
});

describe('parseDate', () => {
  it.each([
    ['2024-05-01', '2024-05-01'],
    ['on 1 May 2024', '2024-05-01'],
    ['May 1st, 2024', '2024-05-01'],
    ['05/03/2024', '2024-03-05'],
    ['yesterday', '2026-11-28'],
    ['3 weeks ago', '2026-11-08'],
    ['31/02/2024', undefined],
    ['no date', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseDate(text, NOW)).toBe(expected);
  });
});

describe('extractEntities', () => {
  it('returns every entity with the span of its text', () => {
    const text = 'I want to borrow 2,500 euros for two years, I am 34 years old';
    const entities = extractEntities(text, NOW);
    expect(entities.map((e) => [e.entity, e.value, text.slice(e.start, e.end)])).toEqual([
      ['amount', 2500, '2,500 euros'],
      ['duration', 24, 'two years'],
      ['age', 34, '34 years old'],
    ]);
    expect(entities.every((e) => e.extractor === 'moneta.rules')).toBe(true);
  });

  it.each([
    [''],
    ['🙂🙂🙂'],
    ['<script>alert(1)</script>'],
    ['\u0000\u0007 control'],
    ['¿Cuánto cuesta una transferencia?'],
    ['x'.repeat(20_000)],
    ['9'.repeat(400)],
  ])('never throws on odd input %#', (text) => {
    expect(() => extractEntities(text, NOW)).not.toThrow();
  });
});
