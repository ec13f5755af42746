// Webhooks across server processes: a message pending when the server is killed is delivered after
// it starts again, and two instances on one PostgreSQL deliver each message once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { spawnServer } from './helpers/process.js';
import { graphql, startTestServer, userHeaders, testConfig } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { prisma } from './helpers/database.js';

const config = testConfig();

const onPostgres = process.env.TEST_DATABASE === 'postgresql';

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointPayload {
        webhookEndpoint {
          id
        }
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
const DELIVERIES = /* GraphQL */ `
  {
    webhookEndpoints {
      edges {
        node {
          deliveries(first: 100) {
            edges {
              node {
                messageId
                status
                attempts
              }
            }
          }
        }
      }
    }
  }
`;

/** Settings for a server process: a quick poll and quick retries. */
const childEnv = (dataDir: string) => ({
  DATA_DIR: dataDir,
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 30 }, () => '1').join(','),
  WEBHOOK_TIMEOUT_MS: '10000',
});

describe('webhooks across instances', () => {
  it('delivers a message to an endpoint that was down when the server was killed, after the server starts again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-webhooks-'));
    onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const receiver = await startUpstream();
    let up = false;
    receiver.routes.set('/restart', (_req, res) => void res.writeHead(up ? 204 : 503).end());
    const admin = await userHeaders('admin', true);

    const first = await spawnServer(childEnv(dataDir));
    const slug = uniqueSlug('restart');
    const integration = await graphql(
      first,
      'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
      {
        input: { slug, provider: 'custom', authType: 'API_KEY', apiBaseUrl: 'https://api.example.com' },
      },
      admin,
    );
    expect(integration.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const endpoint = await graphql(first, CREATE_ENDPOINT, { input: { url: `${receiver.url}/restart` } }, admin);
    expect(endpoint.data.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');
    const connection = await graphql(first, CREATE_CONNECTION, { input: { integration: slug, apiKey: 'a-key' } }, await userHeaders('restarted'));
    expect(connection.data.createConnection.__typename).toBe('CreateConnectionPayload');
    await vi.waitFor(() => expect(receiver.hits('/restart')).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 25 });
    const messageId = receiver.requests[0]!.headers['webhook-id'];
    await first.kill();

    up = true;
    const before = receiver.hits('/restart');
    const second = await spawnServer(childEnv(dataDir));
    await vi.waitFor(() => expect(receiver.hits('/restart')).toBeGreaterThan(before), { timeout: 20_000, interval: 25 });
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([messageId]));
    await vi.waitFor(
      async () => {
        const listed = await graphql(second, DELIVERIES, {}, admin);
        expect(listed.data.webhookEndpoints.edges[0].node.deliveries.edges.map((edge: any) => edge.node)).toEqual([
          { messageId, status: 'SUCCEEDED', attempts: expect.any(Number) },
        ]);
      },
      { timeout: 10_000, interval: 100 },
    );
  }, 240_000);

  it.runIf(onPostgres)(
    'delivers each message once when two instances share one PostgreSQL database',
    async () => {
      const server = await startTestServer({ webhooks: { ...config.webhooks, pollIntervalMs: 100, timeoutMs: 10_000, retrySchedule: [1, 1, 1] } });
      const other = await spawnServer(childEnv(os.tmpdir()));
      const receiver = await startUpstream();
      receiver.routes.set('/shared', (_req, res) => void res.writeHead(204).end());
      const admin = await userHeaders('admin', true);
      const integration = await makeIntegration(server, { authType: 'API_KEY', slug: uniqueSlug('shared') });
      // Endpoints of the test before (same database) would share the work: only this one is enabled.
      await prisma.webhookEndpoint.updateMany({ data: { enabled: false } });
      expect((await graphql(server, CREATE_ENDPOINT, { input: { url: `${receiver.url}/shared` } }, admin)).data.createWebhookEndpoint.__typename).toBe(
        'CreateWebhookEndpointPayload',
      );
      const shared = { endpoint: { url: `${receiver.url}/shared` } };
      const MESSAGES = 40;
      const user = await userHeaders('shared-user');
      const created = await Promise.all(
        Array.from({ length: MESSAGES }, (_, index) =>
          graphql(index % 2 ? server : other, CREATE_CONNECTION, { input: { integration: integration.slug, connectionName: `c${index}`, apiKey: 'k' } }, user),
        ),
      );
      expect(created.map((answer) => answer.data?.createConnection?.__typename)).toEqual(Array(MESSAGES).fill('CreateConnectionPayload'));
      await vi.waitFor(
        async () => {
          const succeeded = await prisma.webhookDelivery.count({ where: { ...shared, status: 'SUCCEEDED' } });
          expect(succeeded).toBe(MESSAGES);
        },
        { timeout: 60_000, interval: 100 },
      );
      const ids = receiver.requests.map((request) => request.headers['webhook-id']);
      expect(new Set(ids).size).toBe(MESSAGES);
      expect(ids).toHaveLength(MESSAGES);
      expect(await prisma.webhookDelivery.findMany({ where: { ...shared, attempts: { not: 1 } } })).toEqual([]);
    },
    240_000,
  );
});
