/** Hand-off to a person: the transcript sent to the bank's live-agent system (a webhook) when a customer asks for one. */
import { randomBytes } from 'node:crypto';
import type { BotMessage, HandoffContact } from '../contracts/chat-protocol.ts';
import type { ParseResult } from '../nlu/types.ts';
import type { SessionEvent } from '../session/types.ts';

/** One line of the transcript. */
export interface TranscriptEntry {
  from: 'user' | 'bot';
  text: string;
  at: number;
}

/** What the live-agent system receives (JSON body of the webhook POST). */
export interface HandoffRequest {
  /** Lets the agent system reply on this conversation (it is the conversation's bearer id: send it only to trusted systems). */
  sessionId: string;
  reason: string;
  at: number;
  transcript: TranscriptEntry[];
  /** Moneta's reference for this request, told to the customer (the agent system may answer with its own, see below). */
  ticket?: string;
  /** A call back the customer asked for (`reason` is then `callback_request`). */
  callback?: { phone: string; time: string };
}

/** What a delivery may report back: the agent system's own ticket reference, which then replaces Moneta's. */
export interface HandoffReceipt {
  ticket?: string;
}

/** Delivers hand-off requests. Implementations throw on failure; the caller tells the user politely. */
export interface HandoffNotifier {
  notify(request: HandoffRequest): Promise<HandoffReceipt | void>;
}

/** A ticket reference a customer can read out on the phone: `MON-` and 8 characters without look-alikes (0/O, 1/I). */
export function newTicketReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `MON-${out.slice(0, 4)}-${out.slice(4)}`;
}

/** The intent of the call-back form's payload (`/callback_request{"phone":…,"time":…,"consent":true}`). */
export const CALLBACK_INTENT = 'callback_request';

/** A phone number as kept at rest and shown back: only its last four digits, e.g. `••••4567`. */
export function maskPhone(phone: string): string {
  return `••••${phone.replace(/\D/g, '').slice(-4)}`;
}

/**
 * The call-back form's message as it may be stored: the phone number masked in the text and in the parsed entities.
 * The skill that handles the turn still sees the original (the number goes to the bank's system with the transcript);
 * the conversation log never holds it (docs/security.md "Personal data at rest"). Other messages pass unchanged.
 */
export function redactCallbackUtterance(text: string, parse: ParseResult): { text: string; parse: ParseResult } {
  if (!parse.trigger || parse.intent.name !== CALLBACK_INTENT) return { text, parse };
  const entities = parse.entities.map((e) => (e.entity === 'phone' ? { ...e, value: maskPhone(String(e.value)) } : e));
  // Rebuilt from the entities rather than edited in place, so no spelling of the number (spaces, brackets) survives.
  const fields = Object.fromEntries(entities.filter((e) => e.extractor === 'trigger').map((e) => [e.entity, e.value]));
  const stored = `/${CALLBACK_INTENT}${JSON.stringify(fields)}`;
  return { text: stored, parse: { ...parse, text: stored, entities } };
}

/** The contact details from `config.handoff`, without empty fields. */
export function handoffContact(config: { phone?: string | undefined; hours?: string | undefined; secureMessageUrl?: string | undefined }): HandoffContact {
  return {
    ...(config.phone ? { phone: config.phone } : {}),
    ...(config.hours ? { hours: config.hours } : {}),
    ...(config.secureMessageUrl ? { secureMessageUrl: config.secureMessageUrl } : {}),
  };
}

/** One sentence with the contact details, for clients that show only text. */
export function contactSentence(contact: HandoffContact): string {
  const parts: string[] = [];
  if (contact.phone) parts.push(`call us on ${contact.phone}${contact.hours ? ` (${contact.hours})` : ''}`);
  if (contact.secureMessageUrl) parts.push(`send a secure message (${contact.secureMessageUrl})`);
  return parts.length ? `You can ${parts.join(' or ')}.` : '';
}

/** The readable part of a bot message (text, or a short note for rich content). */
function botText(message: BotMessage): string | undefined {
  if ('text' in message) return message.text;
  if ('attachment' in message) return `[image] ${message.attachment.payload.src}`;
  if (message.custom.type === 'form_question' || message.custom.type === 'error') return undefined;
  return `[${message.custom.type}]`;
}

/** The conversation as user/bot lines, oldest first (form widgets and error payloads left out). */
export function buildTranscript(events: readonly SessionEvent[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  for (const e of events) {
    if (e.type === 'user_uttered') out.push({ from: 'user', text: e.text, at: e.at });
    if (e.type === 'bot_uttered') {
      const text = botText(e.message);
      if (text !== undefined) out.push({ from: 'bot', text, at: e.at });
    }
  }
  return out;
}

/** Options for the `WebhookHandoffNotifier` constructor. */
export interface WebhookHandoffNotifierOptions {
  url: string;
  /** Give up after this long, so a slow agent system cannot stall the chat. Default 5 s. */
  timeoutMs?: number;
  /** Injected for tests of the client itself; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** POSTs the hand-off request as JSON to `url`; any non-2xx answer or network error is a failure. */
export class WebhookHandoffNotifier implements HandoffNotifier {
  private readonly fetchImpl: typeof fetch;
  constructor(private readonly options: WebhookHandoffNotifierOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** POSTs the request; a JSON answer with a string `ticket` (or `reference`) names the agent system's own ticket. */
  async notify(request: HandoffRequest): Promise<HandoffReceipt> {
    const response = await this.fetchImpl(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (!response.ok) throw new Error(`hand-off webhook answered HTTP ${response.status}`);
    if (!/json/i.test(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel();
      return {};
    }
    try {
      const body = (await response.json()) as { ticket?: unknown; reference?: unknown };
      const ticket = typeof body.ticket === 'string' ? body.ticket : typeof body.reference === 'string' ? body.reference : undefined;
      // Shown to the customer: keep it short and plain.
      return ticket && /^[\w-]{1,40}$/.test(ticket) ? { ticket } : {};
    } catch {
      return {};
    }
  }
}

/** The member of staff currently in a conversation (last `agent_joined` not followed by `agent_left`), if any. */
export function activeAgent(events: readonly SessionEvent[]): { id: string; name: string } | undefined {
  let agent: { id: string; name: string } | undefined;
  for (const e of events) {
    if (e.type === 'agent_joined') agent = { id: e.agentId, name: e.agentName };
    else if (e.type === 'agent_left') agent = undefined;
  }
  return agent;
}

/** Where a queued customer stands (told to the customer with the hand-off reply). */
export interface QueuePlace {
  position: number;
  waitSeconds: number;
}

/**
 * Moneta's own live hand-off desk (the staff console's agents, server/console/live/): the processor queues a hand-off
 * there when an agent can take it, and forwards the customer's messages while an agent is in.
 */
export interface LiveHandoffDesk {
  /** True when the desk is staffed now (configured hours and at least one agent online). */
  available(now: number): Promise<boolean>;
  /** Puts the conversation in the queue; `events` is its log including this turn's events so far. */
  enqueue(request: { sessionId: string; reason: string; at: number; events: readonly SessionEvent[] }): Promise<QueuePlace>;
  /** A customer message arrived while an agent is in (already appended to the log). */
  customerMessage(sessionId: string, text: string, at: number): void;
}
