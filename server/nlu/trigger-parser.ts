/** Rasa-style intent triggers: a message `/intent` or `/intent{"slot": "value"}` (e.g. a quick-reply payload) names its intent directly. */
import type { Entity, ParseResult } from './types.ts';

// `?` is allowed at the end because one BANKING77 label is spelled `reverted_card_payment?`.
const TRIGGER = /^\/([A-Za-z_][A-Za-z0-9_]*\??)(\{.*)?$/s;

/** The extractor name reported for entities that came from a trigger's JSON. */
export const TRIGGER_EXTRACTOR = 'trigger';

/**
 * Parses a trigger message, or returns undefined for ordinary text. The intent gets confidence 1; each key of the JSON
 * object becomes an entity (span = the whole message, as it was given explicitly). Malformed JSON keeps the intent and
 * drops the entities rather than failing the message.
 */
export function parseTrigger(text: string): ParseResult | undefined {
  const match = TRIGGER.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!;
  const entities: Entity[] = [];
  if (match[2]) {
    try {
      const data: unknown = JSON.parse(match[2]);
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        for (const [entity, value] of Object.entries(data)) {
          entities.push({ entity, value, start: 0, end: text.length, extractor: TRIGGER_EXTRACTOR });
        }
      }
    } catch {
      // Ignore: a hand-typed `/intent{oops` still means the intent.
    }
  }
  const intent = { name, confidence: 1 };
  return { text, intent, intent_ranking: [intent], entities, trigger: true };
}
