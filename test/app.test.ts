// The composition root: apps built with different settings run side by side in one process, each
// with its own limits and state; background work is one list of jobs, each turned off by its own
// setting alone; and stop() ends what an app started.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { newId } from '../src/kernel/ids.js';
import { database, keyring, prisma } from './helpers/database.js';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { graphql, startTestServer, testApp, testConfig, userHeaders, type ConfigOverrides } from './helpers/server.js';

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
      }
      ... on RateLimitedError {
        code
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
      ... on Error {
        code
      }
    }
  }
`;

/** Every job's pacing setting at a value that turns it on. */
const ALL_JOBS_ON: ConfigOverrides = {
  tokens: { intervalSeconds: 60, breakerProbeIntervalMs: 1000 },
  oauth: { cleanupIntervalSeconds: 60 },
  connectSessions: { cleanupIntervalSeconds: 60 },
  webhooks: { pollIntervalMs: 1000, logRetentionIntervalSeconds: 60, logRetentionDays: 30 },
  activity: { enabled: true, retentionIntervalSeconds: 60, retentionDays: 14, auditRetentionIntervalSeconds: 60, auditRetentionDays: 365 },
  health: { intervalSeconds: 3600 },
  console: { cleanupIntervalSeconds: 3600 },
  providerWebhooks: { pollIntervalMs: 1000 },
  database: { embeddedMaintenanceIntervalSeconds: 2 },
};

/** Each job, and the override that turns it (and only it) off. */
const JOB_OFF: Record<string, ConfigOverrides> = {
  'refresh-sweep': { tokens: { intervalSeconds: 0 } },
  'breaker-probe': { tokens: { breakerProbeIntervalMs: 0 } },
  'pending-authorization-cleanup': { oauth: { cleanupIntervalSeconds: 0 } },
  'connect-session-cleanup': { connectSessions: { cleanupIntervalSeconds: 0 } },
  'webhook-delivery': { webhooks: { pollIntervalMs: 0 } },
  'provider-webhook-forwarding': { providerWebhooks: { pollIntervalMs: 0 } },
  'webhook-log-retention': { webhooks: { logRetentionIntervalSeconds: 0 } },
  'operations-retention': { activity: { retentionIntervalSeconds: 0 } },
  'audit-retention': { activity: { auditRetentionIntervalSeconds: 0 } },
  'health-checks': { health: { intervalSeconds: 0 } },
  'console-session-cleanup': { console: { cleanupIntervalSeconds: 0 } },
  // Listed on the embedded database only (PostgreSQL has its autovacuum).
  ...(database.kind === 'pglite' ? { 'embedded-database-maintenance': { database: { embeddedMaintenanceIntervalSeconds: 0 } } } : {}),
};

function merge(...overrides: ConfigOverrides[]): ConfigOverrides {
  const result: Record<string, Record<string, unknown>> = {};
  for (const override of overrides) for (const [key, value] of Object.entries(override)) result[key] = { ...result[key], ...(value as object) };
  return result as ConfigOverrides;
}

describe('apps', async () => {
  // An API the proxy calls: it answers every request.
  const upstream = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;

  it('runs two apps with different limits side by side in one process, each holding its own', async () => {
    const strict = await startTestServer({ proxy: { rateLimitPerSecond: 0.001, rateLimitBurst: 1 }, oauth: { maxPendingAuthorizationsPerUser: 1 } });
    const lenient = await startTestServer({ proxy: { rateLimitPerSecond: 100, rateLimitBurst: 100 }, oauth: { maxPendingAuthorizationsPerUser: 5 } });
    expect(strict.config.proxy.rateLimitBurst).toBe(1);
    expect(lenient.config.proxy.rateLimitBurst).toBe(100);

    const slug = uniqueSlug('keyed');
    await makeIntegration(strict, {
      slug,
      authType: 'API_KEY',
      apiBaseUrl: upstreamUrl,
      authorizationUrl: undefined,
      tokenUrl: undefined,
      clientId: undefined,
      clientSecret: undefined,
    });
    const user = await userHeaders('side-by-side');
    const created = await graphql(
      strict,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: slug, apiKey: 'key-123' } },
      user,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');

    // The strict app's bucket holds one call: the second is refused. The other app's limiter is its own.
    const call = (server: { url: string }) => graphql(server, PROXY, { input: { integration: slug, url: 'items' } }, user);
    expect((await call(strict)).data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200 });
    expect((await call(strict)).data.proxyRequest).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    for (let index = 0; index < 3; index++) expect((await call(lenient)).data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200 });

    // The pending-authorization cap is each app's own setting (the count itself is in the shared database).
    const oauth = await makeIntegration(strict);
    const startFor = async (server: { url: string }, userId: string) =>
      (await graphql(server, START, { input: { integration: oauth.slug } }, await userHeaders(userId))).data.startConnect;
    expect(await startFor(strict, 'capped-user')).toEqual({ __typename: 'StartConnectPayload' });
    expect(await startFor(strict, 'capped-user')).toMatchObject({ __typename: 'QuotaExceededError', code: 'QUOTA_EXCEEDED' });
    expect(await startFor(lenient, 'roomy-user')).toEqual({ __typename: 'StartConnectPayload' });
    expect(await startFor(lenient, 'roomy-user')).toEqual({ __typename: 'StartConnectPayload' });
  });

  it('lists each background job with its setting, and turns each one off alone', () => {
    const everyJob = testApp(ALL_JOBS_ON);
    expect(everyJob.jobs.map((job) => [job.name, job.enabled])).toEqual(Object.keys(JOB_OFF).map((name) => [name, true]));
    for (const [name, off] of Object.entries(JOB_OFF)) {
      const app = testApp(merge(ALL_JOBS_ON, off));
      const disabled = app.jobs.filter((job) => !job.enabled).map((job) => job.name);
      expect(disabled, `turning off ${name}`).toEqual([name]);
    }
  });

  it('keeps cleaning up expired connect flows with the refresh sweep off', async () => {
    const server = await startTestServer({ tokens: { intervalSeconds: 0 }, oauth: { cleanupIntervalSeconds: 1 } });
    expect(server.jobs.find((job) => job.name === 'refresh-sweep')!.enabled).toBe(false);
    const integration = await makeIntegration(server);
    const id = newId();
    await prisma.pendingAuthorization.create({
      data: {
        id,
        stateHash: `expired-${id}`,
        codeVerifierEnc: keyring.encrypt('verifier', { table: 'PendingAuthorization', rowId: id, field: 'codeVerifier' }),
        viewerId: 'someone',
        integrationId: integration.id,
        connectionName: 'default',
        scopes: [],
        connectionConfig: {},
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    await vi.waitFor(async () => expect(await prisma.pendingAuthorization.count({ where: { id } })).toBe(0), { timeout: 5_000, interval: 100 });
  });

  it('stops what it started: the jobs, the server, and the database only when it opened it', async () => {
    const app = createApp(testConfig(ALL_JOBS_ON), { database, keyring });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await app.ready();
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    await app.stop(0);
    await expect(fetch(`${app.url}/health`)).rejects.toThrow();
    // The shared database is still open for the file's other apps.
    expect(await prisma.integration.count()).toBeGreaterThanOrEqual(0);
  });
});
