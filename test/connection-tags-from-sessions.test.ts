// Tags set where a connection is made: a connect session's tags reach every connection it makes
// (through the OAuth provider, or an API key on the hosted page) and that connection's status events;
// createConnection sets them directly. Bad tags are refused with field errors and nothing written.
// Display names come from where the catalog entry's identity says: the verify answer, the userinfo
// answer, or the ID token's claims (the token response: test/oauth1.test.ts); a name the app set is
// never overwritten by the provider's.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { completeCallback, followToCallback, startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration } from './helpers/connect.js';
import { prisma } from './helpers/database.js';
import { collectStatusEvents } from './helpers/events.js';
import { makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const CREATE_SESSION = /* GraphQL */ `
  mutation ($input: CreateConnectSessionInput!) {
    createConnectSession(input: $input) {
      __typename
      ... on CreateConnectSessionPayload {
        token
        session {
          tags
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          field
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          name
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          field
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const CONNECTION = /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      ... on Connection {
        tags
        displayName
        displayNameSource
        providerAccountId
      }
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateConnectionInput!) {
    updateConnection(input: $input) {
      __typename
    }
  }
`;
const VERIFY = /* GraphQL */ `
  mutation ($input: VerifyConnectionInput!) {
    verifyConnection(input: $input) {
      __typename
      ... on VerifyConnectionPayload {
        ok
        connection {
          displayName
          displayNameSource
        }
      }
    }
  }
`;
const START = /* GraphQL */ `
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
`;

describe('tags and display names where a connection is made', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const oauthSlug = await createOidcIntegration(server, as);
  const upstream = await startUpstream();
  const status = await collectStatusEvents(server);
  // An API key provider whose verify answer names the account.
  const account = { id: 7, email: 'ops@acme.test' };
  upstream.routes.set('/api/me', (req, res) =>
    req.headers.authorization === 'Bearer key-good' ? json(res, 200, { account: { ...account } }) : json(res, 401, { error: 'bad key' }),
  );
  const keyIntegration = await makeIntegration(server, {
    provider: 'custom',
    authType: 'API_KEY',
    clientId: undefined,
    clientSecret: undefined,
    authorizationUrl: undefined,
    tokenUrl: undefined,
    apiBaseUrl: `${upstream.url}/api/`,
  });
  await prisma.integration.update({
    where: { id: keyIntegration.id },
    data: {
      settings: {
        ...(keyIntegration.settings as object),
        verify: { method: 'GET', path: 'me' },
        identity: { from: 'verify', id: 'account.id', displayName: 'account.email' },
      },
    },
  });
  const sessionHeaders = (token: string) => ({ authorization: `Bearer ${token}` });
  const createSession = async (input: Record<string, unknown>) => (await graphql(server, CREATE_SESSION, { input }, adminHeaders)).data.createConnectSession;
  const connectionOf = async (id: string) => (await graphql(server, CONNECTION, { id }, adminHeaders)).data.node;
  const setIdentity = async (slug: string, identity: Record<string, string>) => {
    const integration = await prisma.integration.findUniqueOrThrow({ where: { slug } });
    await prisma.integration.update({ where: { slug }, data: { settings: { ...(integration.settings as object), identity } } });
  };

  it('createConnectSession keeps valid tags and refuses bad ones with a field error each, writing no session', async () => {
    const created = await createSession({ endUserId: 'tagged-session', tags: { organizationId: '42', 'team.name': 'ops' } });
    expect(created).toMatchObject({ __typename: 'CreateConnectSessionPayload', session: { tags: { organizationId: '42', 'team.name': 'ops' } } });
    expect((await prisma.connectSession.findFirstOrThrow({ where: { endUserId: 'tagged-session' } })).tags).toEqual({
      organizationId: '42',
      'team.name': 'ops',
    });

    const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`k${index}`, 'v']));
    for (const [tags, field] of [
      [tooMany, 'tags'],
      [{ 'bad key': 'v' }, 'tags.bad key'],
      [{ long: 'x'.repeat(256) }, 'tags.long'],
      [{ number: 42 }, 'tags.number'],
    ] as const) {
      const refused = await createSession({ endUserId: 'refused-session', tags });
      expect(refused.__typename).toBe('ValidationError');
      expect(refused.fieldErrors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(await prisma.connectSession.count({ where: { endUserId: 'refused-session' } })).toBe(0);
  });

  it("a session's OAuth 2.0 connection gets its tags, and so does the connection's status event", async () => {
    const { token } = await createSession({ endUserId: 'oauth-tagged', integrations: [oauthSlug], tags: { organizationId: 'org-7' } });
    const started = await graphql(server, START, { input: { integration: oauthSlug } }, sessionHeaders(token));
    expect(started.data.startConnect.__typename).toBe('StartConnectPayload');
    const callback = await followToCallback(started.data.startConnect.authorizeUrl, CALLBACK);
    expect((await completeCallback(server, callback, { redirect: 'manual' })).status).toBe(200);
    const connection = await prisma.connection.findFirstOrThrow({ where: { integration: { slug: oauthSlug }, ownerId: 'oauth-tagged' } });
    expect(connection.tags).toEqual({ organizationId: 'org-7' });
    const [event] = await status.waitFor(connection.id, 1);
    expect(event).toMatchObject({ status: 'HEALTHY', previousStatus: null, tags: { organizationId: 'org-7' } });
  });

  it("an API key given on the hosted page gets the session's tags; the token can neither give tags nor read the session's", async () => {
    const { token } = await createSession({ endUserId: 'key-tagged', integrations: [keyIntegration.slug], reusable: true, tags: { organizationId: 'org-8' } });
    const chosen = await graphql(
      server,
      CREATE_CONNECTION,
      { input: { integration: keyIntegration.slug, apiKey: 'key-good', tags: { organizationId: 'someone-else' } } },
      sessionHeaders(token),
    );
    expect(chosen.data.createConnection).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'tags' }] });

    const created = await graphql(server, CREATE_CONNECTION, { input: { integration: keyIntegration.slug, apiKey: 'key-good' } }, sessionHeaders(token));
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    expect((await connectionOf(created.data.createConnection.connection.id)).tags).toEqual({ organizationId: 'org-8' });

    const read = await graphql(server, '{ connectSession { tags } }', {}, sessionHeaders(token));
    expect(read.data?.connectSession).toBeFalsy();
    expect(read.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("createConnection sets tags, replaces a reconnected connection's, keeps them when given none, and refuses bad ones", async () => {
    const headers = await userHeaders('direct-tagger');
    const create = async (tags?: Record<string, unknown>, connectionName = 'direct') =>
      (await graphql(server, CREATE_CONNECTION, { input: { integration: keyIntegration.slug, connectionName, apiKey: 'key-good', tags } }, headers)).data
        .createConnection;
    const first = await create({ organizationId: '1' });
    const id = first.connection.id as string;
    expect((await connectionOf(id)).tags).toEqual({ organizationId: '1' });
    await create({ organizationId: '2', plan: 'pro' });
    expect((await connectionOf(id)).tags).toEqual({ organizationId: '2', plan: 'pro' });
    await create();
    expect((await connectionOf(id)).tags).toEqual({ organizationId: '2', plan: 'pro' });

    const refused = await create({ 'no spaces': 'x' }, 'never-made');
    expect(refused).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'tags.no spaces' }] });
    expect(await prisma.connection.count({ where: { ownerId: 'direct-tagger', name: 'never-made' } })).toBe(0);
  });

  it('takes the display name from the verify answer at import and at each check, but never over a name the app set', async () => {
    const headers = await userHeaders('named-by-verify');
    account.email = 'ops@acme.test';
    const created = await graphql(server, CREATE_CONNECTION, { input: { integration: keyIntegration.slug, apiKey: 'key-good' } }, headers);
    const id = created.data.createConnection.connection.id as string;
    expect(await connectionOf(id)).toEqual({
      tags: {},
      displayName: 'ops@acme.test',
      displayNameSource: 'PROVIDER',
      providerAccountId: '7',
    });
    const verify = async () => (await graphql(server, VERIFY, { input: { connectionId: id } }, headers)).data.verifyConnection;

    account.email = 'renamed@acme.test';
    expect(await verify()).toMatchObject({ ok: true, connection: { displayName: 'renamed@acme.test', displayNameSource: 'PROVIDER' } });

    await graphql(server, UPDATE, { input: { connectionId: id, displayName: 'Acme operations' } }, headers);
    account.email = 'again@acme.test';
    expect(await verify()).toMatchObject({ ok: true, connection: { displayName: 'Acme operations', displayNameSource: 'APP' } });
    expect(await connectionOf(id)).toMatchObject({ displayName: 'Acme operations', displayNameSource: 'APP' });

    // Clearing the app's name hands it back to the provider.
    await graphql(server, UPDATE, { input: { connectionId: id, displayName: null } }, headers);
    expect(await verify()).toMatchObject({ ok: true, connection: { displayName: 'again@acme.test', displayNameSource: 'PROVIDER' } });
  });

  it("takes the display name from the userinfo answer after an OAuth 2.0 connect, or from the ID token's claims", async () => {
    const fromUserinfo = await createOidcIntegration(server, as);
    await setIdentity(fromUserinfo, { from: 'userinfo', id: 'sub', displayName: 'email' });
    as.decision.accountId = 'userinfo-account';
    const named = await connectThroughProvider(server, fromUserinfo, await userHeaders('named-by-userinfo'));
    expect(await connectionOf(encodeGlobalID('Connection', named.id))).toMatchObject({
      displayName: 'userinfo-account@example.test',
      displayNameSource: 'PROVIDER',
      providerAccountId: 'userinfo-account',
    });

    const fromIdToken = await createOidcIntegration(server, as);
    // The test provider's ID tokens carry sub only (their other claims are at userinfo).
    await setIdentity(fromIdToken, { from: 'idToken', id: 'iss', displayName: 'sub' });
    as.decision.accountId = 'id-token-account';
    const claimed = await connectThroughProvider(server, fromIdToken, await userHeaders('named-by-id-token'));
    expect(await connectionOf(encodeGlobalID('Connection', claimed.id))).toMatchObject({
      displayName: 'id-token-account',
      providerAccountId: as.issuer,
    });
  });
});
