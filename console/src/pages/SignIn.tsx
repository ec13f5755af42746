import { useState, type FormEvent } from 'react';
import { signIn, type Session } from '../session';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      onSignedIn(await signIn(apiKey));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>Switchboard console</h1>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="apiKey" type="password" autoComplete="off" value={apiKey} onChange={(event) => setApiKey(event.target.value)} />
        <p id="sign-in-help" className="muted">
          Sign in with one of the server&apos;s API keys. The key is exchanged for a session cookie and is not kept by this page. In development without
          authentication, leave it empty to sign in as <code>dev</code>.
        </p>
        {problem ? (
          <p role="alert" className="error">
            {problem}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
