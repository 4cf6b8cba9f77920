/**
 * The conversation archive the console searches and charts: one summary row per conversation and one row per message,
 * derived from the session events as they are appended (`ArchivingSessionStore`), in the console's SQLite file.
 * Derived data only: the session store stays the record, and erasing a conversation erases its archive rows.
 */
import type Database from 'better-sqlite3';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import { TEXTS } from '../../response/templates.ts';
import type { SessionEvent } from '../../session/types.ts';

/** Events this archive reads beyond the core ones (knowledge outcome and feedback, agent hand-off): read defensively. */
type LooseEvent = { type: string; at: number; [key: string]: unknown };

/**
 * Receives conversation events (the session store decorator feeds it). Two implementations behind one contract
 * (test/contract/console-archive.contract.ts): `SqliteConversationArchive` in the console's own file (embedded) and
 * `PostgresConversationArchive` in the shared database (production mode: every process records into, and searches,
 * one archive).
 */
export interface ConversationArchive {
  /** Records events appended to a conversation, in order (all of them or none). */
  record(sessionId: string, events: readonly SessionEvent[]): Promise<void>;
  /** Forgets a conversation and its corrections (customer erase, retention). */
  forget(sessionId: string): Promise<void>;
  /** Forgets conversations not updated since `olderThan`, and their corrections (retention). */
  forgetOlderThan(olderThan: number): Promise<void>;
  /**
   * Replaces what the archive derived for a conversation with what its whole event log gives (`moneta console
   * rebuild-archive`: filling a new archive from the session store, or healing one after a failed write). Corrections
   * are kept. An empty log removes the conversation's archive rows.
   */
  rebuild(sessionId: string, events: readonly SessionEvent[]): Promise<void>;
  /** The ids of the archived conversations (for the rebuild to drop those the session store no longer has). */
  conversationIds(): Promise<string[]>;
}

/** The intent name of the out-of-scope stage (never a conversation's first intent). */
export const OUT_OF_SCOPE = 'out_of_scope';

/** The archive in the console's SQLite file (embedded default). */
export class SqliteConversationArchive implements ConversationArchive {
  private readonly recordTx: (sessionId: string, events: readonly SessionEvent[]) => void;
  private readonly rebuildTx: (sessionId: string, events: readonly SessionEvent[]) => void;

  constructor(private readonly db: Database.Database) {
    const s = {
      ensure: db.prepare('INSERT INTO conversations (id, started_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      touch: db.prepare('UPDATE conversations SET updated_at = MAX(updated_at, ?) WHERE id = ?'),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM messages WHERE session_id = ?'),
      lastUser: db.prepare("SELECT seq FROM messages WHERE session_id = ? AND role = 'user' ORDER BY seq DESC LIMIT 1"),
      message: db.prepare('INSERT INTO messages (session_id, seq, at, role, text, intent, confidence, out_of_scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      userCounts: db.prepare(
        `UPDATE conversations SET user_messages = user_messages + 1, last_user_text = ?,
         first_intent = COALESCE(first_intent, ?) WHERE id = ?`,
      ),
      botCount: db.prepare('UPDATE conversations SET bot_messages = bot_messages + 1 WHERE id = ?'),
      agentCount: db.prepare('UPDATE conversations SET agent_messages = agent_messages + 1 WHERE id = ?'),
      fallback: db.prepare('UPDATE messages SET fallback = 1 WHERE session_id = ? AND seq = ?'),
      fallbackCount: db.prepare('UPDATE conversations SET fallbacks = fallbacks + 1 WHERE id = ?'),
      outOfScope: db.prepare('UPDATE messages SET out_of_scope = 1 WHERE session_id = ? AND seq = ?'),
      outOfScopeCount: db.prepare('UPDATE conversations SET out_of_scope = out_of_scope + 1 WHERE id = ?'),
      refused: db.prepare('UPDATE messages SET refused = 1 WHERE session_id = ? AND seq = ?'),
      handoff: db.prepare('UPDATE conversations SET handoff_at = COALESCE(handoff_at, ?), handoff_reason = COALESCE(handoff_reason, ?) WHERE id = ?'),
      agentJoined: db.prepare('UPDATE conversations SET agent_joined_at = COALESCE(agent_joined_at, ?), agent = COALESCE(agent, ?) WHERE id = ?'),
      formSeq: db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM forms WHERE session_id = ?'),
      formStart: db.prepare('INSERT INTO forms (session_id, seq, form, started_at) VALUES (?, ?, ?, ?)'),
      formSlot: db.prepare("UPDATE forms SET last_slot = ? WHERE session_id = ? AND form = ? AND outcome = 'open'"),
      formEnd: db.prepare("UPDATE forms SET outcome = ? WHERE session_id = ? AND form = ? AND outcome = 'open'"),
      feedbackSeq: db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM feedback WHERE session_id = ?'),
      feedback: db.prepare('INSERT INTO feedback (session_id, seq, at, passage_id, helpful) VALUES (?, ?, ?, ?, ?)'),
      thumbsDown: db.prepare('UPDATE conversations SET thumbs_down = thumbs_down + 1 WHERE id = ?'),
    };
    const num = (stmt: Database.Statement, id: string): number => (stmt.get(id) as { n: number }).n;
    this.recordTx = db.transaction((sessionId: string, events: readonly SessionEvent[]) => {
      if (events.length === 0) return;
      s.ensure.run(sessionId, events[0]!.at, events[0]!.at);
      for (const raw of events) {
        const e = raw as unknown as LooseEvent;
        switch (e.type) {
          case 'user_uttered': {
            const ev = raw as Extract<SessionEvent, { type: 'user_uttered' }>;
            const intent = ev.parse?.intent.name ?? null;
            s.message.run(sessionId, num(s.nextSeq, sessionId), ev.at, 'user', ev.text, intent, ev.parse?.intent.confidence ?? null, 0);
            s.userCounts.run(ev.text, ev.parse?.trigger || intent === OUT_OF_SCOPE ? null : intent, sessionId);
            break;
          }
          case 'bot_uttered': {
            const message = (raw as Extract<SessionEvent, { type: 'bot_uttered' }>).message;
            if ('text' in message) {
              // The out-of-scope reply marks the question it answers (the policy logs no event of its own for it).
              if (message.text === TEXTS.outOfScope) {
                const last = s.lastUser.get(sessionId) as { seq: number } | undefined;
                if (last) s.outOfScope.run(sessionId, last.seq);
                s.outOfScopeCount.run(sessionId);
              }
              s.message.run(sessionId, num(s.nextSeq, sessionId), e.at, 'bot', message.text, null, null, 0);
              s.botCount.run(sessionId);
            } else if (isFormQuestion(message)) {
              s.formSlot.run(message.custom.slot, sessionId, message.custom.form);
            }
            break;
          }
          case 'agent_uttered':
            s.message.run(sessionId, num(s.nextSeq, sessionId), e.at, 'agent', String(e.text ?? ''), null, null, 0);
            s.agentCount.run(sessionId);
            break;
          case 'fallback': {
            const last = s.lastUser.get(sessionId) as { seq: number } | undefined;
            if (last) s.fallback.run(sessionId, last.seq);
            s.fallbackCount.run(sessionId);
            break;
          }
          case 'knowledge':
            if (e.outcome === 'refused') {
              const last = s.lastUser.get(sessionId) as { seq: number } | undefined;
              if (last) s.refused.run(sessionId, last.seq);
            }
            break;
          case 'handoff':
            s.handoff.run(e.at, String(e.reason ?? ''), sessionId);
            break;
          case 'agent_joined':
            s.agentJoined.run(e.at, String(e.agentName ?? ''), sessionId);
            break;
          case 'form_started':
            s.formStart.run(sessionId, num(s.formSeq, sessionId), String(e.form), e.at);
            break;
          case 'form_ended':
            s.formEnd.run(String(e.reason), sessionId, String(e.form));
            break;
          case 'feedback':
            s.feedback.run(sessionId, num(s.feedbackSeq, sessionId), e.at, typeof e.passageId === 'string' ? e.passageId : null, e.helpful ? 1 : 0);
            if (!e.helpful) s.thumbsDown.run(sessionId);
            break;
          default:
            break;
        }
      }
      s.touch.run(events.at(-1)!.at, sessionId);
    });
    const drop = db.prepare('DELETE FROM conversations WHERE id = ?');
    // Messages, forms and feedback go with the row (ON DELETE CASCADE); recordTx nests as a savepoint.
    this.rebuildTx = db.transaction((sessionId: string, events: readonly SessionEvent[]) => {
      drop.run(sessionId);
      this.recordTx(sessionId, events);
    });
  }

  async rebuild(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    this.rebuildTx(sessionId, events);
  }

  async conversationIds(): Promise<string[]> {
    return this.db.prepare('SELECT id FROM conversations ORDER BY id').pluck().all() as string[];
  }

  async record(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    this.recordTx(sessionId, events);
  }

  async forget(sessionId: string): Promise<void> {
    this.db.prepare('DELETE FROM conversations WHERE id = ?').run(sessionId);
    this.db.prepare('DELETE FROM corrections WHERE session_id = ?').run(sessionId);
  }

  async forgetOlderThan(olderThan: number): Promise<void> {
    this.db.prepare('DELETE FROM corrections WHERE session_id IN (SELECT id FROM conversations WHERE updated_at < ?)').run(olderThan);
    this.db.prepare('DELETE FROM conversations WHERE updated_at < ?').run(olderThan);
  }
}

/** A `form_question` card (the archive keeps the question a questionnaire last asked). */
export function isFormQuestion(message: BotMessage): message is { custom: { type: 'form_question'; form: string; slot: string } } {
  return 'custom' in message && message.custom.type === 'form_question';
}
