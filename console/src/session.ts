// The console's sign-in: an API key (or nothing, as `dev`, in development) exchanged for an HttpOnly
// cookie by the server. The key is sent once and never stored by the page.
export interface Session {
  signedIn: boolean;
  userId?: string;
  via?: string;
  expiresAt?: string;
  /** What the key may use: the nav shows only those pages (src/console/routes.ts computes it as Viewer.scopes does). */
  isAdmin?: boolean;
  scopes?: string[];
}

const SESSION_URL = '/console/api/session';

async function answer(response: Response): Promise<Session> {
  const body = (await response.json().catch(() => ({}))) as Session & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `The server answered ${response.status}.`);
  return body;
}

/** The session the server wrote into index.html (so the app starts without a round trip to ask for it). */
export function writtenSession(): Session | undefined {
  const written = document.querySelector<HTMLMetaElement>('meta[name="switchboard-session"]')?.content;
  try {
    return written ? (JSON.parse(written) as Session) : undefined;
  } catch {
    return undefined;
  }
}

/** Asked for: where the page came without it (Vite's dev server serves index.html as it is). */
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
