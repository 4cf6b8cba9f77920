/** The knowledge skill: grounded answers from one passage, with a citation, clarifying questions and feedback. */
import { randomUUID } from 'node:crypto';
import type { MonetaConfig } from '../../config/index.ts';
import type { BotMessage, QuickReply } from '../../contracts/chat-protocol.ts';
import type { KnowledgeSignal } from '../../dialogue/types.ts';
import type { KnowledgeBase } from '../../rag/knowledge-base.ts';
import type { KnowledgeHit } from '../../rag/types.ts';
import { terms } from '../../rag/text.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import { deriveState, findKnowledgeAnswer } from '../../session/tracker.ts';
import type { SessionEvent } from '../../session/types.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { extractAnswer } from './extractive-answer.ts';
import { createChatModel, GenerativeAnswerer } from './generative-answer.ts';
import { KnowledgeSearch, type PassageReranker } from './knowledge-search.ts';
import { clarifiesCalibrated, type AnswerModel } from '../../rag/answer-model.ts';

/** The intent for general money questions (CONTRACTS §3). */
export const FINANCIAL_EDUCATION = 'financial_education';
/** Button payload intent: answer this passage (`/kb_passage{"id":"<passage id>"}`), from "Related" and "Do you mean". */
export const KB_PASSAGE_INTENT = 'kb_passage';
/** Button payload intent: none of the offered passages ("Something else"). */
export const KB_SOMETHING_ELSE_INTENT = 'kb_something_else';
/** Payload intent of "Did this help?": `/feedback{"answerId":"<id>","helpful":true|false}`. */
export const FEEDBACK_INTENT = 'feedback';

/** What the skill says; kept together so wording can be reviewed in one place. */
export const KNOWLEDGE_TEXTS = {
  idk: "Sorry, I couldn't find a good answer to that in Moneta's knowledge base, and I'd rather not guess.",
  idkAgain: "Sorry, I still can't find an answer to that. A person from our team can help you with it.",
  idkSuggestions: 'Is it one of these? Or I can put you in touch with a person.',
  idkNoSuggestions: 'You could try asking another way, or I can put you in touch with a person.',
  clarify: (a: string, b: string) => `Do you mean “${a}” or “${b}”?`,
  somethingElse: "OK. Could you tell me a bit more about what you're looking for? Or I can put you in touch with a person.",
  askTopic: 'Sure. What would you like to know? You can ask in your own words, for example:',
  disclaimer: 'This is general educational information, not financial advice.',
  feedbackThanks: 'Thanks for letting me know!',
  feedbackSorry: "Sorry that didn't help. Is this closer, or would you like to talk to a person?",
  feedbackSorryNoAlternative: "Sorry that didn't help. Would you like to talk to a person from our team?",
  feedbackUnknown: "Sorry, I couldn't find that answer to rate. You can ask your question again.",
  passageGone: "Sorry, I can't find that article any more. Could you ask your question again?",
};

const HANDOFF = quickReply('Talk to a person', '/human_handoff');
const CAPABILITIES = quickReply('What can you do?', '/capabilities');
const SOMETHING_ELSE = quickReply('Something else', `/${KB_SOMETHING_ELSE_INTENT}`);

/** Passages suggested when someone taps "Explain a money topic" without a question (first ones that exist). */
const STARTER_IDS = ['inv-diversification-what-is', 'cr-credit-score-what-is', 'inv-compound-interest-what-is', 'inv-etf-what-is'];

/**
 * Clarify when the first two passages are this close (retrieval score, or reranker probability when reranked) and do
 * not share an intent. Chosen on the dev half with `npm run bench:answers -- --tune` (docs/knowledge.md).
 */
export const DEFAULT_CLARIFY_MARGIN = 0.005;
/** With score thresholds: passages offered as the closest topics score at least this share of the "I don't know" threshold. */
const NEAR_SHARE = 0.6;
/** The same when the reranker ordered the hits (a lead in fused score: retrieval score + weight × logit). */
export const DEFAULT_CLARIFY_MARGIN_RERANKED = 0.02;

/** Dependencies and tuning of {@link KnowledgeSkill}. */
export interface KnowledgeSkillOptions {
  /** The knowledge base, or its loading promise (the skill waits for it on its first turn). */
  knowledge: KnowledgeBase | Promise<KnowledgeBase>;
  /** Customer-service intents to answer; default: those declared by the passages (needs a loaded base). */
  intents?: readonly string[];
  /** Below this top-hit score the skill says it does not know; default: the knowledge base's (tuned) `minScore`. */
  minScore?: number;
  /** Top-hit score needed to answer a message the NLU rejected (`rescue`); default: the knowledge base's setting. */
  rescueMinScore?: number;
  /** Clarify below this lead of the first passage over the second (0 = never). Default {@link DEFAULT_CLARIFY_MARGIN}. */
  clarifyMargin?: number;
  /** Optional LLM answerer; when absent, or when it returns nothing grounded, the answer is extractive. */
  generator?: GenerativeAnswerer;
  /** Cross-encoder re-scoring the first hits; default the knowledge base's; `null` = none (see {@link KnowledgeSearch}). */
  reranker?: PassageReranker | null | undefined;
  /** Clarify below this fused-score lead when the reranker ordered the hits (0 = never). Default {@link DEFAULT_CLARIFY_MARGIN_RERANKED}. */
  clarifyMarginReranked?: number;
  /** Calibrated answer model; default the knowledge base's; `null` = none (see {@link KnowledgeSearch}). */
  answerModel?: AnswerModel | null | undefined;
  /** Passages retrieved per question. Default 5. */
  k?: number;
  /** Called when the generator fails (the skill then answers extractively). */
  onGeneratorError?: (error: unknown) => void;
  /** Answer ids (default: random UUIDs); injected by tests. */
  newAnswerId?: () => string;
}

/**
 * Answers `financial_education` and every customer-service intent that some passage declares in its front matter
 * `intents` (so the list follows the content, not a hard-coded copy of BANKING77, and works without the data set).
 *
 * An answer is at most two events: the text from ONE passage (with "Related: …" and "Talk to a person" buttons), then
 * `{ custom: { type: "citations", answerId, sources } }`. When the two best passages are close and about different
 * things it asks "Do you mean …?"; when nothing is good enough it says so, offers the closest topics and a person
 * (recorded as a `fallback`, so repeated misses lead to the hand-off offer). Every outcome is recorded as a
 * `knowledge` event (for feedback and `moneta kb report`).
 */
export class KnowledgeSkill implements Skill {
  readonly name = 'knowledge';
  readonly intents: readonly string[];
  /** The search every message goes through before routing (retrieval-first); the policy's probe. */
  readonly search: KnowledgeSearch;
  private readonly customerServiceIntents: ReadonlySet<string>;
  private readonly newAnswerId: () => string;

  constructor(private readonly options: KnowledgeSkillOptions) {
    const { knowledge } = options;
    const fromPassages = options.intents ?? ('retriever' in knowledge ? knowledge.retriever.intents() : undefined);
    if (!fromPassages) throw new TypeError('KnowledgeSkill: pass `intents` when the knowledge base is still loading');
    this.customerServiceIntents = new Set(fromPassages);
    this.intents = [FINANCIAL_EDUCATION, KB_PASSAGE_INTENT, KB_SOMETHING_ELSE_INTENT, FEEDBACK_INTENT, ...fromPassages.filter((i) => i !== FINANCIAL_EDUCATION)];
    this.search = new KnowledgeSearch({
      knowledge,
      intents: fromPassages,
      ...(options.reranker !== undefined ? { reranker: options.reranker } : {}),
      ...(options.answerModel !== undefined ? { answerModel: options.answerModel } : {}),
      ...(options.k ? { k: options.k } : {}),
    });
    this.newAnswerId = options.newAnswerId ?? (() => randomUUID());
  }

  async run(ctx: SkillContext): Promise<SkillResult> {
    const kb = await this.options.knowledge;
    const intent = ctx.parse.intent.name;
    if (intent === FEEDBACK_INTENT) return this.feedback(kb, ctx);
    if (intent === KB_PASSAGE_INTENT) return this.passageById(kb, ctx);
    if (intent === KB_SOMETHING_ELSE_INTENT) return { events: [], replies: [textMessage(KNOWLEDGE_TEXTS.somethingElse, [HANDOFF])] };
    const question = ctx.text.trim();
    if (question.startsWith('/') || terms(question).length === 0) {
      // A button payload such as "/financial_education" or "/card_arrival" carries no question text.
      const passage = this.customerServiceIntents.has(intent) ? kb.index.passages.find((p) => p.metadata.intents.includes(intent)) : undefined;
      if (!passage) return this.askForTopic(kb);
      return this.answer(kb, ctx, passage.title, [{ ...passage, score: 1 }], 1);
    }
    const signal = ctx.knowledge?.question === question ? ctx.knowledge : await this.search.search(question, ctx.parse);
    const minScore = this.options.minScore ?? kb.minScore;
    if (signal?.calibrated && kb.answerModel) {
      // The answer model's probabilities: answer, or ask which of two likely passages, or say it does not know.
      if (signal.hits[0] && signal.score >= minScore) return this.answer(kb, ctx, question, signal.hits, signal.score);
      const t = { ...kb.answerModel.thresholds, minScore };
      if (clarifiesCalibrated(signal.hits, t) && !justClarified(ctx.events)) return this.clarify(signal, ctx.now);
      return this.dontKnow(ctx, signal, kb.answerModel.thresholds.nearMinScore);
    }
    if (!signal || !signal.hits[0] || signal.score < minScore) return this.dontKnow(ctx, signal, minScore * NEAR_SHARE);
    if (this.shouldClarify(kb, signal, minScore, ctx.events)) return this.clarify(signal, ctx.now);
    return this.answer(kb, ctx, question, signal.hits, signal.score);
  }

  /**
   * Answers a message the NLU rejected (out of scope or unsure) when retrieval alone is confident: the best passage
   * scores at least the knowledge base's `rescueMinScore`. Declines (undefined) otherwise, or when rescue is off.
   * (Used when no retrieval-first probe is wired; with one, the policy makes this decision itself.)
   */
  async rescue(ctx: SkillContext): Promise<SkillResult | undefined> {
    const question = ctx.text.trim();
    if (question.startsWith('/') || terms(question).length === 0) return undefined;
    const kb = await this.options.knowledge;
    const threshold = this.options.rescueMinScore ?? kb.rescueMinScore;
    if (threshold === undefined) return undefined;
    const signal = ctx.knowledge?.question === question ? ctx.knowledge : await this.search.search(question, { intent: { name: 'out_of_scope', confidence: 0 } });
    if (!signal?.hits[0] || signal.score < threshold) return undefined;
    return this.answer(kb, ctx, question, signal.hits, signal.score);
  }

  /** True when the two best passages are about equally good and about different things ("Do you mean …?"). */
  private shouldClarify(kb: KnowledgeBase, signal: KnowledgeSignal, minScore: number, events: readonly SessionEvent[]): boolean {
    const margin = signal.reranked ? (this.options.clarifyMarginReranked ?? DEFAULT_CLARIFY_MARGIN_RERANKED) : (this.options.clarifyMargin ?? DEFAULT_CLARIFY_MARGIN);
    const [a, b] = signal.hits;
    if (!(margin > 0) || !a || !b || b.score < minScore || signal.margin > margin) return false;
    if (justClarified(events)) return false;
    const ia = kb.index.byId.get(a.id)?.metadata.intents ?? [];
    const ib = new Set(kb.index.byId.get(b.id)?.metadata.intents ?? []);
    return !ia.some((i) => ib.has(i));
  }

  private clarify(signal: KnowledgeSignal, now: number): SkillResult {
    const [a, b] = signal.hits as [KnowledgeHit, KnowledgeHit];
    return {
      events: [{ type: 'knowledge', at: now, outcome: 'clarified', passages: [a.id, b.id], score: signal.score }],
      replies: [textMessage(KNOWLEDGE_TEXTS.clarify(a.title, b.title), [passageReply(a), passageReply(b), SOMETHING_ELSE])],
    };
  }

  private async answer(kb: KnowledgeBase, ctx: SkillContext, question: string, hits: readonly KnowledgeHit[], score: number): Promise<SkillResult> {
    const minScore = this.options.minScore ?? kb.minScore;
    const top = hits[0]!;
    const passage = kb.index.byId.get(top.id) ?? top;
    let text: string | undefined;
    if (this.options.generator) {
      try {
        // One passage only: an answer never mixes two articles.
        const generated = await this.options.generator.answer(question, [{ ...top, text: passage.text }], ctx.signal);
        if (generated?.sources.some((s) => s.id === top.id)) text = generated.text;
      } catch (error) {
        this.options.onGeneratorError?.(error);
      }
    }
    text ??= extractAnswer(question, passage, { bm25: kb.index.bm25 }).text;
    if (!text) return this.dontKnow(ctx, undefined, minScore * NEAR_SHARE);

    const educational = ['investing', 'credit'].includes(String(kb.index.byId.get(top.id)?.metadata.topic));
    const disclaimer = educational && !/not financial advice/i.test(text) ? `\n\n${KNOWLEDGE_TEXTS.disclaimer}` : '';
    const related = hits.slice(1).filter((h) => h.id !== top.id && h.score >= minScore).slice(0, 2);
    const answerId = this.newAnswerId();
    const replies: BotMessage[] = [
      textMessage(`${text}${disclaimer}`, [...related.map((h) => passageReply(h, 'Related: ')), HANDOFF]),
      customMessage({ type: 'citations', answerId, sources: [{ id: top.id, title: top.title, url: `/kb/${top.id}`, score: top.score }] }),
    ];
    return {
      events: [{ type: 'knowledge', at: ctx.now, outcome: 'answered', answerId, passages: [top.id, ...hits.slice(1, 3).map((h) => h.id)], score }],
      replies,
    };
  }

  /** A "Related" or "Do you mean" button: answer that passage. */
  private async passageById(kb: KnowledgeBase, ctx: SkillContext): Promise<SkillResult> {
    const id = ctx.parse.entities.find((e) => e.entity === 'id')?.value;
    const passage = typeof id === 'string' ? kb.index.byId.get(id) : undefined;
    if (!passage) return { events: [], replies: [textMessage(KNOWLEDGE_TEXTS.passageGone, [HANDOFF])] };
    // Alternatives for a later thumbs-down: the other passages offered with this one.
    const offered = lastKnowledgeEvent(ctx.events)?.passages.filter((p) => p !== passage.id && kb.index.byId.has(p)) ?? [];
    const others = offered.map((p) => ({ ...kb.index.byId.get(p)!, score: 0 }));
    return this.answer(kb, ctx, passage.title, [{ ...passage, score: 1 }, ...others], 1);
  }

  private feedback(kb: KnowledgeBase, ctx: SkillContext): SkillResult {
    const entity = (name: string): unknown => ctx.parse.entities.find((e) => e.entity === name)?.value;
    const answerId = entity('answerId');
    const helpful = entity('helpful');
    const answered = typeof answerId === 'string' ? findKnowledgeAnswer(ctx.events, answerId) : undefined;
    if (!answered || typeof helpful !== 'boolean') return { events: [], replies: [textMessage(KNOWLEDGE_TEXTS.feedbackUnknown)] };
    const passageId = answered.passages[0]!;
    const events: SessionEvent[] = [{ type: 'feedback', at: ctx.now, answerId: answered.answerId!, passageId, helpful }];
    if (helpful) return { events, replies: [textMessage(KNOWLEDGE_TEXTS.feedbackThanks)] };
    const next = answered.passages.slice(1).map((id) => kb.index.byId.get(id)).find((p) => p !== undefined);
    return {
      events,
      replies: [
        next
          ? textMessage(KNOWLEDGE_TEXTS.feedbackSorry, [passageReply(next), HANDOFF])
          : textMessage(KNOWLEDGE_TEXTS.feedbackSorryNoAlternative, [HANDOFF]),
      ],
    };
  }

  /** "I don't know", offering the hits scoring at least `nearMin` as the closest topics. */
  private dontKnow(ctx: SkillContext, signal: KnowledgeSignal | undefined, nearMin: number): SkillResult {
    // Near misses: not good enough to answer from, but worth offering as a guess the customer can confirm.
    const near = (signal?.hits ?? []).filter((h) => h.score >= nearMin).slice(0, 2);
    const misses = deriveState(ctx.events).fallbackCount + 1;
    const text =
      misses >= 2 ? KNOWLEDGE_TEXTS.idkAgain : `${KNOWLEDGE_TEXTS.idk} ${near.length ? KNOWLEDGE_TEXTS.idkSuggestions : KNOWLEDGE_TEXTS.idkNoSuggestions}`;
    const buttons = misses >= 2 ? [HANDOFF, ...near.map((h) => passageReply(h))] : [...near.map((h) => passageReply(h)), HANDOFF, CAPABILITIES];
    return {
      events: [
        { type: 'fallback', at: ctx.now, reason: 'knowledge_not_found' },
        { type: 'knowledge', at: ctx.now, outcome: 'refused', passages: near.map((h) => h.id), score: signal?.score ?? 0 },
      ],
      replies: [textMessage(text, buttons)],
    };
  }

  private askForTopic(kb: KnowledgeBase): SkillResult {
    const { index } = kb;
    const starters = STARTER_IDS.map((id) => index.byId.get(id)).filter((p) => p !== undefined);
    const picks = (starters.length ? starters : index.passages.filter((p) => p.metadata.topic !== 'customer-service')).slice(0, 3);
    return { events: [], replies: [textMessage(KNOWLEDGE_TEXTS.askTopic, picks.map((p) => passageReply(p)))] };
  }
}

/** A button that answers a passage: `/kb_passage{"id":"…"}`, titled with the passage title (shortened). */
export function passageReply(p: { id: string; title: string }, prefix = ''): QuickReply {
  const title = `${prefix}${p.title}`;
  return quickReply(title.length > 64 ? `${title.slice(0, 61)}…` : title, `/${KB_PASSAGE_INTENT}${JSON.stringify({ id: p.id })}`);
}

type KnowledgeEvent = Extract<SessionEvent, { type: 'knowledge' }>;

/** Never two clarifications in a row: after one, the skill answers its best guess or says it does not know. */
function justClarified(events: readonly SessionEvent[]): boolean {
  return lastKnowledgeEvent(events)?.outcome === 'clarified' && lastUserTurnEvents(events).some((e) => e.type === 'knowledge');
}

function lastKnowledgeEvent(events: readonly SessionEvent[]): KnowledgeEvent | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i]!;
    if (e.type === 'knowledge') return e;
  }
  return undefined;
}

/** Events since (and including) the last user message before this turn's: the previous turn. */
function lastUserTurnEvents(events: readonly SessionEvent[]): readonly SessionEvent[] {
  let users = 0;
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (events[i]!.type === 'user_uttered' && ++users === 2) return events.slice(i);
  }
  return events;
}


/**
 * The knowledge skill as configured: extractive by default; generative (with the extractive answer as the
 * fallback) when `config.llm.provider` is `ollama` or `openai`.
 */
export function createKnowledgeSkill(
  config: MonetaConfig,
  knowledge: { intents: readonly string[]; ready: Promise<KnowledgeBase> },
  logger?: { warn(obj: object, msg?: string): void },
  extra: { reranker?: PassageReranker | null | undefined } = {},
): KnowledgeSkill {
  const model = createChatModel(config.llm);
  return new KnowledgeSkill({
    knowledge: knowledge.ready,
    intents: knowledge.intents,
    ...(config.knowledge.minScore !== undefined ? { minScore: config.knowledge.minScore } : {}),
    ...(model ? { generator: new GenerativeAnswerer(model) } : {}),
    ...(extra.reranker !== undefined ? { reranker: extra.reranker } : {}),
    ...(logger ? { onGeneratorError: (error: unknown) => logger.warn({ err: (error as Error).message }, 'LLM answer failed; answering extractively') } : {}),
  });
}
