// Security (issue 22, attack 8), session single use: a connect-session token ends after its first
// successful connect unless the session was created with `reusable: true`, and revokeConnectSession
// ends one at once. Before, the same token (valid 24 h) replaced the user's API key with an attacker's
// after she had connected, and the app's next proxied call sent the attacker's key.
import { describe, expect, it } from 'vitest';
import { completeCallback, followToCallback, startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, createOidcIntegration } from './helpers/connect.js';
import { credentialsOf, prisma } from './helpers/database.js';
import { makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

const CREATE_SESSION = /* GraphQL */ `
  mutation ($input: CreateConnectSessionInput!) {
    createConnectSession(input: $input) {
      __typename
      ... on CreateConnectSessionPayload {
        token
        session {
          id
          reusable
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const SAVE_KEY = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
        }
      }
      ... on Error {
        message
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
    }
  }
`;
const REVOKE = /* GraphQL */ `
  mutation ($input: RevokeConnectSessionInput!) {
    revokeConnectSession(input: $input) {
      __typename
      ... on RevokeConnectSessionPayload {
        sessionId
        revokedAt
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('security: session single use', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const oauthSlug = await createOidcIntegration(server, as);
  const keyed = await makeIntegration(server, {
    provider: 'custom',
    authType: 'API_KEY',
    clientId: undefined,
    clientSecret: undefined,
    authorizationUrl: undefined,
    tokenUrl: undefined,
    apiBaseUrl: 'https://api.example.com/',
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const createSession = async (endUserId: string, input: Record<string, unknown> = {}, headers = adminHeaders) =>
    (await graphql(server, CREATE_SESSION, { input: { endUserId, integrations: [keyed.slug, oauthSlug], ...input } }, headers)).data.createConnectSession;
  const saveKey = (token: string, apiKey: string) => graphql(server, SAVE_KEY, { input: { integration: keyed.slug, apiKey } }, bearer(token));
  const storedKey = async (ownerId: string) => credentialsOf(await prisma.connection.findFirstOrThrow({ where: { ownerId, integrationId: keyed.id } }))!.apiKey;

  it("ends a session with its first successful connect: the same token cannot replace the user's API key afterwards", async () => {
    const { token, session } = await createSession('erin');
    expect(session.reusable).toBe(false);
    expect((await saveKey(token, 'erins-own-key')).data.createConnection.__typename).toBe('CreateConnectionPayload');
    // The attacker, holding the same link, tries to put their key in its place.
    const replaced = await saveKey(token, 'attackers-key');
    expect(replaced.status).toBe(401);
    expect(replaced.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await storedKey('erin')).toBe('erins-own-key');
    // The hosted page is closed to it too.
    expect((await fetch(`${server.url}/connect?token=${token}`)).status).toBe(401);
  });

  it('ends a session with its first OAuth connect, and a second flow the same token started cannot complete', async () => {
    const { token } = await createSession('frank');
    const first = (await graphql(server, START, { input: { integration: oauthSlug } }, bearer(token))).data.startConnect;
    const second = (await graphql(server, START, { input: { integration: oauthSlug } }, bearer(token))).data.startConnect;
    const firstCallback = await followToCallback(first.authorizeUrl, CALLBACK);
    const secondCallback = await followToCallback(second.authorizeUrl, CALLBACK);
    expect((await completeCallback(server, firstCallback)).status).toBe(200);
    const late = await completeCallback(server, secondCallback);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('"error":"session_ended"');
    expect(await prisma.connection.count({ where: { ownerId: 'frank' } })).toBe(1);
    expect((await graphql(server, START, { input: { integration: oauthSlug } }, bearer(token))).status).toBe(401);
  });

  it('a connect that fails leaves a single-use session usable', async () => {
    const { token } = await createSession('gina');
    const refused = await graphql(server, SAVE_KEY, { input: { integration: keyed.slug, apiKey: '' } }, bearer(token));
    expect(refused.data.createConnection.__typename).toBe('ValidationError');
    expect((await saveKey(token, 'ginas-key')).data.createConnection.__typename).toBe('CreateConnectionPayload');
  });

  it('keeps a session created with reusable: true after a connect', async () => {
    const { token, session } = await createSession('hana', { reusable: true });
    expect(session.reusable).toBe(true);
    expect((await saveKey(token, 'first-key')).data.createConnection.__typename).toBe('CreateConnectionPayload');
    expect((await saveKey(token, 'second-key')).data.createConnection.__typename).toBe('CreateConnectionPayload');
    expect(await storedKey('hana')).toBe('second-key');
  });

  it('revokeConnectSession ends a session at once: its token stops working and a flow it started cannot complete', async () => {
    const { token, session } = await createSession('ivan', { reusable: true });
    const started = (await graphql(server, START, { input: { integration: oauthSlug } }, bearer(token))).data.startConnect;
    const callback = await followToCallback(started.authorizeUrl, CALLBACK);
    const revoked = await graphql(server, REVOKE, { input: { id: session.id } }, adminHeaders);
    expect(revoked.data.revokeConnectSession).toMatchObject({ __typename: 'RevokeConnectSessionPayload', sessionId: session.id });
    expect((await saveKey(token, 'too-late')).status).toBe(401);
    const late = await completeCallback(server, callback);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('"error":"session_ended"');
    expect(await prisma.connection.count({ where: { ownerId: 'ivan' } })).toBe(0);
    // By token too; revoking twice answers the same.
    const again = await graphql(server, REVOKE, { input: { token } }, adminHeaders);
    expect(again.data.revokeConnectSession.sessionId).toBe(session.id);
  });

  it("revokeConnectSession answers another user's session as a missing one, and a session token cannot call it", async () => {
    const { token, session } = await createSession('julia');
    const stranger = await graphql(server, REVOKE, { input: { id: session.id } }, await userHeaders('mallory'));
    expect(stranger.data.revokeConnectSession.__typename).toBe('NotFoundError');
    const missing = await graphql(server, REVOKE, { input: { id: 'no-such-session' } }, await userHeaders('mallory'));
    expect(missing.data.revokeConnectSession).toEqual(stranger.data.revokeConnectSession);
    expect((await graphql(server, REVOKE, { input: { id: session.id } }, bearer(token))).status).toBe(401);
    // The end user may revoke the links made for her.
    expect((await graphql(server, REVOKE, { input: { id: session.id } }, await userHeaders('julia'))).data.revokeConnectSession.__typename).toBe(
      'RevokeConnectSessionPayload',
    );
    expect((await saveKey(token, 'after-revoke')).status).toBe(401);
  });
});
