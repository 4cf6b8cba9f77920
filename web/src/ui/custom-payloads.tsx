/** Renderers for `custom` payloads: form inputs, citations, hand-off, errors, credit-assessment and portfolio cards. */
import type { ComponentChildren } from 'preact';
import { useContext, useEffect, useErrorBoundary, useRef, useState } from 'preact/hooks';
import type {
  CitationsPayload,
  CreditAssessmentPayload,
  CustomPayload,
  ErrorPayload,
  FormQuestionPayload,
  HandoffPayload,
  PortfolioPayload,
} from '../../../server/contracts/chat-protocol.ts';
import { safeHref } from '../markdown.ts';
import { WidgetContext } from './context.ts';
import { CreditCard } from './credit-card.tsx';
import { HandoffCard } from './handoff-card.tsx';
import { PortfolioCard } from './portfolio-card.tsx';

export { bandClass } from './credit-card.tsx';

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
      body = <HandoffCard p={p as HandoffPayload} />;
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

/** Where a source opens: its own `url` (a server path such as `/kb/<id>`, resolved against the server) or `/kb/<id>`. */
export function sourceHref(server: string, source: { id?: unknown; url?: unknown }): string | undefined {
  const raw =
    typeof source.url === 'string' && source.url
      ? source.url
      : typeof source.id === 'string' && source.id
        ? `/kb/${encodeURIComponent(source.id)}`
        : undefined;
  if (!raw) return undefined;
  return safeHref(raw.startsWith('/') ? `${server}${raw}` : raw);
}

/** A thumbs-up/down icon (SVG: emoji fonts are not everywhere). */
function Thumb(props: { up: boolean }) {
  return (
    <svg class="thumb" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" transform={props.up ? undefined : 'rotate(180)'}>
      <path d="M2 21h4V9H2v12zM22 10a2 2 0 0 0-2-2h-6.3l1-4.6V3a1.5 1.5 0 0 0-.4-1L13.2 1 7.6 6.6A2 2 0 0 0 7 8v11a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7A2 2 0 0 0 23 12v-2z" fill="currentColor" />
    </svg>
  );
}

function Citations(props: { p: CitationsPayload & { answerId?: unknown } }) {
  const { server, send } = useContext(WidgetContext);
  const [vote, setVote] = useState<boolean | undefined>(undefined);
  const sources = Array.isArray(props.p.sources) ? props.p.sources.filter((s) => isObj(s) && isStr(s.title)) : [];
  if (sources.length === 0) return null;
  const answerId = isStr(props.p.answerId) ? props.p.answerId : undefined;
  const rate = (helpful: boolean) => {
    if (!answerId || vote !== undefined) return;
    setVote(helpful);
    // Feedback is not something the customer "said": it goes without a bubble; the reply acknowledges it.
    send(`/feedback${JSON.stringify({ answerId, helpful })}`, '', { silent: true });
  };
  return (
    <aside class="citations" aria-label="Sources">
      <p class="citations-title">{sources.length === 1 ? 'Source' : 'Sources'}</p>
      <ol class={sources.length === 1 ? 'single' : undefined}>
        {sources.map((s) => {
          const href = sourceHref(server, s as { id?: unknown; url?: unknown });
          return (
            <li key={String(s.id)} data-source-id={String(s.id)}>
              {href ? (
                <a href={href} target="_blank" rel="noopener noreferrer">
                  {s.title}
                  <span class="sr-only"> (opens in a new tab)</span>
                </a>
              ) : (
                s.title
              )}
            </li>
          );
        })}
      </ol>
      {answerId ? (
        <div class="feedback" role="group" aria-label="Did this help?">
          <span class="feedback-q" aria-hidden="true">Did this help?</span>
          <button type="button" class="chip small" aria-pressed={vote === true ? 'true' : 'false'} disabled={vote !== undefined} onClick={() => rate(true)}>
            <Thumb up />Yes
          </button>
          <button type="button" class="chip small" aria-pressed={vote === false ? 'true' : 'false'} disabled={vote !== undefined} onClick={() => rate(false)}>
            <Thumb up={false} />No
          </button>
        </div>
      ) : null}
    </aside>
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

/** Result payloads the widget shows as a card in place of the text twin the server sends before them. */
const RESULT_TYPES = new Set(['credit_assessment', 'portfolio']);

/**
 * True when `message` is the text twin of a result card that follows it (issue 12: one result, once). The server keeps
 * sending the text for clients that ignore `custom` (CONTRACTS §1); Moneta's widget shows only the card, which carries
 * the same next steps as the text's quick replies.
 */
export function isTextOfResult(message: unknown, next: unknown): boolean {
  const custom = isObj(next) && isObj(next.custom) ? next.custom : undefined;
  if (!custom || !isStr(custom.type)) return false;
  // A hand-off card with the contact details or the ticket says everything its text does (a call-back confirmation,
  // with the agreed time, keeps its text).
  if (custom.type === 'handoff') {
    return (isObj(custom.contact) || isStr(custom.ticket)) && custom.status !== 'callback_requested' && isObj(message) && isStr(message.text);
  }
  if (!RESULT_TYPES.has(custom.type)) return false;
  const usable = custom.type === 'credit_assessment' ? isNum(custom.probabilityOfDefault) : Array.isArray(custom.allocation);
  return usable && isObj(message) && isStr(message.text);
}
