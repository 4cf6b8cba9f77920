/** The staff console's entry: sign-in, then the views the signed-in roles allow, routed by the URL hash. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { StaffMe } from '../../../server/contracts/console-api.ts';
import { api, ApiError } from './api.ts';
import './console.css';
import { AccessLogView } from './views/access-log.tsx';
import { ConversationsView } from './views/conversations.tsx';
import { DashboardView } from './views/dashboard.tsx';
import { QueueView } from './views/queue.tsx';
import { SignInView } from './views/sign-in.tsx';
import { TranscriptView } from './views/transcript.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const [me, setMe] = useState<StaffMe | null | undefined>(undefined);
  const hash = useHash();
  useEffect(() => {
    api<StaffMe>('me').then(setMe, (e: unknown) => setMe(e instanceof ApiError && e.status === 401 ? null : null));
  }, []);
  if (me === undefined) return <p class="status">Loading…</p>;
  if (me === null) return <SignInView onSignedIn={setMe} />;
  const isAgent = me.roles.includes('agent');
  const isAnalyst = me.roles.includes('analyst');
  // `#/dashboard?from=…` → route `dashboard` (the view reads its own query from the hash).
  const route = hash.replace(/^#\/?/, '').split('?')[0] || (isAgent ? 'queue' : 'conversations');
  let view;
  const transcript = /^conversations\/([\w.-]+)$/.exec(route);
  if (route === 'queue' && isAgent) view = <QueueView me={me} />;
  else if (transcript && isAnalyst) view = <TranscriptView id={transcript[1]!} />;
  else if (route.startsWith('conversations') && isAnalyst) view = <ConversationsView />;
  else if (route === 'dashboard' && isAnalyst) view = <DashboardView />;
  else if (route === 'access-log' && isAnalyst) view = <AccessLogView />;
  else view = <p>This page needs another role.</p>;
  const link = (to: string, label: string) => (
    <li>
      <a href={`#/${to}`} aria-current={route.split('/')[0] === to ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <>
      <header class="top">
        <span class="brand">Moneta console</span>
        <nav aria-label="Console">
          <ul>
            {isAgent && link('queue', 'Hand-off queue')}
            {isAnalyst && link('conversations', 'Conversations')}
            {isAnalyst && link('dashboard', 'Analytics')}
            {isAnalyst && link('access-log', 'Access log')}
          </ul>
        </nav>
        <span class="who">
          {me.name} ({me.roles.join(', ')}){' '}
          <button
            type="button"
            onClick={() => {
              void api('logout', { method: 'POST' }).then(() => setMe(null));
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main">{view}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
