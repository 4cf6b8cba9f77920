/**
 * Analytics over a period, computed by SQL over the console's conversation archive (so they work whatever the session
 * store is): volume per day, containment, fallback and out-of-scope rates, top intents, unanswered questions grouped
 * by the sentence encoder, thumbs-down passages, questionnaire funnels, hand-off volume and agent response time.
 * Definitions are documented in docs/console.md; the test recomputes every figure with its own SQL on the raw events.
 */
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { AnalyticsReport } from '../../contracts/console-api.ts';
import { ValidationError } from '../../errors.ts';
import type { Embedder } from '../../nlu/types.ts';
import { maskForDisplay } from '../review/display-mask.ts';
import { calendarDay, dayStart } from '../review/review-service.ts';

/** Analytics behind one interface, so another store can bring its own implementation. */
export interface ConsoleAnalytics {
  report(period: { from: string; to: string }): Promise<AnalyticsReport>;
}

/** Validates `?from=&to=` (both required, at most 366 days); throws ValidationError (400). */
export function parsePeriod(query: unknown): { from: string; to: string } {
  const parsed = z
    .strictObject({ from: calendarDay, to: calendarDay })
    .refine((p) => p.from <= p.to && dayStart(p.to) - dayStart(p.from) <= 366 * 86_400_000, { error: 'from must not be after to, and the period at most 366 days' })
    .safeParse(query);
  if (!parsed.success) {
    throw new ValidationError('Invalid period', parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'period', message: i.code === 'unrecognized_keys' ? 'unknown parameter' : i.message })));
  }
  return parsed.data;
}

/** Options shared by the analytics implementations. */
export interface ConsoleAnalyticsOptions {
  /** The sentence encoder that groups unanswered questions (the app's NLU/retrieval embedder). */
  embedder?: Embedder | undefined;
  /** Cosine similarity from which two questions fall in one group. */
  groupThreshold?: number;
  /** Distinct unanswered texts embedded per report (the most frequent first), bounding the cost of a long period. */
  maxGroupedTexts?: number;
}

/** Options for `SqliteConsoleAnalytics`. */
export interface SqliteConsoleAnalyticsOptions extends ConsoleAnalyticsOptions {
  db: Database.Database;
}

/**
 * The raw figures of a period as the archive's SQL computes them, before the report is assembled: conversations
 * started in `[lo, hi)` (epoch ms) and the customer messages of those conversations. Every list in the order given.
 */
export interface ArchiveFigures {
  conversations: number;
  handoffs: number;
  userMessages: number;
  fallbacks: number;
  outOfScope: number;
  /** Conversations and hand-offs by start day (UTC, YYYY-MM-DD); days without any may be missing. */
  conversationDays: Array<{ day: string; conversations: number; handoffs: number }>;
  /** Customer messages by the day sent (UTC). */
  messageDays: Array<{ day: string; messages: number }>;
  /** Top 10 by count, then intent name (byte order). */
  topIntents: Array<{ intent: string; count: number }>;
  /** Unanswered texts grouped by `lower(trim(text))` (ASCII lower case), the smallest spelling (byte order) as the text; by count, then text. */
  unanswered: Array<{ text: string; count: number }>;
  /** Top 10 thumbs-down passages by count, then id (byte order). */
  thumbsDown: Array<{ passageId: string; count: number }>;
  /** Per questionnaire: by started, then name (byte order). */
  forms: Array<{ form: string; started: number; completed: number; cancelled: number }>;
  /** Questionnaires not completed, by (form, last question asked): by count, then slot (byte order). */
  drops: Array<{ form: string; slot: string; count: number }>;
  /** Seconds from hand-off to an agent joining, ascending. */
  waits: number[];
}

/**
 * Analytics over the console archive: subclasses bring the SQL (`figures`), this class assembles the report (days
 * without traffic, rates, funnels, agent response) and groups unanswered questions with the sentence encoder, so every
 * store gives the same report from the same figures.
 */
export abstract class ArchiveAnalytics implements ConsoleAnalytics {
  constructor(private readonly analyticsOptions: ConsoleAnalyticsOptions) {}

  /** The raw figures of conversations started in `[lo, hi)`. */
  protected abstract figures(lo: number, hi: number): Promise<ArchiveFigures>;

  async report(period: { from: string; to: string }): Promise<AnalyticsReport> {
    const t0 = performance.now();
    const lo = dayStart(period.from);
    const hi = dayStart(period.to) + 86_400_000;
    const f = await this.figures(lo, hi);
    const perDay = new Map<string, { day: string; conversations: number; messages: number; handoffs: number }>();
    for (let t = lo; t < hi; t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      perDay.set(d, { day: d, conversations: 0, messages: 0, handoffs: 0 });
    }
    for (const r of f.conversationDays) {
      const row = perDay.get(r.day);
      if (row) Object.assign(row, { conversations: r.conversations, handoffs: r.handoffs });
    }
    // Messages of conversations started in the period, by the day they were sent (a late reply may fall after `to`).
    for (const r of f.messageDays) {
      const row = perDay.get(r.day) ?? { day: r.day, conversations: 0, messages: 0, handoffs: 0 };
      row.messages = r.messages;
      perDay.set(r.day, row);
    }
    const waits = f.waits;
    return {
      from: period.from,
      to: period.to,
      totals: { conversations: f.conversations, userMessages: f.userMessages, handoffs: f.handoffs },
      perDay: [...perDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
      containment: f.conversations === 0 ? 1 : (f.conversations - f.handoffs) / f.conversations,
      fallbackRate: f.userMessages === 0 ? 0 : f.fallbacks / f.userMessages,
      outOfScopeRate: f.userMessages === 0 ? 0 : f.outOfScope / f.userMessages,
      topIntents: f.topIntents,
      unanswered: await this.group(f.unanswered),
      unansweredTotal: f.unanswered.reduce((s, r) => s + r.count, 0),
      thumbsDown: f.thumbsDown,
      funnels: f.forms.map((form) => ({ ...form, dropOff: f.drops.filter((d) => d.form === form.form).map((d) => ({ slot: d.slot, count: d.count })) })),
      agentResponse: {
        accepted: waits.length,
        medianSeconds: waits.length === 0 ? null : median(waits),
        meanSeconds: waits.length === 0 ? null : waits.reduce((a, b) => a + b, 0) / waits.length,
      },
      computedMs: performance.now() - t0,
    };
  }

  /**
   * Greedy grouping by cosine similarity: each text (most frequent first) joins the first group whose representative it
   * resembles at least `groupThreshold`, else starts one. Texts beyond `maxGroupedTexts` are kept as their own groups.
   */
  private async group(rows: Array<{ text: string; count: number }>): Promise<AnalyticsReport['unanswered']> {
    const limit = this.analyticsOptions.maxGroupedTexts ?? 400;
    const threshold = this.analyticsOptions.groupThreshold ?? 0.75;
    const embedder = this.analyticsOptions.embedder;
    const head = rows.slice(0, limit);
    const vectors = embedder && head.length > 0 ? (await embedder.embedDocuments(head.map((r) => r.text))).map(normalise) : undefined;
    const groups: Array<{ vector?: number[]; example: string; count: number; examples: string[] }> = [];
    head.forEach((row, i) => {
      const v = vectors?.[i];
      const match = v ? groups.find((g) => g.vector && dot(g.vector, v) >= threshold) : undefined;
      if (match) {
        match.count += row.count;
        if (match.examples.length < 5) match.examples.push(maskForDisplay(row.text));
      } else {
        groups.push({ ...(v ? { vector: v } : {}), example: maskForDisplay(row.text), count: row.count, examples: [maskForDisplay(row.text)] });
      }
    });
    for (const row of rows.slice(limit)) groups.push({ example: maskForDisplay(row.text), count: row.count, examples: [maskForDisplay(row.text)] });
    return groups
      .sort((a, b) => b.count - a.count)
      .slice(0, 20)
      .map((g) => ({ example: g.example, count: g.count, examples: g.examples }));
  }
}

/** Analytics in SQL over the console archive in its SQLite file (embedded default). */
export class SqliteConsoleAnalytics extends ArchiveAnalytics {
  private readonly db: Database.Database;

  constructor(options: SqliteConsoleAnalyticsOptions) {
    super(options);
    this.db = options.db;
  }

  protected async figures(lo: number, hi: number): Promise<ArchiveFigures> {
    const { db } = this;
    const conv = 'FROM conversations c WHERE c.started_at >= @lo AND c.started_at < @hi';
    const msg = "FROM messages m JOIN conversations c ON c.id = m.session_id WHERE c.started_at >= @lo AND c.started_at < @hi AND m.role = 'user'";
    const p = { lo, hi };
    const one = <T>(sql: string): T => db.prepare(sql).get(p) as T;
    const all = <T>(sql: string): T[] => db.prepare(sql).all(p) as T[];
    const totals = one<{ conversations: number; handoffs: number }>(`SELECT COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv}`);
    const m = one<{ n: number; fallback: number; oos: number }>(`SELECT COUNT(*) AS n, COALESCE(SUM(m.fallback), 0) AS fallback, COALESCE(SUM(m.out_of_scope), 0) AS oos ${msg}`);
    const day = (col: string): string => `strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`;
    return {
      conversations: totals.conversations,
      handoffs: totals.handoffs,
      userMessages: m.n,
      fallbacks: m.fallback,
      outOfScope: m.oos,
      conversationDays: all(`SELECT ${day('c.started_at')} AS day, COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv} GROUP BY day`),
      messageDays: all(`SELECT ${day('m.at')} AS day, COUNT(*) AS messages ${msg} GROUP BY day`),
      topIntents: all(`SELECT m.intent AS intent, COUNT(*) AS count ${msg} AND m.intent IS NOT NULL GROUP BY m.intent ORDER BY count DESC, intent LIMIT 10`),
      unanswered: all(`SELECT MIN(m.text) AS text, COUNT(*) AS count ${msg} AND (m.fallback = 1 OR m.out_of_scope = 1 OR m.refused = 1) GROUP BY lower(trim(m.text)) ORDER BY count DESC, text`),
      thumbsDown: all(
        `SELECT f.passage_id AS passageId, COUNT(*) AS count FROM feedback f JOIN conversations c ON c.id = f.session_id
         WHERE c.started_at >= @lo AND c.started_at < @hi AND f.helpful = 0 AND f.passage_id IS NOT NULL GROUP BY f.passage_id ORDER BY count DESC, passageId LIMIT 10`,
      ),
      forms: all(
        `SELECT f.form AS form, COUNT(*) AS started, SUM(f.outcome = 'completed') AS completed, SUM(f.outcome = 'cancelled') AS cancelled
         FROM forms f JOIN conversations c ON c.id = f.session_id WHERE c.started_at >= @lo AND c.started_at < @hi GROUP BY f.form ORDER BY started DESC, form`,
      ),
      drops: all(
        `SELECT f.form AS form, f.last_slot AS slot, COUNT(*) AS count FROM forms f JOIN conversations c ON c.id = f.session_id
         WHERE c.started_at >= @lo AND c.started_at < @hi AND f.outcome <> 'completed' AND f.last_slot IS NOT NULL GROUP BY f.form, f.last_slot ORDER BY count DESC, slot`,
      ),
      waits: all<{ s: number }>(`SELECT (c.agent_joined_at - c.handoff_at) / 1000.0 AS s ${conv} AND c.handoff_at IS NOT NULL AND c.agent_joined_at IS NOT NULL ORDER BY s`).map((r) => r.s),
    };
  }
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
