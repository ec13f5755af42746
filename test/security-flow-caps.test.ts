// Security (issue 22, attack 6), caps on every flow kind: the per-user cap on connect flows in progress
// holds for OAuth 1.0a and GitHub App flows as for OAuth 2.0 (one check, before any upstream call;
// aliases count one by one), connect sessions per user are capped (MAX_CONNECT_SESSIONS_PER_USER), and
// a connect-session token's subscriptions count against a cap of their own, not its end user's.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../src/domain/viewer.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, signToken, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { prisma } from './helpers/database.js';

const CREATE_INTEGRATION = /* GraphQL */ `
  mutation ($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      __typename
      ... on Error {
        message
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
        session {
          id
        }
      }
      ... on QuotaExceededError {
        code
        limit
      }
    }
  }
`;

/** One document that starts `count` flows with aliases. */
function aliasedStarts(integrations: string[]): string {
  const fields = integrations.map(
    (slug, index) =>
      `f${index}: startConnect(input: { integration: "${slug}", connectionName: "c${index}" }) { __typename ... on QuotaExceededError { code limit } }`,
  );
  return `mutation { ${fields.join('\n')} }`;
}

describe('security: caps on every flow kind', async () => {
  const server = await startTestServer({
    oauth: { maxPendingAuthorizationsPerUser: 3 },
    connectSessions: { maxSessionsPerUser: 3 },
    realtime: { maxSubscriptionsPerUser: 2, maxSubscriptionsPerConnectSession: 1 },
  });
  // An OAuth 1.0a provider that hands out request tokens (each one a signed upstream call), and a GitHub App install page.
  const provider = await startUpstream();
  let issued = 0;
  provider.routes.set('/oauth/request_token', (_req, res) => {
    issued++;
    res
      .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
      .end(`oauth_token=rt-cap-${issued}&oauth_token_secret=secret&oauth_callback_confirmed=true`);
  });
  const oauth1 = uniqueSlug('oauth1-cap');
  const github = uniqueSlug('github-cap');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  for (const input of [
    {
      slug: oauth1,
      provider: 'custom',
      authType: 'OAUTH1',
      clientId: 'consumer',
      clientSecret: 'consumer-secret',
      requestTokenUrl: `${provider.url}/oauth/request_token`,
      authorizationUrl: `${provider.url}/oauth/authorize`,
      tokenUrl: `${provider.url}/oauth/access_token`,
      apiBaseUrl: `${provider.url}/api`,
    },
    {
      slug: github,
      provider: 'github-app',
      appId: '4321',
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      apiBaseUrl: `${provider.url}/api/v3`,
      authorizationUrl: `${provider.url}/apps/cap/installations/new`,
    },
  ]) {
    expect((await graphql(server, CREATE_INTEGRATION, { input }, adminHeaders)).data.createIntegration.__typename).toBe('CreateIntegrationPayload');
  }

  it('caps OAuth 1.0a flows per user before asking for a request token, each alias counted', async () => {
    const result = await graphql(server, aliasedStarts([oauth1, oauth1, oauth1, oauth1, oauth1]), {}, await userHeaders('oauth1-hoarder'));
    const kinds = Object.values(result.data as Record<string, { __typename: string }>).map((field) => field.__typename);
    expect(kinds).toEqual(['StartConnectPayload', 'StartConnectPayload', 'StartConnectPayload', 'QuotaExceededError', 'QuotaExceededError']);
    expect(result.data.f3).toEqual({ __typename: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', limit: 3 });
    expect(provider.hits('/oauth/request_token')).toBe(3);
    expect(await prisma.pendingAuthorization.count({ where: { viewerId: 'oauth1-hoarder' } })).toBe(3);
  });

  it('caps GitHub App installs with the same count as the other kinds', async () => {
    const admin = { authorization: `Bearer ${await signToken({ sub: 'install-admin', switchboard_admin: true })}` };
    const result = await graphql(server, aliasedStarts([oauth1, github, github, github]), {}, admin);
    const kinds = Object.values(result.data as Record<string, { __typename: string }>).map((field) => field.__typename);
    expect(kinds).toEqual(['StartConnectPayload', 'StartConnectPayload', 'StartConnectPayload', 'QuotaExceededError']);
    expect(await prisma.pendingAuthorization.count({ where: { viewerId: 'install-admin' } })).toBe(3);
  });

  it('caps live connect sessions per end user (MAX_CONNECT_SESSIONS_PER_USER); a revoked one frees its slot', async () => {
    const create = async (endUserId: string, headers: Record<string, string> = adminHeaders) =>
      (await graphql(server, CREATE_SESSION, { input: { endUserId } }, headers)).data.createConnectSession;
    const made = [await create('session-hoarder'), await create('session-hoarder'), await create('session-hoarder')];
    expect(made.map((session) => session.__typename)).toEqual(Array(3).fill('CreateConnectSessionPayload'));
    expect(await create('session-hoarder')).toEqual({ __typename: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', limit: 3 });
    // A user making sessions for themselves meets the same cap.
    expect((await create('session-hoarder', await userHeaders('session-hoarder'))).__typename).toBe('QuotaExceededError');
    expect((await create('someone-else')).__typename).toBe('CreateConnectSessionPayload');
    await prisma.connectSession.update({ where: { id: made[0].session.id }, data: { revokedAt: new Date() } });
    expect((await create('session-hoarder')).__typename).toBe('CreateConnectSessionPayload');
  });

  it('holds the connect-session cap under concurrent creates (counted and inserted under a per-user lock)', async () => {
    const results = await Promise.all(
      Array.from(
        { length: 12 },
        async () => (await graphql(server, CREATE_SESSION, { input: { endUserId: 'session-racer' } }, adminHeaders)).data.createConnectSession,
      ),
    );
    const kinds = results.map((result: { __typename: string }) => result.__typename);
    expect(kinds.filter((kind) => kind === 'CreateConnectSessionPayload')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'QuotaExceededError')).toHaveLength(9);
    expect(await prisma.connectSession.count({ where: { endUserId: 'session-racer' } })).toBe(3);
  });

  it("counts a session token's subscriptions apart from its end user's own quota", async () => {
    const created = (await graphql(server, CREATE_SESSION, { input: { endUserId: 'listener' } }, adminHeaders)).data.createConnectSession;
    const grant = {
      id: created.session.id,
      endUserId: 'listener',
      integrationIds: null,
      connectionName: 'default',
      redirectTo: null,
      expiresAt: new Date(Date.now() + 60_000),
      reusable: false,
      purpose: 'CONNECT' as const,
      tags: {},
    };
    const asSession: Viewer = { userId: 'listener', isAdmin: false, via: 'connect-session', connectSession: grant };
    const asUser: Viewer = { userId: 'listener', isAdmin: false, via: 'jwt' };
    const streams = server.services.statusStreams;
    try {
      await streams.subscribe(asSession, {});
      await expect(streams.subscribe(asSession, {})).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 1 });
      // The end user's own quota is untouched by the token.
      await streams.subscribe(asUser, {});
      await streams.subscribe(asUser, {});
      await expect(streams.subscribe(asUser, {})).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 2 });
    } finally {
      streams.closeAll();
    }
  });
});
