/**
 * The answer model: one calibrated probability that a retrieved passage answers the customer's message, from every
 * signal the turn already has (dense cosine, BM25, term coverage, fusion ranks, the cross-encoder's logit, and the
 * NLU's own belief in the intents the passage declares). It replaces hand-set score thresholds with a decision
 * calibrated on labelled dev data: the retriever and the NLU disagree in ways one score cannot express (a passage the
 * NLU's second-best intent points at, a BM25-only match on one rare word, a confident small-talk label on a question).
 *
 * It is a small gradient-boosted tree ensemble (scikit-learn's HistGradientBoostingClassifier, fitted by
 * `models/answer-model/training/fit_answer_model.py`, `npm run train:answer-model`, exported as JSON); serving walks
 * a few hundred depth-2 trees per candidate, tens of microseconds. One more signal comes from a passage classifier
 * fitted on the passages' own questions (server/rag/passage-classifier.ts), which tells sibling passages apart. The candidates are re-ordered by probability and the message's confidence is the first
 * one's: the routing and "I don't know" thresholds are then probabilities, chosen on the dev data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { IntentPrediction } from '../nlu/types.ts';
import { EmbeddingPassageClassifier } from './embedding-passage-classifier.ts';
import { PassageClassifier, type PassageBelief } from './passage-classifier.ts';
import { terms } from './text.ts';

/** One retrieved candidate as the answer model reads it (the hybrid retriever's hit, plus the reranker's logit). */
export interface AnswerCandidate {
  id: string;
  score: number;
  dense?: number;
  coverage?: number;
  bm25?: number;
  rrf?: number;
  ranks?: { dense?: number; bm25?: number; intent?: number };
  rerank?: number;
}

/** What the NLU said about the message. */
export interface AnswerModelParse {
  intent: IntentPrediction;
  intent_ranking?: IntentPrediction[];
}

/** Names of the features, in the order {@link answerFeatures} computes them (the model file must list the same). */
export const ANSWER_FEATURES = [
  'score',
  'dense',
  'coverage',
  'log_bm25',
  'inv_rank_dense',
  'inv_rank_bm25',
  'in_intent_list',
  'inv_position',
  'rerank',
  'has_rerank',
  'rerank_lead',
  'nlu_p_passage',
  'nlu_top_is_passage',
  'nlu_confidence',
  'nlu_out_of_scope',
  'nlu_knowledge_intent',
  'dense_lead',
  'coverage_lead',
  'bm25_share',
  'log_terms',
  'classifier_p',
  'classifier_inv_rank',
  'classifier_top',
  'classifier_share_of_top',
  'embedding_classifier_p',
  'embedding_classifier_inv_rank',
  'embedding_classifier_top',
  'embedding_classifier_share_of_top',
] as const;

/** What the passage classifiers said about the message (server/rag/passage-classifier.ts, embedding-passage-classifier.ts). */
export interface PassageBeliefs {
  /** The TF-IDF classifier (words). */
  lexical?: PassageBelief | undefined;
  /** The classifier over the retriever's query embedding (meaning). */
  embedding?: PassageBelief | undefined;
}

/** Ranks beyond this count as "not among the classifier's candidates" (feature 0). */
const CLASSIFIER_MAX_RANK = 20;

/**
 * The feature vectors of a message's candidates, one row per candidate, in {@link ANSWER_FEATURES} order.
 * `intentsOf` gives the intents a passage declares; `knowledgeIntents` are the intents the knowledge skill answers;
 * `beliefs` are the passage classifiers' readings of the message (their features are 0 without them).
 */
export function answerFeatures(
  question: string,
  parse: AnswerModelParse,
  candidates: readonly AnswerCandidate[],
  intentsOf: (id: string) => readonly string[],
  knowledgeIntents: ReadonlySet<string>,
  beliefs: PassageBeliefs = {},
): number[][] {
  const classifierFeatures = (belief: PassageBelief | undefined, id: string): number[] => {
    const p = belief?.probability(id) ?? 0;
    const rank = belief?.rank(id) ?? Infinity;
    return [p, rank <= CLASSIFIER_MAX_RANK ? 1 / rank : 0, belief?.top ?? 0, belief && belief.top > 0 ? p / belief.top : 0];
  };
  const ranking = parse.intent_ranking?.length ? parse.intent_ranking : [parse.intent];
  const nluP = new Map(ranking.map((r) => [r.name, r.confidence]));
  const others = (i: number, pick: (c: AnswerCandidate) => number): number => {
    let best = 0;
    candidates.forEach((c, j) => {
      if (j !== i) best = Math.max(best, pick(c));
    });
    return best;
  };
  const bm25Total = candidates.reduce((s, c) => s + Math.max(0, c.bm25 ?? 0), 0);
  const nTerms = terms(question).length;
  return candidates.map((c, i) => {
    const intents = intentsOf(c.id);
    const pPassage = intents.reduce((best, name) => Math.max(best, nluP.get(name) ?? 0), 0);
    const hasRerank = c.rerank !== undefined;
    return [
      c.score,
      c.dense ?? 0,
      c.coverage ?? 0,
      Math.log1p(Math.max(0, c.bm25 ?? 0)),
      c.ranks?.dense ? 1 / c.ranks.dense : 0,
      c.ranks?.bm25 ? 1 / c.ranks.bm25 : 0,
      c.ranks?.intent ? 1 : 0,
      1 / (i + 1),
      hasRerank ? c.rerank! : 0,
      hasRerank ? 1 : 0,
      hasRerank ? c.rerank! - others(i, (o) => o.rerank ?? -Infinity) : 0,
      pPassage,
      intents.includes(parse.intent.name) ? 1 : 0,
      parse.intent.confidence,
      parse.intent.name === 'out_of_scope' ? 1 : 0,
      knowledgeIntents.has(parse.intent.name) ? 1 : 0,
      (c.dense ?? 0) - others(i, (o) => o.dense ?? 0),
      (c.coverage ?? 0) - others(i, (o) => o.coverage ?? 0),
      bm25Total > 0 ? Math.max(0, c.bm25 ?? 0) / bm25Total : 0,
      Math.log1p(nTerms),
      ...classifierFeatures(beliefs.lexical, c.id),
      ...classifierFeatures(beliefs.embedding, c.id),
    ].map((v) => (Number.isFinite(v) ? v : 0));
  });
}

/** Thresholds on the answer model's probability, chosen with it on the dev data. */
export const answerThresholdsSchema = z.object({
  /** Answer a knowledge question from this probability up (below: "I don't know" with the closest topics). */
  minScore: z.number().min(0).max(1),
  /** Answer a message the NLU rejected (out of scope or unsure) from this probability up. */
  rejectedMinScore: z.number().min(0).max(1),
  /** Answer instead of an unsure dedicated intent (small talk, a questionnaire) from this probability up. */
  overrideMinScore: z.number().min(0).max(1),
  /** Offer the closest topics instead of "that's outside what I can help with" from this probability up. */
  suggestMinScore: z.number().min(0).max(1),
  /** Passages offered as the closest topics from this probability up. */
  nearMinScore: z.number().min(0).max(1),
  /**
   * Below `minScore`, ask "Do you mean …?" with the first two passages when together they are this likely to hold the
   * answer (p1 + p2) …
   */
  clarifySum: z.number().min(0).max(2),
  /** … and the second alone is at least this likely (else it is not a real alternative). */
  clarifyMinSecond: z.number().min(0).max(1),
});

/** Answer-model thresholds (see {@link answerThresholdsSchema}). */
export type AnswerThresholds = z.infer<typeof answerThresholdsSchema>;

/**
 * One regression tree as scikit-learn's HistGradientBoostingClassifier stores it, a node per row:
 * `[feature, threshold, left, right, value, isLeaf, missingGoesLeft]`; a row goes left when `x[feature] <= threshold`.
 */
const treeSchema = z.array(z.tuple([z.number().int(), z.number(), z.number().int(), z.number().int(), z.number(), z.number().int(), z.number().int()]));

const modelFileSchema = z.object({
  name: z.string(),
  version: z.string(),
  features: z.array(z.string()),
  /** Log-odds before the trees. */
  baseline: z.number(),
  trees: z.array(treeSchema).min(1),
  thresholds: answerThresholdsSchema,
  /** Which reranker's logits the model was fitted with (its logits are on that model's scale only). */
  rerankerModelId: z.string().nullable(),
  /** How many of the retriever's hits the reranker scores (the fitted features assume the same). */
  rerankK: z.number().int().min(0),
  /** Rows and scikit-learn's probabilities for them: the parity check of this evaluator (tests). */
  reference: z.object({ rows: z.array(z.array(z.number())), probabilities: z.array(z.number()) }),
  /** The passage classifier file in the same folder whose probabilities the model was fitted with. */
  passageClassifier: z.string().optional(),
  /** The embedding passage classifier file in the same folder, likewise. */
  embeddingClassifier: z.string().optional(),
  training: z.record(z.string(), z.unknown()).optional(),
});

/** The answer model file (`models/answer-model/model.json`). */
export type AnswerModelFile = z.infer<typeof modelFileSchema>;

/** A loaded answer model. */
export class AnswerModel {
  /** Name and version, e.g. `moneta-answer-model-2026-12-07`. */
  readonly modelId: string;
  readonly thresholds: AnswerThresholds;
  readonly rerankerModelId: string | null;
  readonly rerankK: number;

  constructor(
    private readonly file: AnswerModelFile,
    /** The passage classifier the model reads (server/rag/passage-classifier.ts); required when the file names one. */
    readonly passageClassifier?: PassageClassifier,
    /** The classifier over query embeddings (server/rag/embedding-passage-classifier.ts); required when the file names one. */
    readonly embeddingClassifier?: EmbeddingPassageClassifier,
  ) {
    if (file.embeddingClassifier && !embeddingClassifier) {
      throw new ConfigError(`The answer model ${file.name} reads the embedding passage classifier ${file.embeddingClassifier}, which is missing; rebuild both with \`npm run train:answer-model\`.`);
    }
    if (file.passageClassifier && !passageClassifier) {
      throw new ConfigError(`The answer model ${file.name} reads the passage classifier ${file.passageClassifier}, which is missing; rebuild both with \`npm run train:answer-model\`.`);
    }
    const expected = ANSWER_FEATURES.join(',');
    const featureOutOfRange = file.trees.some((tree) => tree.some(([feature, , left, right, , leaf]) => !leaf && (feature < 0 || feature >= ANSWER_FEATURES.length || left >= tree.length || right >= tree.length)));
    if (file.features.join(',') !== expected || featureOutOfRange) {
      throw new ConfigError(`The answer model ${file.name} was fitted on other features than this server computes (${expected}); refit it with \`npm run train:answer-model\`.`);
    }
    this.modelId = `${file.name}-${file.version}`;
    this.thresholds = file.thresholds;
    this.rerankerModelId = file.rerankerModelId;
    this.rerankK = file.rerankK;
  }

  /** Reads `<dir>/model.json`; undefined when the folder has none (a checkout without the model). */
  static load(dir: string): AnswerModel | undefined {
    const file = path.join(dir, 'model.json');
    if (!fs.existsSync(file)) return undefined;
    const parsed = modelFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new ConfigError(`${file} is not an answer model: ${parsed.error.issues[0]?.message ?? 'invalid'}. Rebuild it with \`npm run train:answer-model\`.`);
    const classifier = parsed.data.passageClassifier ? PassageClassifier.load(dir) : undefined;
    const embedding = parsed.data.embeddingClassifier ? EmbeddingPassageClassifier.load(dir) : undefined;
    return new AnswerModel(parsed.data, classifier, embedding);
  }

  /** The rows and probabilities scikit-learn computed when fitting (for the parity test). */
  get reference(): { rows: number[][]; probabilities: number[] } {
    return this.file.reference;
  }

  /** The probability that each feature row's passage answers the message: baseline + the trees' leaves, squashed. */
  probabilities(rows: readonly number[][]): number[] {
    const { baseline, trees } = this.file;
    return rows.map((row) => {
      let z = baseline;
      for (const tree of trees) {
        let node = tree[0]!;
        while (!node[5]) {
          const x = row[node[0]];
          const left = x === undefined || Number.isNaN(x) ? node[6] === 1 : x <= node[1];
          node = tree[left ? node[2] : node[3]]!;
        }
        z += node[4];
      }
      return 1 / (1 + Math.exp(-z));
    });
  }
}

/**
 * Whether a calibrated signal below the answer threshold should become "Do you mean …?": the first two passages
 * together are likely to hold the answer and the second is a real alternative (thresholds fitted with the model).
 */
export function clarifiesCalibrated(hits: ReadonlyArray<{ score: number }>, t: Pick<AnswerThresholds, 'minScore' | 'clarifySum' | 'clarifyMinSecond'>): boolean {
  const [a, b] = hits;
  return !!a && !!b && a.score < t.minScore && a.score + b.score >= t.clarifySum && b.score >= t.clarifyMinSecond;
}
