/**
 * Building and rendering bot messages: small constructors that keep CONTRACTS §1 invariants (no empty `quick_replies`,
 * `custom` always alone), the REST rendering (§2), and the error event pair.
 */
import type {
  BotMessage,
  CustomPayload,
  QuickReply,
  RestWebhookReply,
  TextMessage,
} from '../contracts/chat-protocol.ts';
import type { MonetaError } from '../errors.ts';

/** A button: `title` is shown, `payload` comes back as the user's next message. */
export function quickReply(title: string, payload: string): QuickReply {
  return { content_type: 'text', title, payload };
}

/** A text message; the `quick_replies` key is present only when there is at least one button. */
export function textMessage(text: string, quickReplies?: readonly QuickReply[]): TextMessage {
  return quickReplies && quickReplies.length > 0 ? { text, quick_replies: [...quickReplies] } : { text };
}

/** A rich payload, always its own event. */
export function customMessage(custom: CustomPayload): BotMessage {
  return { custom };
}

/**
 * Enforces the wire invariants on replies from any skill: a message mixing `text`/`quick_replies` with `custom` is
 * split into the text event followed by the custom event (rasa-webchat drops mixed events silently); empty or null
 * `quick_replies` are removed (a null crashes rasa-webchat); messages with nothing to show are dropped.
 */
export function normalizeReplies(messages: readonly BotMessage[]): BotMessage[] {
  const out: BotMessage[] = [];
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const m = message as Partial<TextMessage & { custom: CustomPayload; attachment: unknown }>;
    if (typeof m.text === 'string') {
      const replies = Array.isArray(m.quick_replies) ? m.quick_replies.filter(isQuickReply) : undefined;
      out.push(textMessage(m.text, replies));
    }
    if (m.attachment && typeof m.attachment === 'object') out.push({ attachment: m.attachment } as BotMessage);
    if (m.custom && typeof m.custom === 'object' && typeof m.custom.type === 'string') out.push({ custom: m.custom });
  }
  return out;
}

function isQuickReply(q: unknown): q is QuickReply {
  const r = q as QuickReply | null;
  return !!r && typeof r.title === 'string' && typeof r.payload === 'string';
}

/** Renders socket messages as REST webhook elements: one element per event, same order, same split (CONTRACTS §2). */
export function toRestReplies(recipientId: string, messages: readonly BotMessage[]): RestWebhookReply[] {
  return messages.map((m): RestWebhookReply => {
    if ('text' in m) {
      return m.quick_replies
        ? { recipient_id: recipientId, text: m.text, buttons: m.quick_replies.map(({ title, payload }) => ({ title, payload })) }
        : { recipient_id: recipientId, text: m.text };
    }
    if ('attachment' in m) return { recipient_id: recipientId, image: m.attachment.payload.src };
    return { recipient_id: recipientId, custom: m.custom };
  });
}

/** The error event pair for chat: a readable text, then `{ custom: { type: "error", code, message } }`. */
export function errorReplies(error: MonetaError): BotMessage[] {
  return [textMessage(error.message), customMessage({ type: 'error', code: error.code, message: error.message })];
}
