/** A Chart.js chart in a Preact component (registered pieces only), with a text label for screen readers. */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Renders `config` into a canvas; the data is also in a table next to it (the canvas is described by `label`). */
export function ChartCanvas(props: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    // No animation: the dashboard must be readable at once (and the render-time test measures the data, not easing).
    const chart = new Chart(canvas.current!, { ...props.config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...props.config.options } });
    return () => chart.destroy();
  }, [props.config]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
