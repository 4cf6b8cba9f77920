/** Fixed texts and buttons the platform itself says (greeting, fallback, out-of-scope, hand-off), in one place. */
import type { QuickReply } from '../contracts/chat-protocol.ts';
import { quickReply } from './render.ts';

/** The four things Moneta does, as buttons (payloads are intent triggers). */
export const CAPABILITY_BUTTONS: readonly QuickReply[] = [
  quickReply('Cards & account help', '/banking_help'),
  quickReply('Explain a money topic', '/financial_education'),
  quickReply('Check my credit risk', '/credit_risk_assessment'),
  quickReply('Suggest a portfolio', '/portfolio_advice'),
];

/** Capability buttons plus a way to reach a person (offered after repeated misunderstandings). */
export const FALLBACK_BUTTONS: readonly QuickReply[] = [...CAPABILITY_BUTTONS, quickReply('Talk to a person', '/human_handoff')];

/** Fixed user-facing texts of the platform. */
export const TEXTS = {
  greeting:
    "Hi, I'm Moneta, your bank's virtual assistant. I can help with your cards and account, explain money topics, estimate your credit risk or suggest an investment portfolio. What would you like to do?",
  capabilities:
    'I can help you with four things: answer questions about your cards, payments and account; explain financial concepts, with sources; estimate your credit risk from a few questions, with the reasons; and suggest an investment portfolio that fits your risk profile.',
  rephrase: "Sorry, I didn't quite get that. Could you say it another way?",
  rephraseWithTopics: "Sorry, I'm not sure I understood. Is it about one of these? You can also say it another way, or talk to a person.",
  englishOnly: "Sorry, I can only answer in English for now. Could you ask your question in English? Or I can put you in touch with a person.",
  unreadable: "Sorry, I couldn't read that message: it doesn't look like text. Could you type your question?",
  fallbackOptions:
    "I'm still not sure what you mean, sorry. Here is what I can help with. Or, if you prefer, I can put you in touch with a person.",
  outOfScope:
    "Sorry, that's outside what I can help with. I'm Moneta, your bank's assistant: I can answer questions about your cards, payments and account, explain financial concepts, estimate your credit risk, or suggest a portfolio.",
  handoffSent: "I've passed our conversation to a member of our team; someone will take over here shortly.",
  handoffFailed: "I'm sorry, I couldn't reach our team just now. Please try again in a few minutes.",
  handoffUnavailable: "A colleague can't join this chat right now, but I'm still here if I can help.",
  skillFailed: "Sorry, something went wrong on my side while answering that. Please try again in a moment.",
  /** Live hand-off (staff console): where the customer is in the queue and about how long the wait is. */
  handoffQueued: (position: number, waitSeconds: number): string =>
    `I've asked a colleague from Moneta Bank to join. You're number ${position} in the queue; the wait is about ${Math.max(1, Math.round(waitSeconds / 60))} minute${Math.round(waitSeconds / 60) > 1 ? 's' : ''}. You can keep writing here.`,
  /** A member of staff joined the conversation. */
  agentJoined: (name: string): string => `${name} from Moneta Bank joined the conversation.`,
  agentHandedBack: "You're back with Moneta's assistant. How else can I help?",
  agentClosed: 'The conversation with our team has ended. Thank you for contacting Moneta Bank.',
  internalError: 'Sorry, something went wrong on my side. Please try again in a moment.',
} as const;
