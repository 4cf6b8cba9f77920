/** The credit gauge's geometry: risk bands as equal arcs, the estimate's position, boundary ticks (pure: unit-tested). */

/** A risk band on the gauge's scale: `[from, to)` of the value, and a colour class (`low` / `medium` / `high`). */
export interface GaugeBand {
  from: number;
  to: number;
  tone: string;
}

/** Where things sit on the half circle, as fractions 0 (left end) … 1 (right end). */
export interface GaugeLayout {
  /** One arc per usable band, in order, each the same width (a band of 0–8.7% is as readable as one of 17.5–100%). */
  arcs: Array<{ start: number; end: number; tone: string }>;
  /** The estimate's position: linear inside its band. */
  marker: number;
  /** Band boundaries between arcs, with the value they stand for. */
  ticks: Array<{ at: number; value: number }>;
}

/**
 * Lays out the gauge for `value` in [0, 1]. Bands are sorted, malformed ones dropped; without bands the scale is one
 * neutral arc and the marker sits at the value itself.
 */
export function gaugeLayout(value: number, bands: readonly GaugeBand[]): GaugeLayout {
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  const usable = bands
    .filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to) && b.to > b.from)
    .map((b) => ({ ...b, to: Math.min(1, b.to) }))
    .sort((a, b) => a.from - b.from);
  if (usable.length === 0) return { arcs: [{ start: 0, end: 1, tone: 'neutral' }], marker: v, ticks: [] };
  const width = 1 / usable.length;
  const arcs = usable.map((b, i) => ({ start: i * width, end: (i + 1) * width, tone: b.tone }));
  const ticks = usable.slice(1).map((b, i) => ({ at: (i + 1) * width, value: b.from }));
  let marker = v <= usable[0]!.from ? 0 : 1;
  for (const [i, b] of usable.entries()) {
    if (v >= b.from && v < b.to) {
      marker = (i + (v - b.from) / (b.to - b.from)) * width;
      break;
    }
  }
  return { arcs, marker, ticks };
}

/** A point on the half circle (centre cx, cy; radius r) at fraction `t` from the left end, clockwise over the top. */
export function arcPoint(cx: number, cy: number, r: number, t: number): { x: number; y: number } {
  const angle = Math.PI * (1 - t);
  return { x: cx + r * Math.cos(angle), y: cy - r * Math.sin(angle) };
}

/** SVG path of the arc from fraction `a` to `b` (a < b) of the half circle. */
export function arcPath(cx: number, cy: number, r: number, a: number, b: number): string {
  const p = arcPoint(cx, cy, r, a);
  const q = arcPoint(cx, cy, r, b);
  const f = (n: number) => n.toFixed(2);
  return `M ${f(p.x)} ${f(p.y)} A ${r} ${r} 0 0 1 ${f(q.x)} ${f(q.y)}`;
}
