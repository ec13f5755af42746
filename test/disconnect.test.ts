// disconnect: revocation at oidc-provider (RFC 7009), deletion, the DISCONNECTED event, who may do it.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration } from './helpers/connect.js';
import { collectStatusEvents } from './helpers/events.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const DISCONNECT = /* GraphQL */ `
  mutation ($input: DisconnectInput!) {
    disconnect(input: $input) {
      __typename
      ... on DisconnectPayload {
        disconnectedConnectionId
        revoked
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

describe('disconnect', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);
  const status = await collectStatusEvents(server);
  const disconnect = async (input: Record<string, unknown>, headers: Record<string, string>) =>
    (await graphql(server, DISCONNECT, { input }, headers)).data.disconnect;

  it('revokes the refresh token, then the access token, deletes the connection and emits DISCONNECTED', async () => {
    const headers = await userHeaders('leaver');
    const connection = await connectThroughProvider(server, slug, headers);
    const { accessToken, refreshToken } = credentialsOf(connection)!;
    const revocationsBefore = as.revocations.length;

    const answer = await disconnect({ connectionId: encodeGlobalID('Connection', connection.id) }, headers);
    expect(answer).toEqual({ __typename: 'DisconnectPayload', disconnectedConnectionId: encodeGlobalID('Connection', connection.id), revoked: true });
    expect(as.revocations.slice(revocationsBefore)).toEqual([
      { hint: 'refresh_token', status: 200 },
      { hint: 'access_token', status: 200 },
    ]);
    expect(await prisma.connection.findUnique({ where: { id: connection.id } })).toBeNull();
    // The provider no longer accepts either token.
    expect((await fetch(`${as.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    expect(await as.provider.RefreshToken.find(refreshToken!)).toBeUndefined();
    const events = await status.waitFor(connection.id, 2);
    expect(events.at(-1)).toMatchObject({ status: 'DISCONNECTED', previousStatus: 'HEALTHY', sequence: connection.sequence + 1 });
  });

  it('finds the connection by integration and name', async () => {
    const headers = await userHeaders('named-leaver');
    const connection = await connectThroughProvider(server, slug, headers, 'work');
    expect(await disconnect({ integration: slug, connectionName: 'work' }, headers)).toMatchObject({ revoked: true });
    expect(await prisma.connection.findUnique({ where: { id: connection.id } })).toBeNull();
    expect(await disconnect({ integration: slug, connectionName: 'work' }, headers)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await disconnect({}, headers)).toMatchObject({ __typename: 'ValidationError' });
  });

  it('deletes the local tokens and reports revoked: false when the provider cannot be reached', async () => {
    const down = await startUpstream();
    await down.close();
    const downSlug = await createOidcIntegration(server, as, { revocationUrl: `${down.url}/revoke` });
    const headers = await userHeaders('offline-leaver');
    const connection = await connectThroughProvider(server, downSlug, headers);
    expect(await disconnect({ connectionId: encodeGlobalID('Connection', connection.id) }, headers)).toMatchObject({ revoked: false });
    expect(await prisma.connection.findUnique({ where: { id: connection.id } })).toBeNull();
  });

  it("answers another user's connection as a missing one, revoking nothing", async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('keeper'));
    const revocationsBefore = as.revocations.length;
    const answer = await disconnect({ connectionId: encodeGlobalID('Connection', connection.id) }, await userHeaders('thief'));
    expect(answer).toEqual({ __typename: 'NotFoundError', message: 'No such connection.', code: 'NOT_FOUND' });
    expect(as.revocations.length).toBe(revocationsBefore);
    expect(await prisma.connection.findUnique({ where: { id: connection.id } })).not.toBeNull();
  });

  it('lets only an admin disconnect a shared connection', async () => {
    const sharedSlug = await createOidcIntegration(server, as, { isShared: true });
    const connection = await connectThroughProvider(server, sharedSlug, adminHeaders);
    expect(connection.ownerId).toBeNull();
    const id = encodeGlobalID('Connection', connection.id);
    expect(await disconnect({ connectionId: id }, await userHeaders('member'))).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await prisma.connection.findUnique({ where: { id: connection.id } })).not.toBeNull();
    expect(await disconnect({ connectionId: id }, adminHeaders)).toMatchObject({ __typename: 'DisconnectPayload', revoked: true });
  });
});
