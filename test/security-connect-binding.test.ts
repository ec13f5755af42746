// Security (issues 12 and 22), connect page binding: every browser flow is bound to the browser that
// started it. The hosted page binds the browser that sends its form (and takes forms from its own
// origin only); startConnect hands out a begin link that binds the first browser to open it; the
// callback consumes a flow only with that browser's cookie. flowId comes back in every outcome
// (callback redirect and popup message, the hosted page's redirect and message) so the app can also
// refuse flows it did not start. See docs/connect-security.md.
import { describe, expect, it } from 'vitest';
import { completeCallback, followToCallback, openBeginLink, startAuthorizationServer, type CallbackUrl } from './helpers/authorization-server.js';
import { CALLBACK, createOidcIntegration } from './helpers/connect.js';
import { adminHeaders, graphql, startTestServer, userHeaders, testConfig } from './helpers/server.js';
import { prisma } from './helpers/database.js';

const config = testConfig();

const START = /* GraphQL */ `
  mutation ($input: StartConnectInput!) {
    startConnect(input: $input) {
      __typename
      ... on StartConnectPayload {
        authorizeUrl
        state
        flowId
      }
    }
  }
`;

const CREATE_SESSION = /* GraphQL */ `
  mutation ($input: CreateConnectSessionInput!) {
    createConnectSession(input: $input) {
      __typename
      ... on CreateConnectSessionPayload {
        token
      }
    }
  }
`;

/** The provider link on the hosted page's "continue" page. */
function continueLink(page: string): string {
  const href = /id="continue" href="([^"]+)"/.exec(page)?.[1];
  if (!href) throw new Error(`No continue link on the page: ${page.slice(0, 300)}`);
  return href.replace(/&amp;/g, '&').replace(/&#38;/g, '&');
}

const cookiePair = (header: string) => header.split(';')[0]!;

describe('security: connect page binding', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);
  const integrationId = (await prisma.integration.findUniqueOrThrow({ where: { slug } })).id;
  const start = async (userId: string, input: Record<string, unknown> = {}) =>
    (await graphql(server, START, { input: { integration: slug, ...input } }, await userHeaders(userId))).data.startConnect;
  const createSession = async (endUserId: string, input: Record<string, unknown> = {}) =>
    (await graphql(server, CREATE_SESSION, { input: { endUserId, integrations: [slug], ...input } }, adminHeaders)).data.createConnectSession.token as string;
  const postConnectForm = (token: string, headers: Record<string, string>) =>
    fetch(`${server.url}/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token, integration: integrationId }),
    });

  it("refuses a cross-site form that submits a session token to the hosted page (the attacker's own token from the victim's browser)", async () => {
    const attackersToken = await createSession('attacker-user');
    const before = await prisma.pendingAuthorization.count({ where: { viewerId: 'attacker-user' } });
    // The attacker's page auto-submits the form: the browser says where it came from.
    const crossSite: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' }, // a sandboxed iframe
      { 'sec-fetch-site': 'same-site' }, // a sibling subdomain
      { origin: 'https://evil.example' }, // a browser without Fetch Metadata
    ];
    for (const headers of crossSite) {
      const response = await postConnectForm(attackersToken, headers);
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await response.text()).not.toContain(as.issuer);
    }
    expect(await prisma.pendingAuthorization.count({ where: { viewerId: 'attacker-user' } })).toBe(before);
    // The page's own form (same origin) still works.
    expect((await postConnectForm(attackersToken, { origin: new URL(config.publicUrl).origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it("refuses the hosted page's provider link in a browser other than the one that sent the form, leaving the flow unconsumed", async () => {
    // The attacker starts from the hosted page in their own browser and hands the provider link to the victim.
    const attackersToken = await createSession('attacker-two');
    const started = await postConnectForm(attackersToken, { 'sec-fetch-site': 'same-origin' });
    expect(started.status).toBe(200);
    const cookies = started.headers.getSetCookie();
    const binding = cookies.find((cookie) => cookie.startsWith('sb_flow_'))!;
    expect(binding).toMatch(/; Path=\/oauth2\/callback; Max-Age=600; HttpOnly; SameSite=Lax/);
    const providerLink = continueLink(await started.text());
    expect(new URL(providerLink).origin).toBe(as.issuer);

    // The victim's browser completes the consent (the provider skips it for a returning user) and comes back without the cookie.
    const victims = await followToCallback(providerLink, CALLBACK);
    const refused = await completeCallback(server, victims, { redirect: 'manual' });
    const outcome = new URL(refused.headers.get('location')!);
    expect(outcome.searchParams.get('connect')).toBe('error');
    expect(outcome.searchParams.get('error')).toBe('browser_mismatch');
    expect(await prisma.connection.count({ where: { ownerId: 'attacker-two' } })).toBe(0);
    const pending = await prisma.pendingAuthorization.findFirstOrThrow({ where: { viewerId: 'attacker-two' } });
    expect(pending.consumedAt).toBeNull();

    // The browser that sent the form (with its cookie) is the one that can finish it.
    const own = await completeCallback(server, Object.assign(victims, { cookie: cookiePair(binding) }), { redirect: 'manual' });
    expect(new URL(own.headers.get('location')!).searchParams.get('connect')).toBe('success');
    expect(own.headers.getSetCookie().join()).toMatch(/^sb_flow_[0-9a-f]{32}=; Path=\/oauth2\/callback; Max-Age=0/);
  });

  it('binds a startConnect flow to the first browser that opens its begin link; the provider redirect in another browser completes nothing', async () => {
    const flow = await start('binding-user', { connectionName: 'bound' });
    expect(flow.authorizeUrl).toBe(`${config.publicUrl}/oauth/begin?flow=${encodeURIComponent(flow.state)}`);
    const first = await openBeginLink(flow.authorizeUrl);
    expect(first.providerUrl.origin).toBe(as.issuer);
    expect(first.providerUrl.searchParams.get('state')).toBe(flow.state);
    // The begin link is spent: a second browser cannot bind itself to the same flow.
    await expect(openBeginLink(flow.authorizeUrl)).rejects.toThrow(/HTTP 400/);

    const callback = await followToCallback(first.providerUrl.href, CALLBACK);
    const elsewhere = await completeCallback(server, Object.assign(new URL(callback.href), { cookie: '' }));
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('"error":"browser_mismatch"');
    const forged = await completeCallback(server, Object.assign(new URL(callback.href), { cookie: `sb_flow_${flow.flowId}=${'A'.repeat(43)}` }));
    expect(forged.status).toBe(400);
    expect(await prisma.connection.count({ where: { ownerId: 'binding-user', name: 'bound' } })).toBe(0);

    const finished = await completeCallback(server, Object.assign(callback, { cookie: first.cookie }));
    expect(finished.status).toBe(200);
    expect(await finished.text()).toContain(`"flowId":"${flow.flowId}"`);
    expect(await prisma.connection.count({ where: { ownerId: 'binding-user', name: 'bound' } })).toBe(1);
  });

  it("puts the flowId in the hosted page's outcome: the postMessage and the session's redirectTo", async () => {
    const token = await createSession('hosted-user', { redirectTo: `${config.publicUrl}/app/done` });
    const started = await postConnectForm(token, { 'sec-fetch-site': 'same-origin' });
    const cookies = started.headers.getSetCookie().map(cookiePair);
    const sessionCookie = cookies.find((cookie) => cookie.startsWith('sb_connect_'))!;
    const flowId = /^sb_flow_([0-9a-f]{32})=/.exec(cookies.find((cookie) => cookie.startsWith('sb_flow_'))!)![1];
    const callback: CallbackUrl = Object.assign(await followToCallback(continueLink(await started.text()), CALLBACK), {
      cookie: cookies.find((cookie) => cookie.startsWith('sb_flow_'))!,
    });
    const back = await completeCallback(server, callback, { redirect: 'manual' });
    const returnUrl = new URL(back.headers.get('location')!);
    expect(returnUrl.pathname).toBe('/connect/return');
    expect(returnUrl.searchParams.get('flowId')).toBe(flowId);
    const page = await (await fetch(`${server.url}${returnUrl.pathname}${returnUrl.search}`, { headers: { cookie: sessionCookie } })).text();
    expect(page).toContain('data-connect="success"');
    expect(page).toContain(`"flowId":"${flowId}"`); // the message for the popup's opener
    const next = new URL(continueLink(page));
    expect(next.searchParams.get('flowId')).toBe(flowId);
    expect(next.searchParams.get('connect')).toBe('success');
  });

  it('hands the flowId of the flow actually completed to redirectTo, so the app can refuse a flow someone else started', async () => {
    const victimsFlow = await start('victim', { connectionName: 'own', redirectTo: `${config.publicUrl}/done` });
    const attackersFlow = await start('attacker', { connectionName: 'lure', redirectTo: `${config.publicUrl}/done` });
    expect(attackersFlow.flowId).not.toBe(victimsFlow.flowId);
    expect(attackersFlow.flowId).toMatch(/^[0-9a-f]{32}$/);
    expect(attackersFlow.state).not.toContain(attackersFlow.flowId);
    // An unopened begin link handed to the victim binds the victim's browser: only the flowId tells the app.
    const completed = await completeCallback(server, await followToCallback(attackersFlow.authorizeUrl, CALLBACK), { redirect: 'manual' });
    expect(completed.status).toBe(303);
    const landing = new URL(completed.headers.get('location')!);
    expect(landing.searchParams.get('connect')).toBe('success');
    expect(landing.searchParams.get('flowId')).toBe(attackersFlow.flowId);
    expect([victimsFlow.flowId]).not.toContain(landing.searchParams.get('flowId'));
  });

  it("puts the flowId in the popup page's message, and in the outcome of a refused callback", async () => {
    const popupFlow = await start('popup-user', { connectionName: 'popup' });
    const page = await (await completeCallback(server, await followToCallback(popupFlow.authorizeUrl, CALLBACK))).text();
    expect(page).toContain(`"flowId":"${popupFlow.flowId}"`);
    const lateFlow = await start('popup-user', { connectionName: 'late' });
    const lateCallback = await followToCallback(lateFlow.authorizeUrl, CALLBACK);
    await prisma.pendingAuthorization.updateMany({
      where: { viewerId: 'popup-user', connectionName: 'late' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const late = await completeCallback(server, lateCallback);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain(`"flowId":"${lateFlow.flowId}"`);
  });
});

describe('security: callbacks check the flow auth type', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);

  it("/oauth1/callback refuses an OAuth 2.0 flow's state without consuming it (no skipped code exchange, PKCE, iss or nonce)", async () => {
    const flow = (await graphql(server, START, { input: { integration: slug, connectionName: 'typed' } }, await userHeaders('typed-user'))).data.startConnect;
    const callback = await followToCallback(flow.authorizeUrl, CALLBACK);
    // The same browser (its cookie for /oauth2/callback sent along) takes the state to the OAuth 1.0a callback.
    const crossed = await fetch(`${server.url}/oauth1/callback?oauth_token=${encodeURIComponent(flow.state)}&oauth_verifier=anything`, {
      headers: { cookie: callback.cookie },
    });
    expect(crossed.status).toBe(400);
    expect(await crossed.text()).toContain('"error":"wrong_callback"');
    expect(await prisma.connection.count({ where: { ownerId: 'typed-user' } })).toBe(0);
    expect((await prisma.pendingAuthorization.findFirstOrThrow({ where: { viewerId: 'typed-user' } })).consumedAt).toBeNull();
    // The flow is intact: its own callback finishes it, with an OAuth 2.0 token.
    expect((await completeCallback(server, callback)).status).toBe(200);
    const stored = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'typed-user', name: 'typed' } });
    expect(stored.status).toBe('HEALTHY');
  });
});
