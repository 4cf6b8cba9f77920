/**
 * The staff console's HTTP and Socket.IO contracts (`/console/api/*`, the `/staff` namespace): imported type-only by
 * the console front end (web/console/) and the tests, so a change breaks the build rather than the page.
 */

/** A console role. */
export type StaffRoleName = 'agent' | 'analyst';

/** `GET /console/api/me`. */
export interface StaffMe {
  id: string;
  name: string;
  roles: StaffRoleName[];
  via: 'local' | 'oidc';
}

/** `GET /console/api/auth-options`: what the sign-in page offers. */
export interface AuthOptions {
  local: boolean;
  oidc: boolean;
}

/** One row of `GET /console/api/conversations`. */
export interface ConversationSummary {
  id: string;
  startedAt: number;
  updatedAt: number;
  userMessages: number;
  firstIntent: string | null;
  lastUserText: string | null;
  fallbacks: number;
  outOfScope: number;
  thumbsDown: number;
  handoff: boolean;
  forms: Array<{ form: string; outcome: 'open' | 'completed' | 'cancelled' | 'failed' }>;
}

/** `GET /console/api/conversations` answer. */
export interface ConversationList {
  total: number;
  items: ConversationSummary[];
}

/** A passage the bot retrieved or cited for a message. */
export interface PassageRef {
  id: string;
  title?: string;
}

/** One message of the transcript view, personal data masked. */
export interface TranscriptMessage {
  seq: number;
  at: number;
  from: 'user' | 'bot' | 'agent';
  text: string;
  /** The NLU parse of a customer message. */
  parse?: { intent: string; confidence: number; entities: Array<{ entity: string; value: unknown }>; ranking: Array<{ name: string; confidence: number }> };
  /** Passages retrieved for (customer message) or cited by (bot answer) this message. */
  passages?: PassageRef[];
  /** Markers for the reviewer. */
  flags?: Array<'fallback' | 'out_of_scope' | 'refused' | 'thumbs_down' | 'handoff'>;
  /** The analyst's correction, if any. */
  correction?: { intent?: string; passageId?: string; by: string; at: number };
}

/** `GET /console/api/conversations/:id`. */
export interface TranscriptView {
  id: string;
  startedAt: number;
  messages: TranscriptMessage[];
}

/** `POST /console/api/conversations/:id/corrections` body. */
export interface CorrectionRequest {
  seq: number;
  intent?: string;
  passageId?: string;
}

/** Analytics over a period (`GET /console/api/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD`, both inclusive, UTC days). */
export interface AnalyticsReport {
  from: string;
  to: string;
  totals: { conversations: number; userMessages: number; handoffs: number };
  perDay: Array<{ day: string; conversations: number; messages: number; handoffs: number }>;
  /** Conversations without a hand-off / all conversations (0..1). */
  containment: number;
  /** Customer messages that ended in the fallback / out of scope, over all customer messages (0..1). */
  fallbackRate: number;
  outOfScopeRate: number;
  topIntents: Array<{ intent: string; count: number }>;
  /** Unanswered (fallback), out-of-scope and refused questions, grouped by sentence-encoder similarity. */
  unanswered: Array<{ example: string; count: number; examples: string[] }>;
  unansweredTotal: number;
  thumbsDown: Array<{ passageId: string; count: number }>;
  funnels: Array<{ form: string; started: number; completed: number; cancelled: number; dropOff: Array<{ slot: string; count: number }> }>;
  /** Time from hand-off to an agent joining, in seconds (null when no agent joined in the period). */
  agentResponse: { accepted: number; medianSeconds: number | null; meanSeconds: number | null };
  /** Server time to compute the report (ms). */
  computedMs: number;
}

/** An entry of the live hand-off queue (staff namespace `queue` event). */
export interface QueueEntry {
  sessionId: string;
  since: number;
  reason: string;
  /** The bot's summary: last intent, form in progress, why it handed off. */
  summary: { intent: string | null; form: { name: string; answered: number } | null; reason: string };
  lastMessages: Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }>;
  /** Set once an agent accepted it. */
  agent?: { id: string; name: string };
  /** The customer closed the chat. */
  customerGone?: boolean;
}

/** Staff namespace events, server → agent. */
export interface StaffServerToClient {
  queue: (entries: QueueEntry[]) => void;
  customer_message: (m: { sessionId: string; text: string; at: number }) => void;
  customer_gone: (m: { sessionId: string }) => void;
  conversation_ended: (m: { sessionId: string; by: string }) => void;
}

/** A staff request's answer (Socket.IO acknowledgement). */
export type StaffAck<T = Record<string, never>> = ({ ok: true } & T) | { ok: false; status: 400 | 403 | 404 | 409; message: string };

/** Staff namespace events, agent → server (each answered by an acknowledgement). */
export interface StaffClientToServer {
  accept: (m: { sessionId: string }, ack: (r: StaffAck<{ transcript: Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }> }>) => void) => void;
  agent_message: (m: { sessionId: string; text: string }, ack: (r: StaffAck) => void) => void;
  send_passage: (m: { sessionId: string; passageId: string }, ack: (r: StaffAck) => void) => void;
  suggest: (m: { sessionId: string }, ack: (r: StaffAck<{ passages: Array<{ id: string; title: string; text: string }> }>) => void) => void;
  hand_back: (m: { sessionId: string }, ack: (r: StaffAck) => void) => void;
  close: (m: { sessionId: string }, ack: (r: StaffAck) => void) => void;
}
