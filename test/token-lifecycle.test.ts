// Token lifecycle against oidc-provider with rotating refresh tokens (a reuse revokes the whole grant,
// so any double refresh shows up as a failure): refresh policies, exactly-once refresh, failures and
// the statuses they leave, background refresh.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { followToCallback, startAuthorizationServer, TEST_CLIENT, completeCallback } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration, expireToken } from './helpers/connect.js';
import { collectStatusEvents } from './helpers/events.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { spawnServer } from './helpers/process.js';
import { adminHeaders, graphql, startTestServer, TEST_API_KEY, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { credentialsOf, keyring, prisma } from './helpers/database.js';

const CREDENTIALS = /* GraphQL */ `
  query ($id: ID!, $policy: RefreshPolicy) {
    node(id: $id) {
      ... on Connection {
        status
        statusMessage
        sequence
        credentials(refreshPolicy: $policy) {
          accessToken
          refreshToken
          expiresAt
          expiresIn
        }
      }
    }
  }
`;
const REFRESH = /* GraphQL */ `
  mutation ($id: ID!) {
    refreshConnection(input: { connectionId: $id }) {
      __typename
      ... on RefreshConnectionPayload {
        connection {
          status
          sequence
          lastRefreshedAt
        }
      }
      ... on ReauthorizationRequiredError {
        message
        reconnect: connection {
          status
          statusMessage
        }
      }
      ... on ProviderError {
        message
        providerError
        providerStatus
      }
      ... on Error {
        code
      }
    }
  }
`;
const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
        attempts
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

describe('token lifecycle', async () => {
  // Everything is logged, so the secret check at the end sees everything.
  const server = await startTestServer({ log: { level: 'trace' } });
  // Instances of the same deployment, with the settings some tests need (and limiters of their own).
  const crowdServer = await startTestServer({ log: { level: 'trace' }, proxy: { rateLimitBurst: 1000 } });
  // REFRESH_MANUAL_RETRY_SECONDS shortened to 0: an explicit refresh may always skip the cooldown.
  const manualRetryServer = await startTestServer({ log: { level: 'trace' }, tokens: { manualRetryMs: 0 } });
  const as = await startAuthorizationServer({ redirectUri: CALLBACK, rotateRefreshToken: true });
  const slug = await createOidcIntegration(server, as);
  const status = await collectStatusEvents(server);
  const manualRetryStatus = await collectStatusEvents(manualRetryServer);
  const tokenRequests = () => (as.counts['token-auth:client_secret_basic'] ?? 0) + (as.counts['token-auth:client_secret_post'] ?? 0);
  const refreshes = () => as.counts['grant:refresh_token'] ?? 0;
  const gid = (id: string) => encodeGlobalID('Connection', id);

  afterEach(() => {
    as.tokenDelay.ms = 0;
  });

  const secretsSeen = new Set<string>([TEST_CLIENT.clientSecret]);
  async function credentials(connectionId: string, policy: string, headers: Record<string, string> = adminHeaders, on: { url: string } = server) {
    const answer = await graphql(on, CREDENTIALS, { id: gid(connectionId), policy }, headers);
    for (const key of ['accessToken', 'refreshToken'] as const) {
      const value = answer.data?.node?.credentials?.[key];
      if (value) secretsSeen.add(value);
    }
    return answer;
  }

  async function grantOf(connectionId: string) {
    const stored = credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id: connectionId } }))!;
    const refreshToken = await as.provider.RefreshToken.find(stored.refreshToken!);
    return refreshToken ? as.provider.Grant.find(refreshToken.grantId!) : undefined;
  }

  it('NONE uses what is stored, AUTO refreshes an expired token once, FORCE always refreshes', async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('policy-user'));
    const original = credentialsOf(connection)!;
    await expireToken(server, connection.id);

    const before = refreshes();
    const none = await credentials(connection.id, 'NONE');
    expect(none.data.node.credentials.accessToken).toBe(original.accessToken);
    expect(refreshes()).toBe(before);

    const auto = await credentials(connection.id, 'AUTO');
    const refreshed = auto.data.node.credentials;
    expect(refreshed.accessToken).not.toBe(original.accessToken);
    expect(refreshed.refreshToken).not.toBe(original.refreshToken); // rotated
    expect(refreshed.expiresIn).toBeGreaterThan(3000);
    expect(refreshes()).toBe(before + 1);
    const me = await fetch(`${as.issuer}/me`, { headers: { authorization: `Bearer ${refreshed.accessToken}` } });
    expect(me.status).toBe(200);

    const again = await credentials(connection.id, 'AUTO');
    expect(again.data.node.credentials.accessToken).toBe(refreshed.accessToken);
    expect(refreshes()).toBe(before + 1);

    const forced = await graphql(server, REFRESH, { id: gid(connection.id) }, await userHeaders('policy-user'));
    expect(forced.data.refreshConnection).toMatchObject({ __typename: 'RefreshConnectionPayload', connection: { status: 'HEALTHY' } });
    expect(refreshes()).toBe(before + 2);
    const stored = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(stored.sequence).toBe(forced.data.refreshConnection.connection.sequence);
    expect(stored.lastRefreshedAt!.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it('lets an owner read credentials only where the integration allows it; other users see no connection', async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('reader'));
    const owner = await credentials(connection.id, 'NONE', await userHeaders('reader'));
    expect(owner.data.node.credentials).toBeNull();
    expect(owner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const stranger = await credentials(connection.id, 'NONE', await userHeaders('stranger'));
    expect(stranger.data.node).toBeNull();
    expect(JSON.stringify(stranger)).not.toContain(credentialsOf(connection)!.accessToken!);
  });

  it('on invalid_grant: status ERROR with the reason, an event, ReauthorizationRequiredError, and no retry loop', async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('revoked-user'));
    await (await grantOf(connection.id))!.destroy();
    const before = tokenRequests();

    const first = await graphql(server, REFRESH, { id: gid(connection.id) }, adminHeaders);
    expect(first.errors).toBeUndefined();
    expect(first.data.refreshConnection).toMatchObject({
      __typename: 'ReauthorizationRequiredError',
      code: 'REAUTHORIZATION_REQUIRED',
      reconnect: { status: 'ERROR' },
    });
    expect(first.data.refreshConnection.reconnect.statusMessage).toMatch(/invalid_grant/);
    expect(tokenRequests()).toBe(before + 1);
    const events = await status.waitFor(connection.id, 2); // connected, then ERROR
    expect(events.at(-1)).toMatchObject({ status: 'ERROR', previousStatus: 'HEALTHY' });

    // Asked again (and by the proxy on an expired token): no new token request.
    const second = await graphql(server, REFRESH, { id: gid(connection.id) }, adminHeaders);
    expect(second.data.refreshConnection.__typename).toBe('ReauthorizationRequiredError');
    await expireToken(server, connection.id);
    const proxied = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, await userHeaders('revoked-user'));
    expect(proxied.data.proxyRequest.__typename).toBe('ReauthorizationRequiredError');
    expect(tokenRequests()).toBe(before + 1);

    // Connecting again makes it HEALTHY, same id.
    const reconnected = await connectThroughProvider(server, slug, await userHeaders('revoked-user'));
    expect(reconnected).toMatchObject({ id: connection.id, status: 'HEALTHY' });
  });

  it('on a transient failure keeps the tokens, says EXPIRED once the token is unusable, and recovers to HEALTHY', async () => {
    const broken = await startUpstream();
    broken.routes.set('/token', (_req, res) => void res.writeHead(503, { 'content-type': 'text/html' }).end('<html>down for maintenance</html>'));
    const ownSlug = await createOidcIntegration(server, as);
    const connection = await connectThroughProvider(manualRetryServer, ownSlug, await userHeaders('flaky-user'));
    const stored = credentialsOf(connection)!;
    const setTokenUrl = (tokenUrl: string | null) =>
      graphql(
        manualRetryServer,
        `
          mutation ($input: UpdateIntegrationInput!) {
            updateIntegration(input: $input) {
              __typename
            }
          }
        `,
        { input: { integration: ownSlug, tokenUrl } },
        adminHeaders,
      );
    await setTokenUrl(`${broken.url}/token`);

    // Still valid: a forced refresh reports the failure, the connection stays HEALTHY.
    const forced = await graphql(manualRetryServer, REFRESH, { id: gid(connection.id) }, adminHeaders);
    expect(forced.data.refreshConnection).toMatchObject({ __typename: 'ProviderError', providerStatus: 503 });
    expect(JSON.stringify(forced)).not.toContain('maintenance');
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe('HEALTHY');

    // Expired inside the backoff window: EXPIRED, tokens kept, no new token request (the cooldown),
    // and the failure is counted once for the window.
    await expireToken(manualRetryServer, connection.id);
    const requestsBefore = broken.requests.length;
    const failed = await credentials(connection.id, 'AUTO', adminHeaders, manualRetryServer);
    expect(failed.data.node.credentials).toBeNull();
    expect(failed.errors?.[0]?.extensions?.code).toBe('PROVIDER_ERROR');
    expect(broken.requests.length).toBe(requestsBefore);
    const expired = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(expired).toMatchObject({ status: 'EXPIRED', refreshFailures: 1 });
    expect(expired.nextRefreshAt!.getTime()).toBeGreaterThan(Date.now());
    expect(credentialsOf(expired)!.refreshToken).toBe(stored.refreshToken);
    expect((await manualRetryStatus.waitFor(connection.id, 2)).at(-1)).toMatchObject({ status: 'EXPIRED', previousStatus: 'HEALTHY' });

    // The provider is back: an explicit refresh (allowed through the cooldown once per
    // REFRESH_MANUAL_RETRY_SECONDS, here shortened: this whole test runs on manualRetryServer) succeeds and
    // the connection is HEALTHY again.
    await setTokenUrl(null);
    const recovered = await graphql(manualRetryServer, REFRESH, { id: gid(connection.id) }, adminHeaders);
    expect(recovered.data.refreshConnection).toMatchObject({ connection: { status: 'HEALTHY' } });
    expect((await manualRetryStatus.waitFor(connection.id, 3)).at(-1)).toMatchObject({ status: 'HEALTHY', previousStatus: 'EXPIRED', reason: 'refreshed' });
    expect(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ refreshFailures: 0, nextRefreshAt: null });
  });

  it('without a refresh token, an expired connection is marked ERROR without calling the token endpoint', async () => {
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                id
              }
            }
          }
        }
      `,
      {
        input: {
          integration: slug,
          connectionName: 'access-only',
          accessToken: 'imported-access-token',
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
        },
      },
      await userHeaders('importer'),
    );
    const id = created.data.createConnection.connection.id;
    const before = tokenRequests();
    const answer = await graphql(server, CREDENTIALS, { id, policy: 'AUTO' }, adminHeaders);
    expect(answer.errors?.[0]?.extensions?.code).toBe('REAUTHORIZATION_REQUIRED');
    expect(tokenRequests()).toBe(before);
    expect((await graphql(server, CREDENTIALS, { id, policy: 'NONE' }, adminHeaders)).data.node).toMatchObject({
      status: 'ERROR',
      credentials: { accessToken: 'imported-access-token' },
    });
  });

  it('keeps the old refresh token when a refresh response has none', async () => {
    const tokenEndpoint = await startUpstream();
    let issued = 0;
    tokenEndpoint.routes.set('/token', (_req, res) => json(res, 200, { access_token: `fresh-${++issued}`, token_type: 'Bearer', expires_in: 3600 }));
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
          clientId: 'c',
          clientSecret: 's',
          authorizationUrl: `${tokenEndpoint.url}/auth`,
          tokenUrl: `${tokenEndpoint.url}/token`,
        },
      },
      adminHeaders,
    );
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                id
              }
            }
          }
        }
      `,
      { input: { integration: plainSlug, accessToken: 'old-access', refreshToken: 'keep-me', expiresAt: new Date(Date.now() - 1000).toISOString() } },
      await userHeaders('keeper'),
    );
    const refreshed = await graphql(server, CREDENTIALS, { id: created.data.createConnection.connection.id, policy: 'AUTO' }, adminHeaders);
    expect(refreshed.data.node.credentials).toMatchObject({ accessToken: 'fresh-1', refreshToken: 'keep-me' });
    expect(tokenEndpoint.requests[0]!.body.toString()).toContain('refresh_token=keep-me');
  });

  it('200 concurrent proxyRequest calls on an expired token cause one token request and 200 successes; the rotating grant survives', async () => {
    // On crowdServer: a burst of 1000 per viewer.
    const headers = await userHeaders('crowd');
    const connection = await connectThroughProvider(server, slug, headers);
    await expireToken(crowdServer, connection.id);
    const before = { refreshes: refreshes(), revoked: as.counts['grant.revoked'] ?? 0 };
    as.tokenDelay.ms = 200;

    const answers = await Promise.all(Array.from({ length: 200 }, () => graphql(crowdServer, PROXY, { input: { integration: slug, url: 'me' } }, headers)));
    const statuses = answers.map((answer) => answer.data?.proxyRequest?.status ?? answer.data?.proxyRequest?.__typename);
    expect(statuses.filter((value) => value === 200)).toHaveLength(200);
    expect(answers[0]!.data.proxyRequest.data).toMatchObject({ sub: 'user-1' });
    expect(refreshes()).toBe(before.refreshes + 1);
    expect(as.counts['grant.revoked'] ?? 0).toBe(before.revoked);
    // The grant is alive: the stored (rotated) refresh token still works.
    expect(await grantOf(connection.id)).toBeTruthy();
    expect((await graphql(crowdServer, REFRESH, { id: gid(connection.id) }, headers)).data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
  });

  it.skipIf(process.env.TEST_DATABASE !== 'postgresql')(
    'two server processes sharing one PostgreSQL database refresh an expired token exactly once',
    async () => {
      // This instance (crowdServer) and the other process take a burst of 1000 per viewer.
      const other = await spawnServer({ API_KEYS: TEST_API_KEY, PROXY_RATE_LIMIT_BURST: '1000' });
      const headers = { 'x-api-key': TEST_API_KEY, 'x-user-id': 'two-instances' };
      const connection = await connectThroughProvider(server, slug, await userHeaders('two-instances'));
      const call = (target: { url: string }) => graphql(target, PROXY, { input: { integration: slug, url: 'me' } }, headers);
      // Warm both instances up, so that both really are waiting for the same refresh below.
      for (const target of [crowdServer, other, crowdServer, other]) expect((await call(target)).data.proxyRequest.status).toBe(200);
      await expireToken(crowdServer, connection.id);
      const before = { refreshes: refreshes(), revoked: as.counts['grant.revoked'] ?? 0 };
      as.tokenDelay.ms = 300;
      const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => call(index % 2 ? other : crowdServer)));
      expect(answers.map((answer) => answer.data?.proxyRequest?.status ?? JSON.stringify(answer))).toEqual(Array(100).fill(200));
      expect(refreshes()).toBe(before.refreshes + 1);
      expect(as.counts['grant.revoked'] ?? 0).toBe(before.revoked);
      expect(await grantOf(connection.id)).toBeTruthy();
    },
    60_000,
  );

  it('the background sweep refreshes tokens about to expire, each exactly once across concurrent sweeps', async () => {
    const connections = [];
    for (const user of ['sweep-1', 'sweep-2', 'sweep-3']) connections.push(await connectThroughProvider(server, slug, await userHeaders(user)));
    for (const connection of connections) await expireToken(server, connection.id, new Date(Date.now() + 120_000));
    const before = { refreshes: refreshes(), revoked: as.counts['grant.revoked'] ?? 0 };

    const sweep = () =>
      runRefreshSweep(
        { prisma, refresher: server.services.refresher, logger: server.logger },
        { lookaheadSeconds: 600, concurrency: server.config.tokens.concurrency, batchSize: server.config.tokens.batchSize },
      );
    const sweeps = await Promise.all([sweep(), sweep()]);
    const mine = (await prisma.connection.findMany({ where: { id: { in: connections.map((connection) => connection.id) } } })).map(
      (connection) => connection.tokenExpiresAt!.getTime() - Date.now(),
    );
    expect(mine.every((remaining) => remaining > 3000_000)).toBe(true);
    expect(sweeps.reduce((sum, sweep) => sum + sweep.refreshed, 0)).toBeGreaterThanOrEqual(3);
    expect(refreshes()).toBe(before.refreshes + 3);
    expect(as.counts['grant.revoked'] ?? 0).toBe(before.revoked);
    // Nothing is due any more.
    expect((await sweep()).claimed).toBe(0);
  });

  it("another user's connection: refresh, credentials and proxy answer as for a missing id, and nothing reaches the provider", async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('victim'));
    await expireToken(server, connection.id);
    const attacker = await userHeaders('attacker');
    const before = tokenRequests();
    const missing = gid('01900000-0000-7000-8000-000000000000');
    for (const id of [gid(connection.id), missing]) {
      expect((await graphql(server, REFRESH, { id }, attacker)).data.refreshConnection.__typename).toBe('NotFoundError');
      expect((await graphql(server, CREDENTIALS, { id, policy: 'FORCE' }, attacker)).data.node).toBeNull();
      const proxied = await graphql(server, PROXY, { input: { integration: slug, connectionId: id, url: 'me' } }, attacker);
      expect(proxied.data.proxyRequest).toMatchObject({ __typename: 'NotFoundError', message: 'No such connection.' });
    }
    expect(tokenRequests()).toBe(before);
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).sequence).toBe(connection.sequence + 1);
  });
  it('a replayed authorization code makes the provider revoke the first tokens: the connection ends in ERROR, not silently broken', async () => {
    const headers = await userHeaders('replayed-code');
    const started = await graphql(
      server,
      `mutation { startConnect(input: { integration: "${slug}" }) { ... on StartConnectPayload { authorizeUrl } } }`,
      {},
      headers,
    );
    const callbackUrl = await followToCallback(started.data.startConnect.authorizeUrl, CALLBACK);
    // The exchange is replayed whole, verifier included (a retried request that had in fact succeeded, or
    // a captured one); the verifier is read here from its envelope before the callback deletes it.
    const pending = await prisma.pendingAuthorization.findFirstOrThrow({ where: { viewerId: 'replayed-code' } });
    const verifier = keyring.decrypt(pending.codeVerifierEnc, { table: 'PendingAuthorization', rowId: pending.id, field: 'codeVerifier' });
    expect((await completeCallback(server, callbackUrl)).status).toBe(200);
    const connection = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'replayed-code' } });
    const revokedBefore = as.counts['grant.revoked'] ?? 0;
    const replay = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callbackUrl.searchParams.get('code')!,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      }),
    });
    expect(replay.status).toBe(400);
    expect(as.counts['grant.revoked']).toBe(revokedBefore + 1);
    // The next use finds out: the API refuses the token, the refresh is invalid_grant, and the status says so.
    const proxied = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, headers);
    expect(proxied.data.proxyRequest.__typename).toBe('ReauthorizationRequiredError');
    expect(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ status: 'ERROR' });
  });

  it('a rotated refresh token that never reached the database (a crash mid-refresh) ends in ERROR, asking to connect again', async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('crashed-refresh'));
    const stored = credentialsOf(connection)!;
    // The provider rotated the token, but the answer was lost: what is stored is now a used token.
    const lost = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored.refreshToken! }),
    });
    expect(lost.status).toBe(200);
    const answer = await graphql(server, REFRESH, { id: gid(connection.id) }, adminHeaders);
    expect(answer.data.refreshConnection).toMatchObject({ __typename: 'ReauthorizationRequiredError', reconnect: { status: 'ERROR' } });
    expect((await status.waitFor(connection.id, 2)).at(-1)).toMatchObject({ status: 'ERROR', previousStatus: 'HEALTHY' });
  });

  it('never logs a token or the client secret', async () => {
    for (const connection of await prisma.connection.findMany()) {
      const stored = credentialsOf(connection);
      for (const value of [stored?.accessToken, stored?.refreshToken, stored?.idToken]) if (value) secretsSeen.add(value);
    }
    expect(secretsSeen.size).toBeGreaterThan(10);
    for (const app of [server, crowdServer, manualRetryServer]) app.logger.flush();
    const logs = fs.readFileSync(process.env.LOG_FILE!, 'utf8');
    expect(logs).toMatch(/token refreshed/);
    for (const secret of secretsSeen) expect(logs).not.toContain(secret);
  });
});
