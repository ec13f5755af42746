// Redis down and back, on a private Redis (the shared one is left alone): mutations keep working,
// this instance's subscribers get events at once, nothing is queued for later, cached credentials
// are not trusted while other instances' changes cannot arrive, and cross-instance events resume.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { sealCredentials } from '../src/domain/connections.js';
import { collectStatusEvents } from './helpers/events.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startPrivateRedis } from './helpers/services.js';
import { json, startUpstream } from './helpers/upstream.js';
import { keyring, prisma } from './helpers/database.js';

// One port per project: the two projects run this file at the same time.
const REDIS_PORT = process.env.TEST_DATABASE === 'postgresql' ? 15380 : 15379;

describe('Redis outage', async () => {
  const redis = await startPrivateRedis(REDIS_PORT);
  const server = await startTestServer({ realtime: { redisUrl: redis.url } });
  await server.changes.ready();
  const status = await collectStatusEvents(server);
  const channel = `${server.config.realtime.redisPrefix}:events`;

  // Another instance, as Redis sees it: a subscriber and a publisher on the same channel.
  const otherInstance: Array<{ name: string; payload: { connectionId?: string }; from: string }> = [];
  const subscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {});
  subscriber.on('message', (_channel, message: string) => otherInstance.push(JSON.parse(message)));
  await subscriber.subscribe(channel);

  const api = await startUpstream();
  api.routes.set('/api/me', (req, res) => json(res, 200, { authorization: req.headers.authorization }));
  const slug = uniqueSlug('redis');
  await graphql(
    server,
    `
      mutation ($input: CreateIntegrationInput!) {
        createIntegration(input: $input) {
          __typename
        }
      }
    `,
    {
      input: {
        slug,
        provider: 'custom',
        clientId: 'c',
        clientSecret: 's',
        authorizationUrl: `${api.url}/authorize`,
        tokenUrl: `${api.url}/token`,
        apiBaseUrl: `${api.url}/api`,
      },
    },
    adminHeaders,
  );
  const headers = await userHeaders('redis-user');
  const connect = async (name: string) => {
    const started = performance.now();
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                id
              }
            }
          }
        }
      `,
      { input: { integration: slug, connectionName: name, accessToken: `token-${name}` } },
      headers,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    const row = await prisma.connection.findFirstOrThrow({ where: { integration: { slug }, name } });
    return { id: row.id, ms: performance.now() - started };
  };
  const proxy = (id: string) =>
    graphql(
      server,
      `
        mutation ($input: ProxyRequestInput!) {
          proxyRequest(input: $input) {
            __typename
            ... on ProxyResponse {
              data
            }
          }
        }
      `,
      {
        input: { integration: slug, connectionId: encodeGlobalID('Connection', id), url: 'me' },
      },
      headers,
    );

  it('events reach this instance once and other instances through Redis; mutations and local events go on while it is down; cross-instance events resume', async () => {
    const before = await connect('before');
    expect(await status.waitFor(before.id, 1)).toHaveLength(1);
    await vi.waitFor(() =>
      expect(otherInstance.some((message) => message.payload.connectionId === before.id && message.from === server.instanceId)).toBe(true),
    );
    // Our own message came back through Redis and was skipped: still one event here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(status.of(before.id)).toHaveLength(1);

    // A cached connection, then Redis goes away.
    const cached = await connect('cached');
    expect((await proxy(cached.id)).data.proxyRequest.data.authorization).toBe('Bearer token-cached');
    await redis.kill();
    await vi.waitFor(() => expect(server.changes.flowing()).toBe(false), { timeout: 5_000 });

    // Mutations work and local subscribers hear at once; nothing is queued for Redis.
    const during = await connect('during');
    expect(during.ms).toBeLessThan(2_000);
    expect(await status.waitFor(during.id, 1)).toHaveLength(1);

    // Another instance changes the cached connection (its event cannot arrive): not served from the cache.
    await prisma.connection.update({
      where: { id: cached.id },
      data: { credentialsEnc: sealCredentials(keyring, cached.id, { type: 'OAUTH2', accessToken: 'token-elsewhere' }), sequence: { increment: 1 } },
    });
    expect((await proxy(cached.id)).data.proxyRequest.data.authorization).toBe('Bearer token-elsewhere');
    // …nor a connection another instance deleted.
    await prisma.connection.delete({ where: { id: during.id } });
    expect((await proxy(during.id)).data.proxyRequest.__typename).toBe('NotFoundError');

    // Changed once more on "another instance" just before the link is back: the cache read during the
    // outage is cleared when it returns, so the change is seen.
    await prisma.connection.update({
      where: { id: cached.id },
      data: { credentialsEnc: sealCredentials(keyring, cached.id, { type: 'OAUTH2', accessToken: 'token-third' }), sequence: { increment: 1 } },
    });

    // Back: the event of the outage was not queued and sent late; new events flow both ways again.
    await redis.start();
    await vi.waitFor(() => expect(server.changes.flowing()).toBe(true), { timeout: 10_000 });
    expect((await proxy(cached.id)).data.proxyRequest.data.authorization).toBe('Bearer token-third');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(otherInstance.some((message) => message.payload.connectionId === during.id)).toBe(false);
    const publisher = new Redis(redis.url);
    await publisher.publish(
      channel,
      // (A change feed message: a connection change carrying its status event.)
      JSON.stringify({
        name: 'connection',
        from: 'another-instance',
        payload: {
          connectionId: 'from-elsewhere',
          integrationId: 'x',
          sequence: 1,
          deleted: false,
          status: {
            connectionId: 'from-elsewhere',
            integrationId: 'x',
            integrationSlug: slug,
            connectionName: 'elsewhere',
            ownerId: null,
            status: 'HEALTHY',
            previousStatus: null,
            reason: 'connected',
            sequence: 1,
            at: new Date().toISOString(),
          },
        },
      }),
    );
    await status.waitFor('from-elsewhere', 1);
    // Our publisher reconnects on its own schedule: events made after it has are heard elsewhere.
    await vi.waitFor(
      async () => {
        const after = await connect(`after-${Date.now()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(otherInstance.some((message) => message.payload.connectionId === after.id)).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
    publisher.disconnect();
    subscriber.disconnect();
  });
});
