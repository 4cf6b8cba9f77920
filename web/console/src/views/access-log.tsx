/** The access log: who read which conversation, signed in, corrected or exported, newest first. */
import { useEffect, useState } from 'preact/hooks';
import { api, formatTime } from '../api.ts';

interface Entry {
  at: number;
  staff: string;
  role: string;
  action: string;
  sessionId: string | null;
  detail: string | null;
}

/** The access-log view. */
export function AccessLogView() {
  const [entries, setEntries] = useState<Entry[]>([]);
  useEffect(() => {
    api<Entry[]>('access-log').then(setEntries, () => setEntries([]));
  }, []);
  return (
    <section aria-labelledby="log-title">
      <h1 id="log-title">Access log</h1>
      <p>
        Exports: <a href="/console/api/export/intents.jsonl">intent corrections (JSONL)</a> ·{' '}
        <a href="/console/api/export/passage-questions.yaml">passage questions (YAML)</a>
      </p>
      <table class="list">
        <caption class="sr-only">Latest console accesses</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Action</th>
            <th scope="col">Conversation</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={i}>
              <td>{formatTime(e.at)}</td>
              <td>{e.staff}</td>
              <td>{e.role}</td>
              <td>{e.action}</td>
              <td>{e.sessionId ? <a href={`#/conversations/${e.sessionId}`}>{e.sessionId.slice(0, 8)}…</a> : e.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
