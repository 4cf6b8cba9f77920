/**
 * The knowledge benchmark's question sets (`knowledge/eval/*.jsonl`) and their seeded dev/test split: every weight
 * and threshold is chosen on the dev half, and the test half gives the headline figures.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One labelled question. */
export interface Question {
  id: string;
  question: string;
  /** Passage ids that answer it (empty: unanswerable, the assistant should say it does not know). */
  relevant: string[];
  /**
   * Passages an independent pooled assessment added as acceptable answers (see {@link acceptedPassages}); the
   * original `relevant` labels are never changed by it.
   */
  pooled?: string[];
  /** Gold BANKING77 intent (customer-service questions). */
  intent?: string;
  /** Question file, e.g. `customer-service`, `education`. */
  set: string;
  /**
   * Half it belongs to: tune on `dev`, report `test`. `blind`: the questions of {@link BLIND_FILE}, written by people
   * who never saw the passages; never tuned on, reported on their own.
   */
  split: 'dev' | 'test' | 'blind';
}

/**
 * The passages that count as a right answer. `original`: the labels written with the question set. `pooled`: those
 * plus the passages two independent assessors both judged acceptable when shown every candidate the chat could cite
 * for the question (TREC-style pooling; docs/knowledge.md, "Pooled assessment"): the original labellers named one
 * passage per question, usually, and missed other passages that answer it as well.
 */
export function acceptedPassages(q: Pick<Question, 'relevant' | 'pooled'>, labels: 'original' | 'pooled'): string[] {
  return labels === 'pooled' && q.pooled?.length ? [...q.relevant, ...q.pooled] : q.relevant;
}

/** The question files read, in order. */
export const EVAL_FILES = ['questions-customer-service.jsonl', 'questions-education.jsonl'];

/**
 * Questions written without seeing the knowledge base (from a list of topics only), then labelled by someone else
 * who read the passages: the issue's "questions phrased by people who never saw the passages".
 */
export const BLIND_FILE = 'questions-blind.jsonl';

/** Seed of the dev/test split (fixed: changing it would let one pick a lucky split). */
export const SPLIT_SEED = 'moneta-kb-split-2026';

/**
 * Stratum of a question for the split: the question file plus its gold intent (customer service) or the area of its
 * first relevant passage (`inv`, `cr`, `mon`; `unanswerable`), so both halves cover every intent and topic.
 */
export function stratum(q: Pick<Question, 'set' | 'intent' | 'relevant'>): string {
  if (q.intent) return `${q.set}:${q.intent}`;
  return `${q.set}:${q.relevant[0]?.split('-')[0] ?? 'unanswerable'}`;
}

/**
 * Assigns dev/test: within each stratum (in sorted order), questions are ordered by SHA-256 of seed + id and dealt
 * alternately, the alternation carrying over between strata so odd-sized strata balance out. Deterministic and
 * independent of file order.
 */
export function assignSplits<T extends Pick<Question, 'id' | 'set' | 'intent' | 'relevant'>>(questions: T[]): Array<T & { split: 'dev' | 'test' }> {
  const byStratum = new Map<string, T[]>();
  for (const q of questions) {
    const key = stratum(q);
    byStratum.set(key, [...(byStratum.get(key) ?? []), q]);
  }
  const split = new Map<string, 'dev' | 'test'>();
  let turn = 0;
  for (const key of [...byStratum.keys()].sort()) {
    const hash = (id: string): string => createHash('sha256').update(`${SPLIT_SEED}:${id}`).digest('hex');
    for (const q of byStratum.get(key)!.sort((a, b) => (hash(a.id) < hash(b.id) ? -1 : 1))) {
      split.set(q.id, turn++ % 2 === 0 ? 'dev' : 'test');
    }
  }
  return questions.map((q) => ({ ...q, split: split.get(q.id)! }));
}

/** Reads one question file (bad lines are reported on stderr and skipped); missing file = no questions. */
function readQuestionFile(knowledgeDir: string, name: string): Array<Omit<Question, 'split'>> {
  const file = path.join(knowledgeDir, 'eval', name);
  if (!fs.existsSync(file)) return [];
  const set = name.replace(/^questions-|\.jsonl$/g, '');
  const out: Array<Omit<Question, 'split'>> = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const q = JSON.parse(line) as Omit<Question, 'set' | 'split'>;
        out.push({ ...q, relevant: q.relevant ?? [], set });
      } catch {
        process.stderr.write(`skipping ${name}:${i + 1}: not valid JSON\n`);
      }
    });
  return out;
}

/** Every question under `<knowledgeDir>/eval/`: the split sets (dev/test), then the blind set. */
export function loadQuestions(knowledgeDir: string): Question[] {
  const split = assignSplits(EVAL_FILES.flatMap((name) => readQuestionFile(knowledgeDir, name)));
  const blind = readQuestionFile(knowledgeDir, BLIND_FILE).map((q) => ({ ...q, split: 'blind' as const }));
  return [...split, ...blind];
}

/**
 * Tuning's negatives: messages that are not about Moneta at all, where any citation is a wrong answer: CLINC150's
 * `oos_val` and every 4th validation message of its domains that have nothing to do with money (not banking, credit
 * cards or work: taxes, 401k and pay are money questions). NLU validation data, never its training data; empty when
 * the data set is absent.
 */
export function outOfScopeMessages(datasetsDir: string): Question[] {
  const dir = path.join(datasetsDir, 'clinc150');
  if (!fs.existsSync(path.join(dir, 'train_oos_plus.json'))) return [];
  const data = JSON.parse(fs.readFileSync(path.join(dir, 'train_oos_plus.json'), 'utf8')) as Record<string, Array<[string, string]>>;
  const domains = JSON.parse(fs.readFileSync(path.join(dir, 'domains.json'), 'utf8')) as Record<string, string[]>;
  const other = new Set(['kitchen_and_dining', 'home', 'auto_and_commute', 'travel', 'utility'].flatMap((d) => domains[d] ?? []));
  const texts = [...data.oos_val!.map(([t]) => t), ...data.val!.filter(([, i], n) => other.has(i) && n % 4 === 0).map(([t]) => t)];
  return texts.map((t, i) => ({ id: `oos-${i}`, question: t, relevant: [], set: 'oos', split: 'dev' as const }));
}

/**
 * Questions written blind (from a topic list, without the passages) and labelled by others, but set aside for
 * TUNING: the answer model and the routing thresholds are fitted on them with the dev half, so they are never
 * reported as a blind measurement. `questions-blind-2.jsonl` stays untouched for that.
 */
export const TUNING_BLIND_FILE = 'questions-tuning-blind.jsonl';

/** The tuning-blind questions (empty when the file is absent). */
export function loadTuningBlind(knowledgeDir: string): Question[] {
  return readQuestionFile(knowledgeDir, TUNING_BLIND_FILE).map((q) => ({ ...q, relevant: q.relevant ?? [], split: 'dev' as const }));
}

/**
 * The second blind set (2026-12-07): written from a topic list by people who never saw the passages, labelled by
 * others, never tuned on. The issue's targets are read on it.
 */
export const BLIND_2_FILE = 'questions-blind-2.jsonl';

/** The second blind set's questions (empty when the file is absent), as set `blind-2`. */
export function loadBlind2(knowledgeDir: string): Question[] {
  return readQuestionFile(knowledgeDir, BLIND_2_FILE).map((q) => ({ ...q, set: 'blind-2', split: 'blind' as const }));
}

/**
 * A second tuning set (2026-12-08), written like the tuning-blind set (from a topic list, without the passages) to
 * give the answer model more customer-style questions to be fitted on. Its labels come from the pooled assessment
 * alone (`pooled`; `relevant` is empty): the passages of the five candidates that two blind assessment passes both
 * accepted. So a fit on the original labels leaves it out, and it is never reported as a blind measurement.
 */
export const TUNING_BLIND_2_FILE = 'questions-tuning-blind-2.jsonl';

/** The second tuning set's questions (empty when the file is absent), as set `tuning-blind-2`. */
export function loadTuningBlind2(knowledgeDir: string): Question[] {
  return readQuestionFile(knowledgeDir, TUNING_BLIND_2_FILE).map((q) => ({ ...q, split: 'dev' as const }));
}
