/**
 * The rule policy: routes an intent to the skill that declares it, runs forms (answers first), handles low confidence
 * (rephrase, then options and a hand-off), out-of-scope messages and hand-off requests.
 */
import { ConfigError } from '../errors.ts';
import { clarifiesCalibrated } from '../rag/answer-model.ts';
import { detectInputProblem } from '../nlu/input-guard.ts';
import { shortReplyIntent } from '../nlu/short-replies.ts';
import type { ParseResult } from '../nlu/types.ts';
import { quickReply, textMessage } from '../response/render.ts';
import { FALLBACK_BUTTONS, CAPABILITY_BUTTONS, TEXTS } from '../response/templates.ts';
import type { Skill } from '../skills/skill.ts';
import { FormRunner, formTitle, type RegisteredForm } from './form-runner.ts';
import type { PlanStep, Policy, TurnInput } from './types.ts';

/** The intent that hands the conversation to a person. */
export const HANDOFF_INTENT = 'human_handoff';
/** The intent for anything Moneta does not handle. */
export const OUT_OF_SCOPE_INTENT = 'out_of_scope';
/** Intents that never interrupt a form: in a form they are (failed) answers, not requests. */
const NON_INTERRUPTING = new Set(['affirm', 'deny', OUT_OF_SCOPE_INTENT]);

/** Options for the `RulePolicy` constructor. */
export interface RulePolicyOptions {
  skills: readonly Skill[];
  /** Below this top confidence the message goes to the fallback (`config.nlu.fallbackThreshold`). */
  fallbackThreshold: number;
  /** Misses in a row before offering options and a hand-off (`config.chat.fallbackMissesBeforeHandoff`). */
  fallbackMissesBeforeHandoff: number;
  /**
   * In a form, a message that is not a valid answer is treated as a new request when its intent is at least this
   * confident (`config.chat.formInterruptThreshold`). Kept high because short answers ("40", "rent") are what NLU
   * classifies worst; answers are always tried against the slot parser first.
   */
  formInterruptThreshold?: number;
  /**
   * The skill asked for a second opinion (`Skill.rescue`) before the out-of-scope reply or the fallback, e.g. the
   * knowledge skill, which answers when retrieval finds a strong match although the classifier did not place the
   * message (independently worded questions are often rejected by the classifier; docs/knowledge.md, "Rescue").
   */
  rescueSkill?: Skill;
  /**
   * Retrieval-first routing: every message has been searched in the knowledge base (`TurnInput.knowledge`), and the
   * decision uses both the NLU and the retrieval score. Thresholds are tuned on the dev half of the question sets
   * (`npm run bench:answers -- --tune`, docs/knowledge.md).
   */
  knowledgeRouting?: KnowledgeRouting;
}

/** Retrieval-first routing settings (see {@link RulePolicyOptions.knowledgeRouting}). */
export interface KnowledgeRouting {
  /** The knowledge skill (answers, clarifies or says it does not know from the probe's hits). */
  skill: Skill;
  /** A message the NLU rejects (out of scope, or below the fallback threshold) goes to the knowledge skill at this retrieval score or above. */
  rejectedMinScore: number;
  /**
   * A message the NLU gives to a dedicated non-knowledge intent (small talk, a questionnaire) goes to the knowledge
   * skill instead when retrieval scores at least this and the NLU is less sure than `overrideMaxConfidence`.
   */
  overrideMinScore: number;
  overrideMaxConfidence: number;
  /** Closest topics offered with the fallback reply score at least this (0..1). */
  nearMinScore: number;
  /**
   * An out-of-scope message whose best passage scores at least this (the "I don't know" threshold) is not called out
   * of scope: it gets the fallback reply with the closest topics and a person ("my transfr didnt go thru").
   */
  suggestMinScore?: number;
  /** With the calibrated answer model: "Do you mean …?" when the first two passages' probabilities sum to this … */
  clarifySum?: number;
  /** … and the second's is at least this (server/rag/answer-model.ts, `clarifiesCalibrated`). */
  clarifyMinSecond?: number;
}

/** Intents some skill or the policy itself answers. */
export function routedIntents(skills: readonly Skill[]): Set<string> {
  const intents = new Set<string>([HANDOFF_INTENT, OUT_OF_SCOPE_INTENT]);
  for (const skill of skills) {
    for (const intent of skill.intents) intents.add(intent);
    for (const form of skill.forms ?? []) for (const intent of form.triggerIntents) intents.add(intent);
  }
  return intents;
}

/** Labels a classifier can produce that nothing answers (checked at start-up: ARCHITECTURE principle 5). */
export function findUnroutedIntents(labels: readonly string[], skills: readonly Skill[]): string[] {
  const routed = routedIntents(skills);
  return labels.filter((l) => !routed.has(l));
}

/** The last `n` bot texts before this turn, most recent first. */
function lastBotTexts(input: TurnInput, n: number): string[] {
  const out: string[] = [];
  for (let i = input.events.length - 1; i >= 0 && out.length < n; i -= 1) {
    const e = input.events[i]!;
    if (e.type === 'user_uttered' && out.length > 0) break;
    if (e.type === 'bot_uttered' && 'text' in e.message) out.push(e.message.text);
  }
  return out;
}

/** Rule-based policy (Rasa's RulePolicy + forms + FallbackClassifier behaviour). */
export class RulePolicy implements Policy {
  private readonly intentSkills = new Map<string, Skill>();
  private readonly forms = new Map<string, RegisteredForm>();
  private readonly formTriggers = new Map<string, RegisteredForm>();
  private readonly runner = new FormRunner();
  private readonly options: Required<Omit<RulePolicyOptions, 'rescueSkill' | 'knowledgeRouting'>> & Pick<RulePolicyOptions, 'rescueSkill' | 'knowledgeRouting'>;

  constructor(options: RulePolicyOptions) {
    this.options = { formInterruptThreshold: 0.8, ...options };
    if (options.rescueSkill && !options.rescueSkill.rescue) throw new ConfigError(`The rescue skill ${options.rescueSkill.name} has no rescue method.`);
    for (const skill of options.skills) {
      for (const intent of skill.intents) {
        const other = this.intentSkills.get(intent);
        if (other) throw new ConfigError(`Intent "${intent}" is claimed by two skills: ${other.name} and ${skill.name}. Remove it from one of them.`);
        this.intentSkills.set(intent, skill);
      }
      for (const spec of skill.forms ?? []) {
        if (this.forms.has(spec.name)) throw new ConfigError(`Two forms are named "${spec.name}"; form names must be unique.`);
        const form = { spec, skill };
        this.forms.set(spec.name, form);
        for (const intent of spec.triggerIntents) this.formTriggers.set(intent, form);
      }
    }
  }

  plan(input: TurnInput): PlanStep[] {
    const active = input.state.activeForm;
    if (active) {
      const form = this.forms.get(active.name);
      if (form) return this.planInForm(form, active.filled, input);
      // The form's skill is gone (e.g. removed after an upgrade): close it and treat the message normally.
      return [{ kind: 'reply', events: [{ type: 'form_ended', at: input.now, form: active.name, reason: 'failed' }], replies: [] }, ...this.route(input)];
    }
    return this.route(input);
  }

  /**
   * Whether a knowledge search can change this turn's plan (see Policy.wantsKnowledge): not for payloads, input
   * Moneta cannot read, short replies, a valid answer to the active form's question, or a dedicated intent the NLU is
   * sure of. Everything else (knowledge intents, rejected or unsure messages) is searched.
   */
  wantsKnowledge(input: TurnInput): boolean {
    const kb = this.options.knowledgeRouting;
    if (!kb || input.parse.trigger || detectInputProblem(input.text)) return false;
    const active = input.state.activeForm;
    const form = active ? this.forms.get(active.name) : undefined;
    if (active && form && this.runner.continue(form, active.filled, input).handled) return false;
    const short = shortReplyIntent(input.text);
    if (short && this.intentSkills.has(short)) return false;
    const { name, confidence } = input.parse.intent;
    const rejected = confidence < this.options.fallbackThreshold || name === OUT_OF_SCOPE_INTENT;
    if (rejected) return true;
    if (name === HANDOFF_INTENT) return false;
    return this.intentSkills.get(name) === kb.skill || confidence < kb.overrideMaxConfidence;
  }

  private route(input: TurnInput): PlanStep[] {
    const problem = input.parse.trigger ? undefined : detectInputProblem(input.text);
    if (problem) return [this.cannotRead(problem)];
    const { name, confidence } = this.intentOf(input);
    const kb = this.options.knowledgeRouting;
    const signal = input.knowledge;
    if (kb && signal && input.parse.trigger !== true) {
      // One decision from both signals (retrieval-first routing).
      const toKnowledge: PlanStep = { kind: 'skill', skill: kb.skill, intent: this.intentSkills.get(name) === kb.skill ? name : 'financial_education' };
      const rejected = confidence < this.options.fallbackThreshold || name === OUT_OF_SCOPE_INTENT;
      if (rejected) {
        // With the calibrated answer model, two likely passages are also worth a "Do you mean …?".
        const clarifies = signal.calibrated && kb.clarifySum !== undefined && clarifiesCalibrated(signal.hits, { minScore: kb.rejectedMinScore, clarifySum: kb.clarifySum, clarifyMinSecond: kb.clarifyMinSecond ?? 0 });
        if (signal.score >= kb.rejectedMinScore || clarifies) return [toKnowledge];
        const nearKnowledge = signal.score >= (kb.suggestMinScore ?? Infinity);
        return name === OUT_OF_SCOPE_INTENT && !nearKnowledge ? [this.outOfScope()] : this.fallback(input);
      }
      if (name !== HANDOFF_INTENT && this.intentSkills.get(name) !== kb.skill && confidence < kb.overrideMaxConfidence && signal.score >= kb.overrideMinScore) {
        return [toKnowledge];
      }
    }
    if (confidence < this.options.fallbackThreshold) return this.withRescue(input, this.fallback(input));
    if (name === HANDOFF_INTENT) return [{ kind: 'handoff', reason: 'user_request' }];
    if (name === OUT_OF_SCOPE_INTENT) return this.withRescue(input, [this.outOfScope()]);
    const form = this.formTriggers.get(name);
    if (form) return this.runner.start(form, input);
    const skill = this.intentSkills.get(name);
    if (skill) return [{ kind: 'skill', skill, intent: name }];
    return [this.outOfScope()];
  }

  /** The NLU's intent, or affirm/deny/thank_you for a short conversational reply ("yup", "10-4", "nah", "cheers"). */
  private intentOf(input: TurnInput): ParseResult['intent'] {
    if (input.parse.trigger) return input.parse.intent;
    const short = shortReplyIntent(input.text);
    return short && this.intentSkills.has(short) ? { name: short, confidence: 1 } : input.parse.intent;
  }

  /** A polite refusal for input Moneta cannot read (another language, binary data): never a guess, never a citation. */
  private cannotRead(problem: 'binary' | 'non_english'): PlanStep {
    return {
      kind: 'reply',
      events: [],
      replies: [textMessage(problem === 'non_english' ? TEXTS.englishOnly : TEXTS.unreadable, [quickReply('Talk to a person', '/human_handoff')])],
    };
  }

  private planInForm(form: RegisteredForm, filled: Record<string, unknown>, input: TurnInput): PlanStep[] {
    const outcome = this.runner.continue(form, filled, input);
    if (outcome.handled) return outcome.steps;
    const problem = input.parse.trigger ? undefined : detectInputProblem(input.text);
    if (problem) return [this.cannotRead(problem), this.runner.reask(form, filled, undefined)];
    const { name, confidence } = this.intentOf(input);
    const kb = this.options.knowledgeRouting;
    // A knowledge question in the middle of a questionnaire is answered, then the question is asked again.
    if (kb && input.knowledge && !input.parse.trigger && (input.knowledge.score >= kb.rejectedMinScore || (this.intentSkills.get(name) === kb.skill && confidence >= this.options.fallbackThreshold && input.knowledge.score >= kb.overrideMinScore))) {
      return [{ kind: 'skill', skill: kb.skill, intent: this.intentSkills.get(name) === kb.skill ? name : 'financial_education' }, this.runner.reask(form, filled, `Back to the ${formTitle(form.spec)}:`)];
    }
    const interrupts = confidence >= this.options.formInterruptThreshold && !NON_INTERRUPTING.has(name);
    if (interrupts) {
      if (name === HANDOFF_INTENT) {
        return [
          { kind: 'reply', events: [{ type: 'form_ended', at: input.now, form: form.spec.name, reason: 'cancelled' }], replies: [] },
          { kind: 'handoff', reason: 'user_request' },
        ];
      }
      const otherForm = this.formTriggers.get(name);
      if (otherForm) {
        const note =
          otherForm === form
            ? `We're already doing the ${formTitle(form.spec)}.`
            : `You're in the middle of the ${formTitle(form.spec)}. Let's finish it first, or say "cancel" to stop it.`;
        return [this.runner.reask(form, filled, note, input.state.activeForm?.asked)];
      }
      const skill = this.intentSkills.get(name);
      if (skill) return [{ kind: 'skill', skill, intent: name }, this.runner.reask(form, filled, `Back to the ${formTitle(form.spec)}:`, input.state.activeForm?.asked)];
    }
    // Same error twice in a row: remind the user of the ways out.
    const repeated = lastBotTexts(input, 2)[1]?.startsWith(outcome.error) ?? false;
    const hint = repeated ? ' You can also say "why" to know why I ask, or "cancel" to stop.' : '';
    return [this.runner.reask(form, filled, `${outcome.error}${hint}`, input.state.activeForm?.asked)];
  }

  /** The steps, behind a second opinion from the rescue skill when one is configured (never for `/intent` payloads). */
  private withRescue(input: TurnInput, otherwise: PlanStep[]): PlanStep[] {
    const skill = this.options.rescueSkill;
    return skill && input.parse.trigger !== true ? [{ kind: 'rescue', skill, otherwise }] : otherwise;
  }

  private fallback(input: TurnInput): PlanStep[] {
    const misses = input.state.fallbackCount + 1;
    const offer = misses >= this.options.fallbackMissesBeforeHandoff;
    // The closest knowledge topics, when retrieval found some, are offered with a person: never a dead end.
    const nearMin = this.options.knowledgeRouting?.nearMinScore ?? Infinity;
    const near = (input.knowledge?.hits ?? []).filter((h) => h.score >= nearMin).slice(0, 2);
    const nearButtons = near.map((h) => quickReply(h.title.length > 64 ? `${h.title.slice(0, 61)}…` : h.title, `/kb_passage${JSON.stringify({ id: h.id })}`));
    return [
      {
        kind: 'reply',
        events: [{ type: 'fallback', at: input.now, reason: offer ? 'repeated_low_confidence' : 'low_confidence' }],
        replies: [
          offer
            ? textMessage(TEXTS.fallbackOptions, [...nearButtons, ...FALLBACK_BUTTONS])
            : near.length
              ? textMessage(TEXTS.rephraseWithTopics, [...nearButtons, quickReply('Talk to a person', '/human_handoff')])
              : textMessage(TEXTS.rephrase),
        ],
      },
    ];
  }

  private outOfScope(): PlanStep {
    return { kind: 'reply', events: [], replies: [textMessage(TEXTS.outOfScope, CAPABILITY_BUTTONS)] };
  }
}
