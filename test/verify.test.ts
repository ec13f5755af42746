// Credential checks: verifyConnection (OpenID Connect userinfo at oidc-provider, catalog checks at a
// local upstream), checked imports, and the scheduled health checks with their leases.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { listProviders } from '../src/catalog/index.js';
import { runHealthCheckSweep } from '../src/health/health-check-sweep.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration } from './helpers/connect.js';
import { collectStatusEvents } from './helpers/events.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const VERIFY = /* GraphQL */ `
  mutation ($input: VerifyConnectionInput!) {
    verifyConnection(input: $input) {
      __typename
      ... on VerifyConnectionPayload {
        ok
        providerStatus
        connection {
          id
          status
          statusMessage
          lastVerifiedAt
        }
      }
      ... on ReauthorizationRequiredError {
        message
        reconnect: connection {
          status
          statusMessage
        }
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const CREATE = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          status
          lastVerifiedAt
        }
      }
      ... on ProviderError {
        message
        providerStatus
        providerError
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

describe('credential checks', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);
  const status = await collectStatusEvents(server);
  const upstream = await startUpstream();
  // An API key provider from the catalog (OpenAI: GET /v1/models), its API on the local upstream.
  const acceptedKeys = new Set(['sk-good']);
  upstream.routes.set('/v1/models', (req, res) =>
    acceptedKeys.has(String(req.headers.authorization).replace(/^Bearer /, ''))
      ? json(res, 200, { data: [] })
      : json(res, 401, { error: { code: 'invalid_api_key' } }),
  );
  const keySlug = uniqueSlug('openai');
  const createdKeyIntegration = await graphql(
    server,
    `
      mutation ($input: CreateIntegrationInput!) {
        createIntegration(input: $input) {
          __typename
          ... on Error {
            message
          }
        }
      }
    `,
    { input: { slug: keySlug, provider: 'openai', apiBaseUrl: `${upstream.url}/v1` } },
    adminHeaders,
  );
  expect(createdKeyIntegration.data.createIntegration.__typename).toBe('CreateIntegrationPayload');

  const verify = async (connectionId: string, headers: Record<string, string>) =>
    (await graphql(server, VERIFY, { input: { connectionId: encodeGlobalID('Connection', connectionId) } }, headers)).data.verifyConnection;
  const create = async (input: Record<string, unknown>, headers: Record<string, string>) =>
    (await graphql(server, CREATE, { input }, headers)).data.createConnection;
  const operationsOf = async (connectionId: string | null, kind = 'VERIFY') => {
    await server.activity.flush();
    return prisma.operation.findMany({ where: { connectionId, kind: kind as never }, orderBy: { id: 'asc' } });
  };

  it('verifyConnection checks an OpenID Connect connection at its userinfo endpoint and records when', async () => {
    const headers = await userHeaders('checker');
    const connection = await connectThroughProvider(server, slug, headers);
    const answer = await verify(connection.id, headers);
    expect(answer).toMatchObject({ __typename: 'VerifyConnectionPayload', ok: true, providerStatus: 200, connection: { status: 'HEALTHY' } });
    expect(Date.now() - Date.parse(answer.connection.lastVerifiedAt)).toBeLessThan(60_000);
    const [operation] = await operationsOf(connection.id);
    expect(operation).toMatchObject({ outcome: 'SUCCESS', method: 'GET', path: '/me', providerStatus: 200, ownerId: 'checker', integrationSlug: slug });
  });

  it('verifyConnection fails once the provider revoked the grant: ERROR with the reason, and the status event', async () => {
    const headers = await userHeaders('revoked-checker');
    const connection = await connectThroughProvider(server, slug, headers);
    const { refreshToken } = credentialsOf(connection)!;
    const grantId = (await as.provider.RefreshToken.find(refreshToken!))!.grantId!;
    await (await as.provider.Grant.find(grantId))!.destroy();

    const answer = await verify(connection.id, headers);
    // The access token is refused (401), and the refresh that should fix it is refused too (invalid_grant).
    expect(answer).toMatchObject({ __typename: 'ReauthorizationRequiredError', reconnect: { status: 'ERROR' } });
    expect(answer.reconnect.statusMessage).toMatch(/invalid_grant/);
    const events = await status.waitFor(connection.id, 2);
    expect(events.at(-1)).toMatchObject({ status: 'ERROR', previousStatus: 'HEALTHY' });
    const [operation] = await operationsOf(connection.id);
    expect(operation).toMatchObject({ outcome: 'FAILURE', path: '/me' });
    expect(operation!.error).toMatch(/connect again/);
  });

  it('a 401 that a refresh cannot fix marks the connection ERROR with an event; an accepted check later brings it back', async () => {
    const headers = await userHeaders('key-holder');
    acceptedKeys.add('sk-soon-revoked');
    const created = await create({ integration: keySlug, apiKey: 'sk-soon-revoked' }, headers);
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY', lastVerifiedAt: expect.any(String) } });
    const connectionId = (await prisma.connection.findFirstOrThrow({ where: { ownerId: 'key-holder' } })).id;

    acceptedKeys.delete('sk-soon-revoked');
    const refused = await verify(connectionId, headers);
    expect(refused).toMatchObject({ __typename: 'VerifyConnectionPayload', ok: false, providerStatus: 401, connection: { status: 'ERROR' } });
    expect(refused.connection.statusMessage).toMatch(/^Credential check failed: .*HTTP 401/);
    expect((await status.waitFor(connectionId, 2)).at(-1)).toMatchObject({ status: 'ERROR', previousStatus: 'HEALTHY' });

    acceptedKeys.add('sk-soon-revoked');
    const recovered = await verify(connectionId, headers);
    expect(recovered).toMatchObject({ ok: true, connection: { status: 'HEALTHY', statusMessage: null } });
    expect((await status.waitFor(connectionId, 3)).at(-1)).toMatchObject({ status: 'HEALTHY', previousStatus: 'ERROR' });
    expect((await operationsOf(connectionId)).map((operation) => [operation.outcome, operation.providerStatus])).toEqual([
      ['SUCCESS', 200], // the import's check
      ['FAILURE', 401],
      ['SUCCESS', 200],
    ]);
  });

  it('refuses an imported API key that the provider rejects with a ProviderError, storing nothing', async () => {
    const headers = await userHeaders('key-importer');
    const refused = await create({ integration: keySlug, connectionName: 'rejected', apiKey: 'sk-wrong-secret-value' }, headers);
    expect(refused).toMatchObject({ __typename: 'ProviderError', providerStatus: 401, providerError: 'credentials_rejected' });
    expect(JSON.stringify(refused)).not.toContain('sk-wrong-secret-value');
    expect(await prisma.connection.count({ where: { name: 'rejected' } })).toBe(0);
    const operations = await operationsOf(null);
    expect(operations.filter((operation) => operation.ownerId === 'key-importer')).toMatchObject([
      { outcome: 'FAILURE', providerStatus: 401, path: '/v1/models' },
    ]);
    await server.activity.flush();
    expect(JSON.stringify(await prisma.operation.findMany())).not.toContain('sk-wrong-secret-value');
  });

  it("refuses an import that Slack's auth.test answers with HTTP 200 and ok: false", async () => {
    upstream.routes.set('/slack/api/auth.test', (req, res) =>
      req.headers.authorization === 'Bearer xoxb-good' ? json(res, 200, { ok: true, team: 'T1' }) : json(res, 200, { ok: false, error: 'invalid_auth' }),
    );
    const slackSlug = uniqueSlug('slack');
    await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug: slackSlug, provider: 'slack', clientId: 'id', clientSecret: 'secret', apiBaseUrl: `${upstream.url}/slack/api` } },
      adminHeaders,
    );
    const headers = await userHeaders('slacker');
    const refused = await create({ integration: slackSlug, accessToken: 'xoxb-revoked' }, headers);
    expect(refused).toMatchObject({ __typename: 'ProviderError', providerStatus: 200 });
    expect(refused.message).toMatch(/ok is not true: invalid_auth/);
    expect(await create({ integration: slackSlug, accessToken: 'xoxb-good' }, headers)).toMatchObject({ __typename: 'CreateConnectionPayload' });
    expect(upstream.requests.filter((request) => request.url === '/slack/api/auth.test').map((request) => request.method)).toEqual(['POST', 'POST']);
  });

  it('lets only admins skip the verification of an import', async () => {
    expect(
      await create({ integration: keySlug, connectionName: 'unchecked', apiKey: 'sk-unknown', skipVerification: true }, await userHeaders('sneaky')),
    ).toMatchObject({
      __typename: 'ForbiddenError',
    });
    const before = upstream.hits('/v1/models');
    const stored = await create({ integration: keySlug, connectionName: 'unchecked', apiKey: 'sk-unknown', skipVerification: true }, adminHeaders);
    expect(stored).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { lastVerifiedAt: null } });
    expect(upstream.hits('/v1/models')).toBe(before);
  });

  it("answers ValidationError where no check is known, and NotFoundError for another user's connection", async () => {
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
      { input: { slug: plainSlug, provider: 'custom', authType: 'API_KEY', apiBaseUrl: `${upstream.url}/plain` } },
      adminHeaders,
    );
    const headers = await userHeaders('unchecked-user');
    await create({ integration: plainSlug, apiKey: 'k' }, headers);
    const connection = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'unchecked-user' } });
    expect(await verify(connection.id, headers)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION' });
    const mine = await connectThroughProvider(server, slug, await userHeaders('owner-of-it'));
    expect(await verify(mine.id, await userHeaders('someone-else'))).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('scheduled health checks take idle connections under a lease, once per interval, with events on failure and recovery', async () => {
    const healthSlug = uniqueSlug('openai');
    await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug: healthSlug, provider: 'openai', apiBaseUrl: `${upstream.url}/v1` } },
      adminHeaders,
    );
    acceptedKeys.add('sk-healthy').add('sk-failing');
    expect(await create({ integration: healthSlug, apiKey: 'sk-healthy' }, await userHeaders('health-a'))).toMatchObject({
      __typename: 'CreateConnectionPayload',
    });
    expect(await create({ integration: healthSlug, apiKey: 'sk-failing' }, await userHeaders('health-b'))).toMatchObject({
      __typename: 'CreateConnectionPayload',
    });
    const rows = await prisma.connection.findMany({ where: { integration: { slug: healthSlug } }, orderBy: { ownerId: 'asc' } });
    // Idle for two hours: neither used nor verified nor authorized within the interval.
    const longAgo = new Date(Date.now() - 2 * 3600_000);
    await prisma.connection.updateMany({ where: { integration: { slug: healthSlug } }, data: { lastVerifiedAt: longAgo, lastAuthorizedAt: longAgo } });
    // The other connections of this file are held by another instance's lease: only these two are due.
    await prisma.connection.updateMany({
      where: { NOT: { integration: { slug: healthSlug } } },
      data: { healthCheckLeaseOwner: 'elsewhere', healthCheckLeaseUntil: new Date(Date.now() + 86_400_000) },
    });
    acceptedKeys.delete('sk-failing');

    // Two instances sweep at once: each connection is checked by one of them.
    const sweepDeps = { prisma, verifier: server.services.verifier, logger: server.logger, instanceId: server.instanceId };
    const before = upstream.hits('/v1/models');
    const [first, second] = await Promise.all([
      runHealthCheckSweep(sweepDeps, { intervalSeconds: 3600, batchSize: 10, owner: 'instance-a' }),
      runHealthCheckSweep(sweepDeps, { intervalSeconds: 3600, batchSize: 10, owner: 'instance-b' }),
    ]);
    expect(first.claimed + second.claimed).toBe(2);
    expect(first.accepted + second.accepted).toBe(1);
    expect(first.rejected + second.rejected).toBe(1);
    expect(upstream.hits('/v1/models') - before).toBe(2);
    const [a, b] = await prisma.connection.findMany({ where: { id: { in: rows.map((row) => row.id) } }, orderBy: { ownerId: 'asc' } });
    expect(a).toMatchObject({ status: 'HEALTHY', healthCheckLeaseOwner: null });
    expect(b).toMatchObject({ status: 'ERROR', healthCheckLeaseOwner: null });
    expect((await status.waitFor(b!.id, 2)).at(-1)).toMatchObject({ status: 'ERROR', previousStatus: 'HEALTHY' });

    // Within the interval nothing is due again.
    expect(await runHealthCheckSweep(sweepDeps, { intervalSeconds: 3600, batchSize: 10, owner: 'instance-a' })).toMatchObject({ claimed: 0 });
    // An interval later, the failed one recovers (a connection a check marked ERROR is checked again).
    acceptedKeys.add('sk-failing');
    const later = new Date(Date.now() + 2 * 3600_000);
    const recovered = await runHealthCheckSweep(sweepDeps, { intervalSeconds: 3600, batchSize: 10, owner: 'instance-a', now: later });
    expect(recovered).toMatchObject({ claimed: 2, accepted: 2 });
    expect((await status.waitFor(b!.id, 3)).at(-1)).toMatchObject({ status: 'HEALTHY', previousStatus: 'ERROR' });
  });

  it('at least 40 catalog entries carry a credential check', () => {
    const checked = listProviders().filter((template) => template.verify);
    expect(checked.length).toBeGreaterThanOrEqual(40);
  });
});
