/**
 * The live hand-off desk: customers who ask for a person wait in a queue that agents see live in the console; an
 * agent accepts (exactly one wins, under the conversation's lock), writes to the customer in real time, can send
 * suggested knowledge passages, and hands back to the bot or closes. Agents talk over the `/staff` Socket.IO
 * namespace; customers keep their usual chat connection (their conversation's room), so with the Redis adapter an
 * agent on one process reaches a customer on another. Every step is an event in the conversation's log.
 */
import type { Namespace, Socket } from 'socket.io';
import { jwtVerify } from 'jose';
import type { ChatCore } from '../../channels/handle-message.ts';
import { sessionRoom, type MonetaIoServer } from '../../channels/socketio.ts';
import type { BotMessage } from '../../contracts/chat-protocol.ts';
import type { QueueEntry, StaffAck, StaffClientToServer, StaffServerToClient } from '../../contracts/console-api.ts';
import { activeAgent, type LiveHandoffDesk, type QueuePlace } from '../../dialogue/handoff.ts';
import { ConflictError, ForbiddenError, MonetaError, NotFoundError, ValidationError, isMonetaError } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Retriever } from '../../rag/types.ts';
import { TEXTS } from '../../response/templates.ts';
import { deriveState } from '../../session/tracker.ts';
import type { SessionEvent, SessionStore } from '../../session/types.ts';
import type { AccessLog } from '../access-log.ts';
import type { StaffIdentity } from '../auth/staff-users.ts';
import { maskForDisplay } from '../review/display-mask.ts';
import type { AgentHours } from './agent-hours.ts';
import type { HandoffQueue } from './handoff-queue.ts';

type StaffNamespace = Namespace<StaffClientToServer, StaffServerToClient, Record<string, never>, { staff: StaffIdentity }>;
type StaffSocket = Socket<StaffClientToServer, StaffServerToClient, Record<string, never>, { staff: StaffIdentity }>;

/** Room of every connected agent (on every process). */
const AGENTS = 'agents';
/** Room of the agent sockets in one conversation. */
const conversationRoom = (sessionId: string): string => `conv:${sessionId}`;
/** Longest agent message. */
const MAX_TEXT = 4000;
/** Estimated handling time per queued conversation before any was measured. */
const DEFAULT_WAIT_SECONDS = 120;

/** Options for `HandoffDesk`. */
export interface HandoffDeskOptions {
  queue: HandoffQueue;
  hours: AgentHours;
  accessLog: AccessLog;
  /** Verifies socket tickets (the staff session key). */
  key: Uint8Array;
  publicUrl?: string | undefined;
  retriever?: Retriever | undefined;
  logger: Logger;
  now?: () => number;
}

/** Where the desk plugs into the running app (set by `attach`). */
interface Wiring {
  io: MonetaIoServer;
  staff: StaffNamespace;
  core: ChatCore;
  store: SessionStore;
}

/** The desk. */
export class HandoffDesk implements LiveHandoffDesk {
  private wiring: Wiring | undefined;
  private readonly now: () => number;
  /** Recent waits from hand-off to an agent joining (seconds), for the estimate customers see. */
  private readonly waits: number[] = [];
  /** Passages suggested per conversation (an agent may send only these). */
  private readonly suggested = new Map<string, Map<string, { title: string; text: string }>>();

  constructor(private readonly options: HandoffDeskOptions) {
    this.now = options.now ?? Date.now;
  }

  // ---- what the processor calls (LiveHandoffDesk) -------------------------------------------------------------------

  async available(now: number): Promise<boolean> {
    if (!this.wiring || !this.options.hours(now)) return false;
    // Across processes with the Redis adapter: agents connected anywhere count.
    return (await this.wiring.staff.in(AGENTS).fetchSockets()).length > 0;
  }

  async enqueue(request: { sessionId: string; reason: string; at: number; events: readonly SessionEvent[] }): Promise<QueuePlace> {
    const state = deriveState(request.events);
    let intent: string | null = null;
    for (const e of request.events) if (e.type === 'user_uttered' && e.parse && !e.parse.trigger && e.parse.intent.name !== 'human_handoff') intent = e.parse.intent.name;
    const entry: QueueEntry = {
      sessionId: request.sessionId,
      since: request.at,
      reason: request.reason,
      summary: {
        intent,
        form: state.activeForm ? { name: state.activeForm.name, answered: Object.keys(state.activeForm.filled).length } : null,
        reason: request.reason,
      },
      lastMessages: lastMessages(request.events),
    };
    await this.options.queue.put(entry);
    await this.broadcast();
    return this.place(request.sessionId);
  }

  customerMessage(sessionId: string, text: string, at: number): void {
    this.wiring?.staff.to(conversationRoom(sessionId)).emit('customer_message', { sessionId, text: maskForDisplay(text), at });
  }

  // ---- wiring --------------------------------------------------------------------------------------------------------

  /** Creates the `/staff` namespace and watches customers leaving. Called once by the app. */
  attach(io: MonetaIoServer, core: ChatCore, store: SessionStore): void {
    const staff = io.of('/staff') as unknown as StaffNamespace;
    this.wiring = { io, staff, core, store };
    staff.use((socket, next) => {
      void this.authenticate(socket).then(
        (identity) => {
          socket.data.staff = identity;
          next();
        },
        (error: unknown) => next(Object.assign(new Error(isMonetaError(error) ? error.message : 'Not allowed.'), { data: { code: 'forbidden' } })),
      );
    });
    staff.on('connection', (socket) => this.onAgent(socket));
    // A customer whose last socket closes is shown to the agent as gone; coming back clears it.
    io.on('connection', (socket) => {
      socket.on('disconnecting', () => {
        for (const room of socket.rooms) if (room.startsWith('session:')) void this.customerPresence(room.slice('session:'.length), socket.id);
      });
    });
    io.of('/').adapter.on('join-room', (room: string) => {
      if (room.startsWith('session:')) void this.customerBack(room.slice('session:'.length));
    });
  }

  private async authenticate(socket: StaffSocket): Promise<StaffIdentity> {
    const origin = socket.handshake.headers.origin;
    const own = this.options.publicUrl ? new URL(this.options.publicUrl).origin : `${socket.handshake.secure ? 'https' : 'http'}://${socket.handshake.headers.host ?? ''}`;
    if (origin && origin !== own) throw new ForbiddenError('The staff console is not available from this site.');
    const ticket = (socket.handshake.auth as { ticket?: unknown } | undefined)?.ticket;
    if (typeof ticket !== 'string') throw new ForbiddenError('Sign in to the console first.');
    try {
      const { payload } = await jwtVerify(ticket, this.options.key, { audience: 'moneta-staff-socket', algorithms: ['HS256'] });
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string' || !roles.includes('agent')) throw new Error('not an agent');
      return { id: payload.sub, name: payload.name, roles: ['agent'], via: payload.via === 'oidc' ? 'oidc' : 'local' };
    } catch (error) {
      throw new ForbiddenError('Your console sign-in has expired; reload the page.', { cause: error });
    }
  }

  private onAgent(socket: StaffSocket): void {
    const me = socket.data.staff;
    void socket.join(AGENTS);
    void this.options.queue.list().then((entries) => socket.emit('queue', entries));
    // Each request answers with an acknowledgement: `{ ok: true, … }` or `{ ok: false, status, message }`.
    const handle = <P, T extends object>(event: keyof StaffClientToServer, fn: (payload: P) => Promise<T>): void => {
      (socket as unknown as { on: (e: string, l: (p: P, ack: unknown) => void) => void }).on(event, (payload, ack) => {
        const reply = typeof ack === 'function' ? (ack as (r: StaffAck<T>) => void) : () => undefined;
        fn(payload).then(
          (result) => reply({ ok: true, ...result } as StaffAck<T>),
          (error: unknown) => {
            const e = isMonetaError(error) ? error : new MonetaError('internal', 'Something went wrong.', { cause: error });
            if (e.code === 'internal') this.options.logger.error({ err: error, event }, 'staff request failed');
            const status = e.httpStatus === 403 || e.httpStatus === 404 || e.httpStatus === 409 ? e.httpStatus : 400;
            reply({ ok: false, status, message: e.message } as StaffAck<T>);
          },
        );
      });
    };
    handle<{ sessionId?: unknown }, { transcript: Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }> }>('accept', async (p) => {
      const sessionId = idOf(p);
      const transcript = await this.accept(me, sessionId);
      await socket.join(conversationRoom(sessionId));
      return { transcript };
    });
    handle<{ sessionId?: unknown; text?: unknown }, Record<string, never>>('agent_message', async (p) => {
      await this.agentMessage(me, idOf(p), p?.text);
      return {};
    });
    handle<{ sessionId?: unknown }, { passages: Array<{ id: string; title: string; text: string }> }>('suggest', async (p) => ({ passages: await this.suggest(me, idOf(p)) }));
    handle<{ sessionId?: unknown; passageId?: unknown }, Record<string, never>>('send_passage', async (p) => {
      const sessionId = idOf(p);
      const passage = typeof p?.passageId === 'string' ? this.suggested.get(sessionId)?.get(p.passageId) : undefined;
      if (!passage) throw new NotFoundError('Suggest passages first, then send one of them.');
      await this.agentMessage(me, sessionId, `${passage.title}\n\n${passage.text}`);
      return {};
    });
    handle<{ sessionId?: unknown }, Record<string, never>>('hand_back', async (p) => {
      await this.leave(me, idOf(p), 'hand_back');
      return {};
    });
    handle<{ sessionId?: unknown }, Record<string, never>>('close', async (p) => {
      await this.leave(me, idOf(p), 'closed');
      return {};
    });
  }

  // ---- agent actions (also used by the HTTP routes) ------------------------------------------------------------------

  /** Takes a queued conversation. Under its lock: the first agent wins, the next gets 409 with the winner's name. */
  async accept(me: StaffIdentity, sessionId: string): Promise<Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }>> {
    const { core, store } = this.wire();
    const entry = await this.options.queue.get(sessionId);
    if (!entry) throw new NotFoundError('This conversation is not waiting for a person.');
    const now = this.now();
    const events = await core.withSession(sessionId, async () => {
      const record = await store.get(sessionId);
      if (!record) throw new NotFoundError('This conversation no longer exists.');
      const current = activeAgent(record.events);
      if (current) throw new ConflictError(current.id === me.id ? 'You already have this conversation.' : `${current.name} has already taken this conversation.`);
      const joined: SessionEvent[] = [
        { type: 'agent_joined', at: now, agentId: me.id, agentName: me.name },
        { type: 'bot_uttered', at: now, message: { text: TEXTS.agentJoined(me.name) } },
      ];
      await store.append(sessionId, joined, now);
      this.toCustomer(sessionId, { text: TEXTS.agentJoined(me.name) });
      return [...record.events, ...joined];
    });
    this.waits.push((now - entry.since) / 1000);
    if (this.waits.length > 50) this.waits.shift();
    await this.options.queue.put({ ...entry, agent: { id: me.id, name: me.name } });
    await this.options.accessLog.write(me, 'accept_handoff', sessionId);
    await this.broadcast();
    return lastMessages(events, 200);
  }

  /** Sends the agent's text to the customer; 403 unless this agent has accepted the conversation. */
  async agentMessage(me: StaffIdentity, sessionId: string, text: unknown): Promise<void> {
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) throw new ValidationError('Invalid message', [{ field: 'text', message: `must be 1–${MAX_TEXT} characters` }]);
    const { core, store } = this.wire();
    const now = this.now();
    await core.withSession(sessionId, async () => {
      await this.assertMine(me, sessionId);
      await store.append(sessionId, [{ type: 'agent_uttered', at: now, agentId: me.id, text }], now);
      this.toCustomer(sessionId, { text });
    });
  }

  /** Passages for the customer's last question (retrieval), which the agent can send with one click. */
  async suggest(me: StaffIdentity, sessionId: string): Promise<Array<{ id: string; title: string; text: string }>> {
    const record = await this.assertMine(me, sessionId);
    let question: string | undefined;
    for (const e of record.events) if (e.type === 'user_uttered' && !e.parse?.trigger && e.parse?.intent.name !== 'human_handoff') question = e.text;
    if (!question || !this.options.retriever) return [];
    const hits = await this.options.retriever.invoke(question, { k: 3 });
    const passages = hits.map((h) => ({ id: h.id, title: h.title, text: h.text }));
    this.suggested.set(sessionId, new Map(passages.map((p) => [p.id, { title: p.title, text: p.text }])));
    return passages;
  }

  /** Hands the conversation back to the bot, or closes it. */
  async leave(me: StaffIdentity, sessionId: string, reason: 'hand_back' | 'closed'): Promise<void> {
    const { core, store, staff } = this.wire();
    const now = this.now();
    const text = reason === 'hand_back' ? TEXTS.agentHandedBack : TEXTS.agentClosed;
    await core.withSession(sessionId, async () => {
      await this.assertMine(me, sessionId);
      await store.append(sessionId, [{ type: 'agent_left', at: now, agentId: me.id, reason }, { type: 'bot_uttered', at: now, message: { text } }], now);
      this.toCustomer(sessionId, { text });
    });
    staff.to(conversationRoom(sessionId)).emit('conversation_ended', { sessionId, by: reason === 'hand_back' ? 'handed back to the bot' : 'closed' });
    staff.in(conversationRoom(sessionId)).socketsLeave(conversationRoom(sessionId));
    this.suggested.delete(sessionId);
    await this.options.queue.remove(sessionId);
    await this.broadcast();
  }

  // ---- helpers -------------------------------------------------------------------------------------------------------

  private wire(): Wiring {
    if (!this.wiring) throw new MonetaError('model_not_ready', 'The live desk is starting.');
    return this.wiring;
  }

  private async assertMine(me: StaffIdentity, sessionId: string) {
    const record = await this.wire().store.get(sessionId);
    const agent = record ? activeAgent(record.events) : undefined;
    if (!record || agent?.id !== me.id) throw new ForbiddenError('You have not accepted this conversation.');
    return record;
  }

  private toCustomer(sessionId: string, message: BotMessage): void {
    this.wire().io.to(sessionRoom(sessionId)).emit('bot_uttered', message);
  }

  /** The customer's place in the queue (1 = next) and the estimated wait. */
  private async place(sessionId: string): Promise<QueuePlace> {
    const waiting = (await this.options.queue.list()).filter((e) => !e.agent);
    const position = Math.max(1, waiting.findIndex((e) => e.sessionId === sessionId) + 1);
    const sorted = [...this.waits].sort((a, b) => a - b);
    const typical = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : DEFAULT_WAIT_SECONDS;
    return { position, waitSeconds: Math.round(position * Math.max(30, typical)) };
  }

  /** Sends the queue to every agent, and each waiting customer their place. */
  private async broadcast(): Promise<void> {
    const { staff, io } = this.wire();
    const entries = await this.options.queue.list();
    staff.to(AGENTS).emit('queue', entries);
    for (const entry of entries.filter((e) => !e.agent)) {
      const place = await this.place(entry.sessionId);
      io.to(sessionRoom(entry.sessionId)).emit('bot_uttered', { custom: { type: 'handoff_queue', ...place } });
    }
  }

  private async customerPresence(sessionId: string, leaving: string): Promise<void> {
    const entry = await this.options.queue.get(sessionId);
    if (!entry) return;
    const { io, staff } = this.wire();
    const left = (await io.in(sessionRoom(sessionId)).fetchSockets()).filter((s) => s.id !== leaving);
    if (left.length > 0) return;
    await this.options.queue.put({ ...entry, customerGone: true });
    staff.to(conversationRoom(sessionId)).emit('customer_gone', { sessionId });
    await this.broadcast();
  }

  private async customerBack(sessionId: string): Promise<void> {
    const entry = await this.options.queue.get(sessionId);
    if (!entry?.customerGone) return;
    const { customerGone: _gone, ...rest } = entry;
    await this.options.queue.put(rest);
    await this.broadcast();
  }
}

function idOf(p: { sessionId?: unknown } | undefined): string {
  if (typeof p?.sessionId !== 'string' || !/^[\w.-]{1,100}$/.test(p.sessionId)) throw new ValidationError('Invalid request', [{ field: 'sessionId', message: 'is required' }]);
  return p.sessionId;
}

/** The last `n` readable lines of a conversation (customer, bot, agent), personal data masked. */
function lastMessages(events: readonly SessionEvent[], n = 5): Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }> {
  const lines: Array<{ from: 'user' | 'bot' | 'agent'; text: string; at: number }> = [];
  for (const e of events) {
    if (e.type === 'user_uttered') lines.push({ from: 'user', text: maskForDisplay(e.text), at: e.at });
    else if (e.type === 'bot_uttered' && 'text' in e.message) lines.push({ from: 'bot', text: maskForDisplay(e.message.text), at: e.at });
    else if (e.type === 'agent_uttered') lines.push({ from: 'agent', text: maskForDisplay(e.text), at: e.at });
  }
  return lines.slice(-n);
}
