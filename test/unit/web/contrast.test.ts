/**
 * WCAG 2.1 contrast of the widget's default palettes, read from web/src/ui/widget.css: text pairs ≥ 4.5:1 (AA, 1.4.3),
 * UI component boundaries and graphical objects ≥ 3:1 (AA, 1.4.11). Guards the defaults against drifting colours.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../../web/src/ui/widget.css', import.meta.url), 'utf8');

/** `--_name: var(--moneta-x, #hex)` defaults inside the first block that starts with `selector {`. */
function palette(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  expect(start, `block ${selector}`).toBeGreaterThanOrEqual(0);
  const block = css.slice(start, css.indexOf('}', start));
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/--_([\w-]+):\s*var\(--moneta-[\w-]+,\s*(#[0-9a-fA-F]{6})\)/g)) out[m[1] as string] = m[2] as string;
  return out;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two sRGB colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const light = palette('.root');
const dark = { ...light, ...palette('.root.theme-dark') };

describe.each([
  ['light', light],
  ['dark', dark],
])('%s theme', (_name, p) => {
  const text: Array<[string, string, string]> = [
    ['body text', 'fg', 'bg'],
    ['bot bubble text', 'bot-fg', 'bot-bg'],
    ['secondary text', 'muted', 'bg'],
    ['secondary text on bubbles/banners', 'muted', 'bot-bg'],
    ['header / user bubble / buttons', 'on-primary', 'primary'],
    ['error text', 'danger', 'bg'],
    ['low-risk badge', 'ok', 'bg'],
    ['medium-risk badge', 'warn', 'bg'],
  ];
  it.each(text)('%s ≥ 4.5:1', (_label, fg, bg) => {
    expect(contrast(p[fg] as string, p[bg] as string)).toBeGreaterThanOrEqual(4.5);
  });
  const ui: Array<[string, string, string]> = [
    ['input borders', 'border', 'bg'],
    ['chip borders, chart line', 'primary', 'bg'],
    ['focus ring', 'focus', 'bg'],
    ['gauge, high risk', 'danger', 'bg'],
  ];
  it.each(ui)('%s ≥ 3:1', (_label, fg, bg) => {
    expect(contrast(p[fg] as string, p[bg] as string)).toBeGreaterThanOrEqual(3);
  });
});

it('computes known ratios', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
});
