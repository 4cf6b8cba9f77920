/**
 * The credit-risk result card (issue 12): the headline answer first, the gauge with its bands and a marker, at most four
 * reasons under adverse-action headings, what to do next, a short disclaimer, and the technical details (model,
 * version, method, thresholds, currency conversion) collapsed behind "How this was calculated".
 */
import { useRef } from 'preact/hooks';
import type { CreditAssessmentPayload } from '../../../server/contracts/chat-protocol.ts';
import { GaugeChart, pct, type GaugeBand } from './charts.tsx';
import { NextSteps, readNextSteps } from './next-steps.tsx';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Maps a risk band name to a colour class (`low` / `medium` / `high`), whatever the model calls its bands. */
export function bandClass(band: string): 'low' | 'medium' | 'high' | 'neutral' {
  const b = band.toLowerCase();
  if (/high|elevated|poor|bad/.test(b)) return 'high';
  if (/medium|moderate|fair|average/.test(b)) return 'medium';
  if (/low|good|excellent/.test(b)) return 'low';
  return 'neutral';
}

/** "1.2.0" → "v1.2.0"; other version strings (e.g. "cma@2025-08.1") as they are. */
export const versionLabel = (v: string): string => (/^\d/.test(v) ? `v${v}` : v);

/** The headline when the server sent none (an older server): "Medium risk: about 18 in 100 similar loans ran into trouble". */
function fallbackHeadline(pd: number, band: string): string {
  const n = Math.round(pd * 100);
  return `${band.charAt(0).toUpperCase()}${band.slice(1)} risk: ${n < 1 ? 'fewer than 1' : `about ${n}`} in 100 similar loans ran into trouble`;
}

interface ReasonLine {
  effect: string;
  text: string;
}

function Reasons(props: { heading: string; items: ReasonLine[]; up: boolean }) {
  if (props.items.length === 0) return null;
  return (
    <>
      <h4>{props.heading}</h4>
      <ul class="reasons">
        {props.items.map((r, i) => (
          <li key={i} class={props.up ? 'up' : 'down'}>
            <span class="marker" aria-hidden="true">{props.up ? '▲' : '▼'}</span>
            <span class="sr-only">{props.up ? 'Increases risk: ' : 'Decreases risk: '}</span>
            {r.text}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The card. Tolerates partial payloads: whatever is missing is simply not shown. */
export function CreditCard(props: { p: CreditAssessmentPayload }) {
  const { p } = props;
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const pd = isNum(p.probabilityOfDefault) ? p.probabilityOfDefault : undefined;
  const band = isStr(p.riskBand) ? p.riskBand : 'unknown';
  const cls = bandClass(band);
  const source = Array.isArray(p.customerReasons) ? p.customerReasons : Array.isArray(p.reasons) ? p.reasons : [];
  const reasons = source.filter((r): r is ReasonLine => isObj(r) && isStr(r.text) && isStr(r.effect)).slice(0, 4);
  const raised = reasons.filter((r) => r.effect === 'increases_risk');
  const lowered = reasons.filter((r) => r.effect !== 'increases_risk');
  const bands: GaugeBand[] = (Array.isArray(p.bands) ? p.bands : [])
    .filter((b): b is { name: string; from: number; to: number } => isObj(b) && isStr(b.name) && isNum(b.from) && isNum(b.to))
    .map((b) => ({ from: b.from, to: b.to, tone: bandClass(b.name) }));
  const bandRanges = bands.length > 0 ? `; bands: ${bands.map((b) => `${b.tone} ${pct(b.from, 0)}–${pct(Math.min(1, b.to), 0)}`).join(', ')}` : '';
  const assumptions = Array.isArray(p.assumptions) ? p.assumptions.filter(isStr) : [];
  const details = Array.isArray(p.details) ? p.details.filter(isStr) : [];
  const headline = isStr(p.headline) && p.headline ? p.headline : pd !== undefined ? fallbackHeadline(pd, band) : 'Credit risk estimate';
  return (
    <section class="card credit-card" aria-label="Credit risk estimate">
      <h3 class={`headline band-text-${cls}`}>{headline}</h3>
      {pd !== undefined ? (
        <div class="gauge-row">
          <GaugeChart
            value={pd}
            bands={bands}
            label={`Gauge: estimated probability of default ${pct(pd)}, risk band ${band}${bandRanges}`}
          />
          <div class="gauge-text">
            <p class="pd-value">{pct(pd)}</p>
            <p class="pd-label">estimated chance of repayment trouble</p>
            <p class={`band-badge band-${cls}`}>Risk band: {band}</p>
          </div>
        </div>
      ) : null}
      <Reasons heading={isStr(p.raisedHeading) ? p.raisedHeading : 'What raised the estimate'} items={raised} up />
      <Reasons heading={isStr(p.loweredHeading) ? p.loweredHeading : 'What lowered it'} items={lowered} up={false} />
      <NextSteps steps={readNextSteps(p.nextSteps)} details={detailsRef} />
      <p class="short-disclaimer">{isStr(p.shortDisclaimer) ? p.shortDisclaimer : 'This is an estimate, not a credit decision.'}</p>
      <details class="how" ref={detailsRef}>
        <summary>How this was calculated</summary>
        {details.map((d, i) => <p key={i} class="detail">{d}</p>)}
        {isStr(p.riskBandExplanation) && p.riskBandExplanation ? <p class="band-explanation">{p.riskBandExplanation}</p> : null}
        {assumptions.length > 0 ? (
          <ul class="assumptions" aria-label="Assumptions">
            {assumptions.map((a, i) => <li key={i}>{a}</li>)}
          </ul>
        ) : null}
        <p class="meta">
          Model: {isStr(p.model) ? p.model : '?'} {isStr(p.modelVersion) ? versionLabel(p.modelVersion) : ''}
        </p>
        {isStr(p.disclaimer) ? <p class="disclaimer">{p.disclaimer}</p> : null}
      </details>
    </section>
  );
}
