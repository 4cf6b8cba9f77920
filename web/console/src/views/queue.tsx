/**
 * The agent's live hand-off desk: the queue (last messages and the bot's summary), accept, chat in real time over the
 * `/staff` Socket.IO namespace, one-click suggested passages, hand back to the bot or close.
 */
import { io, type Socket } from 'socket.io-client';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { QueueEntry, StaffAck, StaffClientToServer, StaffMe, StaffServerToClient } from '../../../../server/contracts/console-api.ts';
import { api, formatTime } from '../api.ts';

type StaffSocket = Socket<StaffServerToClient, StaffClientToServer>;
type Line = { from: 'user' | 'bot' | 'agent'; text: string; at: number };

/** The queue and the conversation the agent is in. */
export function QueueView(props: { me: StaffMe }) {
  const [queue, setQueue] = useState<QueueEntry[]>([]);
  const [connected, setConnected] = useState(false);
  const [active, setActive] = useState<string | undefined>();
  const [lines, setLines] = useState<Line[]>([]);
  const [notice, setNotice] = useState('');
  const [suggestions, setSuggestions] = useState<Array<{ id: string; title: string; text: string }>>([]);
  const socket = useRef<StaffSocket | undefined>(undefined);
  const activeRef = useRef<string | undefined>(undefined);
  activeRef.current = active;

  useEffect(() => {
    let closed = false;
    const s: StaffSocket = io('/staff', {
      path: '/socket.io/',
      transports: ['websocket'],
      // A fresh one-minute ticket for every (re)connection: the console cookie is not sent to /socket.io/.
      auth: (cb) => {
        void api<{ ticket: string }>('socket-ticket').then(
          (r) => cb({ ticket: r.ticket }),
          () => cb({}),
        );
      },
    });
    socket.current = s;
    s.on('connect', () => setConnected(true));
    s.on('disconnect', () => setConnected(false));
    s.on('queue', (entries) => setQueue(entries));
    s.on('customer_message', (m) => {
      if (m.sessionId !== activeRef.current) return;
      setLines((l) => [...l, { from: 'user', text: m.text, at: m.at }]);
      // New question, new suggestions (retrieval over the customer's last question).
      (s as unknown as { emit: (e: string, p: object, ack: (r: StaffAck<{ passages: Array<{ id: string; title: string; text: string }> }>) => void) => void }).emit(
        'suggest',
        { sessionId: m.sessionId },
        (r) => setSuggestions(r.ok ? r.passages : []),
      );
    });
    s.on('customer_gone', (m) => {
      if (m.sessionId === activeRef.current) setNotice('The customer has left the conversation.');
    });
    s.on('conversation_ended', (m) => {
      if (m.sessionId === activeRef.current) setNotice(`The conversation was ended (${m.by}).`);
    });
    return () => {
      closed = true;
      void closed;
      s.close();
    };
  }, []);

  const call = <T,>(event: keyof StaffClientToServer, payload: object): Promise<StaffAck<T>> =>
    new Promise((resolve) => {
      (socket.current as unknown as { emit: (e: string, p: object, ack: (r: StaffAck<T>) => void) => void }).emit(event, payload, resolve);
    });

  const accept = async (sessionId: string): Promise<void> => {
    const r = await call<{ transcript: Line[] }>('accept', { sessionId });
    if (!r.ok) {
      setNotice(r.message);
      return;
    }
    setNotice('');
    setActive(sessionId);
    setLines(r.transcript);
    const s = await call<{ passages: Array<{ id: string; title: string; text: string }> }>('suggest', { sessionId });
    setSuggestions(s.ok ? s.passages : []);
  };
  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('message') as HTMLTextAreaElement;
    const text = input.value.trim();
    if (!text || !active) return;
    const r = await call('agent_message', { sessionId: active, text });
    if (r.ok) {
      setLines((l) => [...l, { from: 'agent', text, at: Date.now() }]);
      input.value = '';
    } else setNotice(r.message);
  };
  const sendPassage = async (passageId: string, text: string): Promise<void> => {
    if (!active) return;
    const r = await call('send_passage', { sessionId: active, passageId });
    if (r.ok) setLines((l) => [...l, { from: 'agent', text, at: Date.now() }]);
    else setNotice(r.message);
  };
  const finish = async (how: 'hand_back' | 'close'): Promise<void> => {
    if (!active) return;
    const r = await call(how, { sessionId: active });
    if (r.ok) {
      setActive(undefined);
      setLines([]);
      setSuggestions([]);
      setNotice(how === 'hand_back' ? 'Handed back to the assistant.' : 'Conversation closed.');
    } else setNotice(r.message);
  };

  return (
    <div class="desk">
      <section aria-labelledby="queue-title" class="queue">
        <h1 id="queue-title">Hand-off queue</h1>
        <p role="status">{connected ? `${queue.filter((q) => !q.agent).length} waiting` : 'Connecting…'}</p>
        <ul class="queue-list">
          {queue.map((q) => (
            <li key={q.sessionId} class={q.customerGone ? 'gone' : ''} data-session={q.sessionId}>
              <p class="meta">
                Waiting since {formatTime(q.since)} · {q.summary.reason.replace(/_/g, ' ')}
                {q.customerGone && ' · customer gone'}
              </p>
              <p>
                Intent: {q.summary.intent ?? '—'}
                {q.summary.form && ` · form ${q.summary.form.name} (${q.summary.form.answered} answered)`}
              </p>
              <ul class="last">
                {q.lastMessages.map((m, i) => (
                  <li key={i}>
                    <strong>{m.from === 'user' ? 'Customer' : m.from === 'bot' ? 'Moneta' : 'Agent'}:</strong> {m.text}
                  </li>
                ))}
              </ul>
              {q.agent ? (
                <p>With {q.agent.id === props.me.id ? 'you' : q.agent.name}</p>
              ) : (
                <button type="button" onClick={() => void accept(q.sessionId)}>
                  Accept
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="chat-title" class="live">
        <h2 id="chat-title">{active ? 'Conversation' : 'No conversation open'}</h2>
        {notice && <p role="alert">{notice}</p>}
        {active && (
          <>
            <ol class="transcript" aria-live="polite">
              {lines.map((l, i) => (
                <li key={i} class={`msg from-${l.from}`}>
                  <strong>{l.from === 'user' ? 'Customer' : l.from === 'bot' ? 'Moneta' : 'You'}:</strong> {l.text}
                </li>
              ))}
            </ol>
            <form onSubmit={(e) => void send(e)} class="compose">
              <label for="agent-message">Message to the customer</label>
              <textarea id="agent-message" name="message" rows={3} />
              <button type="submit">Send</button>
            </form>
            {suggestions.length > 0 && (
              <div class="suggestions">
                <h3>Suggested passages</h3>
                <ul>
                  {suggestions.map((s) => (
                    <li key={s.id}>
                      <button type="button" onClick={() => void sendPassage(s.id, s.text)}>
                        Send “{s.title}”
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <p>
              <button type="button" onClick={() => void finish('hand_back')}>
                Hand back to the assistant
              </button>{' '}
              <button type="button" onClick={() => void finish('close')}>
                Close conversation
              </button>
            </p>
          </>
        )}
      </section>
    </div>
  );
}
