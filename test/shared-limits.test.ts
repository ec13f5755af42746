// Limits per deployment: three instances (each with its own Redis client and its own in-process
// state, on one PostgreSQL and one Redis) share the token endpoint's breaker, a provider's rate limit
// learned from its headers, a webhook endpoint's concurrency and a user's subscription cap. Without PostgreSQL and Redis those tests are skipped (the
// limits then count per instance, as a single instance needs); the fallback while Redis does not
// answer runs everywhere.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Viewer } from '../src/domain/viewer.js';
import { newId } from '../src/kernel/ids.js';
import { createSharedLimits, type SharedLimits } from '../src/kernel/shared-limits.js';
import { createBreaker, type BreakerTicket } from '../src/tokens/breaker.js';
import { enqueueConnectionEvent } from '../src/webhooks/outbox.js';
import { database, keyring, prisma, testLogger } from './helpers/database.js';
import { createApp } from '../src/app.js';
import { testApp, testConfig } from './helpers/server.js';
import { connectedEvent } from './helpers/events.js';
import { json, startUpstream } from './helpers/upstream.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { startWorkersOn } from './helpers/webhook-workers.js';

const sharedServices = process.env.TEST_DATABASE === 'postgresql' && Boolean(process.env.REDIS_URL);
const onSharedServices = it.skipIf(!sharedServices);
if (!sharedServices) console.info('shared-limits: the three-instance tests need PostgreSQL and Redis (DATABASE_URL, REDIS_URL); skipped here');

/** One instance's Redis client for limits, closed after the test; all share the test's prefix. */
function limitsOf(prefix: string, redisUrl = process.env.REDIS_URL, timeoutMs = 500): SharedLimits {
  const limits = createSharedLimits({ redisUrl, prefix, timeoutMs, logger: testLogger });
  onTestFinished(() => limits.close());
  return limits;
}

const threeInstances = (prefix = `limits-${randomBytes(4).toString('hex')}`): [SharedLimits, SharedLimits, SharedLimits] => [
  limitsOf(prefix),
  limitsOf(prefix),
  limitsOf(prefix),
];

describe('limits per deployment', () => {
  onSharedServices("opens a failing provider's breaker for every instance: one probe at a time across three instances, one per probe interval", async () => {
    const breakers = threeInstances().map((limits) => createBreaker({ threshold: 3, db: database, logger: testLogger, limits, probeIntervalMs: 300 }));
    const integrationId = newId();
    const probeOf = (tickets: BreakerTicket[]) => {
      const index = tickets.findIndex((ticket) => ticket.kind === 'probe');
      return { breaker: breakers[index]!, ticket: tickets[index]! };
    };
    // Three failures, one on each instance.
    for (const breaker of breakers) await breaker.failure(integrationId, await breaker.enter(integrationId));
    const tickets = await Promise.all(breakers.map((breaker) => breaker.enter(integrationId)));
    expect(tickets.map((ticket) => ticket.kind).sort()).toEqual(['open', 'open', 'probe']);
    // The probe fails: no instance probes again within the interval; then one (any) does.
    const first = probeOf(tickets);
    await first.breaker.failure(integrationId, first.ticket);
    expect((await Promise.all(breakers.map((breaker) => breaker.enter(integrationId)))).map((ticket) => ticket.kind)).toEqual(['open', 'open', 'open']);
    // Each instance was told when the wait ends (its `breaker-probe` job tries the next probe then).
    for (const breaker of breakers) {
      const waitMs = breaker.probes.nextAt()! - performance.now();
      expect(waitMs).toBeGreaterThan(0);
      expect(waitMs).toBeLessThanOrEqual(300);
    }
    await new Promise((resolve) => setTimeout(resolve, 350));
    const again = await Promise.all(breakers.map((breaker) => breaker.enter(integrationId)));
    expect(again.filter((ticket) => ticket.kind === 'probe')).toHaveLength(1);
    // Its success closes the breaker everywhere.
    const second = probeOf(again);
    await second.breaker.success(integrationId, second.ticket);
    expect((await Promise.all(breakers.map((breaker) => breaker.enter(integrationId)))).map((ticket) => ticket.kind)).toEqual(['closed', 'closed', 'closed']);
  });

  onSharedServices(
    'probes an open breaker at one instance’s pace with three instances: token requests within one instance’s + 10 %',
    async () => {
      // Background sweeps every second against a token endpoint that always fails; after a failed
      // probe the next waits 250 ms. Before the `breaker-probe` job each instance probed when its own
      // sweep came by, so three instances probed about three times as often as one.
      const upstream = await startUpstream({ record: false });
      const tokens = { intervalSeconds: 1, breakerThreshold: 2, breakerProbeIntervalMs: 250, backoffBaseMs: 600_000 };
      const tokenRequestsOf = async (instances: number, countForMs: number): Promise<number> => {
        let tokenRequests = 0;
        const path = `/token-${instances}`;
        upstream.routes.set(path, (_req, res) => {
          tokenRequests++;
          res.writeHead(502).end();
        });
        const creator = testApp();
        const slug = uniqueSlug('probe-pace');
        const integration = await creator.services.integrations.create({
          slug,
          provider: 'custom',
          clientId: 'client-id',
          clientSecret: 'client-secret',
          authorizationUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}${path}`,
        });
        const viewer: Viewer = { userId: `pace-${randomBytes(3).toString('hex')}`, isAdmin: false, via: 'jwt' };
        for (let index = 0; index < 60; index++) {
          await creator.services.createConnection(viewer, {
            integration: slug,
            connectionName: `c${index}`,
            accessToken: 'expired',
            refreshToken: `refresh-${index}`,
            expiresAt: new Date(Date.now() - 1000),
          });
        }
        const apps = Array.from({ length: instances }, () => createApp(testConfig({ tokens }), { database, keyring, logger: testLogger }));
        try {
          await Promise.all(apps.map((app) => app.ready()));
          // The first sweep sends a few before the breaker opens; the pace is counted after it.
          await vi.waitFor(() => expect(tokenRequests).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          const before = tokenRequests;
          await new Promise((resolve) => setTimeout(resolve, countForMs));
          return tokenRequests - before;
        } finally {
          await Promise.all(apps.map((app) => app.stop(0)));
          await prisma.connection.deleteMany({ where: { integrationId: integration.id } });
        }
      };
      const one = await tokenRequestsOf(1, 5_000);
      const three = await tokenRequestsOf(3, 5_000);
      // One probe per interval (plus the probe's own time) for one instance as for three.
      expect(one).toBeGreaterThanOrEqual(8);
      expect(three).toBeLessThanOrEqual(Math.floor(one * 1.1) + 2);
    },
    60_000,
  );

  onSharedServices(
    'holds a provider’s advertised rate limit per deployment: three instances’ concurrent calls reach it at most N times',
    async () => {
      const apps = [testApp(), testApp(), testApp()];
      const upstream = await startUpstream({ record: false });
      // A provider allowing 60 calls per window (one window for the whole test), counting each call as
      // it arrives and answering 20 ms later: its count lags the calls in flight, as a real one's does.
      const limit = 60;
      let hits = 0;
      const resetAt = String(Math.ceil(Date.now() / 1000) + 30);
      upstream.routes.set('/api/items', (_req, res) => {
        hits++;
        const remaining = Math.max(0, limit - hits);
        const over = hits > limit;
        setTimeout(
          () =>
            json(
              res,
              over ? 429 : 200,
              {},
              {
                'x-ratelimit-limit': String(limit),
                'x-ratelimit-remaining': String(remaining),
                'x-ratelimit-reset': resetAt,
                ...(over ? { 'retry-after': '30' } : {}),
              },
            ),
          20,
        );
      });
      const slug = uniqueSlug('shared-rate');
      await apps[0]!.services.integrations.create({
        slug,
        provider: 'custom',
        clientId: 'client-id',
        clientSecret: 'client-secret',
        authorizationUrl: `${upstream.url}/authorize`,
        tokenUrl: `${upstream.url}/token`,
        apiBaseUrl: `${upstream.url}/api`,
      });
      const viewer: Viewer = { userId: `caller-${randomBytes(3).toString('hex')}`, isAdmin: false, via: 'jwt' };
      await apps[0]!.services.createConnection(viewer, { integration: slug, accessToken: 'token-1', expiresAt: new Date(Date.now() + 3600_000) });
      // Four callers on each instance, each sending until it is refused.
      const outcomes = { ok: 0, limited: 0, other: [] as string[] };
      const caller = async (app: (typeof apps)[number]) => {
        for (let call = 0; call < 40; call++) {
          try {
            const answer = await app.services.proxy.proxyRequest(viewer, { integration: slug, url: 'items', method: 'GET' });
            if (answer.status === 200) outcomes.ok++;
            else outcomes.other.push(String(answer.status));
          } catch (error) {
            if ((error as { code?: string }).code === 'RATE_LIMITED') outcomes.limited++;
            else outcomes.other.push(String(error));
          }
        }
      };
      await Promise.all(apps.flatMap((app) => Array.from({ length: 4 }, () => caller(app))));
      expect(outcomes.other).toEqual([]);
      expect(hits).toBeLessThanOrEqual(limit);
      expect(outcomes.ok).toBe(hits);
      expect(outcomes.ok + outcomes.limited).toBe(3 * 4 * 40);
    },
    30_000,
  );

  onSharedServices('frees a crashed holder’s slot when its lease expires', async () => {
    const [first, second] = threeInstances();
    expect(await first.acquire('slot', 'crashed-holder', 1, 300)).toBe(true);
    expect(await second.acquire('slot', 'other', 1, 300)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await second.acquire('slot', 'other', 1, 300)).toBe(true);
  });

  onSharedServices(
    'holds WEBHOOK_ENDPOINT_CONCURRENCY per deployment across three instances’ workers',
    async () => {
      const app = testApp();
      const receiver = await startUpstream();
      let open = 0;
      let mostOpen = 0;
      const seen: string[] = [];
      receiver.routes.set('/slow', (req, res) => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        seen.push(String(req.headers['webhook-id']));
        setTimeout(() => {
          open--;
          res.writeHead(204).end();
        }, 150);
      });
      const { endpoint } = await app.services.webhookEndpoints.create({ url: `${receiver.url}/slow` });
      onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
      const messages = 24;
      for (let index = 0; index < messages; index++) {
        await prisma.$transaction((tx) => enqueueConnectionEvent(tx, connectedEvent(newId())));
      }
      const settings = { ...app.config.webhooks, pollIntervalMs: 50, concurrency: 8, endpointConcurrency: 2, prefetch: 4, timeoutMs: 5_000 };
      startWorkersOn(
        app,
        settings,
        threeInstances().map((limits, index) => ({ instanceId: `instance-${index}`, limits })),
      );
      await vi.waitFor(() => expect(new Set(seen).size).toBe(messages), { timeout: 20_000, interval: 50 });
      expect(mostOpen).toBeLessThanOrEqual(2);
      expect(seen).toHaveLength(messages);
    },
    30_000,
  );

  onSharedServices('caps a user’s subscriptions per deployment across three instances; the deployment gauge counts them all', async () => {
    const apps = [
      testApp({ realtime: { maxSubscriptionsPerUser: 5 } }),
      testApp({ realtime: { maxSubscriptionsPerUser: 5 } }),
      testApp({ realtime: { maxSubscriptionsPerUser: 5 } }),
    ];
    const viewer: Viewer = { userId: `subscriber-${randomBytes(3).toString('hex')}`, isAdmin: false, via: 'jwt' };
    const opened: AsyncIterator<unknown>[] = [];
    const results: string[] = [];
    for (let index = 0; index < 9; index++) {
      try {
        const stream = await apps[index % 3]!.services.statusStreams.subscribe(viewer, {});
        opened.push(stream[Symbol.asyncIterator]());
        results.push('open');
      } catch (error) {
        results.push((error as { code?: string }).code ?? String(error));
      }
    }
    expect(results.filter((result) => result === 'open')).toHaveLength(5);
    expect(results.filter((result) => result === 'QUOTA_EXCEEDED')).toHaveLength(4);
    expect(await apps[0]!.services.statusStreams.deploymentSubscriberCount()).toBe(5);
    // Closing one frees a slot for any instance.
    await opened[0]!.return?.();
    await vi.waitFor(async () => expect(await apps[2]!.services.statusStreams.deploymentSubscriberCount()).toBe(4));
    await apps[2]!.services.statusStreams.subscribe(viewer, {});
    for (const stream of opened.slice(1)) await stream.return?.();
  });

  it('counts on this instance alone, at once, while Redis does not answer', async () => {
    // A port where nothing listens: every call fails fast and the limits fall back.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const limits = limitsOf('down', `redis://127.0.0.1:${port}`, 200);
    const started = performance.now();
    expect(await limits.acquire('slot', 'holder', 1, 1000)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    const breaker = createBreaker({ threshold: 2, db: database, logger: testLogger, limits });
    const integrationId = newId();
    for (let index = 0; index < 2; index++) await breaker.failure(integrationId, await breaker.enter(integrationId));
    // This instance's own breaker opened: one probe, then the others wait.
    expect((await breaker.enter(integrationId)).kind).toBe('probe');
    expect((await breaker.enter(integrationId)).kind).toBe('open');
  });
});
