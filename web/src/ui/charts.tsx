/** Chartist-backed chart components (donut, gauge, frontier scatter) with text alternatives for screen readers. */
import { useEffect, useRef } from 'preact/hooks';
import { AutoScaleAxis, LineChart, PieChart, type ChartistChart } from '../chartist-subset.js';
import { gaugeSegments, type GaugeBand } from './gauge.ts';

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

/** Allocation donut: one slice per weight, coloured `--moneta-series-<i mod 10>` in order. */
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

/** Half-donut gauge of a value in [0, 1], optionally over coloured risk bands (see {@link gaugeSegments}). */
export function GaugeChart(props: ChartProps & { value: number; fillClass: string; bands?: readonly GaugeBand[] }) {
  const segments = gaugeSegments(props.value, props.bands ?? [], props.fillClass);
  const ref = useChart(
    (el) =>
      new PieChart(
        el,
        { series: segments },
        // total = 2 × the sum draws half a circle; startAngle 270 starts it on the left (Chartist's gauge recipe).
        // The square chart's lower, empty half is clipped by the stylesheet (.chart.gauge).
        { donut: true, donutWidth: 18, startAngle: 270, total: 2, showLabel: false, width: 150, height: 150, chartPadding: 2 },
      ),
    [JSON.stringify(segments)],
  );
  return <div ref={ref} class={`chart gauge ${props.className ?? ''}`} role="img" aria-label={props.label} />;
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
          height: 170,
          showArea: false,
          lineSmooth: false,
          chartPadding: { top: 18, right: 28, bottom: 4, left: 4 },
          axisX: {
            type: AutoScaleAxis,
            onlyInteger: false,
            scaleMinSpace: 48,
            labelInterpolationFnc: (v: unknown) => pct(Number(v), 0),
          },
          axisY: { scaleMinSpace: 28, offset: 44, labelInterpolationFnc: (v: unknown) => pct(Number(v), 1) },
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
      <div ref={ref} class="chart frontier-chart" role="img" aria-label={props.label} />
      <figcaption>
        Efficient frontier: expected return (up) against volatility (across)
        {props.chosen ? '; the dot marks the suggested portfolio.' : '.'}
      </figcaption>
    </figure>
  );
}
