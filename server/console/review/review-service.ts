/**
 * The analyst's review: search the archive with validated filters, show a transcript (NLU parse, passages, answer;
 * personal data masked), record corrections, and export them as training data for the next retrain.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import type { ConversationList, ConversationSummary, CorrectionRequest, PassageRef, TranscriptMessage, TranscriptView } from '../../contracts/console-api.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { SessionEvent, SessionStore } from '../../session/types.ts';
import { maskDeep, maskForDisplay, personalDataSpans } from './display-mask.ts';
import { TEXTS } from '../../response/templates.ts';

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
  db: Database.Database;
  /** The app's session store (the record the transcript is read from). */
  store: () => SessionStore;
  /** Intent names the classifier knows (a correction must name one). */
  intents: () => readonly string[];
  passages: PassageLookup;
}

/** The review operations. */
export class ReviewService {
  constructor(private readonly options: ReviewServiceOptions) {}

  /** Conversations matching `filter`, newest first. */
  search(filter: ConversationFilter): ConversationList {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.from) {
      where.push('c.started_at >= ?');
      args.push(dayStart(filter.from));
    }
    if (filter.to) {
      where.push('c.started_at < ?');
      args.push(dayStart(filter.to) + 86_400_000);
    }
    if (filter.intent) {
      where.push("EXISTS (SELECT 1 FROM messages m WHERE m.session_id = c.id AND m.role = 'user' AND m.intent = ?)");
      args.push(filter.intent);
    }
    const bool = (value: 'true' | 'false' | undefined, expr: string): void => {
      if (value) where.push(value === 'true' ? expr : `NOT (${expr})`);
    };
    bool(filter.fallback, 'c.fallbacks > 0');
    bool(filter.outOfScope, 'c.out_of_scope > 0');
    bool(filter.thumbsDown, 'c.thumbs_down > 0');
    bool(filter.handoff, 'c.handoff_at IS NOT NULL');
    if (filter.form) {
      where.push('EXISTS (SELECT 1 FROM forms f WHERE f.session_id = c.id AND f.outcome = ?)');
      args.push(filter.form);
    }
    if (filter.q) {
      where.push("EXISTS (SELECT 1 FROM messages m WHERE m.session_id = c.id AND m.text LIKE ? ESCAPE '\\')");
      args.push(`%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { db } = this.options;
    const total = (db.prepare(`SELECT COUNT(*) AS n FROM conversations c ${clause}`).get(...args) as { n: number }).n;
    const rows = db
      .prepare(`SELECT * FROM conversations c ${clause} ORDER BY c.started_at DESC, c.id LIMIT ? OFFSET ?`)
      .all(...args, filter.limit, filter.offset) as Array<Record<string, number | string | null>>;
    const formsOf = db.prepare('SELECT form, outcome FROM forms WHERE session_id = ? ORDER BY seq');
    const items = rows.map(
      (r): ConversationSummary => ({
        id: String(r.id),
        startedAt: Number(r.started_at),
        updatedAt: Number(r.updated_at),
        userMessages: Number(r.user_messages),
        firstIntent: (r.first_intent as string | null) ?? null,
        lastUserText: r.last_user_text === null ? null : maskForDisplay(String(r.last_user_text)),
        fallbacks: Number(r.fallbacks),
        outOfScope: Number(r.out_of_scope),
        thumbsDown: Number(r.thumbs_down),
        handoff: r.handoff_at !== null,
        forms: formsOf.all(r.id) as ConversationSummary['forms'],
      }),
    );
    return { total, items };
  }

  /** The transcript of one conversation for review (masked); NotFoundError when it does not exist. */
  async transcript(sessionId: string): Promise<TranscriptView> {
    const record = await this.options.store().get(sessionId);
    if (!record) throw new NotFoundError('No such conversation.');
    const messages = buildReviewTranscript(record.events, (id) => this.options.passages(id));
    const corrections = this.options.db.prepare('SELECT message_seq, intent, passage_id, staff, at FROM corrections WHERE session_id = ?').all(sessionId) as Array<{
      message_seq: number;
      intent: string | null;
      passage_id: string | null;
      staff: string;
      at: number;
    }>;
    for (const c of corrections) {
      const m = messages.find((x) => x.seq === c.message_seq);
      if (m) m.correction = { ...(c.intent ? { intent: c.intent } : {}), ...(c.passage_id ? { passageId: c.passage_id } : {}), by: c.staff, at: c.at };
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
    this.options.db
      .prepare(
        `INSERT INTO corrections (session_id, message_seq, text, intent, passage_id, staff, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, message_seq) DO UPDATE SET intent = excluded.intent, passage_id = excluded.passage_id, staff = excluded.staff, at = excluded.at`,
      )
      .run(sessionId, request.seq, message.text, request.intent ?? null, request.passageId ?? null, staff, now);
    return { ...message, correction: { ...(request.intent ? { intent: request.intent } : {}), ...(request.passageId ? { passageId: request.passageId } : {}), by: staff, at: now } };
  }

  /**
   * The intent corrections in the intent model's training-only JSONL format (`{"text","intent"}` per line, as in
   * models/intent/data/training-only.jsonl), one line per distinct text, oldest first.
   */
  exportIntentJsonl(): string {
    const rows = this.options.db.prepare('SELECT text, intent FROM corrections WHERE intent IS NOT NULL ORDER BY at, id').all() as Array<{ text: string; intent: string }>;
    const seen = new Map<string, string>();
    for (const r of rows) seen.set(r.text.trim(), r.intent);
    return [...seen].map(([text, intent]) => `${JSON.stringify({ text, intent })}\n`).join('');
  }

  /**
   * The passage corrections as `questions:` additions per passage, in the knowledge front matter's YAML form, ready to
   * merge into each passage file (`knowledge/<topic>/<id>.md`) before `npx moneta kb build`.
   */
  exportPassageQuestionsYaml(): string {
    const rows = this.options.db.prepare('SELECT text, passage_id FROM corrections WHERE passage_id IS NOT NULL ORDER BY passage_id, at, id').all() as Array<{ text: string; passage_id: string }>;
    const byPassage = new Map<string, Set<string>>();
    for (const r of rows) {
      const set = byPassage.get(r.passage_id) ?? new Set<string>();
      set.add(r.text.trim());
      byPassage.set(r.passage_id, set);
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
