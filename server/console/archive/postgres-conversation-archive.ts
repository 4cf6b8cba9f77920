/**
 * The conversation archive in the shared PostgreSQL (production mode, tables `console_*` of migration 4): the same rows
 * the SQLite archive derives from the same events, recorded by every process into one archive. A batch of events is
 * folded in memory and written in one transaction under the conversation row's lock, a handful of statements whatever
 * its length.
 */
import type pg from 'pg';
import { inTransaction, unavailable } from '../../db/postgres.ts';
import { TEXTS } from '../../response/templates.ts';
import type { SessionEvent } from '../../session/types.ts';
import { isFormQuestion, OUT_OF_SCOPE, type ConversationArchive } from './conversation-archive.ts';

/** Events this archive reads beyond the core ones (knowledge outcome and feedback, agent hand-off): read defensively. */
type LooseEvent = { type: string; at: number; [key: string]: unknown };

interface NewMessage {
  seq: number;
  at: number;
  role: 'user' | 'bot' | 'agent';
  text: string;
  intent: string | null;
  confidence: number | null;
  fallback: boolean;
  outOfScope: boolean;
  refused: boolean;
}

interface FormRow {
  seq: number;
  form: string;
  startedAt: number;
  outcome: string;
  lastSlot: string | null;
  /** Already in the table (updated) or new (inserted). */
  stored: boolean;
  changed: boolean;
}

/** PostgreSQL TEXT cannot hold NUL; the session store keeps the exact text, the archive a displayable copy. */
const text = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s);

/** The archive in PostgreSQL. */
export class PostgresConversationArchive implements ConversationArchive {
  constructor(private readonly pool: pg.Pool) {}

  async record(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await inTransaction(this.pool, (client) => this.recordIn(client, sessionId, events));
  }

  async rebuild(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Messages, forms and feedback go with the row (ON DELETE CASCADE); corrections are keyed by id and stay.
      await client.query('DELETE FROM console_conversations WHERE id = $1', [sessionId]);
      if (events.length > 0) await this.recordIn(client, sessionId, events);
    });
  }

  async conversationIds(): Promise<string[]> {
    try {
      return (await this.pool.query<{ id: string }>('SELECT id FROM console_conversations ORDER BY id COLLATE "C"')).rows.map((r) => r.id);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Folds `events` into the archive inside the caller's transaction. */
  private async recordIn(client: pg.PoolClient, sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    const q = (sql: string, params: unknown[]): Promise<pg.QueryResult> => client.query(sql, params);
    await q('INSERT INTO console_conversations (id, started_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING', [sessionId, events[0]!.at]);
    // The row lock orders concurrent batches of one conversation (any process); the next statement's snapshot then
    // sees everything the previous holder committed.
    await q('SELECT 1 FROM console_conversations WHERE id = $1 FOR UPDATE', [sessionId]);
    const state = (
      await q(
        `SELECT (SELECT COALESCE(MAX(seq), -1) + 1 FROM console_messages WHERE session_id = $1) AS next_message,
                (SELECT MAX(seq) FROM console_messages WHERE session_id = $1 AND role = 'user') AS last_user,
                (SELECT COALESCE(MAX(seq), -1) + 1 FROM console_forms WHERE session_id = $1) AS next_form,
                (SELECT COALESCE(MAX(seq), -1) + 1 FROM console_feedback WHERE session_id = $1) AS next_feedback,
                (SELECT json_agg(json_build_object('seq', seq, 'form', form, 'startedAt', started_at, 'lastSlot', last_slot) ORDER BY seq)
                   FROM console_forms WHERE session_id = $1 AND outcome = 'open') AS open_forms`,
        [sessionId],
      )
    ).rows[0] as {
      next_message: number;
      last_user: number | null;
      next_form: number;
      next_feedback: number;
      open_forms: Array<{ seq: number; form: string; startedAt: number; lastSlot: string | null }> | null;
    };
    const forms: FormRow[] = (state.open_forms ?? []).map((f) => ({ ...f, outcome: 'open', stored: true, changed: false }));

    let nextMessage = Number(state.next_message);
    let nextForm = Number(state.next_form);
    let nextFeedback = Number(state.next_feedback);
    const messages: NewMessage[] = [];
    // The last customer message: a new one, or the one already stored (whose flags are then updated).
    let lastUser: NewMessage | undefined;
    const storedLastUser = state.last_user === null ? undefined : { seq: state.last_user, fallback: false, outOfScope: false, refused: false };
    const flag = (name: 'fallback' | 'outOfScope' | 'refused'): void => {
      if (lastUser) lastUser[name] = true;
      else if (storedLastUser) storedLastUser[name] = true;
    };
    const add = { user: 0, bot: 0, agent: 0, fallbacks: 0, outOfScope: 0, thumbsDown: 0 };
    let lastUserText: string | null = null;
    let firstIntent: string | null = null;
    let handoff: { at: number; reason: string } | undefined;
    let joined: { at: number; agent: string } | undefined;
    const feedback: Array<{ seq: number; at: number; passageId: string | null; helpful: boolean }> = [];
    const message = (m: Omit<NewMessage, 'seq' | 'fallback' | 'outOfScope' | 'refused'>): NewMessage => {
      const row = { ...m, seq: nextMessage++, text: text(m.text), fallback: false, outOfScope: false, refused: false };
      messages.push(row);
      return row;
    };

    for (const raw of events) {
      const e = raw as unknown as LooseEvent;
      switch (e.type) {
        case 'user_uttered': {
          const ev = raw as Extract<SessionEvent, { type: 'user_uttered' }>;
          const intent = ev.parse?.intent.name ?? null;
          lastUser = message({ at: ev.at, role: 'user', text: ev.text, intent, confidence: ev.parse?.intent.confidence ?? null });
          add.user += 1;
          lastUserText = text(ev.text);
          const counted = ev.parse?.trigger || intent === OUT_OF_SCOPE ? null : intent;
          firstIntent ??= counted;
          break;
        }
        case 'bot_uttered': {
          const m = (raw as Extract<SessionEvent, { type: 'bot_uttered' }>).message;
          if ('text' in m) {
            // The out-of-scope reply marks the question it answers (the policy logs no event of its own for it).
            if (m.text === TEXTS.outOfScope) {
              flag('outOfScope');
              add.outOfScope += 1;
            }
            message({ at: e.at, role: 'bot', text: m.text, intent: null, confidence: null });
            add.bot += 1;
          } else if (isFormQuestion(m)) {
            for (const f of forms) {
              if (f.outcome === 'open' && f.form === m.custom.form) Object.assign(f, { lastSlot: m.custom.slot, changed: true });
            }
          }
          break;
        }
        case 'agent_uttered':
          message({ at: e.at, role: 'agent', text: String(e.text ?? ''), intent: null, confidence: null });
          add.agent += 1;
          break;
        case 'fallback':
          flag('fallback');
          add.fallbacks += 1;
          break;
        case 'knowledge':
          if (e.outcome === 'refused') flag('refused');
          break;
        case 'handoff':
          handoff ??= { at: e.at, reason: String(e.reason ?? '') };
          break;
        case 'agent_joined':
          joined ??= { at: e.at, agent: String(e.agentName ?? '') };
          break;
        case 'form_started':
          forms.push({ seq: nextForm++, form: String(e.form), startedAt: e.at, outcome: 'open', lastSlot: null, stored: false, changed: true });
          break;
        case 'form_ended':
          for (const f of forms) {
            if (f.outcome === 'open' && f.form === String(e.form)) Object.assign(f, { outcome: String(e.reason), changed: true });
          }
          break;
        case 'feedback':
          feedback.push({ seq: nextFeedback++, at: e.at, passageId: typeof e.passageId === 'string' ? e.passageId : null, helpful: Boolean(e.helpful) });
          if (!e.helpful) add.thumbsDown += 1;
          break;
        default:
          break;
      }
    }

    if (messages.length > 0) {
      const col = <K extends keyof NewMessage>(k: K): Array<NewMessage[K]> => messages.map((m) => m[k]);
      await q(
        `INSERT INTO console_messages (session_id, seq, at, role, text, intent, confidence, fallback, out_of_scope, refused)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::bool[], $9::bool[], $10::bool[])`,
        [sessionId, col('seq'), col('at'), col('role'), col('text'), col('intent'), col('confidence'), col('fallback'), col('outOfScope'), col('refused')],
      );
    }
    if (storedLastUser && (storedLastUser.fallback || storedLastUser.outOfScope || storedLastUser.refused)) {
      await q('UPDATE console_messages SET fallback = fallback OR $3, out_of_scope = out_of_scope OR $4, refused = refused OR $5 WHERE session_id = $1 AND seq = $2', [
        sessionId,
        storedLastUser.seq,
        storedLastUser.fallback,
        storedLastUser.outOfScope,
        storedLastUser.refused,
      ]);
    }
    for (const f of forms.filter((x) => x.stored && x.changed)) {
      await q('UPDATE console_forms SET outcome = $3, last_slot = $4 WHERE session_id = $1 AND seq = $2', [sessionId, f.seq, f.outcome, f.lastSlot]);
    }
    const added = forms.filter((x) => !x.stored);
    if (added.length > 0) {
      await q(
        'INSERT INTO console_forms (session_id, seq, form, started_at, outcome, last_slot) SELECT $1, * FROM unnest($2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[])',
        [sessionId, added.map((f) => f.seq), added.map((f) => f.form), added.map((f) => f.startedAt), added.map((f) => f.outcome), added.map((f) => f.lastSlot)],
      );
    }
    if (feedback.length > 0) {
      await q('INSERT INTO console_feedback (session_id, seq, at, passage_id, helpful) SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::bool[])', [
        sessionId,
        feedback.map((f) => f.seq),
        feedback.map((f) => f.at),
        feedback.map((f) => f.passageId),
        feedback.map((f) => f.helpful),
      ]);
    }
    await q(
      `UPDATE console_conversations SET updated_at = GREATEST(updated_at, $2),
         user_messages = user_messages + $3, bot_messages = bot_messages + $4, agent_messages = agent_messages + $5,
         fallbacks = fallbacks + $6, out_of_scope = out_of_scope + $7, thumbs_down = thumbs_down + $8,
         last_user_text = COALESCE($9, last_user_text), first_intent = COALESCE(first_intent, $10),
         handoff_at = COALESCE(handoff_at, $11), handoff_reason = COALESCE(handoff_reason, $12),
         agent_joined_at = COALESCE(agent_joined_at, $13), agent = COALESCE(agent, $14)
       WHERE id = $1`,
      [
        sessionId,
        events.at(-1)!.at,
        add.user,
        add.bot,
        add.agent,
        add.fallbacks,
        add.outOfScope,
        add.thumbsDown,
        lastUserText,
        firstIntent,
        handoff?.at ?? null,
        handoff?.reason ?? null,
        joined?.at ?? null,
        joined?.agent ?? null,
      ],
    );
  }

  async forget(sessionId: string): Promise<void> {
    try {
      // Messages, forms and feedback go with the conversation (ON DELETE CASCADE); corrections are keyed by id only.
      await this.pool.query('WITH gone AS (DELETE FROM console_conversations WHERE id = $1) DELETE FROM console_corrections WHERE session_id = $1', [sessionId]);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async forgetOlderThan(olderThan: number): Promise<void> {
    try {
      await this.pool.query(
        'WITH gone AS (DELETE FROM console_conversations WHERE updated_at < $1 RETURNING id) DELETE FROM console_corrections WHERE session_id IN (SELECT id FROM gone)',
        [olderThan],
      );
    } catch (error) {
      throw unavailable(error);
    }
  }
}
