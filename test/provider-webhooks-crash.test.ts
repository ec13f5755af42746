// A crash between acknowledging a provider's webhook and forwarding it: the server process answers
// 200 and is killed (SIGKILL, no shutdown); restarted on the same database, it forwards the webhook,
// and the app's endpoint gets it exactly once.
import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { uniqueSlug } from './helpers/fixtures.js';
import { childDataDir, spawnServer } from './helpers/process.js';
import { adminHeaders, graphql, TEST_API_KEY } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

const SIGNING_SECRET = 'slack-signing-secret-for-the-crash-test';
const dataDir = childDataDir();
const skipped = dataDir === 'memory://';

describe.skipIf(skipped)('provider webhooks across a crash', () => {
  it('SIGKILL after the acknowledgement, before forwarding: the restarted process forwards it, once', { timeout: 120_000 }, async () => {
    const receiver = await startUpstream();
    receiver.routes.set('/app', (_req, res) => void res.writeHead(204).end());
    const env = { API_KEYS: TEST_API_KEY, DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_INTERVAL_MS: '100' };
    // The first process acknowledges but never forwards (its forwarding job is off): it dies in between, every time.
    const first = await spawnServer({ ...env, PROVIDER_WEBHOOK_POLL_INTERVAL_MS: '0' });
    const slug = uniqueSlug('slack');
    const created = await graphql(
      first,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug, provider: 'slack', clientId: 'id', clientSecret: 'secret', providerWebhookSecret: SIGNING_SECRET } },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const endpoint = await graphql(
      first,
      `
        mutation ($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) {
            __typename
          }
        }
      `,
      { input: { url: `${receiver.url}/app`, eventTypes: ['PROVIDER_WEBHOOK'] } },
      adminHeaders,
    );
    expect(endpoint.data.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointPayload');

    const at = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ev-crash', event: { type: 'message' } });
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${at}:${body}`).digest('hex')}`;
    const answer = await fetch(`${first.url}/webhooks/providers/${slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': signature },
      body,
    });
    expect(answer.status).toBe(200);
    await first.kill('SIGKILL');
    expect(receiver.requests.filter((request) => request.url === '/app')).toHaveLength(0);

    const second = await spawnServer({ ...env, PROVIDER_WEBHOOK_POLL_INTERVAL_MS: '100' });
    await vi.waitFor(() => expect(receiver.requests.filter((request) => request.url === '/app')).toHaveLength(1), { timeout: 30_000, interval: 100 });
    // Nothing more arrives: forwarded once (and delivered once).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const deliveries = receiver.requests.filter((request) => request.url === '/app');
    expect(deliveries).toHaveLength(1);
    const message = JSON.parse(deliveries[0]!.body.toString('utf8'));
    expect(message).toMatchObject({ type: 'provider.webhook', data: { integration: slug, eventType: 'message', providerEventId: 'Ev-crash' } });
    const log = await graphql(
      second,
      `
        {
          providerWebhooks(first: 5) {
            edges {
              node {
                outcome
                providerEventId
              }
            }
          }
        }
      `,
      {},
      adminHeaders,
    );
    expect(log.data.providerWebhooks.edges.map((edge: { node: unknown }) => edge.node)).toEqual([{ outcome: 'UNMATCHED', providerEventId: 'Ev-crash' }]);
    await receiver.close();
  });
});
