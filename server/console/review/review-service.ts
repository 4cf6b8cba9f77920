/**
 * The analyst's review: search the archive with validated filters, show a transcript (NLU parse, passages, answer;
 * personal data masked), record corrections, and export them as training data for the next retrain.
 */
import { z } from 'zod';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import type { ConversationList, CorrectionRequest, PassageRef, TranscriptMessage, TranscriptView } from '../../contracts/console-api.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { SessionEvent, SessionStore } from '../../session/types.ts';
import { maskDeep, maskForDisplay, personalDataSpans } from './display-mask.ts';
import { TEXTS } from '../../response/templates.ts';
import type { ReviewStore } from './review-store.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day YYYY-MM-DD (2026-02-31 is refused, not rolled over). */
export const calendarDay = z
  .string()
  .regex(DAY, { error: 'must be a date YYYY-MM-DD' })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { error: 'is not a calendar date' });
const flag = z.enum(['true', 'false'], { error: 'must be true or false' });

/** Conversation filters (query string of `GET /console/api/conversations`); unknown keys are an error. */
export const conversationFilterSchema = z.strictObject({
  from: calendarDay.optional(),
  to: calendarDay.optional(),
  intent: z.string().regex(/^[a-z0-9_]{1,64}$/, { error: 'must be an intent name' }).optional(),
  fallback: flag.optional(),
  outOfScope: flag.optional(),
  thumbsDown: flag.optional(),
  handoff: flag.optional(),
  form: z.enum(['completed', 'cancelled'], { error: 'must be completed or cancelled' }).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Parsed filters. */
export type ConversationFilter = z.output<typeof conversationFilterSchema>;

/** Validates a query string object; throws ValidationError (400) naming every bad or unknown field. */
export function parseConversationFilter(query: unknown): ConversationFilter {
  const parsed = conversationFilterSchema.safeParse(query);
  if (!parsed.success) {
    throw new ValidationError(
      'Invalid conversation filter',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : 'query'), message: i.code === 'unrecognized_keys' ? 'unknown filter' : i.message })),
    );
  }
  if (parsed.data.from && parsed.data.to && parsed.data.from > parsed.data.to) throw new ValidationError('Invalid conversation filter', [{ field: 'from', message: 'must not be after to' }]);
  return parsed.data;
}

/** Epoch ms of the start of a UTC day, and of the end of `to` (exclusive). */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** A passage id exists (the knowledge base decides). */
export type PassageLookup = (id: string) => { id: string; title: string } | undefined;

/** Options for `ReviewService`. */
export interface ReviewServiceOptions {
  /** The archive's search and the corrections (SQLite or PostgreSQL). */
  store: ReviewStore;
  /** The app's session store (the record the transcript is read from). */
  sessions: () => SessionStore;
  /** Intent names the classifier knows (a correction must name one). */
  intents: () => readonly string[];
  passages: PassageLookup;
}

/** The review operations. */
export class ReviewService {
  constructor(private readonly options: ReviewServiceOptions) {}

  /** Conversations matching `filter`, newest first (the last customer message masked for display). */
  async search(filter: ConversationFilter): Promise<ConversationList> {
    const { total, items } = await this.options.store.search(filter);
    return { total, items: items.map((i) => ({ ...i, lastUserText: i.lastUserText === null ? null : maskForDisplay(i.lastUserText) })) };
  }

  /** The transcript of one conversation for review (masked); NotFoundError when it does not exist. */
  async transcript(sessionId: string): Promise<TranscriptView> {
    const record = await this.options.sessions().get(sessionId);
    if (!record) throw new NotFoundError('No such conversation.');
    const messages = buildReviewTranscript(record.events, (id) => this.options.passages(id));
    for (const c of await this.options.store.corrections(sessionId)) {
      const m = messages.find((x) => x.seq === c.seq);
      if (m) m.correction = { ...(c.intent ? { intent: c.intent } : {}), ...(c.passageId ? { passageId: c.passageId } : {}), by: c.staff, at: c.at };
    }
    return { id: record.id, startedAt: record.createdAt, messages };
  }

  /** Records (or replaces) the right intent and/or passage for one customer message. */
  async correct(sessionId: string, body: unknown, staff: string, now = Date.now()): Promise<TranscriptMessage> {
    const parsed = z
      .strictObject({ seq: z.number().int().min(0), intent: z.string().min(1).max(64).optional(), passageId: z.string().min(1).max(200).optional() })
      .refine((b) => b.intent !== undefined || b.passageId !== undefined, { error: 'give an intent or a passageId' })
      .safeParse(body);
    if (!parsed.success) throw new ValidationError('Invalid correction', parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })));
    const request: CorrectionRequest = parsed.data;
    if (request.intent && !this.options.intents().includes(request.intent)) throw new ValidationError('Invalid correction', [{ field: 'intent', message: 'is not an intent the model knows' }]);
    if (request.passageId && !this.options.passages(request.passageId)) throw new ValidationError('Invalid correction', [{ field: 'passageId', message: 'is not a passage of the knowledge base' }]);
    const view = await this.transcript(sessionId);
    const message = view.messages.find((m) => m.seq === request.seq);
    if (!message || message.from !== 'user') throw new ValidationError('Invalid correction', [{ field: 'seq', message: 'is not a customer message of this conversation' }]);
    // The stored text is the masked text the console shows: training data never carries personal data either.
    await this.options.store.saveCorrection({ sessionId, seq: request.seq, text: message.text, intent: request.intent ?? null, passageId: request.passageId ?? null, staff, at: now });
    return { ...message, correction: { ...(request.intent ? { intent: request.intent } : {}), ...(request.passageId ? { passageId: request.passageId } : {}), by: staff, at: now } };
  }

  /**
   * The intent corrections in the intent model's training-only JSONL format (`{"text","intent"}` per line, as in
   * models/intent/data/training-only.jsonl), one line per distinct text, oldest first.
   */
  async exportIntentJsonl(): Promise<string> {
    const rows = await this.options.store.intentCorrections();
    const seen = new Map<string, string>();
    for (const r of rows) seen.set(r.text.trim(), r.intent);
    return [...seen].map(([text, intent]) => `${JSON.stringify({ text, intent })}\n`).join('');
  }

  /**
   * The passage corrections as `questions:` additions per passage, in the knowledge front matter's YAML form, ready to
   * merge into each passage file (`knowledge/<topic>/<id>.md`) before `npx moneta kb build`.
   */
  async exportPassageQuestionsYaml(): Promise<string> {
    const rows = await this.options.store.passageCorrections();
    const byPassage = new Map<string, Set<string>>();
    for (const r of rows) {
      const set = byPassage.get(r.passageId) ?? new Set<string>();
      set.add(r.text.trim());
      byPassage.set(r.passageId, set);
    }
    let out = '# Customer questions the console marked as answered by each passage: add them to its `questions:`.\n';
    for (const [id, questions] of byPassage) {
      out += `${id}:\n  questions:\n${[...questions].map((q) => `    - ${JSON.stringify(q)}\n`).join('')}`;
    }
    return out;
  }
}

/** Readable text of a bot message for the transcript (rich cards as a short note). */
function botText(message: BotMessage): string | undefined {
  if ('text' in message) return message.text;
  return undefined;
}

/**
 * Transcript messages from the event log: customer, bot and agent texts numbered in order (the same numbering the
 * archive uses), with the parse on customer messages, retrieved passages, citations on answers, and review flags.
 */
export function buildReviewTranscript(events: readonly SessionEvent[], passages: PassageLookup): TranscriptMessage[] {
  const out: TranscriptMessage[] = [];
  let lastUser: TranscriptMessage | undefined;
  let lastBot: TranscriptMessage | undefined;
  const addFlag = (m: TranscriptMessage | undefined, f: NonNullable<TranscriptMessage['flags']>[number]): void => {
    if (m && !(m.flags ??= []).includes(f)) m.flags.push(f);
  };
  const ref = (id: string): PassageRef => {
    const p = passages(id);
    return p ? { id, title: p.title } : { id };
  };
  for (const raw of events) {
    const e = raw as unknown as { type: string; at: number; [k: string]: unknown };
    if (raw.type === 'user_uttered') {
      const p = raw.parse;
      const spans = personalDataSpans(raw.text);
      lastUser = {
        seq: out.length,
        at: raw.at,
        from: 'user',
        text: maskForDisplay(raw.text),
        ...(p
          ? {
              parse: {
                intent: p.intent.name,
                confidence: p.intent.confidence,
                // An entity read from inside a card number or phone number (e.g. "4111" as a number) is masked too.
                entities: maskDeep(p.entities.map((x) => ({ entity: x.entity, value: overlaps(spans, x.start, x.end) ? '[masked]' : x.value }))),
                ranking: p.intent_ranking.slice(0, 5).map((r) => ({ name: r.name, confidence: r.confidence })),
              },
            }
          : {}),
      };
      out.push(lastUser);
    } else if (raw.type === 'bot_uttered') {
      const text = botText(raw.message);
      if (text !== undefined) {
        // The out-of-scope reply marks the question it answers (the policy logs no event of its own for it).
        if (text === TEXTS.outOfScope) addFlag(lastUser, 'out_of_scope');
        lastBot = { seq: out.length, at: raw.at, from: 'bot', text: maskForDisplay(text) };
        out.push(lastBot);
      } else if ('custom' in raw.message && raw.message.custom.type === 'citations' && lastBot) {
        const sources = (raw.message.custom as { sources?: Array<{ id: string; title?: string }> }).sources ?? [];
        lastBot.passages = sources.map((s) => ({ id: s.id, ...(s.title ? { title: s.title } : {}) }));
      }
    } else if (e.type === 'agent_uttered') {
      out.push({ seq: out.length, at: e.at, from: 'agent', text: maskForDisplay(String(e.text ?? '')) });
    } else if (raw.type === 'fallback') {
      addFlag(lastUser, 'fallback');
    } else if (raw.type === 'handoff') {
      addFlag(lastUser, 'handoff');
    } else if (e.type === 'knowledge' && lastUser) {
      const ids = Array.isArray(e.passages) ? e.passages.filter((x): x is string => typeof x === 'string') : [];
      lastUser.passages = ids.map(ref);
      if (e.outcome === 'refused') addFlag(lastUser, 'refused');
    } else if (e.type === 'feedback' && e.helpful === false) {
      addFlag(lastBot, 'thumbs_down');
    }
  }
  return out;
}

function overlaps(spans: Array<[number, number, string]>, start: number | undefined, end: number | undefined): boolean {
  if (start === undefined || end === undefined) return spans.length > 0;
  return spans.some(([s, e]) => start < e && end > s);
}
