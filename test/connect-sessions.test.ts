// Connect sessions: an admin creates a session for carol offering two integrations; the session's
// token can only connect carol to those two and read her connections to them. Everything else is
// refused as a request without credentials is (401 UNAUTHENTICATED), on HTTP and on WebSocket.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { startAuthorizationServer, completeCallback } from './helpers/authorization-server.js';
import { CALLBACK, createOidcIntegration } from './helpers/connect.js';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { followToCallback } from './helpers/authorization-server.js';
import { prisma } from './helpers/database.js';

const CREATE = `mutation ($input: CreateConnectSessionInput!) {
  createConnectSession(input: $input) {
    __typename
    ... on CreateConnectSessionPayload { token connectUrl expiresAt session { endUserId connectionName expiresAt integrations { slug } } }
    ... on ValidationError { message fieldErrors { field message } }
    ... on Error { message }
  }
}`;

describe('connect sessions', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const oauthSlug = await createOidcIntegration(server, as);
  const apiKeyIntegration = await makeIntegration(server, {
    provider: 'custom',
    authType: 'API_KEY',
    clientId: undefined,
    clientSecret: undefined,
    authorizationUrl: undefined,
    tokenUrl: undefined,
    apiBaseUrl: 'https://api.example.com/',
  });
  const notOffered = await makeIntegration(server);
  const offered = [oauthSlug, apiKeyIntegration.slug];

  // carol's connection to an offered integration, dave's to the same, and carol's to one not offered.
  const carolsOwn = await makeConnection(apiKeyIntegration.id, 'carol', 'older');
  await makeConnection(apiKeyIntegration.id, 'dave');
  await makeConnection(notOffered.id, 'carol');

  async function createSession(input: Record<string, unknown> = {}, headers: Record<string, string> = adminHeaders) {
    const result = await graphql(server, CREATE, { input: { endUserId: 'carol', integrations: offered, ...input } }, headers);
    return result.data.createConnectSession;
  }
  const sessionHeaders = (token: string) => ({ authorization: `Bearer ${token}` });

  it('an admin creates a session for carol: a 256-bit token stored only as a hash, with a connect URL and an expiry', async () => {
    const before = Date.now();
    const created = await createSession();
    expect(created.__typename).toBe('CreateConnectSessionPayload');
    expect(created.token).toMatch(/^sbcs_[A-Za-z0-9_-]{43}$/);
    expect(created.connectUrl).toMatch(/\/connect\?token=sbcs_/);
    expect(created.session).toMatchObject({ endUserId: 'carol', connectionName: 'default' });
    expect(created.session.integrations.map((i: { slug: string }) => i.slug).sort()).toEqual([...offered].sort());
    const expiresIn = (Date.parse(created.expiresAt) - before) / 1000;
    expect(expiresIn).toBeGreaterThan(1790);
    expect(expiresIn).toBeLessThan(1810);
    const stored = await prisma.connectSession.findMany();
    expect(JSON.stringify(stored)).not.toContain(created.token);
    expect(JSON.stringify(stored)).not.toContain(created.token.slice(5));
  });

  it("with the token the browser sees only the two offered integrations and carol's own connections to them", async () => {
    const { token } = await createSession();
    const result = await graphql(
      server,
      `{ connectSession { endUserId integrations { slug } }
         integrations(first: 50) { totalCount edges { node { slug name authType logoUrl } } }
         connections(first: 50) { totalCount edges { node { id name ownerId integration { slug } } } }
         hidden: integration(integration: "${notOffered.slug}") { slug } }`,
      {},
      sessionHeaders(token),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.connectSession.endUserId).toBe('carol');
    expect(result.data.integrations.totalCount).toBe(2);
    expect(result.data.integrations.edges.map((edge: any) => edge.node.slug).sort()).toEqual([...offered].sort());
    expect(result.data.connections.edges.map((edge: any) => edge.node)).toEqual([
      expect.objectContaining({ name: 'older', ownerId: 'carol', integration: { slug: apiKeyIntegration.slug } }),
    ]);
    expect(result.data.connections.totalCount).toBe(1);
    expect(result.data.hidden).toBeNull();
    expect(carolsOwn.ownerId).toBe('carol');
  });

  it("the token connects carol through the OAuth provider (startConnect), under the session's connection name", async () => {
    const { token } = await createSession({ connectionName: 'work' });
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on StartConnectPayload {
              authorizeUrl
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: oauthSlug } },
      sessionHeaders(token),
    );
    expect(started.data.startConnect.__typename).toBe('StartConnectPayload');
    const callback = await followToCallback(started.data.startConnect.authorizeUrl, CALLBACK);
    const response = await completeCallback(server, callback, { redirect: 'manual' });
    expect(response.status).toBe(200);
    const connection = await prisma.connection.findFirstOrThrow({ where: { integration: { slug: oauthSlug }, ownerId: 'carol' } });
    expect(connection.name).toBe('work');
  });

  it("the token stores carol's API key with createConnection, and never reads it back", async () => {
    const { token } = await createSession();
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                ownerId
                name
                status
              }
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: apiKeyIntegration.slug, apiKey: 'carols-api-key-value' } },
      sessionHeaders(token),
    );
    expect(created.data.createConnection).toEqual({
      __typename: 'CreateConnectionPayload',
      connection: { ownerId: 'carol', name: 'default', status: 'HEALTHY' },
    });
  });

  const refusals: Array<[string, string]> = [
    ['proxy a request', `mutation { proxyRequest(input: { integration: "${'INTEGRATION'}", url: "me" }) { __typename } }`],
    ['read credentials', `{ connections(first: 5) { edges { node { credentials { apiKey } } } } }`],
    ['create an integration', `mutation { createIntegration(input: { slug: "evil", provider: "custom" }) { __typename } }`],
    ['create another session', `mutation { createConnectSession(input: { endUserId: "carol" }) { __typename } }`],
    ['read the viewer', `{ viewer { userId isAdmin } }`],
    ['introspect the schema', `{ __schema { types { name } } }`],
    ["read an integration's client id", `{ integrations(first: 5) { edges { node { clientId } } } }`],
    ['disconnect', `mutation { disconnect(input: { integration: "INTEGRATION" }) { __typename } }`],
  ];
  for (const [what, query] of refusals) {
    it(`the token cannot ${what}: refused exactly like a request without credentials`, async () => {
      const { token } = await createSession();
      const text = query.replace(/INTEGRATION/g, apiKeyIntegration.slug);
      const refused = await graphql(server, text, {}, sessionHeaders(token));
      const anonymous = await graphql(server, text, {}, {});
      expect(refused.status).toBe(401);
      expect(anonymous.status).toBe(401);
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    });
  }

  it('the token cannot start a flow or store credentials for an integration it does not offer', async () => {
    const { token } = await createSession();
    const started = await graphql(server, `mutation { startConnect(input: { integration: "${notOffered.slug}" }) { __typename } }`, {}, sessionHeaders(token));
    expect(started.data.startConnect.__typename).toBe('NotFoundError');
    const created = await graphql(
      server,
      `mutation { createConnection(input: { integration: "${notOffered.slug}", accessToken: "x" }) { __typename } }`,
      {},
      sessionHeaders(token),
    );
    expect(created.data.createConnection.__typename).toBe('NotFoundError');
  });

  it('the token cannot import OAuth tokens with createConnection (only API keys and basic credentials)', async () => {
    const { token } = await createSession();
    const created = await graphql(
      server,
      `mutation { createConnection(input: { integration: "${oauthSlug}", accessToken: "stolen" }) { __typename } }`,
      {},
      sessionHeaders(token),
    );
    expect(created.data.createConnection.__typename).toBe('ForbiddenError');
  });

  it('the token cannot call the path proxy', async () => {
    const { token } = await createSession();
    const response = await fetch(`${server.url}/api/integrations/${apiKeyIntegration.slug}/request/me`, { headers: sessionHeaders(token) });
    expect(response.status).toBe(401);
  });

  it('an expired token is refused as unauthenticated', async () => {
    const { token } = await createSession({ expiresInSeconds: 60 });
    await prisma.connectSession.updateMany({ where: { endUserId: 'carol' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const result = await graphql(
      server,
      `
        {
          connectSession {
            endUserId
          }
        }
      `,
      {},
      sessionHeaders(token),
    );
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an unknown token of the session form is refused as unauthenticated', async () => {
    const result = await graphql(
      server,
      `
        {
          connectSession {
            endUserId
          }
        }
      `,
      {},
      sessionHeaders(`sbcs_${'A'.repeat(43)}`),
    );
    expect(result.status).toBe(401);
  });

  it('a user may create a session for themselves only', async () => {
    const own = await createSession({ endUserId: undefined }, await userHeaders('erin'));
    expect(own.__typename).toBe('CreateConnectSessionPayload');
    expect(own.session.endUserId).toBe('erin');
    const other = await createSession({ endUserId: 'carol' }, await userHeaders('erin'));
    expect(other.__typename).toBe('ForbiddenError');
  });

  it('a session is refused with field errors for a redirect off the allowed origins, a lifetime beyond the maximum, or an unknown integration', async () => {
    const invalid = await createSession({ redirectTo: 'https://evil.example/back', expiresInSeconds: 10_000_000 });
    expect(invalid.__typename).toBe('ValidationError');
    expect(invalid.fieldErrors.map((error: { field: string }) => error.field).sort()).toEqual(['expiresInSeconds', 'redirectTo']);
    const zero = await createSession({ expiresInSeconds: 0 });
    expect(zero.__typename).toBe('ValidationError');
    const unknown = await createSession({ integrations: ['no-such-integration'] });
    expect(unknown.__typename).toBe('NotFoundError');
    expect(await createSession({ integrations: undefined, endUserId: undefined })).toMatchObject({ __typename: 'ValidationError' });
  });

  it('connectSession is null for other credentials', async () => {
    const result = await graphql(
      server,
      `
        {
          connectSession {
            endUserId
          }
        }
      `,
      {},
      adminHeaders,
    );
    expect(result.data.connectSession).toBeNull();
  });

  it('on WebSocket the token (in connectionParams) may subscribe to its status events but not read credentials', async () => {
    const { token } = await createSession();
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const allowed = await new Promise<unknown>((resolve) => {
        const stop = client.subscribe(
          { query: `subscription { connectionStatusChanged(integration: "${apiKeyIntegration.slug}") { connectionId } }` },
          { next: (value) => resolve(value), error: (error) => resolve({ error }), complete: () => resolve('complete') },
        );
        // The subscription is accepted when no error arrives at once; stop listening then.
        setTimeout(() => {
          stop();
          resolve('subscribed');
        }, 300);
      });
      expect(allowed).toBe('subscribed');
      const refused = await new Promise<any>((resolve) => {
        client.subscribe(
          { query: `{ connections(first: 1) { edges { node { credentials { apiKey } } } } }` },
          { next: (value) => resolve(value), error: (error) => resolve({ error }), complete: () => {} },
        );
      });
      expect(JSON.stringify(refused)).toContain('UNAUTHENTICATED');
    } finally {
      await client.dispose();
    }
  });

  it("the hosted page announces only the end user's own connection on its return, whatever the URL says", async () => {
    const { token } = await createSession();
    const started = await fetch(`${server.url}/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, integration: (await prisma.integration.findUniqueOrThrow({ where: { slug: oauthSlug } })).id }),
    });
    expect(started.status).toBe(200);
    expect(await started.text()).toContain('http-equiv="refresh"');
    const cookie = started.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(started.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
    const sessionId = cookie.slice('sb_connect_'.length, cookie.indexOf('='));
    const daves = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'dave' } });
    const crafted = await fetch(
      `${server.url}/connect/return?session=${sessionId}&connect=success&connectionId=${Buffer.from(`Connection:${daves.id}`).toString('base64')}`,
      { headers: { cookie } },
    );
    const page = await crafted.text();
    expect(page).toContain('data-connect="error"');
    expect(page).not.toContain(daves.id);
    // Without the cookie (another browser), the return page knows nothing.
    const withoutCookie = await fetch(`${server.url}/connect/return?session=${sessionId}&connect=success&connectionId=x`);
    expect(withoutCookie.status).toBe(401);
  });

  it('the hosted page refuses an integration the session does not offer, and an unknown token, with a page and no flow', async () => {
    const { token } = await createSession();
    const pendingBefore = await prisma.pendingAuthorization.count();
    const refused = await fetch(`${server.url}/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, integration: notOffered.id }),
    });
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'nonce-/);
    const expired = await fetch(`${server.url}/connect?token=sbcs_${'B'.repeat(43)}`);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('This link has expired');
    expect(await prisma.pendingAuthorization.count()).toBe(pendingBefore);
  });
});
