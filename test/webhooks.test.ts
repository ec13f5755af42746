// Signed webhooks: Standard Webhooks signatures (checked with the official `standardwebhooks`
// package), the outbox written with the change, retries with one webhook-id, the delivery log,
// rotation, filtering, admin-only management, and workers that share the work through leases.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newId } from '../src/kernel/ids.js';
import { sendDelivery, type ClaimedDelivery } from '../src/webhooks/send.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration } from './helpers/connect.js';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, testApp, userHeaders, testConfig } from './helpers/server.js';
import { json, startUpstream, type RecordedRequest } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const config = testConfig();

/** Fast retries for tests: 3 attempts, about a second apart. */
const webhookSettings = { ...config.webhooks, pollIntervalMs: 100, retrySchedule: [1, 1], timeoutMs: 2_000, endpointConcurrency: 4 };

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointPayload {
        secret
        webhookEndpoint {
          id
          url
          eventTypes
          enabled
        }
      }
      ... on Error {
        code
        message
      }
      ... on ValidationError {
        fieldErrors {
          field
          message
        }
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
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const DISCONNECT = /* GraphQL */ `
  mutation ($input: DisconnectInput!) {
    disconnect(input: $input) {
      __typename
      ... on Error {
        message
      }
    }
  }
`;
const DELIVERIES = /* GraphQL */ `
  query {
    webhookEndpoints(first: 50) {
      edges {
        node {
          id
          deliveries(first: 20) {
            totalCount
            edges {
              node {
                id
                messageId
                eventType
                status
                attempts
                responseStatus
                error
                payload
                deliveredAt
                nextAttemptAt
              }
            }
          }
        }
      }
    }
  }
`;

describe('webhooks', async () => {
  const server = await startTestServer({ webhooks: webhookSettings });
  const receiver = await startUpstream();
  const integration = await makeIntegration(server, { authType: 'API_KEY', slug: uniqueSlug('hooks') });

  /** An endpoint on the receiver at `path` (answering 204 unless a handler is set); deleted when the test ends. */
  async function createEndpoint(path: string, eventTypes?: string[]) {
    if (!receiver.routes.has(path)) receiver.routes.set(path, (_req, res) => void res.writeHead(204).end());
    const answer = await graphql(server, CREATE_ENDPOINT, { input: { url: `${receiver.url}${path}`, eventTypes } }, adminHeaders);
    const payload = answer.data.createWebhookEndpoint;
    expect(payload.__typename).toBe('CreateWebhookEndpointPayload');
    const globalId: string = payload.webhookEndpoint.id;
    onTestFinished(async () => {
      await graphql(server, 'mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { __typename } }', { id: globalId }, adminHeaders);
    });
    return { globalId, secret: payload.secret as string, path };
  }

  async function connect(userId: string, name: string, apiKey = `key-${newId()}`, tags?: Record<string, string>) {
    const answer = await graphql(
      server,
      CREATE_CONNECTION,
      { input: { integration: integration.slug, connectionName: name, apiKey, tags } },
      await userHeaders(userId),
    );
    expect(answer.data.createConnection.__typename).toBe('CreateConnectionPayload');
    return answer.data.createConnection.connection.id as string;
  }

  const received = (path: string) => receiver.requests.filter((request) => new URL(request.url, 'http://x').pathname === path);
  const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8'));
  const headersOf = (request: RecordedRequest) => request.headers as Record<string, string>;
  async function waitForRequests(path: string, count: number, timeout = 10_000) {
    await vi.waitFor(() => expect(received(path).length).toBeGreaterThanOrEqual(count), { timeout, interval: 25 });
    return received(path);
  }
  async function deliveriesOf(endpointGlobalId: string) {
    const answer = await graphql(server, DELIVERIES, {}, adminHeaders);
    const endpoint = answer.data.webhookEndpoints.edges.find((edge: any) => edge.node.id === endpointGlobalId);
    return endpoint.node.deliveries.edges.map((edge: any) => edge.node);
  }

  it("signs each delivery per Standard Webhooks, so the standardwebhooks package verifies it; the body carries the connection's tags", async () => {
    const endpoint = await createEndpoint('/signed');
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const connectionId = await connect('signer', 'signed', undefined, { organizationId: '42' });

    const [request] = await waitForRequests('/signed', 1);
    const body = request!.body.toString('utf8');
    const verified = new Webhook(endpoint.secret).verify(body, headersOf(request!));
    expect(verified).toEqual({
      type: 'connection.created',
      timestamp: expect.any(String),
      data: {
        connectionId,
        integration: integration.slug,
        connectionName: 'signed',
        ownerId: 'signer',
        status: 'HEALTHY',
        previousStatus: null,
        reason: 'connected',
        tags: { organizationId: '42' },
        sequence: 1,
      },
    });
    expect(headersOf(request!)['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(headersOf(request!)['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // A body signed with another secret, or altered, is refused by the same library.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(body, headersOf(request!))).toThrow();
    expect(() => new Webhook(endpoint.secret).verify(body.replace('signed', 'forged'), headersOf(request!))).toThrow();
  });

  it('never puts a secret in a body: not the signing secret, not the connection credentials', async () => {
    const endpoint = await createEndpoint('/no-secrets');
    const apiKey = `very-secret-api-key-${newId()}`;
    await connect('keeper', 'no-secrets', apiKey);
    const [request] = await waitForRequests('/no-secrets', 1);
    const secretMaterial = [apiKey, endpoint.secret, endpoint.secret.slice('whsec_'.length)];
    const listing = JSON.stringify((await graphql(server, DELIVERIES, {}, adminHeaders)).data);
    const rows = JSON.stringify(await prisma.webhookDelivery.findMany());
    const endpointRow = JSON.stringify(await prisma.webhookEndpoint.findMany());
    for (const secret of secretMaterial) {
      expect(request!.body.toString('utf8')).not.toContain(secret);
      expect(JSON.stringify(request!.headers)).not.toContain(secret);
      expect(listing).not.toContain(secret);
      expect(rows).not.toContain(secret);
      expect(endpointRow).not.toContain(secret);
    }
  });

  it('retries a failed delivery with the same webhook-id until the endpoint answers 2xx', async () => {
    let calls = 0;
    receiver.routes.set('/flaky', (_req, res) => {
      calls++;
      if (calls < 3) json(res, 500, { error: 'try later' });
      else res.writeHead(200).end('ok');
    });
    const endpoint = await createEndpoint('/flaky');
    await connect('retrier', 'flaky');
    const requests = await waitForRequests('/flaky', 3);
    const ids = new Set(requests.map((request) => headersOf(request)['webhook-id']));
    expect(ids.size).toBe(1);
    for (const request of requests) expect(() => new Webhook(endpoint.secret).verify(request.body, headersOf(request))).not.toThrow();
    await vi.waitFor(async () => {
      const [delivery] = await deliveriesOf(endpoint.globalId);
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 3, responseStatus: 200, error: null, messageId: [...ids][0] });
    });
  });

  it('counts each attempt in /metrics by event type and outcome with its duration, and the pending deliveries, never labelled by endpoint', async () => {
    let calls = 0;
    receiver.routes.set('/metered/token-in-path', (_req, res) => {
      calls++;
      if (calls < 2) json(res, 500, { error: 'once' });
      else res.writeHead(204).end();
    });
    const endpoint = await createEndpoint('/metered/token-in-path');
    const endpointId = decodeGlobalID(endpoint.globalId).id;
    // Three deliveries due tomorrow, at an endpoint of their own (a success at the metered endpoint makes
    // its own pending deliveries due at once): pending, and no worker touches them before the scrape.
    const parked = await createEndpoint('/metered/parked', ['CONNECTION_DELETED']);
    const tomorrow = new Date(Date.now() + 86_400_000);
    await prisma.webhookDelivery.createMany({
      data: [1, 2, 3].map(() => ({
        id: newId(),
        endpointId: decodeGlobalID(parked.globalId).id,
        messageId: 'msg_later',
        eventType: 'connection.created',
        body: '{}',
        nextAttemptAt: tomorrow,
      })),
    });
    const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
    const value = (text: string, series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1] ?? 0,
      );
    const attempts = (outcome: string) => `switchboard_webhook_deliveries_total{event_type="connection.created",outcome="${outcome}"}`;
    const durations = (outcome: string) => `switchboard_webhook_delivery_duration_seconds_count{outcome="${outcome}"}`;
    const before = await scrape();
    expect(value(before, 'switchboard_webhook_pending')).toBeGreaterThanOrEqual(3);

    await connect('metered', 'metered');
    await waitForRequests('/metered/token-in-path', 2);
    await vi.waitFor(async () => {
      const after = await scrape();
      expect(value(after, attempts('retry_scheduled')) - value(before, attempts('retry_scheduled'))).toBe(1);
      expect(value(after, attempts('success')) - value(before, attempts('success'))).toBe(1);
      expect(value(after, durations('failure')) - value(before, durations('failure'))).toBe(1);
      expect(value(after, durations('success')) - value(before, durations('success'))).toBe(1);
    });
    const after = await scrape();
    expect(after).toMatch(/# TYPE switchboard_webhook_delivery_duration_seconds histogram/);
    expect(after).not.toContain('token-in-path');
    expect(after).not.toContain(endpointId);
  });

  it('records each delivery attempt in the activity log as a WEBHOOK operation of its connection, without the endpoint URL', async () => {
    let calls = 0;
    receiver.routes.set('/logged/secret-path-token', (_req, res) => {
      calls++;
      if (calls < 2) json(res, 503, { error: 'busy' });
      else res.writeHead(204).end();
    });
    await createEndpoint('/logged/secret-path-token');
    const connectionId = await connect('logger', 'logged');
    await waitForRequests('/logged/secret-path-token', 2);
    await vi.waitFor(async () => {
      await server.activity.flush();
      const rows = await prisma.operation.findMany({ where: { kind: 'WEBHOOK', connectionId }, orderBy: { id: 'asc' } });
      expect(rows.map((row) => [row.outcome, row.providerStatus])).toEqual([
        ['FAILURE', 503],
        ['SUCCESS', 204],
      ]);
      expect(rows[0]).toMatchObject({ integrationSlug: integration.slug, ownerId: 'logger', method: 'POST', path: null });
      expect(JSON.stringify(rows)).not.toContain('secret-path-token');
    });
  });

  it('marks a delivery FAILED after the last attempt; only redeliverWebhook sends it again, with the same webhook-id', async () => {
    let up = false;
    receiver.routes.set('/down', (_req, res) => {
      if (up) res.writeHead(200).end();
      else json(res, 503, { error: 'down' });
    });
    const endpoint = await createEndpoint('/down');
    await connect('failer', 'down');
    await waitForRequests('/down', 3);
    let failed: any;
    await vi.waitFor(async () => {
      [failed] = await deliveriesOf(endpoint.globalId);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 3, responseStatus: 503, error: 'HTTP 503', nextAttemptAt: null });
    });
    // No fourth attempt on its own.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(received('/down')).toHaveLength(3);

    up = true;
    const redelivered = await graphql(
      server,
      'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { __typename ... on RedeliverWebhookPayload { delivery { id status } } } }',
      { id: failed.id },
      adminHeaders,
    );
    expect(redelivered.data.redeliverWebhook).toMatchObject({ __typename: 'RedeliverWebhookPayload', delivery: { id: failed.id, status: 'PENDING' } });
    const requests = await waitForRequests('/down', 4);
    expect(headersOf(requests[3]!)['webhook-id']).toBe(failed.messageId);
    await vi.waitFor(async () => expect((await deliveriesOf(endpoint.globalId))[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 4 }));
  });

  it('sends each endpoint only the event types it asked for (none: every type)', async () => {
    await createEndpoint('/only-deleted', ['CONNECTION_DELETED']);
    await createEndpoint('/everything');
    const connectionId = await connect('filtered', 'filtered');
    await graphql(server, DISCONNECT, { input: { connectionId } }, await userHeaders('filtered'));
    const everything = await waitForRequests('/everything', 2);
    expect(everything.map((request) => bodyOf(request).type)).toEqual(['connection.created', 'connection.deleted']);
    const onlyDeleted = await waitForRequests('/only-deleted', 1);
    expect(onlyDeleted.map((request) => bodyOf(request).type)).toEqual(['connection.deleted']);
    expect(bodyOf(onlyDeleted[0]!).data).toMatchObject({
      connectionId,
      status: 'DISCONNECTED',
      previousStatus: 'HEALTHY',
      reason: 'disconnected',
      tags: {},
      sequence: 2,
    });
  });

  it('signs with the old and the new secret during the rotation grace period, then with the new one only', async () => {
    const endpoint = await createEndpoint('/rotated');
    const rotated = await graphql(
      server,
      'mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id }) { __typename ... on RotateWebhookSecretPayload { secret webhookEndpoint { id secretRotationEndsAt } } } }',
      { id: endpoint.globalId },
      adminHeaders,
    );
    const newSecret: string = rotated.data.rotateWebhookSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    const graceEnds = new Date(rotated.data.rotateWebhookSecret.webhookEndpoint.secretRotationEndsAt).getTime();
    expect(Math.abs(graceEnds - Date.now() - config.webhooks.secretGraceSeconds * 1000)).toBeLessThan(60_000);

    await connect('rotator', 'rotated-1');
    const [during] = await waitForRequests('/rotated', 1);
    expect(headersOf(during!)['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, newSecret]) expect(() => new Webhook(secret).verify(during!.body, headersOf(during!))).not.toThrow();

    // Once the grace period is over, the old secret no longer verifies.
    await prisma.webhookEndpoint.updateMany({ data: { previousSecretExpiresAt: new Date(Date.now() - 1000) } });
    await connect('rotator', 'rotated-2');
    const after = (await waitForRequests('/rotated', 2))[1]!;
    expect(headersOf(after)['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(after.body, headersOf(after))).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(after.body, headersOf(after))).toThrow();
  });

  it('lets users neither see nor manage endpoints and deliveries', async () => {
    const endpoint = await createEndpoint('/private');
    const user = await userHeaders('curious');
    const listed = await graphql(server, '{ webhookEndpoints { totalCount } }', {}, user);
    expect(listed.data ?? null).toBeNull();
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viaNode = await graphql(server, 'query ($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } } }', { id: endpoint.globalId }, user);
    expect(JSON.stringify(viaNode.data ?? {})).not.toContain('/private');
    const mutations = {
      createWebhookEndpoint: [CREATE_ENDPOINT, { input: { url: `${receiver.url}/mine` } }],
      updateWebhookEndpoint: ['mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { __typename } }', { id: endpoint.globalId }],
      deleteWebhookEndpoint: ['mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { __typename } }', { id: endpoint.globalId }],
      rotateWebhookSecret: ['mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id }) { __typename } }', { id: endpoint.globalId }],
      redeliverWebhook: [
        'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { __typename } }',
        { id: encodeGlobalID('WebhookDelivery', newId()) },
      ],
    } as const;
    for (const [name, [query, variables]] of Object.entries(mutations)) {
      const answer = await graphql(server, query, variables, user);
      expect(answer.data?.[name]?.__typename, name).toBe('ForbiddenError');
    }
    const row = await prisma.webhookEndpoint.findFirstOrThrow({ where: { url: `${receiver.url}/private` } });
    expect(row.enabled).toBe(true);
  });

  it('refuses endpoint URLs like provider URLs: https on public hosts unless private targets are allowed', async () => {
    // Apps with those settings (the delivery worker off: deliveries stay with the file's server).
    const strict = await startTestServer({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: false } });
    for (const url of [
      'http://hooks.example.com/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://localhost/x',
      'https://user:pw@hooks.example.com/',
      'ftp://hooks.example.com/',
    ]) {
      const answer = await graphql(strict, CREATE_ENDPOINT, { input: { url } }, adminHeaders);
      expect(answer.data.createWebhookEndpoint.__typename, url).toBe('ValidationError');
      expect(answer.data.createWebhookEndpoint.fieldErrors[0].field).toBe('url');
    }
    expect((await strict.services.webhookEndpoints.create({ url: 'https://hooks.example.com/switchboard' })).endpoint.url).toBe(
      'https://hooks.example.com/switchboard',
    );
    const privateAllowed = testApp({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: true } });
    expect((await privateAllowed.services.webhookEndpoints.create({ url: 'http://10.1.2.3:8080/hooks' })).endpoint.url).toBe('http://10.1.2.3:8080/hooks');
    await prisma.webhookEndpoint.deleteMany({ where: { url: { in: ['https://hooks.example.com/switchboard', 'http://10.1.2.3:8080/hooks'] } } });
  });

  it('refuses at connect time to deliver to a non-public address unless private targets are allowed', async () => {
    const { endpoint } = await server.services.webhookEndpoints.create({ url: `${receiver.url}/connect-check` });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
    receiver.routes.set('/connect-check', (_req, res) => void res.writeHead(204).end());
    const delivery: ClaimedDelivery = {
      ...endpoint,
      id: newId(),
      endpointId: endpoint.id,
      messageId: 'msg_test',
      eventType: 'connection.created',
      body: '{}',
      attempts: 1,
    };
    // Apps with those settings send it (their outbound layers), without a delivery worker of their own.
    const strict = testApp({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: false } });
    const refused = await sendDelivery(strict, delivery, { timeoutMs: 2_000 });
    expect(refused).toMatchObject({ ok: false, responseStatus: null, error: expect.stringMatching(/not public/) });
    const privateAllowed = testApp({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: true } });
    expect(await sendDelivery(privateAllowed, delivery, { timeoutMs: 2_000 })).toMatchObject({ ok: true, responseStatus: 204 });
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    receiver.routes.set('/redirect', (_req, res) => void res.writeHead(307, { location: `${receiver.url}/elsewhere` }).end());
    const endpoint = await createEndpoint('/redirect');
    await connect('redirected', 'redirected');
    await waitForRequests('/redirect', 1);
    await vi.waitFor(async () => expect((await deliveriesOf(endpoint.globalId))[0]).toMatchObject({ responseStatus: 307, error: 'HTTP 307' }));
    expect(receiver.hits('/elsewhere')).toBe(0);
  });

  it('keeps delivering to other endpoints while a slow endpoint holds its few slots', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    onTestFinished(() => release());
    let open = 0;
    let mostOpen = 0;
    receiver.routes.set('/slow', async (_req, res) => {
      // Open until answered or abandoned (an attempt that timed out closes its socket).
      let counted = true;
      const done = () => {
        if (counted) open--;
        counted = false;
      };
      mostOpen = Math.max(mostOpen, ++open);
      res.once('close', done);
      await released;
      done();
      if (!res.destroyed) res.writeHead(204).end();
    });
    await createEndpoint('/slow');
    await createEndpoint('/fast');
    for (let index = 0; index < 8; index++) await connect('busy', `busy-${index}`);
    // Every message reaches the fast endpoint while the slow one has answered none (its attempts may time out and retry).
    await waitForRequests('/fast', 8, 30_000);
    expect(mostOpen).toBeLessThanOrEqual(webhookSettings.endpointConcurrency);
    release();
    await vi.waitFor(() => expect(new Set(received('/slow').map((request) => headersOf(request)['webhook-id'])).size).toBe(8), {
      timeout: 30_000,
      interval: 50,
    });
  }, 90_000);

  it('sends connection.created, reconnected, recovered, failed and deleted for the changes that cause them', async () => {
    const as = await startAuthorizationServer({ redirectUri: CALLBACK });
    const slug = await createOidcIntegration(server, as);
    await createEndpoint('/lifecycle');
    const headers = await userHeaders('lifecycle-user');
    const connection = await connectThroughProvider(server, slug, headers);
    await connectThroughProvider(server, slug, headers);
    const connectionId = encodeGlobalID('Connection', connection.id);
    // A transient failure left it EXPIRED; a refresh that works brings it back.
    await prisma.connection.update({ where: { id: connection.id }, data: { status: 'EXPIRED', statusMessage: 'Refresh failed: timeout' } });
    const REFRESH = 'mutation ($id: ID!) { refreshConnection(input: { connectionId: $id }) { __typename } }';
    expect((await graphql(server, REFRESH, { id: connectionId }, headers)).data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    // The provider forgets the grant: invalid_grant makes it ERROR.
    const stored = credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } }))!;
    const grantId = (await as.provider.RefreshToken.find(stored.refreshToken!))!.grantId!;
    await (await as.provider.Grant.find(grantId))!.destroy();
    expect((await graphql(server, REFRESH, { id: connectionId }, headers)).data.refreshConnection.__typename).toBe('ReauthorizationRequiredError');
    await graphql(server, DISCONNECT, { input: { connectionId } }, headers);

    const requests = await waitForRequests('/lifecycle', 5);
    const events = requests.map((request) => bodyOf(request)).sort((a, b) => a.data.sequence - b.data.sequence);
    expect(events.map((event) => [event.type, event.data.previousStatus, event.data.status])).toEqual([
      ['connection.created', null, 'HEALTHY'],
      ['connection.reconnected', 'HEALTHY', 'HEALTHY'],
      ['connection.recovered', 'EXPIRED', 'HEALTHY'],
      ['connection.failed', 'HEALTHY', 'ERROR'],
      ['connection.deleted', 'ERROR', 'DISCONNECTED'],
    ]);
    expect(new Set(events.map((event) => event.data.connectionId))).toEqual(new Set([connectionId]));
    expect(events[3].data.reason).toMatch(/invalid_grant/);
  });
});
