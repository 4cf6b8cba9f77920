/** The knowledge skill: grounded answers with citations for money questions and customer-service intents. */
import type { MonetaConfig } from '../../config/index.ts';
import type { BotMessage, QuickReply } from '../../contracts/chat-protocol.ts';
import type { HybridHit } from '../../rag/hybrid-retriever.ts';
import type { KnowledgeBase } from '../../rag/knowledge-base.ts';
import { terms } from '../../rag/text.ts';
import { customMessage, quickReply, textMessage } from '../../response/render.ts';
import type { Skill, SkillContext, SkillResult } from '../skill.ts';
import { extractAnswer } from './extractive-answer.ts';
import { createChatModel, GenerativeAnswerer } from './generative-answer.ts';

/** The intent for general money questions (CONTRACTS §3). */
export const FINANCIAL_EDUCATION = 'financial_education';

/** What the skill says; kept together so wording can be reviewed in one place. */
export const KNOWLEDGE_TEXTS = {
  idk: "Sorry, I don't know the answer to that. I couldn't find it in Moneta's knowledge base, and I'd rather not guess.",
  idkSuggestions: 'Maybe one of these helps, or I can put you in touch with a person:',
  idkNoSuggestions: 'You could try asking another way, or I can put you in touch with a person.',
  followUp: 'Anything else I can help with? Related topics:',
  followUpPlain: 'Anything else I can help with?',
  askTopic: 'Sure. What would you like to know? You can ask in your own words, for example:',
  disclaimer: 'This is general educational information, not financial advice.',
  source: (titles: string[]) => `Source${titles.length > 1 ? 's' : ''}: ${titles.map((t) => `“${t}”`).join('; ')}`,
};

const HANDOFF = quickReply('Talk to a person', '/human_handoff');
const CAPABILITIES = quickReply('What can you do?', '/capabilities');

/** Passages suggested when someone taps "Explain a money topic" without a question (first ones that exist). */
const STARTER_IDS = ['inv-diversification-what-is', 'cr-credit-score-what-is', 'inv-compound-interest-what-is', 'inv-etf-what-is'];

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
  /** Optional LLM answerer; when absent, or when it returns nothing grounded, the answer is extractive. */
  generator?: GenerativeAnswerer;
  /** Passages retrieved per question. Default 4. */
  k?: number;
  /** Called when the generator fails (the skill then answers extractively). */
  onGeneratorError?: (error: unknown) => void;
}

/**
 * Answers `financial_education` and every customer-service intent that some passage declares in its front matter
 * `intents` (so the list follows the content, not a hard-coded copy of BANKING77, and works without the data set).
 *
 * Replies: the answer text (ending with its source titles, for text-only clients), then a `citations` custom event
 * of its own, then a short follow-up with related topics as quick replies. When the best passage scores below
 * `minScore`: an "I don't know" with near misses and a hand-off button, recorded as a `fallback` event so repeated
 * misses lead to the dialogue's hand-off offer.
 */
export class KnowledgeSkill implements Skill {
  readonly name = 'knowledge';
  readonly intents: readonly string[];
  private readonly customerServiceIntents: ReadonlySet<string>;

  constructor(private readonly options: KnowledgeSkillOptions) {
    const { knowledge } = options;
    const fromPassages = options.intents ?? ('retriever' in knowledge ? knowledge.retriever.intents() : undefined);
    if (!fromPassages) throw new TypeError('KnowledgeSkill: pass `intents` when the knowledge base is still loading');
    this.customerServiceIntents = new Set(fromPassages);
    this.intents = [FINANCIAL_EDUCATION, ...fromPassages.filter((i) => i !== FINANCIAL_EDUCATION)];
  }

  async run(ctx: SkillContext): Promise<SkillResult> {
    const kb = await this.options.knowledge;
    const intent = ctx.parse.intent.name;
    const boost = this.customerServiceIntents.has(intent) ? intent : undefined;
    let question = ctx.text.trim();
    if (question.startsWith('/') || terms(question).length === 0) {
      // A button payload such as "/financial_education" or "/card_arrival" carries no question text.
      const passage = boost ? kb.index.passages.find((p) => p.metadata.intents.includes(boost)) : undefined;
      if (!passage) return this.askForTopic(kb);
      question = passage.title;
    }
    const hits = await kb.retriever.invoke(question, {
      k: this.options.k ?? 4,
      ...(boost ? { intent: boost, intentConfidence: ctx.parse.intent.confidence } : {}),
    });
    const top = hits[0];
    const minScore = this.options.minScore ?? kb.minScore;
    if (!top || top.score < minScore) return this.dontKnow(hits, minScore, ctx.now);
    return this.answer(kb, question, hits, minScore, ctx.now, ctx.signal);
  }

  /**
   * Answers a message the NLU rejected (out of scope or unsure) when retrieval alone is confident: the best passage
   * scores at least the knowledge base's `rescueMinScore`. Declines (undefined) otherwise, or when rescue is off.
   */
  async rescue(ctx: SkillContext): Promise<SkillResult | undefined> {
    const question = ctx.text.trim();
    if (question.startsWith('/') || terms(question).length === 0) return undefined;
    const kb = await this.options.knowledge;
    const threshold = this.options.rescueMinScore ?? kb.rescueMinScore;
    if (threshold === undefined) return undefined;
    const hits = await kb.retriever.invoke(question, { k: this.options.k ?? 4 });
    if (!hits[0] || hits[0].score < threshold) return undefined;
    const minScore = this.options.minScore ?? kb.minScore;
    const result = await this.answer(kb, question, hits, minScore, ctx.now, ctx.signal);
    // An answer that fell through to "I don't know" is no better than the policy's own reply.
    return result.events.some((e) => e.type === 'fallback') ? undefined : result;
  }

  private async answer(kb: KnowledgeBase, question: string, hits: HybridHit[], minScore: number, now: number, signal?: AbortSignal): Promise<SkillResult> {
    let text: string | undefined;
    let sources: Array<{ id: string; title: string }> = [];
    if (this.options.generator) {
      try {
        const generated = await this.options.generator.answer(question, hits, signal);
        if (generated) ({ text, sources } = generated);
      } catch (error) {
        this.options.onGeneratorError?.(error);
      }
    }
    if (text === undefined) {
      const extractive = await extractAnswer(question, hits, {
        embedder: kb.embedder,
        bm25: kb.index.bm25,
        topicOf: (id) => kb.index.byId.get(id)?.metadata.topic,
      });
      text = extractive.text;
      sources = extractive.sources;
    }
    if (!text || !sources.length) return this.dontKnow(hits, minScore, now);

    const educational = sources.some((s) => ['investing', 'credit'].includes(String(kb.index.byId.get(s.id)?.metadata.topic)));
    const disclaimer = educational && !/not financial advice/i.test(text) ? ` ${KNOWLEDGE_TEXTS.disclaimer}` : '';
    const scoreOf = new Map(hits.map((h) => [h.id, h.score]));
    const cited = new Set(sources.map((s) => s.id));
    const related = hits.filter((h) => !cited.has(h.id) && h.score >= minScore).slice(0, 2);
    const replies: BotMessage[] = [
      textMessage(`${text}${disclaimer}\n\n${KNOWLEDGE_TEXTS.source(sources.map((s) => s.title))}`),
      customMessage({ type: 'citations', sources: sources.map((s) => ({ ...s, score: scoreOf.get(s.id) ?? 0 })) }),
      textMessage(related.length ? KNOWLEDGE_TEXTS.followUp : KNOWLEDGE_TEXTS.followUpPlain, [
        ...related.map((h) => titleReply(h.title)),
        HANDOFF,
      ]),
    ];
    return { events: [], replies };
  }

  private dontKnow(hits: HybridHit[], minScore: number, now: number): SkillResult {
    // Near misses: not good enough to answer from, but worth offering as a guess the customer can confirm.
    const near = hits.filter((h) => h.score >= minScore * 0.6).slice(0, 2);
    return {
      events: [{ type: 'fallback', at: now, reason: 'knowledge_not_found' }],
      replies: [
        textMessage(`${KNOWLEDGE_TEXTS.idk} ${near.length ? KNOWLEDGE_TEXTS.idkSuggestions : KNOWLEDGE_TEXTS.idkNoSuggestions}`, [
          ...near.map((h) => titleReply(h.title)),
          HANDOFF,
          CAPABILITIES,
        ]),
      ],
    };
  }

  private askForTopic(kb: KnowledgeBase): SkillResult {
    const { index } = kb;
    const starters = STARTER_IDS.map((id) => index.byId.get(id)).filter((p) => p !== undefined);
    const picks = (starters.length ? starters : index.passages.filter((p) => p.metadata.topic !== 'customer-service')).slice(0, 3);
    return { events: [], replies: [textMessage(KNOWLEDGE_TEXTS.askTopic, picks.map((p) => titleReply(p.title)))] };
  }
}

/** A quick reply that asks a passage's title as the next question (titles are written as questions or topics). */
function titleReply(title: string): QuickReply {
  return quickReply(title.length > 60 ? `${title.slice(0, 57)}…` : title, title);
}

/**
 * The knowledge skill as configured: extractive by default; generative (with the extractive answer as the
 * fallback) when `config.llm.provider` is `ollama` or `openai`.
 */
export function createKnowledgeSkill(
  config: MonetaConfig,
  knowledge: { intents: readonly string[]; ready: Promise<KnowledgeBase> },
  logger?: { warn(obj: object, msg?: string): void },
): KnowledgeSkill {
  const model = createChatModel(config.llm);
  return new KnowledgeSkill({
    knowledge: knowledge.ready,
    intents: knowledge.intents,
    ...(config.knowledge.minScore !== undefined ? { minScore: config.knowledge.minScore } : {}),
    ...(model ? { generator: new GenerativeAnswerer(model) } : {}),
    ...(logger ? { onGeneratorError: (error: unknown) => logger.warn({ err: (error as Error).message }, 'LLM answer failed; answering extractively') } : {}),
  });
}
