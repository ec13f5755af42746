// Two instances on one PostgreSQL, one of them with its clock 5 minutes ahead (libfaketime on a
// server process): leases are taken and judged on the database's clock, so the skewed instance
// neither takes over a refresh another instance is doing (a rotating refresh token presented twice)
// nor a webhook delivery another instance is sending.
import fs from 'node:fs';
import type http from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { spawnServer } from './helpers/process.js';
import { adminHeaders, graphql, startTestServer, TEST_API_KEY, testConfig, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { prisma } from './helpers/database.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const SKEW_MS = 5 * 60_000;
const skewedEnv = { LD_PRELOAD: LIBFAKETIME, FAKETIME: '+5m', FAKETIME_DONT_FAKE_MONOTONIC: '1' };

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
      }
      ... on Error {
        message
        code
      }
    }
  }
`;
const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on Error {
        message
      }
    }
  }
`;

const noPostgres = process.env.TEST_DATABASE !== 'postgresql';
const noFaketime = !fs.existsSync(LIBFAKETIME);
const skipped = noPostgres || noFaketime;

describe.skipIf(skipped)('leases on the database clock, one instance 5 minutes ahead', async () => {
  if (skipped)
    return void it.skip(
      noPostgres ? 'needs PostgreSQL (TEST_DATABASE=postgresql)' : `needs libfaketime (${LIBFAKETIME}; apt-get install libfaketime)`,
      () => {},
    );
  const config = testConfig();
  const server = await startTestServer({ webhooks: { ...config.webhooks, pollIntervalMs: 100, timeoutMs: 10_000, retrySchedule: [1, 1, 1] } });

  async function skewedInstance(env: Record<string, string> = {}) {
    const skewed = await spawnServer({ ...skewedEnv, API_KEYS: TEST_API_KEY, ...env });
    // The skew is real: the process's own clock (its HTTP Date header) runs 5 minutes ahead.
    const date = Date.parse((await fetch(`${skewed.url}/health`)).headers.get('date')!);
    expect(date - Date.now()).toBeGreaterThan(SKEW_MS - 5_000);
    return skewed;
  }

  it('sends exactly one token request per rotation whichever instance starts the refresh', async () => {
    const upstream = await startUpstream();
    // A strict rotating provider: each refresh token is good once; answers take a while.
    const valid = new Map<string, string>();
    let issued = 0;
    let refused = 0;
    upstream.routes.set('/token', async (_req, res, body) => {
      const presented = new URLSearchParams(body.toString()).get('refresh_token')!;
      const connection = valid.get(presented);
      if (!connection) {
        refused++;
        return json(res, 400, { error: 'invalid_grant' });
      }
      valid.delete(presented);
      const next = `rotated-${++issued}`;
      valid.set(next, connection);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      json(res, 200, { access_token: `fresh-${issued}`, refresh_token: next, token_type: 'Bearer', expires_in: 3600 });
    });
    upstream.routes.set('/api/me', (req, res: http.ServerResponse) => json(res, req.headers.authorization?.startsWith('Bearer fresh-') ? 200 : 401, {}));
    const slug = uniqueSlug('skew');
    const created = await graphql(
      server,
      'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
      {
        input: {
          slug,
          provider: 'custom',
          clientId: 'c',
          clientSecret: 's',
          authorizationUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: `${upstream.url}/api`,
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const skewed = await skewedInstance({ PROVIDER_TIMEOUT_MS: '5000' });

    const CONNECTIONS = 6;
    const users = Array.from({ length: CONNECTIONS }, (_, index) => `skew-user-${index}`);
    for (const user of users) {
      valid.set(`first-${user}`, user);
      const answer = await graphql(
        server,
        CREATE_CONNECTION,
        { input: { integration: slug, accessToken: 'old', refreshToken: `first-${user}`, expiresAt: new Date(Date.now() - 1_000).toISOString() } },
        await userHeaders(user),
      );
      expect(answer.data.createConnection.__typename).toBe('CreateConnectionPayload');
    }
    // Half start on the right clock and the skewed instance asks while the token request is out; half the other way round.
    const results = await Promise.all(
      users.map(async (user, index) => {
        const [first, second] = index % 2 ? [server, skewed] : [skewed, server];
        const headers = { 'x-api-key': TEST_API_KEY, 'x-user-id': user };
        const before = upstream.hits('/token');
        const firstCall = graphql(first, PROXY, { input: { integration: slug, url: 'me' } }, headers);
        await vi.waitFor(() => expect(upstream.hits('/token')).toBeGreaterThan(before), { timeout: 10_000, interval: 10 });
        const secondCall = graphql(second, PROXY, { input: { integration: slug, url: 'me' } }, headers);
        return Promise.all([firstCall, secondCall]);
      }),
    );
    for (const pair of results) for (const answer of pair) expect(answer.data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200 });
    expect(refused).toBe(0);
    expect(issued).toBe(CONNECTIONS);
    expect(upstream.hits('/token')).toBe(CONNECTIONS);
  }, 120_000);

  it('delivers each webhook message once while the skewed instance claims beside an instance on time', async () => {
    const skewed = await skewedInstance({ WEBHOOK_POLL_INTERVAL_MS: '100', WEBHOOK_RETRY_SCHEDULE: '1,1,1', WEBHOOK_TIMEOUT_MS: '10000' });
    const receiver = await startUpstream();
    // A slow receiver: every attempt is in flight for a while, its claim's lease visible to the other instance.
    receiver.routes.set('/skew', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      res.writeHead(204).end();
    });
    const integration = await makeIntegration(server, { authType: 'API_KEY', slug: uniqueSlug('skewhook') });
    await prisma.webhookEndpoint.updateMany({ data: { enabled: false } });
    const endpoint = await graphql(
      server,
      'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename } }',
      { input: { url: `${receiver.url}/skew` } },
      await userHeaders('admin', true),
    );
    expect(endpoint.data.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
    const MESSAGES = 30;
    const user = await userHeaders('skew-hooks');
    const created = await Promise.all(
      Array.from({ length: MESSAGES }, (_, index) =>
        graphql(index % 2 ? server : skewed, CREATE_CONNECTION, { input: { integration: integration.slug, connectionName: `s${index}`, apiKey: 'k' } }, user),
      ),
    );
    expect(created.map((answer) => answer.data?.createConnection?.__typename)).toEqual(Array(MESSAGES).fill('CreateConnectionPayload'));
    const where = { endpoint: { url: `${receiver.url}/skew` } };
    await vi.waitFor(async () => expect(await prisma.webhookDelivery.count({ where: { ...where, status: 'SUCCEEDED' } })).toBe(MESSAGES), {
      timeout: 60_000,
      interval: 100,
    });
    // Give a wrongly taken-over claim time to be sent as well.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const ids = receiver.requests.map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(MESSAGES);
    expect(ids).toHaveLength(MESSAGES);
  }, 120_000);
});
