/**
 * The chat wire protocol (CONTRACTS §1–2): Socket.IO event maps and the bot message union.
 * Imported type-only by the server, the widget (web/) and the tests, so a contract change breaks the build.
 */

/** A quick-reply button; `payload` comes back as the next user message. */
export interface QuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

/** Plain text, optionally with buttons. `quick_replies` is never empty: leave the key out instead. */
export interface TextMessage {
  text: string;
  quick_replies?: QuickReply[];
}

export interface ImageMessage {
  attachment: { type: 'image'; payload: { src: string } };
}

/** Rich content for Moneta's widget. Always its own event, right after the text it belongs to. */
export interface CustomMessage {
  custom: CustomPayload;
}

/** One `bot_uttered` event. */
export type BotMessage = TextMessage | ImageMessage | CustomMessage;

/** Input hints a rich client uses to show the right control for a form question. */
export type FormInput =
  | { type: 'number'; min?: number; max?: number; unit?: string; step?: number }
  | { type: 'choice'; options: Array<{ title: string; payload: string }> }
  | { type: 'text'; maxLength?: number };

export interface FormQuestionPayload {
  type: 'form_question';
  form: string;
  slot: string;
  input: FormInput;
  /** 1-based position and total, so a client can show progress. */
  step?: number;
  total?: number;
}

/**
 * The source of a knowledge answer, in an event of its own right after the answer text. `answerId` identifies the
 * answer for "Did this help?" (`/feedback{"answerId":"…","helpful":true|false}` or
 * `POST /api/v1/sessions/:id/feedback`); `url` is the passage's page (`/kb/<id>`).
 */
export interface CitationsPayload {
  type: 'citations';
  answerId?: string;
  sources: Array<{ id: string; title: string; url?: string; score?: number }>;
}

/** Contact details a hand-off card shows (`config.handoff`): how to reach the bank's team outside the chat. */
export interface HandoffContact {
  phone?: string;
  hours?: string;
  secureMessageUrl?: string;
}

export interface HandoffPayload {
  type: 'handoff';
  reason: string;
  /** `sent`: the live-agent system took it; `failed`/`unavailable`: nobody can join; `callback_requested`: a call back was booked. */
  status?: 'sent' | 'failed' | 'unavailable' | 'callback_requested' | 'queued';
  contact?: HandoffContact;
  /** Reference of the ticket created in the bank's system (with a hand-off webhook, or for a call back). */
  ticket?: string;
  /** True when the customer may request a call back (nobody can join the chat now). */
  callback?: boolean;
  /** With status `queued` (the staff console's live desk): the customer's place in the queue and the estimated wait. */
  queue?: { position: number; waitSeconds: number };
}

/** A reason code: which input moved the estimate, which way, and a sentence a customer understands. */
export interface CreditReason {
  feature: string;
  effect: 'increases_risk' | 'decreases_risk';
  text: string;
  contribution?: number;
}

/** Same fields as the `POST /api/v1/credit/assess` response. */
export interface CreditAssessmentPayload {
  type: 'credit_assessment';
  model: string;
  modelVersion: string;
  probabilityOfDefault: number;
  riskBand: string;
  reasons: CreditReason[];
  disclaimer: string;
  [extra: string]: unknown;
}

export interface PortfolioAllocation {
  assetClass: string;
  ticker: string;
  weight: number;
}

/** Same fields as the `POST /api/v1/portfolio/suggest` response. */
export interface PortfolioPayload {
  type: 'portfolio';
  riskScore: number;
  allocation: PortfolioAllocation[];
  expectedReturn: number;
  volatility: number;
  outcomes: { p5: number; p50: number; p95: number };
  rationale: string;
  disclaimer: string;
  [extra: string]: unknown;
}

/** Errors a client can show (rate limited, message too long…); the conversation state is unchanged. */
export interface ErrorPayload {
  type: 'error';
  code: string;
  message: string;
}

export type CustomPayload =
  | FormQuestionPayload
  | CitationsPayload
  | HandoffPayload
  | CreditAssessmentPayload
  | PortfolioPayload
  | ErrorPayload
  | { type: string; [key: string]: unknown };

/** client → server */
export interface ClientToServerEvents {
  session_request: (data?: { session_id?: string | null } | null) => void;
  user_uttered: (data: { message?: unknown; session_id?: string; customData?: Record<string, unknown> }) => void;
}

/** server → client */
export interface ServerToClientEvents {
  session_confirm: (sessionId: string) => void;
  bot_uttered: (message: BotMessage) => void;
}

/** REST webhook (CONTRACTS §2) request and response element. */
export interface RestWebhookRequest {
  sender: string;
  message: string;
  metadata?: Record<string, unknown>;
}

export interface RestWebhookReply {
  recipient_id: string;
  text?: string;
  buttons?: Array<{ title: string; payload: string }>;
  image?: string;
  custom?: CustomPayload;
}

export const isTextMessage = (m: BotMessage): m is TextMessage => 'text' in m;
export const isCustomMessage = (m: BotMessage): m is CustomMessage => 'custom' in m;
export const isImageMessage = (m: BotMessage): m is ImageMessage => 'attachment' in m;
