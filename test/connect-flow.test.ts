// The connect flow end to end over real HTTP, against oidc-provider running in-process.
import fs from 'node:fs';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { followToCallback, startAuthorizationServer, TEST_CLIENT, completeCallback, openBeginLink, type CallbackUrl } from './helpers/authorization-server.js';
import { CALLBACK, createOidcIntegration } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders, testConfig } from './helpers/server.js';
import { credentialsOf, prisma } from './helpers/database.js';

const config = testConfig();

const START = /* GraphQL */ `
  mutation ($input: StartConnectInput!) {
    startConnect(input: $input) {
      __typename
      ... on StartConnectPayload {
        authorizeUrl
        state
        expiresAt
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        fieldErrors {
          field
          message
        }
      }
    }
  }
`;

describe('connect flow', async () => {
  // Everything is logged, so the secret check below sees everything.
  const server = await startTestServer({ log: { level: 'trace' } });
  const as = await startAuthorizationServer({
    redirectUri: CALLBACK,
    clients: [{}, { client_id: 'post-client', token_endpoint_auth_method: 'client_secret_post' }],
  });
  const otherAs = await startAuthorizationServer({ redirectUri: CALLBACK });
  const alice = await userHeaders('alice');
  const slug = await createOidcIntegration(server, as);
  const secretsSeen = new Set<string>([TEST_CLIENT.clientSecret]);

  async function start(input: Record<string, unknown> = {}, headers = alice) {
    const response = await graphql(server, START, { input: { integration: slug, ...input } }, headers);
    return response.data.startConnect;
  }

  async function callback(callbackUrl: CallbackUrl): Promise<Response> {
    for (const key of ['code', 'state']) {
      const value = callbackUrl.searchParams.get(key);
      if (value) secretsSeen.add(value);
    }
    return completeCallback(server, callbackUrl, { redirect: 'manual' });
  }

  async function connectionsOf(userId: string) {
    return prisma.connection.findMany({ where: { ownerId: userId, integration: { slug } }, orderBy: { id: 'asc' } });
  }

  it('builds an authorize URL with a fixed redirect_uri, a 256-bit state, PKCE S256 and no verifier', async () => {
    const started = await start({ connectionName: 'probe' });
    const url = (await openBeginLink(started.authorizeUrl)).providerUrl;
    expect(url.origin).toBe(as.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe(started.state);
    expect(Buffer.from(started.state, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('scope')).toBe('openid offline_access email');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(started.authorizeUrl).not.toMatch(/verifier/);
    // Stored as a hash and an envelope only.
    const pending = await prisma.pendingAuthorization.findFirstOrThrow({ where: { connectionName: 'probe' } });
    expect(JSON.stringify(pending)).not.toContain(started.state);
    expect(new Date(started.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60 * 1000);
    // A fresh challenge per flow.
    const again = await start({ connectionName: 'probe' });
    expect((await openBeginLink(again.authorizeUrl)).providerUrl.searchParams.get('code_challenge')).not.toBe(url.searchParams.get('code_challenge'));
  });

  it('connects: consent at the provider, callback, HEALTHY connection with encrypted working tokens', async () => {
    const started = await start();
    const response = await callback(await followToCallback(started.authorizeUrl, CALLBACK));
    expect(response.status).toBe(200);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await response.text();
    expect(page).not.toMatch(/<script[^>]+src=|<link|https?:\/\/(?!localhost)/);
    expect(page).toContain('switchboard:connect');

    const [connection] = await connectionsOf('alice');
    expect(connection).toMatchObject({ name: 'default', status: 'HEALTHY', sequence: 1 });
    expect(connection!.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(connection!.scopes).toEqual(['openid', 'offline_access', 'email']);
    expect(connection!.metadata).toMatchObject({ idToken: { sub: 'user-1', iss: as.issuer } });
    const credentials = credentialsOf(connection!)!;
    expect(credentials.accessToken).toBeTruthy();
    expect(credentials.refreshToken).toBeTruthy();
    secretsSeen.add(credentials.accessToken!).add(credentials.refreshToken!);
    expect(connection!.credentialsEnc).not.toContain(credentials.accessToken);
    expect(connection!.credentialsEnc).not.toContain(credentials.refreshToken);
    // The stored token is real: the provider's userinfo endpoint accepts it.
    const me = await fetch(`${as.issuer}/me`, { headers: { authorization: `Bearer ${credentials.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ sub: 'user-1' });
    // The pending authorization is gone.
    expect(await prisma.pendingAuthorization.count({ where: { connectionName: 'default', integration: { slug } } })).toBe(0);
  });

  it('reconnecting the same name updates the connection in place: same id, sequence + 1', async () => {
    const before = (await connectionsOf('alice')).find((connection) => connection.name === 'default')!;
    await prisma.connection.update({ where: { id: before.id }, data: { status: 'ERROR', statusMessage: 'invalid_grant' } });
    const started = await start();
    await callback(await followToCallback(started.authorizeUrl, CALLBACK));
    const after = (await connectionsOf('alice')).filter((connection) => connection.name === 'default');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before.id, status: 'HEALTHY', statusMessage: null, sequence: before.sequence + 1 });
  });

  it('redirects to an allowed redirectTo with the outcome, never the code', async () => {
    const started = await start({ connectionName: 'redirected', redirectTo: `${config.publicUrl}/done?tab=apps` });
    const response = await callback(await followToCallback(started.authorizeUrl, CALLBACK));
    expect(response.status).toBe(303);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${config.publicUrl}/done`);
    expect(location.searchParams.get('tab')).toBe('apps');
    expect(location.searchParams.get('connect')).toBe('success');
    expect(location.searchParams.has('code')).toBe(false);
    expect(location.searchParams.has('state')).toBe(false);
    const { typename, id } = decodeGlobalID(location.searchParams.get('connectionId')!);
    expect(typename).toBe('Connection');
    expect((await connectionsOf('alice')).map((connection) => connection.id)).toContain(id);
  });

  it('binds the connection to the user who started the flow', async () => {
    const started = await start({ connectionName: 'bound' }, await userHeaders('carol'));
    await callback(await followToCallback(started.authorizeUrl, CALLBACK));
    expect((await connectionsOf('carol')).map((connection) => connection.name)).toEqual(['bound']);
    expect((await connectionsOf('alice')).map((connection) => connection.name)).not.toContain('bound');
  });

  it('refuses a replayed callback before any token request', async () => {
    const started = await start({ connectionName: 'replay' });
    const url = await followToCallback(started.authorizeUrl, CALLBACK);
    const exchangesBefore = as.counts['grant:authorization_code'] ?? 0;
    expect((await callback(url)).status).toBe(200);
    const replay = await callback(url);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('no longer valid');
    expect(as.counts['grant:authorization_code']).toBe(exchangesBefore + 1);
  });

  it('exchanges the code exactly once when the same callback arrives twice at once', async () => {
    const started = await start({ connectionName: 'concurrent' });
    const url = await followToCallback(started.authorizeUrl, CALLBACK);
    const exchangesBefore = as.counts['grant:authorization_code'] ?? 0;
    const statuses = (await Promise.all([callback(url), callback(url), callback(url)])).map((response) => response.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
    expect(as.counts['grant:authorization_code']).toBe(exchangesBefore + 1);
    expect((await connectionsOf('alice')).filter((connection) => connection.name === 'concurrent')).toHaveLength(1);
  });

  it('refuses an expired state before any token request, creating nothing', async () => {
    const started = await start({ connectionName: 'expired' });
    const url = await followToCallback(started.authorizeUrl, CALLBACK);
    await prisma.pendingAuthorization.updateMany({ where: { connectionName: 'expired' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const exchangesBefore = as.counts['grant:authorization_code'] ?? 0;
    const response = await callback(url);
    expect(response.status).toBe(400);
    expect(as.counts['grant:authorization_code'] ?? 0).toBe(exchangesBefore);
    expect((await connectionsOf('alice')).map((connection) => connection.name)).not.toContain('expired');
  });

  it('refuses an unknown state', async () => {
    const started = await start({ connectionName: 'unknown' });
    const url = await followToCallback(started.authorizeUrl, CALLBACK);
    url.searchParams.set('state', 'x'.repeat(43));
    const exchangesBefore = as.counts['grant:authorization_code'] ?? 0;
    expect((await callback(url)).status).toBe(400);
    expect(as.counts['grant:authorization_code'] ?? 0).toBe(exchangesBefore);
  });

  it.each([
    ['from another authorization server (mix-up)', (url: URL) => url.searchParams.set('iss', otherAs.issuer)],
    ['with iss missing although the provider advertises it', (url: URL) => url.searchParams.delete('iss')],
  ])('refuses a response %s, before any token request', async (_name, tamper) => {
    const started = await start({ connectionName: 'mixup', redirectTo: `${config.publicUrl}/done` });
    const url = await followToCallback(started.authorizeUrl, CALLBACK);
    tamper(url);
    const exchangesBefore = as.counts['grant:authorization_code'] ?? 0;
    const response = await callback(url);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('connect')).toBe('error');
    expect(location.searchParams.get('error')).toBe('invalid_response');
    expect(as.counts['grant:authorization_code'] ?? 0).toBe(exchangesBefore);
    expect((await connectionsOf('alice')).map((connection) => connection.name)).not.toContain('mixup');
  });

  it('refuses code injection: a code from one flow with the state (and verifier) of another gives invalid_grant, creating nothing', async () => {
    const victim = await start({ connectionName: 'injected', redirectTo: `${config.publicUrl}/done` });
    const attacker = await start({ connectionName: 'attacker-flow' });
    const victimUrl = await followToCallback(victim.authorizeUrl, CALLBACK);
    const attackerUrl = await followToCallback(attacker.authorizeUrl, CALLBACK);
    victimUrl.searchParams.set('code', attackerUrl.searchParams.get('code')!);
    const errorsBefore = as.counts['grant-error:authorization_code'] ?? 0;
    const response = await callback(victimUrl);
    const location = new URL(response.headers.get('location')!);
    expect(Object.fromEntries(location.searchParams)).toEqual({ connect: 'error', error: 'invalid_grant', flowId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(as.counts['grant-error:authorization_code']).toBe(errorsBefore + 1);
    expect((await connectionsOf('alice')).map((connection) => connection.name)).not.toContain('injected');
  });

  it('handles access_denied: consumes the state, creates nothing, reflects nothing unescaped', async () => {
    as.decision.outcome = 'deny';
    try {
      const started = await start({ connectionName: 'denied', redirectTo: `${config.publicUrl}/done` });
      const url = await followToCallback(started.authorizeUrl, CALLBACK);
      expect(url.searchParams.get('error')).toBe('access_denied');
      const response = await callback(url);
      const location = new URL(response.headers.get('location')!);
      expect(Object.fromEntries(location.searchParams)).toEqual({ connect: 'error', error: 'access_denied', flowId: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect((await connectionsOf('alice')).map((connection) => connection.name)).not.toContain('denied');
      expect((await callback(url)).headers.get('location')).toContain('error=state_already_used');
      // Without redirectTo the page shows a fixed message, not the provider's description.
      const pageFlow = await start({ connectionName: 'denied-page' });
      const page = await (await callback(await followToCallback(pageFlow.authorizeUrl, CALLBACK))).text();
      expect(page).not.toContain('<b>Denied</b>');
      expect(page).toContain('"error":"access_denied"');
    } finally {
      as.decision.outcome = 'allow';
    }
  });

  it.each([
    '//evil.example/x',
    '/\\evil.example/x',
    'https:evil.example',
    'http://localhost:4000@evil.example/',
    'https://evil.example/',
    'javascript:alert(1)',
    '/relative/path',
    'http://localhost:4000\\@evil.example',
  ])('refuses redirectTo %s with a ValidationError', async (redirectTo) => {
    const result = await start({ connectionName: 'redirect-check', redirectTo });
    expect(result.__typename).toBe('ValidationError');
    expect(result.fieldErrors.map((error: { field: string }) => error.field)).toEqual(['redirectTo']);
  });

  it('answers typed errors for unknown integrations and bad names', async () => {
    expect((await start({ integration: 'nope' })).__typename).toBe('NotFoundError');
    const invalid = await start({ connectionName: 'bad name!', scopes: ['has space'] });
    expect(invalid.fieldErrors.map((error: { field: string }) => error.field).sort()).toEqual(['connectionName', 'scopes.0']);
  });

  it('works with a plain OAuth 2.0 integration (explicit endpoints), honouring client_secret_post vs client_secret_basic', async () => {
    const plain = async (method: string) => {
      const plainSlug = uniqueSlug('plain');
      await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
            }
          }
        `,
        {
          input: {
            slug: plainSlug,
            provider: 'custom',
            clientId: 'post-client',
            clientSecret: TEST_CLIENT.clientSecret,
            authorizationUrl: `${as.issuer}/auth`,
            tokenUrl: `${as.issuer}/token`,
            tokenEndpointAuthMethod: method,
            scopes: ['openid', 'offline_access'],
            authorizationParams: { prompt: 'consent' },
          },
        },
        adminHeaders,
      );
      const started = (await graphql(server, START, { input: { integration: plainSlug, redirectTo: `${config.publicUrl}/done` } }, alice)).data.startConnect;
      expect(new URL(started.authorizeUrl).searchParams.get('nonce')).toBeNull();
      const response = await callback(await followToCallback(started.authorizeUrl, CALLBACK));
      return new URL(response.headers.get('location')!).searchParams;
    };
    // oidc-provider accepts either method for a secret-based client, so count what went on the wire.
    const wire = () => ({ basic: as.counts['token-auth:client_secret_basic'] ?? 0, post: as.counts['token-auth:client_secret_post'] ?? 0 });
    const beforeBasic = wire();
    expect((await plain('client_secret_basic')).get('connect')).toBe('success');
    expect(wire()).toEqual({ basic: beforeBasic.basic + 1, post: beforeBasic.post });
    const beforePost = wire();
    expect((await plain('client_secret_post')).get('connect')).toBe('success');
    expect(wire()).toEqual({ basic: beforePost.basic, post: beforePost.post + 1 });
  });

  it('never logs a token, code, state, verifier or client secret', async () => {
    const verifiers = await prisma.pendingAuthorization.findMany();
    expect(verifiers.length).toBeGreaterThan(0);
    server.logger.flush();
    const logs = fs.readFileSync(process.env.LOG_FILE!, 'utf8');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secretsSeen) expect(logs).not.toContain(secret);
  });
});
