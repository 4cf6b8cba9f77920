/** One conversation for review: each message with its NLU parse, passages and the answer; mark the right intent or passage. */
import { useEffect, useState } from 'preact/hooks';
import type { TranscriptMessage, TranscriptView as Transcript } from '../../../../server/contracts/console-api.ts';
import { api, formatTime } from '../api.ts';

function Correction(props: { id: string; message: TranscriptMessage; intents: string[]; onSaved: (m: TranscriptMessage) => void }) {
  const { message } = props;
  const [passages, setPassages] = useState<Array<{ id: string; title: string }>>([]);
  const [status, setStatus] = useState('');
  useEffect(() => {
    api<Array<{ id: string; title: string }>>('passages', { method: 'POST', body: { query: message.text } }).then(setPassages, () => setPassages([]));
  }, [message.text]);
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const intent = String(form.get('intent') ?? '');
    const passageId = String(form.get('passageId') ?? '');
    try {
      const saved = await api<TranscriptMessage>(`conversations/${props.id}/corrections`, {
        method: 'POST',
        body: { seq: message.seq, ...(intent ? { intent } : {}), ...(passageId ? { passageId } : {}) },
      });
      setStatus('Saved');
      props.onSaved(saved);
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  const idBase = `fix-${message.seq}`;
  return (
    <form class="correction" onSubmit={(e) => void save(e)}>
      <label for={`${idBase}-intent`}>Right intent</label>
      <select id={`${idBase}-intent`} name="intent" value={message.correction?.intent ?? ''}>
        <option value="">(unchanged)</option>
        {props.intents.map((i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
      <label for={`${idBase}-passage`}>Right passage</label>
      <select id={`${idBase}-passage`} name="passageId" value={message.correction?.passageId ?? ''}>
        <option value="">(unchanged)</option>
        {passages.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
      <button type="submit">Mark</button>
      <span role="status">{status}</span>
    </form>
  );
}

/** The transcript view (every read is written to the access log by the server). */
export function TranscriptView(props: { id: string }) {
  const [view, setView] = useState<Transcript | undefined>();
  const [intents, setIntents] = useState<string[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    api<Transcript>(`conversations/${encodeURIComponent(props.id)}`).then(setView, (e: Error) => setError(e.message));
    api<string[]>('intents').then(setIntents, () => setIntents([]));
  }, [props.id]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!view) return <p class="status">Loading…</p>;
  const replace = (m: TranscriptMessage): void => setView({ ...view, messages: view.messages.map((x) => (x.seq === m.seq ? m : x)) });
  return (
    <section aria-labelledby="t-title">
      <p>
        <a href="#/conversations">← Conversations</a>
      </p>
      <h1 id="t-title">Conversation of {formatTime(view.startedAt)}</h1>
      <ol class="transcript">
        {view.messages.map((m) => (
          <li key={m.seq} class={`msg from-${m.from}`}>
            <p class="meta">
              <strong>{m.from === 'user' ? 'Customer' : m.from === 'bot' ? 'Moneta' : 'Agent'}</strong> · {formatTime(m.at)}
              {m.flags?.map((f) => (
                <span key={f} class={`flag flag-${f}`}>
                  {f.replace(/_/g, ' ')}
                </span>
              ))}
            </p>
            <p class="text">{m.text}</p>
            {m.parse && (
              <dl class="parse">
                <dt>Intent</dt>
                <dd>
                  {m.parse.intent} ({m.parse.confidence.toFixed(2)})
                </dd>
                <dt>Entities</dt>
                <dd>{m.parse.entities.length === 0 ? 'none' : m.parse.entities.map((e) => `${e.entity}=${JSON.stringify(e.value)}`).join(', ')}</dd>
                <dt>Next intents</dt>
                <dd>{m.parse.ranking.slice(1, 4).map((r) => `${r.name} ${r.confidence.toFixed(2)}`).join(', ')}</dd>
              </dl>
            )}
            {m.passages && m.passages.length > 0 && (
              <p class="passages">
                {m.from === 'user' ? 'Retrieved: ' : 'Cited: '}
                {m.passages.map((p) => p.title ?? p.id).join(' · ')}
              </p>
            )}
            {m.correction && (
              <p class="corrected">
                Marked{m.correction.intent ? ` intent ${m.correction.intent}` : ''}
                {m.correction.passageId ? ` passage ${m.correction.passageId}` : ''} by {m.correction.by}
              </p>
            )}
            {m.from === 'user' && <Correction id={view.id} message={m} intents={intents} onSaved={replace} />}
          </li>
        ))}
      </ol>
    </section>
  );
}
