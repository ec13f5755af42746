// A browser stand-in for the sandbox provider's sign-in page: follows redirects with a cookie jar,
// submits the page's form with Allow (as `account`) or Deny, and stops at the broker's callback.
import { completeCallback, listeningServerFor, type CallbackUrl } from './authorization-server.js';
import { expect } from 'vitest';
import { makeIntegration, uniqueSlug } from './fixtures.js';
import { freePort } from './ports.js';
import { adminHeaders, graphql, startTestServer, userHeaders, type ConfigOverrides, type TestServer } from './server.js';

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

/** A listening app with the sandbox provider on, on a port known before it starts (PUBLIC_URL, the sandbox's issuer, names it); stopped after the file. */
export async function startSandboxServer(overrides: ConfigOverrides = {}): Promise<TestServer> {
  const port = await freePort();
  return startTestServer({ ...overrides, publicUrl: `http://127.0.0.1:${port}`, sandbox: { enabled: true } }, { port });
}

/** Registers the sandbox as an integration (as the worked example's first step does) and returns its slug. */
export async function createSandboxIntegration(server: TestServer, slug = uniqueSlug('sandbox')): Promise<string> {
  const created = await graphql(
    server,
    'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
    { input: { slug, provider: 'sandbox' } },
    adminHeaders,
  );
  if (created.data?.createIntegration.__typename !== 'CreateIntegrationPayload') throw new Error(`createIntegration: ${JSON.stringify(created)}`);
  return slug;
}

/** `userId` connects the sandbox integration `slug` (startConnect, Allow at the sandbox, the callback); returns the connection's id. */
export async function connectAtSandbox(server: TestServer, slug: string, userId: string): Promise<string> {
  const headers = await userHeaders(userId);
  const started = await graphql(
    server,
    'mutation ($input: StartConnectInput!) { startConnect(input: $input) { __typename ... on StartConnectPayload { authorizeUrl } ... on Error { message } } }',
    { input: { integration: slug } },
    headers,
  );
  const authorizeUrl = started.data?.startConnect.authorizeUrl;
  if (!authorizeUrl) throw new Error(`startConnect: ${JSON.stringify(started)}`);
  const { callback } = await signInAtSandbox(authorizeUrl, `${server.config.publicUrl}/oauth2/callback`, { outcome: 'allow', account: userId });
  const completed = await completeCallback(server, callback, { redirect: 'manual' });
  if (completed.status !== 200) throw new Error(`The callback answered HTTP ${completed.status}`);
  const listed = await graphql(server, 'query ($slug: String!) { connections(integration: $slug, first: 1) { edges { node { id } } } }', { slug }, headers);
  return listed.data.connections.edges[0].node.id as string;
}

/**
 * Once a subscriber listens on `server`, makes a connection (with a given token) to a new
 * integration, so that subscribers to connectionStatusChanged see a HEALTHY event for its slug.
 */
export async function connectionEventFor(server: TestServer): Promise<string> {
  await expect.poll(() => server.services.statusStreams.subscriberCount(), { timeout: 10_000 }).toBeGreaterThan(0);
  return connectionToNewIntegration(server);
}

/** Makes a new integration and a connection to it (with a given token); returns the integration's slug. */
export async function connectionToNewIntegration(server: TestServer): Promise<string> {
  const integration = await makeIntegration(server);
  const created = await graphql(
    server,
    'mutation ($slug: String!) { createConnection(input: { integration: $slug, accessToken: "a-token" }) { __typename } }',
    { slug: integration.slug },
    adminHeaders,
  );
  expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
  return integration.slug;
}
