/**
 * Charts with text alternatives for screen readers: the allocation donut and the efficient frontier (Chartist), the
 * credit gauge and the outcome fan chart (small hand-drawn SVGs: their geometry is a few lines, see gauge.ts).
 */
import { useEffect, useRef } from 'preact/hooks';
import { AutoScaleAxis, LineChart, PieChart, type ChartistChart } from '../chartist-subset.js';
import { arcPath, arcPoint, gaugeLayout, type GaugeBand } from './gauge.ts';

export type { GaugeBand } from './gauge.ts';

/** Number of distinct series colours defined in the stylesheet (`--moneta-series-0` … `-11`); more slices cycle. */
export const PALETTE_SIZE = 12;

/** Formats a fraction as a percentage with one decimal, e.g. 0.0612 → "6.1%". */
export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** Props shared by the charts: a text alternative is required (the SVG itself is hidden from assistive tech). */
interface ChartProps {
  label: string;
  className?: string;
}

/**
 * Creates a Chartist chart in an effect and detaches it (window resize listener) on unmount. Chartist sizes itself
 * from its container only on window resize; a chart drawn while the panel was closed (a restored transcript) has
 * zero width, so a ResizeObserver redraws it when its container's width changes.
 */
function useChart(create: (el: HTMLElement) => ChartistChart, deps: unknown[]) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const chart = create(el);
    let width = el.clientWidth;
    const ro =
      typeof ResizeObserver === 'undefined'
        ? undefined
        : new ResizeObserver(() => {
            if (el.clientWidth !== width && el.clientWidth > 0) chart.update();
            width = el.clientWidth;
          });
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      chart.detach();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return ref;
}

/** Allocation donut: one slice per weight, coloured `--moneta-series-<i mod 12>` in order. */
export function DonutChart(props: ChartProps & { weights: number[]; size?: number }) {
  const size = props.size ?? 132;
  const ref = useChart(
    (el) =>
      new PieChart(
        el,
        { series: props.weights.map((w, i) => ({ value: w, className: `moneta-s${i % PALETTE_SIZE}` })) },
        { donut: true, donutWidth: Math.round(size * 0.2), showLabel: false, width: size, height: size, chartPadding: 4 },
      ),
    [props.weights.join(','), size],
  );
  return <div ref={ref} class={`chart donut ${props.className ?? ''}`} role="img" aria-label={props.label} />;
}

/** Band names as a customer reads them. */
const TONE_LABEL: Record<string, string> = { low: 'Low', medium: 'Medium', high: 'High' };

/**
 * Half-circle gauge of a value in [0, 1] over risk bands: one equal arc per band (labelled), ticks with the band
 * boundaries, and a marker at the estimate. The SVG is hidden from assistive tech; `label` carries the numbers.
 */
export function GaugeChart(props: ChartProps & { value: number; bands?: readonly GaugeBand[] }) {
  const layout = gaugeLayout(props.value, props.bands ?? []);
  const cx = 110;
  const cy = 106;
  const r = 72;
  const tip = arcPoint(cx, cy, r + 12, layout.marker);
  const base = arcPoint(cx, cy, r - 22, layout.marker);
  return (
    <div class={`chart gauge ${props.className ?? ''}`} role="img" aria-label={props.label}>
      <svg viewBox="0 0 220 118" width="100%" aria-hidden="true" focusable="false">
        {layout.arcs.map((a) => (
          <path key={a.start} class={`gauge-band band-${a.tone}`} d={arcPath(cx, cy, r, a.start + 0.004, a.end - 0.004)} />
        ))}
        {layout.arcs.map((a) => {
          const p = arcPoint(cx, cy, r + 26, (a.start + a.end) / 2);
          return TONE_LABEL[a.tone] ? (
            <text key={`l${a.start}`} class="gauge-band-label" x={p.x} y={p.y + 4} text-anchor="middle">{TONE_LABEL[a.tone]}</text>
          ) : null;
        })}
        {layout.ticks.map((t) => {
          const p = arcPoint(cx, cy, r - 30, t.at);
          return (
            <text key={`t${t.at}`} class="gauge-tick" x={p.x} y={p.y + 4} text-anchor="middle">{pct(t.value, 1)}</text>
          );
        })}
        <line class="gauge-marker" x1={base.x} y1={base.y} x2={tip.x} y2={tip.y} />
        <circle class="gauge-marker-dot" cx={tip.x} cy={tip.y} r="5" />
      </svg>
    </div>
  );
}

/** One point of the outcome range over time (money or growth factor). */
export interface FanPoint {
  year: number;
  p5: number;
  p50: number;
  p95: number;
}

/**
 * Fan chart of the outcome range over the years: the band between the poor (5%) and good (95%) cases and the median
 * line, with year ticks and value ticks formatted by `format` (money with its currency).
 */
export function FanChart(props: ChartProps & { points: readonly FanPoint[]; format: (v: number) => string }) {
  const pts = [...props.points].sort((a, b) => a.year - b.year);
  if (pts.length < 2) return null;
  const w = 320;
  const h = 170;
  const left = 58;
  const right = 10;
  const top = 10;
  const bottom = 26;
  const maxYear = pts[pts.length - 1]!.year || 1;
  const lo = Math.min(...pts.map((p) => p.p5));
  const hi = Math.max(...pts.map((p) => p.p95));
  const span = hi - lo || 1;
  const x = (year: number) => left + ((w - left - right) * year) / maxYear;
  const y = (v: number) => top + (h - top - bottom) * (1 - (v - lo) / span);
  const line = (key: 'p5' | 'p50' | 'p95') => pts.map((p, i) => `${i ? 'L' : 'M'} ${x(p.year).toFixed(1)} ${y(p[key]).toFixed(1)}`).join(' ');
  const area = `${line('p95')} ${[...pts].reverse().map((p) => `L ${x(p.year).toFixed(1)} ${y(p.p5).toFixed(1)}`).join(' ')} Z`;
  const yTicks = [lo, lo + span / 2, hi];
  const yearTicks = [0, Math.round(maxYear / 2), maxYear].filter((v, i, a) => a.indexOf(v) === i);
  return (
    <div class={`chart fan ${props.className ?? ''}`} role="img" aria-label={props.label}>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" aria-hidden="true" focusable="false">
        {yTicks.map((v) => (
          <g key={v}>
            <line class="fan-grid" x1={left} x2={w - right} y1={y(v)} y2={y(v)} />
            <text class="fan-tick" x={left - 6} y={y(v) + 4} text-anchor="end">{props.format(v)}</text>
          </g>
        ))}
        {yearTicks.map((yr, i) => (
          <text key={`y${yr}`} class="fan-tick" x={x(yr)} y={h - 8} text-anchor={i === 0 ? 'start' : i === yearTicks.length - 1 ? 'end' : 'middle'}>
            {yr === 0 ? 'now' : `${yr} yr`}
          </text>
        ))}
        <path class="fan-area" d={area} />
        <path class="fan-line fan-p95" d={line('p95')} />
        <path class="fan-line fan-p5" d={line('p5')} />
        <path class="fan-line fan-p50" d={line('p50')} />
      </svg>
    </div>
  );
}

/** A point of the efficient frontier (annualised fractions). */
export interface FrontierPoint {
  volatility: number;
  expectedReturn: number;
}

/** Efficient frontier (line through the sampled points) with the chosen portfolio as a highlighted point. */
export function FrontierChart(props: ChartProps & { frontier: FrontierPoint[]; chosen?: FrontierPoint }) {
  const points = [...props.frontier].sort((a, b) => a.volatility - b.volatility);
  const toXY = (p: FrontierPoint) => ({ x: p.volatility, y: p.expectedReturn });
  const key = JSON.stringify([points, props.chosen]);
  const ref = useChart(
    (el) =>
      new LineChart(
        el,
        {
          series: [
            { name: 'frontier', className: 'frontier-line', data: points.map(toXY) },
            { name: 'chosen', className: 'frontier-chosen', data: props.chosen ? [toXY(props.chosen)] : [] },
          ],
        },
        {
          height: 180,
          showArea: false,
          lineSmooth: false,
          chartPadding: { top: 14, right: 18, bottom: 4, left: 4 },
          // Few, whole-percent ticks: legible at 360 px (issue 12).
          axisX: {
            type: AutoScaleAxis,
            onlyInteger: false,
            scaleMinSpace: 56,
            labelInterpolationFnc: (v: unknown) => pct(Number(v), 0),
          },
          axisY: { scaleMinSpace: 34, offset: 40, labelInterpolationFnc: (v: unknown) => pct(Number(v), 0) },
          series: {
            frontier: { showPoint: false, showLine: true },
            chosen: { showPoint: true, showLine: false },
          },
        },
      ),
    [key],
  );
  return (
    <figure class={`frontier ${props.className ?? ''}`}>
      <p class="axis-title y-title" aria-hidden="true">Expected return a year</p>
      <div ref={ref} class="chart frontier-chart" role="img" aria-label={props.label} />
      <p class="axis-title x-title" aria-hidden="true">Volatility a year (how much it swings) →</p>
      <figcaption>
        The best expected return for each level of risk
        {props.chosen ? '; the dot marks the suggested portfolio.' : '.'}
      </figcaption>
    </figure>
  );
}
