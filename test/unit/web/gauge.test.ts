/** Unit tests for the credit gauge's arcs: bands split at the estimate, gaps and clamping. */
import { describe, expect, it } from 'vitest';
import { gaugeSegments } from '../../../web/src/ui/gauge.ts';

const bands = [
  { from: 0, to: 0.1, tone: 'low' },
  { from: 0.1, to: 0.3, tone: 'medium' },
  { from: 0.3, to: 1, tone: 'high' },
];
const round = (xs: Array<{ value: number; className: string }>) => xs.map((x) => ({ ...x, value: Math.round(x.value * 1e6) / 1e6 }));

describe('gaugeSegments', () => {
  it('fills the bands up to the estimate and fades the rest, in order', () => {
    expect(round(gaugeSegments(0.18, bands, 'band-medium'))).toEqual([
      { value: 0.1, className: 'gauge-fill band-low' },
      { value: 0.08, className: 'gauge-fill band-medium' },
      { value: 0.12, className: 'gauge-rest band-medium' },
      { value: 0.7, className: 'gauge-rest band-high' },
    ]);
  });

  it('always spans the whole scale, whatever the estimate', () => {
    for (const v of [-1, 0, 0.05, 0.1, 0.3, 0.99, 1, 2]) {
      const total = gaugeSegments(v, bands, 'x').reduce((a, s) => a + s.value, 0);
      expect(total).toBeCloseTo(1, 9);
    }
  });

  it('leaves gaps between bands unfilled and ignores malformed bands', () => {
    expect(round(gaugeSegments(0.5, [{ from: 0.2, to: 0.4, tone: 'medium' }, { from: 0.6, to: 0.5, tone: 'bad' }], 'x'))).toEqual([
      { value: 0.2, className: 'gauge-rest' },
      { value: 0.2, className: 'gauge-fill band-medium' },
      { value: 0.6, className: 'gauge-rest' },
    ]);
  });

  it('without bands: one solid arc in the given class', () => {
    expect(gaugeSegments(0.25, [], 'band-high')).toEqual([
      { value: 0.25, className: 'gauge-fill band-high' },
      { value: 0.75, className: 'gauge-rest' },
    ]);
  });
});
