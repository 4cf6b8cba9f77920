/**
 * The hand-off card (issue 12): what happened (passed to the team, with the ticket reference; or nobody available),
 * the bank's contact details (phone, hours, secure message), and — when nobody can join — a call-back request form
 * (phone number, preferred time, consent), offered only when the server sets `callback` (a hand-off webhook is
 * configured): the number is sent with the transcript to the bank's system and kept at rest as its last four digits.
 */
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { HandoffPayload } from '../../../server/contracts/chat-protocol.ts';
import { safeHref } from '../markdown.ts';
import { WidgetContext } from './context.ts';

const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Known hand-off reason codes in words; free-text reasons are shown as they are. */
const HANDOFF_REASONS: Record<string, string> = {
  user_request: 'You asked to talk to a person.',
  fallback: "I couldn't understand, so I offered a person.",
  knowledge_not_found: "I didn't have an answer to that.",
};

/** Preferred call-back times (payload value → label). */
export const CALLBACK_TIMES: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'asap', label: 'As soon as possible' },
  { value: 'morning', label: 'Morning (8:00–12:00)' },
  { value: 'afternoon', label: 'Afternoon (12:00–17:00)' },
  { value: 'evening', label: 'Evening (17:00–20:00)' },
];

let formCounter = 0;

function CallbackForm(props: { onDone: () => void }) {
  const { send } = useContext(WidgetContext);
  const id = useRef(`moneta-cb-${++formCounter}`).current;
  const [phone, setPhone] = useState('');
  const [time, setTime] = useState('asap');
  const [consent, setConsent] = useState(false);
  const [error, setError] = useState('');
  const phoneRef = useRef<HTMLInputElement>(null);
  useEffect(() => phoneRef.current?.focus(), []);
  const submit = (e: Event) => {
    e.preventDefault();
    const digits = phone.replace(/[^\d+]/g, '');
    if (digits.replace(/\D/g, '').length < 6) return setError('Please enter the phone number we should call.');
    if (!consent) return setError('Please tick the box so we may call you.');
    setError('');
    const label = CALLBACK_TIMES.find((t) => t.value === time)?.label ?? time;
    send(`/callback_request${JSON.stringify({ phone: digits, time, consent: true })}`, `Please call me back: ${label.toLowerCase()}`);
    props.onDone();
  };
  return (
    <form class="callback-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} class="callback-title">Request a call back</p>
      <label for={`${id}-phone`}>Phone number</label>
      <input
        id={`${id}-phone`}
        ref={phoneRef}
        type="tel"
        autoComplete="tel"
        value={phone}
        aria-invalid={error && !phone ? 'true' : 'false'}
        onInput={(e) => setPhone((e.currentTarget as HTMLInputElement).value)}
      />
      <label for={`${id}-time`}>Preferred time</label>
      <select id={`${id}-time`} value={time} onChange={(e) => setTime((e.currentTarget as HTMLSelectElement).value)}>
        {CALLBACK_TIMES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
      </select>
      <label class="consent">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent((e.currentTarget as HTMLInputElement).checked)} />
        <span>I agree that the bank may call me and that this conversation is passed to the colleague who calls.</span>
      </label>
      {error ? <p class="field-error" role="alert">{error}</p> : null}
      <button type="submit" class="btn-primary">Request call back</button>
    </form>
  );
}

/** The card. */
export function HandoffCard(props: { p: HandoffPayload }) {
  const { reason, status } = props.p;
  const [formOpen, setFormOpen] = useState(false);
  const [requested, setRequested] = useState(false);
  const ticket = isStr(props.p.ticket) ? props.p.ticket : undefined;
  const headline =
    status === 'callback_requested'
      ? 'Call back requested'
      : status === 'sent'
        ? 'Conversation passed to our team'
        : status === 'failed' || status === 'unavailable'
          ? 'No colleague available right now'
          : 'Handing you over to a person';
  const why = isStr(reason) ? (HANDOFF_REASONS[reason] ?? (/\s/.test(reason) ? reason : '')) : '';
  const contact = isObj(props.p.contact) ? props.p.contact : undefined;
  const tel = isStr(contact?.phone) ? contact.phone : undefined;
  const secure = isStr(contact?.secureMessageUrl) ? safeHref(contact.secureMessageUrl) : undefined;
  const canCallBack = props.p.callback === true && !requested;
  return (
    <div class="handoff-wrap">
      <div class="notice handoff" data-status={isStr(status) ? status : undefined}>
        <strong>{headline}.</strong>
        {why ? <span> {why}</span> : null}
      </div>
      {ticket || contact ? (
        <section class="card handoff-card" aria-label="Contact our team">
          {ticket ? (
            <p class="ticket">
              Your reference: <strong class="ticket-ref">{ticket}</strong>
            </p>
          ) : null}
          {contact ? (
            <dl class="contact">
              {tel ? (
                <div><dt>Phone</dt><dd><a href={`tel:${tel.replace(/[^\d+]/g, '')}`}>{tel}</a></dd></div>
              ) : null}
              {isStr(contact.hours) ? <div><dt>Opening hours</dt><dd>{contact.hours}</dd></div> : null}
              {secure ? (
                <div>
                  <dt>Secure message</dt>
                  <dd><a href={secure} target="_blank" rel="noopener noreferrer">Write to us in online banking<span class="sr-only"> (opens in a new tab)</span></a></dd>
                </div>
              ) : null}
            </dl>
          ) : null}
          {canCallBack && !formOpen ? (
            <button type="button" class="chip" onClick={() => setFormOpen(true)}>Request a call back</button>
          ) : null}
          {canCallBack && formOpen ? <CallbackForm onDone={() => setRequested(true)} /> : null}
        </section>
      ) : null}
    </div>
  );
}
