/** Unit tests for the credit gauge's geometry: equal band arcs, the marker inside its band, boundary ticks. */
import { describe, expect, it } from 'vitest';
import { arcPoint, gaugeLayout } from '../../../web/src/ui/gauge.ts';

const bands = [
  { from: 0, to: 0.1, tone: 'low' },
  { from: 0.1, to: 0.3, tone: 'medium' },
  { from: 0.3, to: 1, tone: 'high' },
];

describe('gaugeLayout', () => {
  it('gives each band an equal arc and ticks at the boundaries with their values', () => {
    const g = gaugeLayout(0.18, bands);
    expect(g.arcs.map((a) => a.tone)).toEqual(['low', 'medium', 'high']);
    for (const a of g.arcs) expect(a.end - a.start).toBeCloseTo(1 / 3, 12);
    expect(g.ticks.map((t) => t.value)).toEqual([0.1, 0.3]);
    expect(g.ticks.map((t) => t.at)).toEqual([1 / 3, 2 / 3]);
  });

  it('puts the marker inside the band of the estimate, linear within it', () => {
    expect(gaugeLayout(0.18, bands).marker).toBeCloseTo(1 / 3 + (0.08 / 0.2) / 3, 12); // 40% into the medium band
    expect(gaugeLayout(0.05, bands).marker).toBeCloseTo(0.5 / 3, 12);
    expect(gaugeLayout(0.3, bands).marker).toBeCloseTo(2 / 3, 12);
    expect(gaugeLayout(1, bands).marker).toBe(1);
    expect(gaugeLayout(-2, bands).marker).toBe(0);
    expect(gaugeLayout(Number.NaN, bands).marker).toBe(0);
  });

  it('orders bands, drops malformed ones, and falls back to a linear scale without bands', () => {
    const g = gaugeLayout(0.5, [{ from: 0.3, to: 1, tone: 'high' }, { from: 0.6, to: 0.5, tone: 'bad' }, { from: 0, to: 0.3, tone: 'low' }]);
    expect(g.arcs.map((a) => a.tone)).toEqual(['low', 'high']);
    expect(gaugeLayout(0.42, []).marker).toBe(0.42);
    expect(gaugeLayout(0.42, []).arcs).toEqual([{ start: 0, end: 1, tone: 'neutral' }]);
  });
});

describe('arcPoint', () => {
  it('runs from the left end over the top to the right end', () => {
    const l = arcPoint(100, 100, 50, 0);
    const top = arcPoint(100, 100, 50, 0.5);
    const r = arcPoint(100, 100, 50, 1);
    expect(l.x).toBeCloseTo(50);
    expect(l.y).toBeCloseTo(100);
    expect(top.x).toBeCloseTo(100);
    expect(top.y).toBeCloseTo(50);
    expect(r.x).toBeCloseTo(150);
  });
});
