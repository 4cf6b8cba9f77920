/** The analyst's conversation list: search and filters (date, intent, fallback, out-of-scope, thumbs-down, hand-off, form outcome). */
import { useEffect, useState } from 'preact/hooks';
import type { ConversationList } from '../../../../server/contracts/console-api.ts';
import { api, formatTime, isoDay } from '../api.ts';

const YES_NO = [
  ['fallback', 'Fallback'],
  ['outOfScope', 'Out of scope'],
  ['thumbsDown', 'Thumbs down'],
  ['handoff', 'Hand-off'],
] as const;

/** The list view; filters live in the URL hash's query so a view can be shared. */
export function ConversationsView() {
  const initial = new URLSearchParams(location.hash.split('?')[1] ?? '');
  if (!initial.has('from')) initial.set('from', isoDay(-30));
  if (!initial.has('to')) initial.set('to', isoDay());
  const [query, setQuery] = useState(initial.toString());
  const [list, setList] = useState<ConversationList | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api<ConversationList>(`conversations?${query}`).then(setList, (e: Error) => setError(e.message));
  }, [query]);
  const apply = (e: Event): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const [k, v] of form) if (typeof v === 'string' && v !== '') q.set(k, v);
    history.replaceState(null, '', `#/conversations?${q}`);
    setQuery(q.toString());
  };
  const value = (k: string): string => initial.get(k) ?? '';
  return (
    <section aria-labelledby="conv-title">
      <h1 id="conv-title">Conversations</h1>
      <form class="filters" onSubmit={apply}>
        <label>
          From <input type="date" name="from" value={value('from')} />
        </label>
        <label>
          To <input type="date" name="to" value={value('to')} />
        </label>
        <label>
          Intent <input name="intent" value={value('intent')} placeholder="e.g. card_arrival" />
        </label>
        <label>
          Text <input name="q" type="search" value={value('q')} />
        </label>
        {YES_NO.map(([k, label]) => (
          <label key={k}>
            {label}
            <select name={k} value={value(k)}>
              <option value="">any</option>
              <option value="true">yes</option>
              <option value="false">no</option>
            </select>
          </label>
        ))}
        <label>
          Form
          <select name="form" value={value('form')}>
            <option value="">any</option>
            <option value="completed">completed</option>
            <option value="cancelled">cancelled</option>
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {list && (
        <>
          <p aria-live="polite">{list.total} conversations</p>
          <table class="list">
            <caption class="sr-only">Conversations matching the filters</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">First intent</th>
                <th scope="col">Last customer message</th>
                <th scope="col">Messages</th>
                <th scope="col">Markers</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`#/conversations/${c.id}`}>{formatTime(c.startedAt)}</a>
                  </td>
                  <td>{c.firstIntent ?? '—'}</td>
                  <td>{c.lastUserText ?? ''}</td>
                  <td>{c.userMessages}</td>
                  <td>
                    {[c.fallbacks > 0 && 'fallback', c.outOfScope > 0 && 'out of scope', c.thumbsDown > 0 && 'thumbs down', c.handoff && 'hand-off', ...c.forms.map((f) => `${f.form} ${f.outcome}`)]
                      .filter(Boolean)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
