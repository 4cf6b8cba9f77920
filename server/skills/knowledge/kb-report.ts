/**
 * The content-gap report behind `npx moneta kb report`: from the stored conversations, which passages customers
 * mark unhelpful, and which questions the assistant refused or had to clarify. Pure over session records, so the
 * same code reads any session store (SQLite, PostgreSQL, memory).
 */
import type { SessionRecord } from '../../session/types.ts';

/** One passage's "Did this help?" tally. */
export interface PassageFeedback {
  passage: string;
  title?: string;
  unhelpful: number;
  helpful: number;
}

/** A question as customers asked it (normalised: lower case, single spaces), how often, and what was offered. */
export interface QuestionGap {
  question: string;
  count: number;
  /** Passages offered with the refusal (closest topics) or the clarification (the two candidates). */
  offered: string[];
}

/** The report (`moneta kb report` prints it as JSON). */
export interface KbReport {
  conversations: number;
  answers: number;
  feedback: { helpful: number; unhelpful: number };
  /** Passages with the most thumbs-down, worst first. */
  mostUnhelpful: PassageFeedback[];
  /** Questions the knowledge skill could not answer, or the NLU could not place (fallback), most frequent first. */
  refused: QuestionGap[];
  /** Questions answered with "Do you mean …?", most frequent first. */
  clarified: QuestionGap[];
}

const normalise = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ');

/** Builds the report from conversations (each counted once; the last feedback per answer counts). */
export function buildKbReport(records: Iterable<SessionRecord>, options: { limit?: number; titleOf?: (id: string) => string | undefined } = {}): KbReport {
  const limit = options.limit ?? 20;
  let conversations = 0;
  let answers = 0;
  const votes = new Map<string, { passage: string; helpful: boolean }>();
  const gaps = { refused: new Map<string, QuestionGap>(), clarified: new Map<string, QuestionGap>() };
  const note = (kind: 'refused' | 'clarified', question: string | undefined, offered: string[]): void => {
    if (!question || question.startsWith('/')) return;
    const key = normalise(question);
    const gap = gaps[kind].get(key) ?? { question: key, count: 0, offered: [] };
    gap.count += 1;
    for (const p of offered) if (!gap.offered.includes(p)) gap.offered.push(p);
    gaps[kind].set(key, gap);
  };
  for (const record of records) {
    conversations += 1;
    let question: string | undefined;
    for (const e of record.events) {
      if (e.type === 'user_uttered') question = e.text;
      else if (e.type === 'knowledge') {
        if (e.outcome === 'answered') answers += 1;
        else note(e.outcome, question, e.passages);
      } else if (e.type === 'fallback' && e.reason !== 'knowledge_not_found') note('refused', question, []);
      else if (e.type === 'feedback') votes.set(`${record.id}\u0000${e.answerId}`, { passage: e.passageId, helpful: e.helpful });
    }
  }
  const byPassage = new Map<string, PassageFeedback>();
  let helpful = 0;
  for (const v of votes.values()) {
    const row = byPassage.get(v.passage) ?? { passage: v.passage, unhelpful: 0, helpful: 0 };
    if (v.helpful) {
      row.helpful += 1;
      helpful += 1;
    } else row.unhelpful += 1;
    byPassage.set(v.passage, row);
  }
  const ranked = (m: Map<string, QuestionGap>): QuestionGap[] => [...m.values()].sort((a, b) => b.count - a.count || (a.question < b.question ? -1 : 1)).slice(0, limit);
  return {
    conversations,
    answers,
    feedback: { helpful, unhelpful: votes.size - helpful },
    mostUnhelpful: [...byPassage.values()]
      .filter((r) => r.unhelpful > 0)
      .sort((a, b) => b.unhelpful - a.unhelpful || a.helpful - b.helpful || (a.passage < b.passage ? -1 : 1))
      .slice(0, limit)
      .map((r) => {
        const title = options.titleOf?.(r.passage);
        return title ? { ...r, title } : r;
      }),
    refused: ranked(gaps.refused),
    clarified: ranked(gaps.clarified),
  };
}
