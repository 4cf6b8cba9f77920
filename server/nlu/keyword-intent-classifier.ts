/**
 * Interim intent classifier: a small keyword/regex table for Moneta's own intents and a few common banking questions.
 * It exists so the platform runs before the transformer model lands (config `nlu.classifier: keyword`); it is not
 * meant to be accurate on the 77 BANKING77 intents.
 */
import type { IntentClassifier, IntentPrediction } from './types.ts';

/** One pattern and how much a match counts for its intent. */
export interface KeywordRule {
  pattern: RegExp;
  weight: number;
}

/** The rule table: intent → patterns (matched against lower-cased text). */
export type KeywordTable = Record<string, KeywordRule[]>;

const r = (pattern: RegExp, weight = 1): KeywordRule => ({ pattern, weight });

/**
 * Default rules. Weight 2 marks phrases that are unambiguous on their own; weight 1 marks words that usually, but
 * not always, mean the intent. Whole-message anchors (`^…$`) keep "no" inside a sentence from reading as `deny`.
 */
export const DEFAULT_KEYWORD_TABLE: KeywordTable = {
  greet: [r(/^(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|greetings|yo)(?![\w-])/, 2), r(/^(hi|hello|hey) there\b/, 2)],
  goodbye: [r(/^(bye|goodbye|bye bye|see (you|ya)|farewell|cya|good night)\b/, 2), r(/\b(bye|goodbye|see you later)\b/)],
  thank_you: [r(/\b(thanks|thank you|thx|ty|cheers|much appreciated)\b/, 2)],
  bot_challenge: [
    r(/\bare (you|u) (a |an )?(bot|robot|machine|human|real( person)?|ai|computer|person)\b/, 2.5),
    r(/\b(am i|are we) (talking|chatting|speaking) (to|with) (a )?(bot|robot|machine|human|real person|computer)\b/, 2.5),
  ],
  capabilities: [
    r(/\bwhat (can|do|could) (you|u) (do|help( me)?( with)?|offer)\b/, 2),
    r(/\bhow (can|could) (you|u) help\b/, 2),
    r(/\b(what are your (features|skills|capabilities)|what is this( chat)?( for)?\??$)/, 2),
    r(/^(help|menu|options)[.!?]*$/, 2),
  ],
  affirm: [r(/^(yes|yeah|yep|yup|sure|ok|okay|correct|right|of course|absolutely|definitely|sounds good|that's right|please do|go ahead)[.! ]*(please|thanks)?[.!]*$/, 2)],
  deny: [r(/^(no|nope|nah|not really|no thanks|no thank you|never mind|not now|don'?t)[.! ]*$/, 2)],
  human_handoff: [
    r(/\b(talk|speak|chat) (to|with) (a |an |some )?(human|person|agent|advisor|adviser|representative|someone|somebody|real person|operator|staff)\b/, 2.5),
    r(/\b(human|live|real) (agent|person|support|help)\b/, 2),
    r(/\b(customer service|representative|operator|call me back|callback)\b/),
  ],
  credit_risk_assessment: [
    r(/\b(credit (risk|score|check|worthiness|rating|assessment))\b/, 2),
    r(/\bcreditworth(y|iness)\b/, 2),
    r(/\b(can i|could i|would i|will i|am i able to) (get|qualify for|be approved for|borrow)\b.*\b(loan|credit|mortgage|money)\b/, 2),
    r(/\b(loan|borrow|borrowing|lend|credit)\b/),
  ],
  portfolio_advice: [
    r(/\b(portfolio|asset allocation|robo.?advi[sc]or|investment (advice|plan|suggestion|recommendation))\b/, 2),
    r(/\b(how|where|what) should i invest\b/, 2),
    r(/\b(invest|investing|savings plan|risk profile)\b/),
  ],
  financial_education: [
    r(/\b(what (is|are|does)|what's|explain|define|meaning of|how do(es)? .* work|difference between)\b/),
    r(/\b(compound interest|inflation|diversification|diversify|etfs?|index funds?|bonds?|stocks?|shares|dividends?|apr|apy|interest rates?|budget(ing)?|emergency fund|pension|mutual funds?|volatility|risk tolerance)\b/),
  ],
  out_of_scope: [
    r(/\b(weather|recipe|cook|movie|film|song|music|football|soccer|basketball|joke|poem|horoscope|dating|pizza|restaurant|flight|hotel)\b/, 2),
    r(/\b(which stock|stock tip|hot stock|will .* (go up|rise|crash) (tomorrow|next week)|lottery)\b/, 2),
  ],
  card_arrival: [r(/\bcard\b.*\b(hasn'?t|has not|didn'?t|did not|not|never)\b.*\b(arrived|come|came|shown up|been delivered)\b/, 2), r(/\bwhere is my (new )?card\b/, 2), r(/\bcard (arrive|arrival|delivery)\b/)],
  lost_or_stolen_card: [r(/\b(lost|stolen|misplaced) (my )?(debit |credit |bank )?card\b/, 2), r(/\bcard (was|got|has been) (lost|stolen)\b/, 2)],
  activate_my_card: [r(/\bactivat(e|ing|ion)\b.*\bcard\b|\bcard\b.*\bactivat(e|ion)\b/, 2)],
  change_pin: [r(/\b(change|reset|update) (my )?pin\b/, 2)],
  pin_blocked: [r(/\bpin\b.*\b(blocked|locked)\b|\b(blocked|locked)\b.*\bpin\b/, 2)],
  exchange_rate: [r(/\b(exchange rate|conversion rate|rate of exchange)\b/, 2)],
  declined_card_payment: [r(/\bcard\b.*\b(declined|rejected|refused)\b|\b(declined|rejected|refused)\b.*\bcard\b/, 2)],
  transfer_not_received_by_recipient: [r(/\b(transfer|payment|money)\b.*\b(not|hasn'?t|has not|never) (received|arrived)\b/, 2)],
  terminate_account: [r(/\b(close|terminate|delete|cancel) (my )?account\b/, 2)],
  card_payment_fee_charged: [r(/\b(fee|charged|charge)\b.*\bcard payment\b|\bcard payment\b.*\b(fee|charged)\b/, 2)],
};

/** Options for the `KeywordIntentClassifier` constructor. */
export interface KeywordIntentClassifierOptions {
  table?: KeywordTable;
  /**
   * Confidence of `out_of_scope` when no rule matches. Below the default fallback threshold (0.4) on purpose: a keyword
   * table cannot tell "off topic" from "phrased in words I do not know", so the dialogue asks the user to rephrase.
   */
  noMatchConfidence?: number;
  /**
   * Pseudo-score added to the normaliser so one weak match does not claim certainty: a single weight-1 match gives
   * 1 / (1 + 0.25) = 0.8, a weight-2 match 0.89; two intents matching equally share the probability.
   */
  humility?: number;
}

/** Keyword/regex classifier with a full, normalised ranking over its labels. */
export class KeywordIntentClassifier implements IntentClassifier {
  readonly name = 'keyword';
  readonly labels: readonly string[];
  private readonly table: KeywordTable;
  private readonly noMatchConfidence: number;
  private readonly humility: number;

  constructor(options: KeywordIntentClassifierOptions = {}) {
    this.table = options.table ?? DEFAULT_KEYWORD_TABLE;
    this.noMatchConfidence = options.noMatchConfidence ?? 0.3;
    this.humility = options.humility ?? 0.25;
    this.labels = [...new Set([...Object.keys(this.table), 'out_of_scope'])];
  }

  async classify(texts: string[]): Promise<IntentPrediction[][]> {
    return texts.map((t) => this.classifyOne(t));
  }

  /** Synchronous ranking of one text (all labels, best first, confidences summing to 1). */
  classifyOne(text: string): IntentPrediction[] {
    const normalized = text.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, ' ').trim();
    const scores = new Map<string, number>();
    for (const [intent, rules] of Object.entries(this.table)) {
      let score = 0;
      for (const rule of rules) if (rule.pattern.test(normalized)) score += rule.weight;
      if (score > 0) scores.set(intent, score);
    }
    const others = this.labels.filter((l) => l !== 'out_of_scope');
    let ranking: IntentPrediction[];
    if (scores.size === 0) {
      const rest = others.length ? (1 - this.noMatchConfidence) / others.length : 0;
      ranking = [
        { name: 'out_of_scope', confidence: others.length ? this.noMatchConfidence : 1 },
        ...others.map((name) => ({ name, confidence: rest })),
      ];
    } else {
      const total = [...scores.values()].reduce((a, b) => a + b, 0) + this.humility;
      ranking = this.labels.map((name) => {
        // The humility mass goes to out_of_scope, so the ranking still sums to 1.
        const s = (scores.get(name) ?? 0) + (name === 'out_of_scope' ? this.humility : 0);
        return { name, confidence: s / total };
      });
    }
    // Stable sort: ties keep table order, so results are deterministic.
    return ranking.sort((a, b) => b.confidence - a.confidence);
  }
}
