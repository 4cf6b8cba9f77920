/** The credit gauge's arcs: risk bands split at the estimate (pure, so it is unit-tested without a browser). */

/** A risk band on the gauge's scale: `[from, to)` of the value, and a colour class (`low` / `medium` / `high`). */
export interface GaugeBand {
  from: number;
  to: number;
  tone: string;
}

/**
 * The gauge's arcs for `value` in [0, 1]: each band split at the value into a solid part (up to the value) and a faded
 * part (beyond it), so the filled arc ends at the value and its colour shows the band it reached. Without bands, one
 * solid arc in `fillClass` and the faded rest.
 */
export function gaugeSegments(value: number, bands: readonly GaugeBand[], fillClass: string): Array<{ value: number; className: string }> {
  const v = Math.min(1, Math.max(0, value));
  const usable = bands.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to) && b.to > b.from).sort((a, b) => a.from - b.from);
  if (usable.length === 0) {
    return [
      { value: v, className: `gauge-fill ${fillClass}` },
      { value: 1 - v, className: 'gauge-rest' },
    ];
  }
  const out: Array<{ value: number; className: string }> = [];
  let at = 0;
  for (const b of usable) {
    const from = Math.max(at, Math.min(1, b.from));
    const to = Math.min(1, b.to);
    if (to <= from) continue;
    if (from > at) out.push({ value: from - at, className: 'gauge-rest' }); // a gap between bands
    const solid = Math.max(0, Math.min(to, v) - from);
    if (solid > 0) out.push({ value: solid, className: `gauge-fill band-${b.tone}` });
    if (to - from - solid > 0) out.push({ value: to - from - solid, className: `gauge-rest band-${b.tone}` });
    at = to;
  }
  if (at < 1) out.push({ value: 1 - at, className: 'gauge-rest' });
  return out;
}
