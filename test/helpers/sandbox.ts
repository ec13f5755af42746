// A browser stand-in for the sandbox provider's sign-in page: follows redirects with a cookie jar,
// submits the page's form with Allow (as `account`) or Deny, and stops at the broker's callback.
import { listeningServerFor, type CallbackUrl } from './authorization-server.js';

export async function signInAtSandbox(
  authorizeUrl: string,
  stopAt: string,
  decision: { outcome: 'allow' | 'deny'; account?: string } = { outcome: 'allow' },
): Promise<{ callback: CallbackUrl; pages: string[] }> {
  const jar = new Map<string, { value: string; path: string }>();
  const pages: string[] = [];
  let url = new URL(authorizeUrl);
  let body: URLSearchParams | undefined;
  const cookiesFor = (target: URL) =>
    [...jar.entries()]
      .filter(([, entry]) => target.pathname.startsWith(entry.path))
      .map(([name, entry]) => `${name}=${entry.value}`)
      .join('; ');
  for (let hop = 0; hop < 15; hop++) {
    const cookie = cookiesFor(url);
    const response = await fetch(listeningServerFor(url), {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    body = undefined;
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const [name, ...value] = pair!.split('=');
      const path =
        attributes
          .map((attribute) => attribute.trim())
          .find((attribute) => attribute.toLowerCase().startsWith('path='))
          ?.slice(5) ?? '/';
      if (/expires=Thu, 01 Jan 1970|max-age=0\b/i.test(header)) jar.delete(name!.trim());
      else jar.set(name!.trim(), { value: value.join('='), path });
    }
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.href.startsWith(stopAt)) return { callback: Object.assign(url, { cookie: cookiesFor(url) }), pages };
      continue;
    }
    const page = await response.text();
    pages.push(page);
    if (response.status !== 200 || !page.includes('name="decision"'))
      throw new Error(`The sandbox stopped at ${url} with HTTP ${response.status}: ${page.slice(0, 300)}`);
    // The sign-in page's form posts back to the page itself.
    body = new URLSearchParams({ username: decision.account ?? 'sandbox-user', decision: decision.outcome });
  }
  throw new Error('Too many redirects');
}
