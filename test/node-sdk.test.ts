// The Node SDK (packages/node) against a running server with the sandbox provider: integrations,
// connections with tags, connect sessions, proxy calls with typed errors, fetch through the path
// proxy, refresh, disconnect, and verification of a real webhook delivery.
import { describe, expect, it } from 'vitest';
import {
  NotFoundError,
  SwitchboardError,
  Switchboard,
  ValidationError,
  signWebhook,
  verifyWebhook,
  type WebhookVerificationError,
  type WebhookEvent,
} from '../packages/node/src/index.js';
import { connectAtSandbox, createSandboxIntegration, startSandboxServer } from './helpers/sandbox.js';
import { TEST_API_KEY } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

const server = await startSandboxServer({ webhooks: { pollIntervalMs: 100, allowPrivate: true } });
const slug = await createSandboxIntegration(server);
const admin = new Switchboard({ url: server.url, apiKey: TEST_API_KEY });
const user = 'sdk-user';
const sb = admin.forUser(user);
const connectionId = await connectAtSandbox(server, slug, user);

describe('Node SDK: reading', () => {
  it('lists integrations and the connections of the user it acts for', async () => {
    const integrations = await admin.listIntegrations({ first: 100 });
    expect(integrations.nodes.map((integration) => integration.slug)).toContain(slug);
    const connections = await sb.listConnections({ integration: slug });
    expect(connections).toMatchObject({ totalCount: 1, hasNextPage: false });
    expect(connections.nodes[0]).toMatchObject({ id: connectionId, ownerId: user, status: 'HEALTHY', integration: { slug } });
    expect(await admin.forUser('someone-else').listConnections({ integration: slug })).toMatchObject({ totalCount: 0 });
  });

  it('tags a connection and finds it by its tags', async () => {
    const tagged = await sb.updateConnection(connectionId, { tags: { team: 'blue', plan: 'pro' } });
    expect(tagged.tags).toEqual({ team: 'blue', plan: 'pro' });
    expect((await sb.listConnections({ tags: { team: 'blue' } })).nodes.map((connection) => connection.id)).toEqual([connectionId]);
    expect((await sb.listConnections({ tags: { team: 'red' } })).totalCount).toBe(0);
    expect(await sb.getConnection(connectionId)).toMatchObject({ id: connectionId, tags: { team: 'blue', plan: 'pro' } });
  });

  it('makes a connect session whose URL is the hosted connect page', async () => {
    const session = await admin.createConnectSession({ endUserId: 'newcomer', integrations: [slug] });
    expect(session.connectUrl).toBe(`${server.config.publicUrl}/connect?token=${session.token}`);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    await expect(admin.createConnectSession({ endUserId: 'newcomer', integrations: ['no-such-integration'] })).rejects.toBeInstanceOf(SwitchboardError);
  });
});

describe('Node SDK: calling the provider', () => {
  it('proxies a call through the connection and returns the provider answer', async () => {
    const response = await sb.proxyRequest({ integration: slug, url: 'me' });
    expect(response).toMatchObject({ ok: true, status: 200, data: { sub: user } });
  });

  it('throws the result union errors as typed errors with their codes', async () => {
    const unknown = await sb.proxyRequest({ integration: 'nope', url: 'me' }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', typename: 'NotFoundError', message: 'No integration "nope".' });
    const outside = await sb.proxyRequest({ integration: slug, url: 'https://elsewhere.example/me' }).catch((error: unknown) => error);
    expect(outside).toBeInstanceOf(ValidationError);
    expect(outside).toMatchObject({ code: 'VALIDATION' });
  });

  it('turns GraphQL errors into SwitchboardError with extensions.code', async () => {
    const error = await sb.proxyRequest({ integration: slug, url: 'me', method: 'FETCH' as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ typename: 'GraphQLError', code: 'BAD_USER_INPUT' });
  });

  it('fetches through the path proxy with fetch semantics', async () => {
    const response = await sb.fetch(connectionId, '/me', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: user });
    // Another user's connection is not found (the SDK looks the connection up to route the call).
    await expect(admin.forUser('someone-else').fetch(connectionId, '/me')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refreshes a connection', async () => {
    const before = (await sb.getConnection(connectionId))!.lastRefreshedAt;
    const refreshed = await sb.refreshConnection(connectionId);
    expect(refreshed.status).toBe('HEALTHY');
    expect(refreshed.lastRefreshedAt).not.toBe(before);
    expect((await sb.proxyRequest({ integration: slug, url: 'me' })).status).toBe(200);
  });
});

describe('Node SDK: webhooks and disconnect', () => {
  it("verifies Switchboard's own signed delivery, and refuses a changed body, a wrong secret and an old timestamp", async () => {
    const receiver = await startUpstream();
    // Webhook endpoints are an admin task outside the SDK's common operations: any document goes through request().
    const endpoint = await admin.request<{ createWebhookEndpoint: { secret: string } }>(
      'mutation ($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: [CONNECTION_DELETED] }) { __typename ... on CreateWebhookEndpointPayload { secret } } }',
      { url: `${receiver.url}/hooks` },
    );
    const secret = endpoint.createWebhookEndpoint.secret;
    receiver.routes.set('/hooks', (_req, res) => void res.writeHead(204).end());

    const disconnected = await sb.disconnect(connectionId);
    expect(disconnected.connectionId).toBe(connectionId);
    await expect(sb.proxyRequest({ integration: slug, url: 'me' })).rejects.toBeInstanceOf(SwitchboardError);

    await expect.poll(() => receiver.hits('/hooks'), { timeout: 10_000 }).toBeGreaterThan(0);
    const delivery = receiver.requests.find((request) => request.url === '/hooks')!;
    const body = delivery.body.toString('utf8');
    const event: WebhookEvent = verifyWebhook(body, delivery.headers as Record<string, string>, { secret });
    expect(event).toMatchObject({ type: 'connection.deleted', data: { connectionId, integration: slug, ownerId: user, status: 'DISCONNECTED' } });
    // The SDK's signer gives exactly the server's header.
    expect(delivery.headers['webhook-signature']).toBe(
      signWebhook(secret, String(delivery.headers['webhook-id']), Number(delivery.headers['webhook-timestamp']), body),
    );

    const refused = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error as WebhookVerificationError;
      }
      throw new Error('accepted');
    };
    expect(refused(() => verifyWebhook(body.replace('DISCONNECTED', 'HEALTHY'), delivery.headers as Record<string, string>, { secret })).code).toBe(
      'INVALID_SIGNATURE',
    );
    expect(
      refused(() => verifyWebhook(body, delivery.headers as Record<string, string>, { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` })).code,
    ).toBe('INVALID_SIGNATURE');
    expect(refused(() => verifyWebhook(body, delivery.headers as Record<string, string>, { secret, now: Date.now() + 600_000 })).code).toBe(
      'TIMESTAMP_OUT_OF_RANGE',
    );
    expect(refused(() => verifyWebhook(body, {}, { secret })).code).toBe('MISSING_HEADER');
    // During a rotation either secret verifies.
    expect(verifyWebhook(body, new Headers(delivery.headers as Record<string, string>), { secret: ['whsec_b2xk', secret] }).type).toBe('connection.deleted');
  });
});
