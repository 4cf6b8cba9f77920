// Re-exports the part of Chartist the widget uses (named exports keep it tree-shakeable); typed by chartist-subset.d.ts.
export { AutoScaleAxis, LineChart, PieChart } from 'chartist';
