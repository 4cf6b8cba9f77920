/**
 * Types for the Chartist subset the widget uses. Chartist 1.5's own .d.ts re-exports through extensionless relative
 * paths, which this project's NodeNext module resolution cannot follow (the package looks empty to tsc), so the small
 * surface used here is declared locally.
 */

/** A created chart; `detach()` removes its window resize listener, `update()` redraws it (e.g. after a resize). */
export interface ChartistChart {
  detach(): unknown;
  update(): unknown;
}

/** Constructor shape shared by Chartist's chart classes: container element, data, options. */
export type ChartistChartClass = new (element: Element, data: unknown, options?: unknown) => ChartistChart;

/** Pie / donut / gauge chart. */
export declare const PieChart: ChartistChartClass;
/** Line / scatter chart. */
export declare const LineChart: ChartistChartClass;
/** Continuous numeric axis (for x/y scatter data). */
export declare const AutoScaleAxis: unknown;
