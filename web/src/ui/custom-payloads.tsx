/** Renderers for `custom` payloads: form inputs, citations, hand-off, errors, credit-assessment and portfolio cards. */
import type { ComponentChildren } from 'preact';
import { useEffect, useErrorBoundary, useRef, useState } from 'preact/hooks';
import type {
  CitationsPayload,
  CreditAssessmentPayload,
  CustomPayload,
  ErrorPayload,
  FormQuestionPayload,
  HandoffPayload,
  PortfolioPayload,
} from '../../../server/contracts/chat-protocol.ts';
import { DonutChart, FrontierChart, GaugeChart, PALETTE_SIZE, pct, type FrontierPoint, type GaugeBand } from './charts.tsx';
import { MarkdownView } from './markdown-view.tsx';

/** Sends an answer: `payload` goes to the bot, `display` becomes the user's bubble. */
export type AnswerFn = (payload: string, display: string) => void;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

let idCounter = 0;
/** A per-mount unique id for label/aria wiring inside the shadow root. */
function useId(prefix: string): string {
  const ref = useRef<string>('');
  if (ref.current === '') ref.current = `${prefix}-${++idCounter}`;
  return ref.current;
}

/** Renders its children, or nothing if they throw (a malformed payload must not take the widget down). */
function Guard(props: { children: ComponentChildren }) {
  const [error] = useErrorBoundary();
  return error ? null : <>{props.children}</>;
}

/** Props for {@link CustomView}. */
export interface CustomViewProps {
  payload: CustomPayload;
  /** True for the form question the bot is waiting on (the latest bot turn). */
  active: boolean;
  /** Whether the same turn already shows quick-reply buttons (then a choice question adds no second set). */
  turnHasQuickReplies: boolean;
  onAnswer: AnswerFn;
}

/** Dispatches on `payload.type`; unknown types render nothing. */
export function CustomView(props: CustomViewProps) {
  const p = props.payload;
  let body: ComponentChildren = null;
  switch (p.type) {
    case 'form_question':
      body = props.active ? (
        <FormQuestion q={p as FormQuestionPayload} onAnswer={props.onAnswer} hideChoices={props.turnHasQuickReplies} />
      ) : null;
      break;
    case 'citations':
      body = <Citations p={p as CitationsPayload} />;
      break;
    case 'handoff':
      body = <Handoff p={p as HandoffPayload} />;
      break;
    case 'error':
      body = <ErrorNotice p={p as ErrorPayload} />;
      break;
    case 'credit_assessment':
      body = <CreditCard p={p as CreditAssessmentPayload} />;
      break;
    case 'portfolio':
      body = <PortfolioCard p={p as PortfolioPayload} />;
      break;
    default:
      return null;
  }
  return <Guard>{body}</Guard>;
}

/** The right control for the question being asked: a number field with unit and range, choice buttons, or a hint. */
export function FormQuestion(props: { q: FormQuestionPayload; onAnswer: AnswerFn; hideChoices: boolean }) {
  const { q } = props;
  const input = isObj(q.input) ? q.input : { type: 'text' as const };
  const progress =
    isNum(q.step) && isNum(q.total) ? <p class="form-progress">Question {q.step} of {q.total}</p> : null;
  let control: ComponentChildren = null;
  if (input.type === 'number') {
    control = <NumberAnswer min={input.min} max={input.max} step={input.step} unit={input.unit} onAnswer={props.onAnswer} />;
  } else if (input.type === 'choice' && Array.isArray(input.options) && !props.hideChoices) {
    control = (
      <div class="choices" role="group" aria-label="Choose an answer">
        {input.options.filter((o) => isObj(o) && isStr(o.title) && isStr(o.payload)).map((o) => (
          <button type="button" class="chip" key={o.payload} onClick={() => props.onAnswer(o.payload, o.title)}>
            {o.title}
          </button>
        ))}
      </div>
    );
  } else if (input.type === 'text') {
    control = <p class="form-hint">Type your answer in the message box below.</p>;
  }
  return (
    <div class="form-question" data-slot={String(q.slot)} data-input={String(input.type)}>
      {progress}
      {control}
    </div>
  );
}

function NumberAnswer(props: { min?: number; max?: number; step?: number; unit?: string; onAnswer: AnswerFn }) {
  const id = useId('moneta-num');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: false });
  }, []);
  const unit = isStr(props.unit) && props.unit !== '' ? props.unit : undefined;
  const range =
    isNum(props.min) && isNum(props.max)
      ? `between ${props.min} and ${props.max}`
      : isNum(props.min)
        ? `at least ${props.min}`
        : isNum(props.max)
          ? `at most ${props.max}`
          : '';
  const submit = (e: Event) => {
    e.preventDefault();
    const n = Number(value.trim().replace(/[\s,](?=\d{3}\b)/g, '').replace(',', '.'));
    if (value.trim() === '' || !Number.isFinite(n)) return setError('Please enter a number.');
    if ((isNum(props.min) && n < props.min) || (isNum(props.max) && n > props.max)) {
      return setError(`Please enter a number ${range}${unit ? ` (${unit})` : ''}.`);
    }
    setError('');
    props.onAnswer(String(n), unit ? `${n} ${unit}` : String(n));
  };
  return (
    <form class="number-answer" onSubmit={submit} noValidate>
      <label for={id}>
        Your answer{unit ? ` (${unit})` : ''}
        {range ? <span class="range"> — {range}</span> : null}
      </label>
      <div class="number-row">
        <input
          ref={ref}
          id={id}
          type="number"
          inputMode="decimal"
          min={props.min}
          max={props.max}
          step={isNum(props.step) ? props.step : 'any'}
          value={value}
          aria-invalid={error ? 'true' : 'false'}
          aria-describedby={error ? `${id}-err` : undefined}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
        {unit ? <span class="unit" aria-hidden="true">{unit}</span> : null}
        <button type="submit" class="btn-primary">Send</button>
      </div>
      {error ? <p id={`${id}-err`} class="field-error" role="alert">{error}</p> : null}
    </form>
  );
}

function Citations(props: { p: CitationsPayload }) {
  const sources = Array.isArray(props.p.sources) ? props.p.sources.filter((s) => isObj(s) && isStr(s.title)) : [];
  if (sources.length === 0) return null;
  return (
    <aside class="citations" aria-label="Sources">
      <p class="citations-title">Sources</p>
      <ol>
        {sources.map((s) => (
          <li key={String(s.id)} data-source-id={String(s.id)}>{s.title}</li>
        ))}
      </ol>
    </aside>
  );
}

/** Known hand-off reason codes in words; free-text reasons are shown as they are. */
const HANDOFF_REASONS: Record<string, string> = {
  user_request: 'You asked to talk to a person.',
  fallback: "I couldn't understand, so I offered a person.",
  knowledge_not_found: "I didn't have an answer to that.",
};

function Handoff(props: { p: HandoffPayload & { status?: unknown } }) {
  const { reason, status } = props.p;
  const headline =
    status === 'sent'
      ? 'Conversation passed to our team'
      : status === 'failed' || status === 'unavailable'
        ? 'No colleague available right now'
        : 'Handing you over to a person';
  const why = isStr(reason) ? (HANDOFF_REASONS[reason] ?? (/\s/.test(reason) ? reason : '')) : '';
  return (
    <div class="notice handoff" data-status={isStr(status) ? status : undefined}>
      <strong>{headline}.</strong>
      {why ? <span> {why}</span> : null}
    </div>
  );
}

function ErrorNotice(props: { p: ErrorPayload }) {
  return (
    <div class="notice error" data-code={String(props.p.code)}>
      <span aria-hidden="true">⚠ </span>
      <span class="sr-only">Error: </span>
      {isStr(props.p.message) ? props.p.message : 'Something went wrong.'}
    </div>
  );
}

/**
 * True when `message` is the text twin of an error payload that follows it (the server sends the text for clients
 * that ignore `custom`); the widget then shows only the error notice.
 */
export function isTextOfError(message: unknown, next: unknown): boolean {
  const text = isObj(message) && isStr(message.text) ? message.text : undefined;
  const custom = isObj(next) && isObj(next.custom) ? next.custom : undefined;
  return text !== undefined && custom?.type === 'error' && custom.message === text;
}

/** Maps a risk band name to a colour class (`low` / `medium` / `high`), whatever the model calls its bands. */
export function bandClass(band: string): 'low' | 'medium' | 'high' | 'neutral' {
  const b = band.toLowerCase();
  if (/high|elevated|poor|bad/.test(b)) return 'high';
  if (/medium|moderate|fair|average/.test(b)) return 'medium';
  if (/low|good|excellent/.test(b)) return 'low';
  return 'neutral';
}

function CreditCard(props: { p: CreditAssessmentPayload }) {
  const { p } = props;
  const pd = isNum(p.probabilityOfDefault) ? p.probabilityOfDefault : undefined;
  const band = isStr(p.riskBand) ? p.riskBand : 'unknown';
  const cls = bandClass(band);
  const reasons = Array.isArray(p.reasons) ? p.reasons.filter((r) => isObj(r) && isStr(r.text)) : [];
  // The model's own bands ({ name, from, to, description }), when the payload carries them, colour the gauge.
  const bands: GaugeBand[] = (Array.isArray(p.bands) ? p.bands : [])
    .filter((b): b is { name: string; from: number; to: number } => isObj(b) && isStr(b.name) && isNum(b.from) && isNum(b.to))
    .map((b) => ({ from: b.from, to: b.to, tone: bandClass(b.name) }));
  const bandRanges = bands.length > 0 ? `; bands: ${bands.map((b) => `${b.tone} ${pct(b.from, 0)}–${pct(b.to, 0)}`).join(', ')}` : '';
  const assumptions = Array.isArray(p.assumptions) ? p.assumptions.filter(isStr) : [];
  return (
    <section class="card credit-card" aria-label="Credit risk estimate">
      <h3>Credit risk estimate</h3>
      {pd !== undefined ? (
        <div class="gauge-row">
          <GaugeChart
            value={pd}
            fillClass={`band-${cls}`}
            bands={bands}
            label={`Gauge: estimated probability of default ${pct(pd)}, risk band ${band}${bandRanges}`}
          />
          <div class="gauge-text">
            <p class="pd-value">{pct(pd)}</p>
            <p class="pd-label">estimated chance of default</p>
            <p class={`band-badge band-${cls}`}>Risk band: {band}</p>
          </div>
        </div>
      ) : null}
      {isStr(p.riskBandExplanation) && p.riskBandExplanation ? <p class="band-explanation">{p.riskBandExplanation}</p> : null}
      {reasons.length > 0 ? (
        <>
          <h4>What drove this estimate</h4>
          <ul class="reasons">
            {reasons.map((r, i) => {
              const up = r.effect === 'increases_risk';
              return (
                <li key={i} class={up ? 'up' : 'down'}>
                  <span class="marker" aria-hidden="true">{up ? '▲' : '▼'}</span>
                  <span class="sr-only">{up ? 'Increases risk: ' : 'Decreases risk: '}</span>
                  {r.text}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
      {assumptions.length > 0 ? (
        <ul class="assumptions" aria-label="Assumptions">
          {assumptions.map((a, i) => <li key={i}>{a}</li>)}
        </ul>
      ) : null}
      <p class="meta">
        Model: {isStr(p.model) ? p.model : '?'} {isStr(p.modelVersion) ? versionLabel(p.modelVersion) : ''}
      </p>
      {isStr(p.disclaimer) ? <p class="disclaimer">{p.disclaimer}</p> : null}
    </section>
  );
}

/** "1.2.0" → "v1.2.0"; other version strings (e.g. "cma@2025-08.1") as they are. */
const versionLabel = (v: string): string => (/^\d/.test(v) ? `v${v}` : v);

const asFrontierPoint = (v: unknown): FrontierPoint | undefined =>
  isObj(v) && isNum(v.volatility) && isNum(v.expectedReturn)
    ? { volatility: v.volatility, expectedReturn: v.expectedReturn }
    : undefined;

function PortfolioCard(props: { p: PortfolioPayload }) {
  const { p } = props;
  const allocation = (Array.isArray(p.allocation) ? p.allocation : [])
    .filter((a) => isObj(a) && isNum(a.weight) && a.weight > 0)
    .sort((a, b) => b.weight - a.weight);
  const amount = isNum(p.amount) ? p.amount : undefined;
  const horizon = isNum(p.horizonYears) ? p.horizonYears : undefined;
  const currency = isStr(p.currency) && /^[A-Z]{3}$/.test(p.currency) ? p.currency : undefined;
  const money = new Intl.NumberFormat(undefined, {
    maximumFractionDigits: 0,
    ...(currency ? { style: 'currency', currency } : {}),
  });
  const outcomes = isObj(p.outcomes) && isNum(p.outcomes.p5) && isNum(p.outcomes.p50) && isNum(p.outcomes.p95) ? p.outcomes : undefined;
  // With an amount the outcomes are values in money; without one they are the value of 1 invested (a growth factor).
  const fmtOutcome = (v: number) => (amount !== undefined ? money.format(v) : `${v >= 1 ? '+' : ''}${pct(v - 1, 0)}`);
  const frontier = Array.isArray(p.frontier) ? p.frontier.map(asFrontierPoint).filter((x): x is FrontierPoint => !!x) : [];
  const chosen = asFrontierPoint(p.chosen) ?? (isNum(p.volatility) && isNum(p.expectedReturn) && frontier.length > 0
    ? { volatility: p.volatility, expectedReturn: p.expectedReturn }
    : undefined);
  const allocText = allocation.map((a) => `${pct(a.weight, 0)} ${a.assetClass}`).join(', ');
  return (
    <section class="card portfolio-card" aria-label="Suggested portfolio">
      <h3>
        Suggested portfolio
        {isNum(p.riskScore) ? (
          <span class="risk-score">
            {' '}· risk score {p.riskScore}/10{isStr(p.riskLabel) && p.riskLabel ? ` (${p.riskLabel})` : ''}
          </span>
        ) : null}
      </h3>
      {allocation.length > 0 ? (
        <div class="allocation">
          <DonutChart weights={allocation.map((a) => a.weight)} label={`Allocation donut: ${allocText}`} />
          <ul class="legend" aria-label="Allocation">
            {allocation.map((a, i) => (
              <li key={`${a.ticker}-${i}`}>
                <span class={`swatch moneta-sw${i % PALETTE_SIZE}`} aria-hidden="true" />
                <span class="legend-name">
                  {String(a.assetClass)}
                  {isStr(a.ticker) && a.ticker ? <span class="ticker"> ({a.ticker})</span> : null}
                </span>
                <span class="legend-weight">{pct(a.weight, 0)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <dl class="stats">
        {isNum(p.expectedReturn) ? (
          <div><dt>Expected return</dt><dd>{pct(p.expectedReturn)} a year</dd></div>
        ) : null}
        {isNum(p.volatility) ? (
          <div><dt>Volatility</dt><dd>{pct(p.volatility)} a year</dd></div>
        ) : null}
      </dl>
      {outcomes ? (
        <div class="outcomes">
          <p class="outcomes-title">
            Range of outcomes{horizon !== undefined ? ` after ${horizon} years` : ''}
            {amount !== undefined ? ` for ${p.amountAssumed === true ? 'an example ' : ''}${money.format(amount)}` : ''}
          </p>
          <dl class="outcome-range">
            <div class="o-low"><dt>Poor (5%)</dt><dd>{fmtOutcome(outcomes.p5)}</dd></div>
            <div class="o-mid"><dt>Typical (median)</dt><dd>{fmtOutcome(outcomes.p50)}</dd></div>
            <div class="o-high"><dt>Good (95%)</dt><dd>{fmtOutcome(outcomes.p95)}</dd></div>
          </dl>
        </div>
      ) : null}
      {frontier.length > 1 ? (
        <FrontierChart
          frontier={frontier}
          {...(chosen ? { chosen } : {})}
          label={`Efficient frontier chart${chosen ? `; suggested portfolio at ${pct(chosen.volatility)} volatility and ${pct(chosen.expectedReturn)} expected return` : ''}`}
        />
      ) : null}
      {isStr(p.rationale) && p.rationale ? <div class="rationale"><MarkdownView text={p.rationale} /></div> : null}
      {isStr(p.model) ? (
        <p class="meta">
          Model: {p.model} {isStr(p.modelVersion) ? versionLabel(p.modelVersion) : ''}
        </p>
      ) : null}
      {isStr(p.disclaimer) ? <p class="disclaimer">{p.disclaimer}</p> : null}
    </section>
  );
}
