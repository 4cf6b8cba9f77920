/**
 * The risk-profile questionnaire and its scoring: answers → risk capacity (can you afford losses?) and risk
 * tolerance (can you stomach them?) → one risk score from 1 (most conservative) to 10.
 *
 * Scoring, in short (documented in docs/portfolio-advisor.md):
 * - capacity starts from the horizon (the dominant factor: money needed within two years should not be in stocks),
 *   then loses points for unstable income, likely withdrawals and no emergency fund; a "keep it safe" goal caps it;
 * - tolerance is a weighted mean of the reaction to a 20% fall (45%), the largest acceptable one-year loss (40%)
 *   and investing experience (15%) — revealed behaviour weighs more than self-assessed experience;
 * - the risk score is the more conservative of the two, as Wealthfront does when capacity and tolerance disagree.
 */

/** One answer option of a choice question, with its contribution to the scores. */
export interface RiskOption {
  /** Stable value sent as the quick-reply payload and accepted by the API. */
  value: string;
  title: string;
  /** Extra words a customer might type for this option. */
  synonyms?: string[];
  points: number;
}

interface QuestionBase {
  id: RiskQuestionId;
  question: string;
  why: string;
  /** Words that identify the question in a correction ("change my horizon to 10 years"). */
  aliases: string[];
}

export interface ChoiceQuestion extends QuestionBase {
  type: 'choice';
  options: RiskOption[];
}

export interface NumberQuestion extends QuestionBase {
  type: 'number';
  min: number;
  max: number;
  unit: string;
}

export type RiskQuestion = ChoiceQuestion | NumberQuestion;

export type RiskQuestionId =
  | 'goal'
  | 'horizon_years'
  | 'income_stability'
  | 'liquidity_needs'
  | 'emergency_fund'
  | 'experience'
  | 'drawdown_reaction'
  | 'loss_tolerance';

/** The questions in the order they are asked. Points: capacity modifiers or tolerance levels (see each). */
export const RISK_QUESTIONS: readonly RiskQuestion[] = [
  {
    id: 'goal',
    type: 'choice',
    question: 'What is the main goal for this money?',
    why: 'Your goal tells us what the money is for. Money you must not lose (a house deposit you need soon, or savings you want to keep safe) calls for a more careful mix than long-term growth.',
    aliases: ['goal', 'purpose', 'objective'],
    // Points: a cap on capacity (10 = no cap).
    options: [
      { value: 'retirement', title: 'Retirement', synonyms: ['pension', 'retire', 'old age'], points: 10 },
      { value: 'wealth', title: 'Grow my wealth', synonyms: ['growth', 'grow', 'long term', 'get rich', 'invest'], points: 10 },
      { value: 'education', title: 'Education', synonyms: ['college', 'university', 'school', 'kids', 'children', 'tuition'], points: 10 },
      { value: 'home', title: 'Buy a home', synonyms: ['house', 'home', 'flat', 'apartment', 'property', 'deposit', 'mortgage'], points: 10 },
      { value: 'income', title: 'Regular income', synonyms: ['income', 'dividends', 'yield', 'cash flow'], points: 8 },
      { value: 'preserve', title: 'Keep it safe', synonyms: ['safe', 'preserve', 'protect', 'not lose', 'capital preservation', 'security'], points: 3 },
    ],
  },
  {
    id: 'horizon_years',
    type: 'number',
    question: 'In how many years do you expect to need most of this money?',
    why: 'Time is the biggest factor in how much risk you can afford: markets can fall sharply in any single year, but over ten years or more the ups and downs have historically tended to even out.',
    aliases: ['horizon', 'years', 'time horizon', 'timeframe', 'time frame'],
    min: 1,
    max: 60,
    unit: 'years',
  },
  {
    id: 'income_stability',
    type: 'choice',
    question: 'How stable is your income?',
    why: 'A steady income means you are less likely to have to sell investments at a bad moment to pay your bills.',
    // Not plain "income": it would turn "actually, regular income" (a goal) into a correction of this question.
    aliases: ['income stability', 'my income', 'job', 'salary', 'earnings'],
    // Points: added to capacity.
    options: [
      { value: 'very_stable', title: 'Very stable', synonyms: ['very secure', 'tenured', 'guaranteed', 'pension income'], points: 0.5 },
      { value: 'stable', title: 'Fairly stable', synonyms: ['stable', 'steady', 'secure', 'regular', 'salaried', 'fairly'], points: 0 },
      { value: 'variable', title: 'It varies', synonyms: ['variable', 'varies', 'freelance', 'commission', 'self employed', 'self-employed', 'irregular', 'seasonal'], points: -1 },
      { value: 'unstable', title: 'Uncertain', synonyms: ['unstable', 'uncertain', 'unemployed', 'no income', 'between jobs', 'insecure', 'precarious'], points: -2.5 },
    ],
  },
  {
    id: 'liquidity_needs',
    type: 'choice',
    question: 'How likely is it that you will need to take out more than a quarter of this money in the next two years?',
    why: 'Money you may need soon should not depend on the stock market, because it might be down exactly when you need to sell.',
    aliases: ['liquidity', 'withdraw', 'withdrawal', 'access', 'need the money'],
    options: [
      { value: 'unlikely', title: 'Unlikely', synonyms: ['no', 'not likely', 'won\'t', 'wont', 'never', 'very unlikely'], points: 0 },
      { value: 'possible', title: 'Possibly', synonyms: ['maybe', 'possible', 'might', 'perhaps', 'not sure', 'could'], points: -1.5 },
      { value: 'likely', title: 'Likely', synonyms: ['yes', 'probably', 'very likely', 'definitely', 'will', 'certainly'], points: -3 },
    ],
  },
  {
    id: 'emergency_fund',
    type: 'choice',
    question: 'Do you have an emergency fund covering at least three months of expenses, apart from this money?',
    why: 'An emergency fund keeps an unexpected bill from forcing you to sell investments after a fall.',
    aliases: ['emergency fund', 'emergency', 'rainy day', 'savings buffer', 'cushion'],
    options: [
      { value: 'yes', title: 'Yes', synonyms: ['i do', 'i have', 'yep', 'yeah', 'sure', 'of course', 'more than three months', 'six months'], points: 0 },
      { value: 'no', title: 'No', synonyms: ['nope', 'not yet', 'i don\'t', 'nah', 'none', 'not really'], points: -1.5 },
    ],
  },
  {
    id: 'experience',
    type: 'choice',
    question: 'How much experience do you have with investing?',
    why: 'People who have been through market ups and downs before tend to find them easier to sit through.',
    aliases: ['experience', 'knowledge', 'investing experience'],
    // Points: a tolerance level on the 1–10 scale.
    options: [
      { value: 'none', title: 'None yet', synonyms: ['none', 'no experience', 'beginner', 'new', 'never invested', 'nothing'], points: 2 },
      { value: 'funds', title: 'Some (funds, pension)', synonyms: ['some', 'a little', 'funds', 'pension', 'etf', 'etfs', 'index funds', 'basic'], points: 5 },
      { value: 'stocks', title: 'Experienced (stocks)', synonyms: ['experienced', 'stocks', 'shares', 'a lot', 'good', 'several years'], points: 7.5 },
      { value: 'advanced', title: 'Very experienced', synonyms: ['very experienced', 'advanced', 'expert', 'professional', 'options', 'derivatives', 'trader'], points: 9 },
    ],
  },
  {
    id: 'drawdown_reaction',
    type: 'choice',
    question: 'Imagine your investments fell 20% in a few months. What would you most likely do?',
    why: 'Falls like this happen every few years. How you would react matters more than any number: selling after a fall turns a temporary drop into a permanent loss.',
    aliases: ['reaction', 'fall', 'drop', 'crash', 'react', 'downturn'],
    options: [
      { value: 'sell_all', title: 'Sell everything', synonyms: ['sell all', 'sell everything', 'get out', 'panic', 'cash out', 'sell it all'], points: 1 },
      { value: 'sell_some', title: 'Sell some', synonyms: ['sell some', 'sell a bit', 'reduce', 'sell part', 'some'], points: 4 },
      { value: 'hold', title: 'Do nothing', synonyms: ['hold', 'nothing', 'wait', 'stay', 'keep', 'sit tight', 'stay the course', 'ride it out'], points: 7 },
      { value: 'buy_more', title: 'Buy more', synonyms: ['buy more', 'buy', 'invest more', 'add', 'buy the dip', 'opportunity'], points: 10 },
    ],
  },
  {
    id: 'loss_tolerance',
    type: 'choice',
    question: 'What is the largest fall in one year you could accept without losing sleep?',
    why: 'A diversified portfolio with more stocks has historically returned more over the long run, but it has also fallen further in bad years. This tells us how big a temporary fall you are comfortable with.',
    aliases: ['loss', 'loss tolerance', 'largest fall', 'max loss', 'maximum loss', 'drawdown'],
    options: [
      { value: '5', title: 'About 5%', synonyms: ['5%', '5 percent', 'five', 'very little', 'almost none', 'none', 'nothing'], points: 1.5 },
      { value: '10', title: 'About 10%', synonyms: ['10%', '10 percent', 'ten'], points: 3.5 },
      { value: '20', title: 'About 20%', synonyms: ['20%', '20 percent', 'twenty', '15%', '15'], points: 6 },
      { value: '30', title: 'About 30%', synonyms: ['30%', '30 percent', 'thirty', '25%', '25'], points: 8 },
      { value: '40', title: '40% or more', synonyms: ['40%', '40 percent', 'forty', '50%', 'more', 'any', 'whatever', 'half'], points: 10 },
    ],
  },
];

/** Validated answers, keyed by question id. `horizon_years` is a number; the others are option values. */
export type RiskAnswers = {
  goal: string;
  horizon_years: number;
  income_stability: string;
  liquidity_needs: string;
  emergency_fund: string;
  experience: string;
  drawdown_reaction: string;
  loss_tolerance: string;
};

/** How a score came about, in plain language. */
export interface RiskProfile {
  riskScore: number;
  capacity: number;
  tolerance: number;
  /** Which side limited the score when they disagree. */
  limitedBy: 'capacity' | 'tolerance' | 'both';
  explanation: string;
}

/** Problems with submitted answers, one per bad field. */
export interface AnswerIssue {
  field: string;
  message: string;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Capacity points for the horizon: under 2 years leaves almost no room for risk; 15+ years allows the most. */
export function horizonCapacity(years: number): number {
  if (years < 2) return 1;
  if (years < 4) return 3;
  if (years < 6) return 5;
  if (years < 10) return 7;
  if (years < 15) return 9;
  return 10;
}

function option(id: RiskQuestionId, value: string): RiskOption | undefined {
  const q = RISK_QUESTIONS.find((x) => x.id === id);
  return q?.type === 'choice' ? q.options.find((o) => o.value === value) : undefined;
}

/** Checks a raw answers object (from the API) and returns typed answers or every problem found. */
export function validateRiskAnswers(raw: unknown): { ok: true; answers: RiskAnswers } | { ok: false; issues: AnswerIssue[] } {
  const issues: AnswerIssue[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ field: 'answers', message: 'must be an object keyed by question id' }] };
  }
  const input = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const q of RISK_QUESTIONS) {
    const v = input[q.id];
    if (v === undefined || v === null || v === '') {
      issues.push({ field: q.id, message: 'is required' });
    } else if (q.type === 'number') {
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (!Number.isFinite(n) || n < q.min || n > q.max) issues.push({ field: q.id, message: `must be a number from ${q.min} to ${q.max} (${q.unit})` });
      else out[q.id] = n;
    } else {
      const value = String(v);
      if (!q.options.some((o) => o.value === value)) {
        issues.push({ field: q.id, message: `must be one of ${q.options.map((o) => o.value).join(', ')}` });
      } else out[q.id] = value;
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, answers: out as RiskAnswers };
}

/** Scores validated answers. Deterministic and explainable: every point is traceable to an answer. */
export function scoreRiskProfile(answers: RiskAnswers): RiskProfile {
  const income = option('income_stability', answers.income_stability)!.points;
  const liquidity = option('liquidity_needs', answers.liquidity_needs)!.points;
  const emergency = option('emergency_fund', answers.emergency_fund)!.points;
  const goalCap = option('goal', answers.goal)!.points;
  const capacityRaw = horizonCapacity(answers.horizon_years) + income + liquidity + emergency;
  const capacity = Math.round(clamp(Math.min(capacityRaw, goalCap), 1, 10));

  const reaction = option('drawdown_reaction', answers.drawdown_reaction)!.points;
  const loss = option('loss_tolerance', answers.loss_tolerance)!.points;
  const experience = option('experience', answers.experience)!.points;
  const tolerance = Math.round(clamp(0.45 * reaction + 0.4 * loss + 0.15 * experience, 1, 10));

  const riskScore = Math.min(capacity, tolerance);
  const limitedBy = capacity === tolerance ? 'both' : capacity < tolerance ? 'capacity' : 'tolerance';

  const reasons: string[] = [];
  if (answers.horizon_years < 4) reasons.push(`you expect to need the money within ${answers.horizon_years} year${answers.horizon_years === 1 ? '' : 's'}`);
  else if (answers.horizon_years >= 10) reasons.push(`your ${answers.horizon_years}-year horizon gives time to recover from falls`);
  if (income < 0) reasons.push('your income is not fully predictable');
  if (liquidity < 0) reasons.push('you may need to withdraw part of the money soon');
  if (emergency < 0) reasons.push('you do not yet have an emergency fund');
  if (goalCap < 10) reasons.push(answers.goal === 'preserve' ? 'your goal is to keep the money safe' : 'your goal is a regular income');
  const attitude = reaction <= 4 || loss <= 3.5 ? 'you prefer to avoid large falls' : reaction >= 7 && loss >= 6 ? 'you are comfortable riding out large falls' : 'you can accept moderate falls';

  const side =
    limitedBy === 'both'
      ? 'Your ability and your willingness to take risk agree'
      : limitedBy === 'capacity'
        ? `You are willing to take more risk (tolerance ${tolerance}/10) than your situation allows (capacity ${capacity}/10), so we use the more careful of the two`
        : `Your situation could carry more risk (capacity ${capacity}/10) than you are comfortable with (tolerance ${tolerance}/10), so we use the more careful of the two`;
  const explanation = `${side}: risk score ${riskScore} out of 10. ${reasons.length ? `This reflects that ${reasons.join(', ')}, and that ${attitude}.` : `This reflects that ${attitude}.`}`;
  return { riskScore, capacity, tolerance, limitedBy, explanation };
}
