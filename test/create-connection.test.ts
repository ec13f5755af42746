// createConnection: importing tokens, API keys and basic credentials; a refresh token alone is
// proved against the provider before anything is stored.
import { describe, expect, it } from 'vitest';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { credentialsOf, prisma } from './helpers/database.js';

const CREATE = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          name
          status
          sequence
          ownerId
          isShared
          tokenExpiresAt
          metadata
          scopes
        }
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
      ... on ProviderError {
        providerError
        providerStatus
      }
    }
  }
`;

describe('createConnection', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);
  // No credential check is known for an integration without an issuer or userinfo URL: imports of made-up tokens pass.
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
    { input: { slug: plainSlug, provider: 'custom', clientId: 'c', clientSecret: 's', authorizationUrl: `${as.issuer}/auth`, tokenUrl: `${as.issuer}/token` } },
    adminHeaders,
  );
  const create = async (input: Record<string, unknown>, headers: Record<string, string>) =>
    (await graphql(server, CREATE, { input: { integration: slug, ...input } }, headers)).data.createConnection;
  const rowOf = async (globalId: string) => prisma.connection.findUniqueOrThrow({ where: { id: decodeGlobalID(globalId).id } });

  it('imports an access and refresh token, sealed at rest, with metadata', async () => {
    const expiresAt = new Date(Date.now() + 3600_000);
    const created = await create(
      {
        integration: plainSlug,
        connectionName: 'imported',
        accessToken: 'imported-access',
        refreshToken: 'imported-refresh',
        expiresAt: expiresAt.toISOString(),
        metadata: { team: 'T1' },
      },
      await userHeaders('importer'),
    );
    expect(created).toMatchObject({
      __typename: 'CreateConnectionPayload',
      connection: { name: 'imported', status: 'HEALTHY', sequence: 1, ownerId: 'importer', isShared: false, metadata: { team: 'T1' } },
    });
    const row = await rowOf(created.connection.id);
    expect(row.tokenExpiresAt!.getTime()).toBe(expiresAt.getTime());
    expect(row.credentialsEnc).not.toContain('imported-access');
    expect(credentialsOf(row)).toMatchObject({ type: 'OAUTH2', accessToken: 'imported-access', refreshToken: 'imported-refresh' });
  });

  it('proves a refresh-token-only import by refreshing once, and stores the new access token', async () => {
    const source = await connectThroughProvider(server, slug, await userHeaders('source'), 'source');
    const { refreshToken } = credentialsOf(source)!;
    const before = as.counts['grant:refresh_token'] ?? 0;
    const created = await create({ connectionName: 'from-refresh', refreshToken }, await userHeaders('importer'));
    expect(created.__typename).toBe('CreateConnectionPayload');
    expect(as.counts['grant:refresh_token']).toBe(before + 1);
    const credentials = credentialsOf(await rowOf(created.connection.id))!;
    expect(credentials.accessToken).toBeTruthy();
    expect(new Date(created.connection.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect((await fetch(`${as.issuer}/me`, { headers: { authorization: `Bearer ${credentials.accessToken}` } })).status).toBe(200);
  });

  it('refuses a refresh token the provider rejects with a ProviderError, storing nothing', async () => {
    const created = await create({ connectionName: 'bad-refresh', refreshToken: 'not-a-real-refresh-token' }, await userHeaders('importer'));
    expect(created).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_ERROR', providerError: 'invalid_grant', providerStatus: 400 });
    expect(JSON.stringify(created)).not.toContain('not-a-real-refresh-token');
    expect(await prisma.connection.count({ where: { name: 'bad-refresh' } })).toBe(0);
  });

  it('updates a connection of the same name in place', async () => {
    const headers = await userHeaders('reimporter');
    const first = await create({ integration: plainSlug, connectionName: 'again', accessToken: 'one' }, headers);
    const second = await create({ integration: plainSlug, connectionName: 'again', accessToken: 'two' }, headers);
    expect(second.connection).toMatchObject({ id: first.connection.id, sequence: 2 });
    expect(credentialsOf(await rowOf(second.connection.id))!.accessToken).toBe('two');
  });

  it('answers typed validation errors, storing nothing', async () => {
    const headers = await userHeaders('careless');
    expect(await create({}, headers)).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'accessToken' }] });
    expect(await create({ apiKey: 'k', username: 'u' }, headers)).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ field: 'apiKey' }, { field: 'username' }, { field: 'accessToken' }],
    });
    expect(await create({ connectionName: 'bad name', accessToken: 'a' }, headers)).toMatchObject({ fieldErrors: [{ field: 'connectionName' }] });
    expect(await create({ accessToken: 'a', metadata: { blob: 'x'.repeat(20_000) } }, headers)).toMatchObject({ fieldErrors: [{ field: 'metadata' }] });
    expect(await create({ integration: 'missing', accessToken: 'a' }, headers)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await prisma.connection.count({ where: { ownerId: 'careless' } })).toBe(0);
  });

  it('stores API keys and basic credentials for integrations of those kinds', async () => {
    const make = async (authType: string) => {
      const kindSlug = uniqueSlug(authType.toLowerCase());
      await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
            }
          }
        `,
        { input: { slug: kindSlug, provider: 'custom', authType } },
        adminHeaders,
      );
      return kindSlug;
    };
    const headers = await userHeaders('keyholder');
    const keySlug = await make('API_KEY');
    const key = await create({ integration: keySlug, apiKey: 'sk_live_123' }, headers);
    expect(credentialsOf(await rowOf(key.connection.id))).toEqual({ type: 'API_KEY', apiKey: 'sk_live_123' });
    expect(await create({ integration: keySlug, accessToken: 'x' }, headers)).toMatchObject({ fieldErrors: [{ field: 'accessToken' }, { field: 'apiKey' }] });
    const basicSlug = await make('BASIC');
    const basic = await create({ integration: basicSlug, username: 'user', password: 'pass' }, headers);
    expect(credentialsOf(await rowOf(basic.connection.id))).toEqual({ type: 'BASIC', username: 'user', password: 'pass' });
  });

  it('lets only an admin create the connection of a shared integration', async () => {
    const sharedSlug = await createOidcIntegration(server, as, { isShared: true });
    expect(await create({ integration: sharedSlug, accessToken: 'a' }, await userHeaders('member'))).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await create({ integration: sharedSlug, accessToken: 'a', skipVerification: true }, adminHeaders)).toMatchObject({
      connection: { isShared: true, ownerId: null },
    });
  });
});
