/**
 * The one masking step on the way to storage (ARCHITECTURE "Growing it"): a SessionStore decorator the composition
 * root puts around whichever store is configured (memory, SQLite, PostgreSQL, the console's archive behind them), so
 * no store ever receives a card number, IBAN, e-mail address or phone number in clear. The NLU and the skills saw
 * the original text for that turn; what is kept is the masked text, once (the stored parse has no second copy).
 */
import type { ParseResult } from '../nlu/types.ts';
import { maskPersonalData, type MaskedSpan } from './pii-masking.ts';
import type { SessionEvent, SessionOwner, SessionRecord, SessionStore } from './types.ts';

type StoredParse = Omit<ParseResult, 'text'>;

/** Masks personal data in each event before it reaches `inner`. */
export class MaskingSessionStore implements SessionStore {
  constructor(private readonly inner: SessionStore) {}

  create(id: string, now: number, owner: SessionOwner): Promise<SessionRecord> {
    return this.inner.create(id, now, owner).then(restore);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const record = await this.inner.get(id);
    return record && restore(record);
  }

  getOwner(id: string): Promise<SessionOwner | null | undefined> {
    return this.inner.getOwner(id);
  }

  append(id: string, events: SessionEvent[], now: number): Promise<void> {
    return this.inner.append(id, events.map(maskEvent), now);
  }

  delete(id: string): Promise<boolean> {
    return this.inner.delete(id);
  }

  deleteOlderThan(olderThan: number): Promise<number> {
    return this.inner.deleteOlderThan(olderThan);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The event as it may be stored: personal data masked, the parse without its copy of the text. */
export function maskEvent(event: SessionEvent): SessionEvent {
  switch (event.type) {
    case 'user_uttered': {
      const { text, spans } = maskPersonalData(event.text);
      if (!event.parse) return { ...event, text };
      const { text: _duplicate, ...parse } = event.parse;
      // Entity offsets point into the original text; one that covered masked data would keep part of it (a card's
      // digits read as an amount), so it goes.
      const stored: StoredParse = { ...parse, entities: parse.entities.filter((e) => !covers(spans, e.start, e.end)) };
      return { ...event, text, parse: stored as ParseResult };
    }
    case 'bot_uttered':
      return 'text' in event.message ? { ...event, message: { ...event.message, text: maskPersonalData(event.message.text).text } } : event;
    case 'agent_uttered':
      // A member of staff may repeat what the customer typed; their words are stored under the same rule.
      return { ...event, text: maskPersonalData(event.text).text };
    case 'slot_set':
      return typeof event.value === 'string' ? { ...event, value: maskPersonalData(event.value).text } : event;
    default:
      return event;
  }
}

function covers(spans: MaskedSpan[], start: number, end: number): boolean {
  return spans.some((s) => start < s.end && end > s.start);
}

/** Puts the parse's `text` back (the stored text) so readers see the usual ParseResult shape. */
function restore(record: SessionRecord): SessionRecord {
  let changed = false;
  const events = record.events.map((e) => {
    if (e.type !== 'user_uttered' || !e.parse || typeof e.parse.text === 'string') return e;
    changed = true;
    return { ...e, parse: { ...e.parse, text: e.text } };
  });
  return changed ? { ...record, events } : record;
}
