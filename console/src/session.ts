// The console's sign-in: an API key (or nothing, as `dev`, in development) exchanged for an HttpOnly
// cookie by the server. The key is sent once and never stored by the page.
export interface Session {
  signedIn: boolean;
  userId?: string;
  via?: string;
  expiresAt?: string;
}

const SESSION_URL = '/console/api/session';

async function answer(response: Response): Promise<Session> {
  const body = (await response.json().catch(() => ({}))) as Session & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `The server answered ${response.status}.`);
  return body;
}

export async function readSession(): Promise<Session> {
  return answer(await fetch(SESSION_URL, { credentials: 'same-origin' }));
}

export async function signIn(apiKey: string): Promise<Session> {
  return answer(
    await fetch(SESSION_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: apiKey || undefined }),
    }),
  );
}

export async function signOut(): Promise<void> {
  await answer(await fetch(SESSION_URL, { method: 'DELETE', credentials: 'same-origin' }));
}
