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

/** Options for `SqliteConsoleAnalytics`. */
export interface SqliteConsoleAnalyticsOptions {
  db: Database.Database;
  /** The sentence encoder that groups unanswered questions (the app's NLU/retrieval embedder). */
  embedder?: Embedder | undefined;
  /** Cosine similarity from which two questions fall in one group. */
  groupThreshold?: number;
  /** Distinct unanswered texts embedded per report (the most frequent first), bounding the cost of a long period. */
  maxGroupedTexts?: number;
}

/** Analytics in SQL over the console archive. */
export class SqliteConsoleAnalytics implements ConsoleAnalytics {
  constructor(private readonly options: SqliteConsoleAnalyticsOptions) {}

  async report(period: { from: string; to: string }): Promise<AnalyticsReport> {
    const t0 = performance.now();
    const { db } = this.options;
    const lo = dayStart(period.from);
    const hi = dayStart(period.to) + 86_400_000;
    // Conversations started in the period, and the customer messages of those conversations.
    const conv = 'FROM conversations c WHERE c.started_at >= @lo AND c.started_at < @hi';
    const msg = "FROM messages m JOIN conversations c ON c.id = m.session_id WHERE c.started_at >= @lo AND c.started_at < @hi AND m.role = 'user'";
    const p = { lo, hi };
    const one = <T>(sql: string): T => db.prepare(sql).get(p) as T;
    const all = <T>(sql: string): T[] => db.prepare(sql).all(p) as T[];

    const totals = one<{ conversations: number; handoffs: number }>(`SELECT COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv}`);
    const m = one<{ n: number; fallback: number; oos: number }>(`SELECT COUNT(*) AS n, COALESCE(SUM(m.fallback), 0) AS fallback, COALESCE(SUM(m.out_of_scope), 0) AS oos ${msg}`);
    const day = (col: string): string => `strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`;
    const convDays = all<{ day: string; conversations: number; handoffs: number }>(`SELECT ${day('c.started_at')} AS day, COUNT(*) AS conversations, COUNT(c.handoff_at) AS handoffs ${conv} GROUP BY day`);
    const msgDays = all<{ day: string; messages: number }>(`SELECT ${day('m.at')} AS day, COUNT(*) AS messages ${msg} GROUP BY day`);
    const perDay = new Map<string, { day: string; conversations: number; messages: number; handoffs: number }>();
    for (let t = lo; t < hi; t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      perDay.set(d, { day: d, conversations: 0, messages: 0, handoffs: 0 });
    }
    for (const r of convDays) {
      const row = perDay.get(r.day);
      if (row) Object.assign(row, { conversations: r.conversations, handoffs: r.handoffs });
    }
    // Messages of conversations started in the period, by the day they were sent (a late reply may fall after `to`).
    for (const r of msgDays) {
      const row = perDay.get(r.day) ?? { day: r.day, conversations: 0, messages: 0, handoffs: 0 };
      row.messages = r.messages;
      perDay.set(r.day, row);
    }

    const topIntents = all<{ intent: string; count: number }>(`SELECT m.intent AS intent, COUNT(*) AS count ${msg} AND m.intent IS NOT NULL GROUP BY m.intent ORDER BY count DESC, intent LIMIT 10`);
    const unansweredRows = all<{ text: string; count: number }>(
      `SELECT MIN(m.text) AS text, COUNT(*) AS count ${msg} AND (m.fallback = 1 OR m.out_of_scope = 1 OR m.refused = 1) GROUP BY lower(trim(m.text)) ORDER BY count DESC, text`,
    );
    const unansweredTotal = unansweredRows.reduce((s, r) => s + r.count, 0);
    const thumbsDown = all<{ passageId: string; count: number }>(
      `SELECT f.passage_id AS passageId, COUNT(*) AS count FROM feedback f JOIN conversations c ON c.id = f.session_id
       WHERE c.started_at >= @lo AND c.started_at < @hi AND f.helpful = 0 AND f.passage_id IS NOT NULL GROUP BY f.passage_id ORDER BY count DESC, passageId LIMIT 10`,
    );
    const formRows = all<{ form: string; started: number; completed: number; cancelled: number }>(
      `SELECT f.form AS form, COUNT(*) AS started, SUM(f.outcome = 'completed') AS completed, SUM(f.outcome = 'cancelled') AS cancelled
       FROM forms f JOIN conversations c ON c.id = f.session_id WHERE c.started_at >= @lo AND c.started_at < @hi GROUP BY f.form ORDER BY started DESC, form`,
    );
    const dropRows = all<{ form: string; slot: string; count: number }>(
      `SELECT f.form AS form, f.last_slot AS slot, COUNT(*) AS count FROM forms f JOIN conversations c ON c.id = f.session_id
       WHERE c.started_at >= @lo AND c.started_at < @hi AND f.outcome <> 'completed' AND f.last_slot IS NOT NULL GROUP BY f.form, f.last_slot ORDER BY count DESC, slot`,
    );
    const waits = all<{ s: number }>(`SELECT (c.agent_joined_at - c.handoff_at) / 1000.0 AS s ${conv} AND c.handoff_at IS NOT NULL AND c.agent_joined_at IS NOT NULL ORDER BY s`).map((r) => r.s);

    return {
      from: period.from,
      to: period.to,
      totals: { conversations: totals.conversations, userMessages: m.n, handoffs: totals.handoffs },
      perDay: [...perDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
      containment: totals.conversations === 0 ? 1 : (totals.conversations - totals.handoffs) / totals.conversations,
      fallbackRate: m.n === 0 ? 0 : m.fallback / m.n,
      outOfScopeRate: m.n === 0 ? 0 : m.oos / m.n,
      topIntents,
      unanswered: await this.group(unansweredRows),
      unansweredTotal,
      thumbsDown,
      funnels: formRows.map((f) => ({ ...f, dropOff: dropRows.filter((d) => d.form === f.form).map((d) => ({ slot: d.slot, count: d.count })) })),
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
    const limit = this.options.maxGroupedTexts ?? 400;
    const threshold = this.options.groupThreshold ?? 0.75;
    const embedder = this.options.embedder;
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
