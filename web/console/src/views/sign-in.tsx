/** Sign-in: the bank's identity provider (when configured) and/or a local account. */
import { useEffect, useState } from 'preact/hooks';
import type { AuthOptions, StaffMe } from '../../../../server/contracts/console-api.ts';
import { api } from '../api.ts';

/** The sign-in page. */
export function SignInView(props: { onSignedIn: (me: StaffMe) => void }) {
  const [options, setOptions] = useState<AuthOptions | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<AuthOptions>('auth-options').then(setOptions, () => setOptions({ local: true, oidc: false }));
  }, []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      props.onSignedIn(await api<StaffMe>('login', { method: 'POST', body: { username: form.get('username'), password: form.get('password') } }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Moneta console</h1>
      <p>For Moneta Bank staff: live hand-off, conversation review and analytics.</p>
      {options?.oidc && (
        <p>
          <a class="button" href="/console/auth/oidc/start">
            Sign in with the bank's account
          </a>
        </p>
      )}
      {options?.local && (
        <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'sign-in-error' : undefined}>
          <label>
            Username
            <input name="username" autocomplete="username" required />
          </label>
          <label>
            Password
            <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          {error && (
            <p id="sign-in-error" role="alert" class="error">
              {error}
            </p>
          )}
        </form>
      )}
      {options && !options.local && !options.oidc && <p>No sign-in is configured: create an account with <code>npx moneta console add-user</code>.</p>}
    </main>
  );
}
