// REFRESH_TOKEN_ENDPOINT_CONCURRENCY: token requests in flight per integration. With Redis the cap
// holds for the deployment (three instances on one PostgreSQL and one Redis, their sweeps and their
// callers together); without Redis, or while it does not answer, it holds per instance. Either way
// every due connection is refreshed exactly once: a refresh waiting for a slot is neither lost nor
// sent twice, and one that gets none in time is handed back, still due. The sweep claims its next batch
// before the current one's refreshes have all answered.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../src/app.js';
import type { Viewer } from '../src/domain/viewer.js';
import { createSharedLimits } from '../src/kernel/shared-limits.js';
import { createTokenEndpointSlots } from '../src/tokens/endpoint-slots.js';
import { claimBatch, runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { credentialsOf, prisma, testLogger } from './helpers/database.js';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { testApp } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const sharedServices = process.env.TEST_DATABASE === 'postgresql' && Boolean(process.env.REDIS_URL);
const onSharedServices = it.skipIf(!sharedServices);

/**
 * A token endpoint that answers after `answerMs`, counts the requests in flight (and the most at
 * once), and rotates refresh tokens: a refresh token presented twice is a double refresh.
 */
async function countingTokenEndpoint(answerMs: number) {
  const upstream = await startUpstream({ record: false });
  const stats = { requests: 0, open: 0, mostOpen: 0, doubles: 0 };
  const presented = new Set<string>();
  upstream.routes.set('/token', (_req, res, body) => {
    stats.requests++;
    stats.open++;
    stats.mostOpen = Math.max(stats.mostOpen, stats.open);
    const refreshToken = new URLSearchParams(body.toString()).get('refresh_token') ?? '';
    if (presented.has(refreshToken)) stats.doubles++;
    presented.add(refreshToken);
    setTimeout(() => {
      stats.open--;
      json(res, 200, { access_token: `fresh-${randomBytes(4).toString('hex')}`, refresh_token: `${refreshToken}-r`, token_type: 'Bearer', expires_in: 3600 });
    }, answerMs);
  });
  return { url: upstream.url, stats };
}

/** An integration whose token endpoint is at `baseUrl`. */
async function integrationOn(app: App, baseUrl: string): Promise<{ id: string; slug: string }> {
  const integration = await makeIntegration(app, {
    slug: uniqueSlug('endpoint-cap'),
    authorizationUrl: `${baseUrl}/authorize`,
    tokenUrl: `${baseUrl}/token`,
  });
  return { id: integration.id, slug: integration.slug };
}

/** `count` connections of the integration whose tokens expire at `expiresAt`; their ids. */
async function dueConnections(app: App, slug: string, count: number, expiresAt: Date): Promise<string[]> {
  const viewer: Viewer = { userId: `cap-${randomBytes(3).toString('hex')}`, isAdmin: false, via: 'jwt' };
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const created = await app.services.createConnection(viewer, {
      integration: slug,
      connectionName: `c${index}`,
      accessToken: `old-${index}`,
      refreshToken: `refresh-${index}-${randomBytes(3).toString('hex')}`,
      expiresAt,
    });
    ids.push(created.id);
  }
  return ids;
}

/** Every connection refreshed once: new tokens saved (expiring in the endpoint's hour), no lease left behind. */
async function expectRefreshedOnce(ids: string[]): Promise<void> {
  const rows = await prisma.connection.findMany({ where: { id: { in: ids } } });
  expect(rows).toHaveLength(ids.length);
  for (const row of rows) {
    expect(Math.abs(Date.now() - row.lastRefreshedAt!.getTime())).toBeLessThan(60_000);
    expect(Math.abs(row.tokenExpiresAt!.getTime() - Date.now() - 3600_000)).toBeLessThan(60_000);
    expect(credentialsOf(row)!.accessToken).toMatch(/^fresh-/);
    expect(row.refreshOwner).toBeNull();
    expect(row.status).toBe('HEALTHY');
  }
}

/** Callers on each app refresh their share of the (expired) connections at once. */
async function callersRefresh(apps: App[], ids: string[]): Promise<void> {
  const rows = await prisma.connection.findMany({ where: { id: { in: ids } }, include: { integration: true } });
  await Promise.all(rows.map((row, index) => apps[index % apps.length]!.services.refresher.usableCredentialsOf(row, { policy: 'AUTO' })));
}

describe('token requests in flight per integration (REFRESH_TOKEN_ENDPOINT_CONCURRENCY)', () => {
  onSharedServices(
    'holds the cap across three instances’ sweeps: never more in flight at the token endpoint, each connection refreshed once',
    async () => {
      const endpoint = await countingTokenEndpoint(30);
      const tokens = { tokenEndpointConcurrency: 3, concurrency: 4, intervalSeconds: 0 };
      const apps = [testApp({ tokens }), testApp({ tokens }), testApp({ tokens })];
      const ids = await dueConnections(apps[0]!, (await integrationOn(apps[0]!, endpoint.url)).slug, 40, new Date(Date.now() + 120_000));
      // Small batches, so that every instance claims a share and all twelve workers ask for slots.
      const results = await Promise.all(
        apps.map((app) =>
          runRefreshSweep({ prisma, refresher: app.services.refresher, logger: app.logger }, { lookaheadSeconds: 600, concurrency: 4, batchSize: 4 }),
        ),
      );
      expect(results.every((result) => result.claimed > 0)).toBe(true);
      expect(endpoint.stats.mostOpen).toBeLessThanOrEqual(3);
      expect(endpoint.stats.requests).toBe(40);
      expect(endpoint.stats.doubles).toBe(0);
      await expectRefreshedOnce(ids);
    },
    30_000,
  );

  onSharedServices(
    'holds the cap across three instances’ callers: refreshes they trigger wait for a slot, each connection refreshed once',
    async () => {
      const endpoint = await countingTokenEndpoint(30);
      const tokens = { tokenEndpointConcurrency: 2, intervalSeconds: 0 };
      const apps = [testApp({ tokens }), testApp({ tokens }), testApp({ tokens })];
      const ids = await dueConnections(apps[0]!, (await integrationOn(apps[0]!, endpoint.url)).slug, 24, new Date(Date.now() - 1000));
      await callersRefresh(apps, ids);
      expect(endpoint.stats.mostOpen).toBeLessThanOrEqual(2);
      expect(endpoint.stats.requests).toBe(24);
      expect(endpoint.stats.doubles).toBe(0);
      await expectRefreshedOnce(ids);
    },
    30_000,
  );

  it('holds the cap per instance without Redis: a sweep and callers together, each connection refreshed once', async () => {
    const endpoint = await countingTokenEndpoint(30);
    const app = testApp({ tokens: { tokenEndpointConcurrency: 2, intervalSeconds: 0 }, realtime: { redisUrl: '' } });
    const { slug } = await integrationOn(app, endpoint.url);
    const due = await dueConnections(app, slug, 12, new Date(Date.now() + 120_000));
    const expired = await dueConnections(app, slug, 6, new Date(Date.now() - 1000));
    await Promise.all([
      runRefreshSweep({ prisma, refresher: app.services.refresher, logger: app.logger }, { lookaheadSeconds: 600, concurrency: 8, batchSize: 100 }),
      callersRefresh([app], expired),
    ]);
    expect(endpoint.stats.mostOpen).toBeLessThanOrEqual(2);
    expect(endpoint.stats.requests).toBe(18);
    expect(endpoint.stats.doubles).toBe(0);
    await expectRefreshedOnce([...due, ...expired]);
  });

  it('counts the slots on this instance while Redis does not answer: a request past the cap waits for a release, in turn', async () => {
    // A port where nothing listens: every call fails fast and the slots count per instance.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const limits = createSharedLimits({ redisUrl: `redis://127.0.0.1:${port}`, prefix: 'down', timeoutMs: 200, logger: testLogger });
    onTestFinished(() => limits.close());
    const slots = createTokenEndpointSlots({ limit: 2, limits });
    const request = (holder: string, urgent = false, waitMs = 10_000) => ({ holder, startBy: performance.now() + waitMs, requestMs: 1_000, urgent });
    const held = [await slots.take('integration', request('a')), await slots.take('integration', request('b'))];
    expect(held.every(Boolean)).toBe(true);
    const order: string[] = [];
    const background = slots.take('integration', request('c')).then((slot) => (order.push('background'), slot));
    const caller = slots.take('integration', request('d', true)).then((slot) => (order.push('caller'), slot));
    // Past its deadline a waiting request gets no slot.
    expect(await slots.take('integration', request('e', false, 50))).toBeUndefined();
    held[0]!.release();
    held[1]!.release();
    expect(await caller).toBeDefined();
    expect(await background).toBeDefined();
    // A caller waiting is served before the background refresher.
    expect(order).toEqual(['caller', 'background']);
  });

  it('a claim that got no slot before its start window ended is handed back unsent, still due for the next sweep', async () => {
    const endpoint = await countingTokenEndpoint(0);
    const app = testApp({ tokens: { intervalSeconds: 0 } });
    const { id: integrationId, slug } = await integrationOn(app, endpoint.url);
    const ids = await dueConnections(app, slug, 1, new Date(Date.now() + 120_000));
    const deps = { prisma, refresher: app.services.refresher, logger: app.logger };
    const [claimed] = await claimBatch(deps, 600, 1, integrationId);
    // Its window ended while it waited (for workers or slots).
    const late = { ...claimed!, startBy: performance.now() - 1 };
    app.services.refresher.queueClaimedConnections([late]);
    await app.services.refresher.refreshClaimedConnection(late, 600_000);
    expect(endpoint.stats.requests).toBe(0);
    const row = await prisma.connection.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(row.refreshOwner).toBeNull();
    expect(row.refreshOutcomeUnknown).toBe(false);
    // The next sweep takes it, and it is refreshed once.
    const next = await runRefreshSweep(deps, { lookaheadSeconds: 600, concurrency: 1, batchSize: 100 });
    expect(next.refreshed).toBeGreaterThanOrEqual(1);
    expect(endpoint.stats.requests).toBe(1);
    await expectRefreshedOnce(ids);
  });
});

describe('the background sweep', () => {
  it('claims its next batch while the current one’s refreshes are still out, so that no worker waits for a batch’s slowest refresh', async () => {
    // A token endpoint that holds every answer until the test opens it.
    const upstream = await startUpstream({ record: false });
    const held: Array<() => void> = [];
    let open = false;
    const release = () => held.splice(0).forEach((send) => send());
    upstream.routes.set('/token', (_req, res, body) => {
      const refreshToken = new URLSearchParams(body.toString()).get('refresh_token') ?? '';
      held.push(() =>
        json(res, 200, { access_token: `fresh-${randomBytes(4).toString('hex')}`, refresh_token: `${refreshToken}-r`, token_type: 'Bearer', expires_in: 3600 }),
      );
      if (open) release();
    });
    onTestFinished(() => {
      open = true;
      release();
    });
    const app = testApp({ tokens: { intervalSeconds: 0 } });
    const { slug } = await integrationOn(app, upstream.url);
    const ids = await dueConnections(app, slug, 10, new Date(Date.now() + 120_000));
    const leased = async () => prisma.connection.count({ where: { id: { in: ids }, refreshOwner: { not: null } } });

    const sweep = runRefreshSweep({ prisma, refresher: app.services.refresher, logger: app.logger }, { lookaheadSeconds: 600, concurrency: 2, batchSize: 4 });
    await vi.waitFor(() => expect(held).toHaveLength(2), { timeout: 5_000 });
    // Both workers wait for the provider with two of the first four queued: the next four are claimed already, no more.
    await vi.waitFor(async () => expect(await leased()).toBe(8), { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await leased()).toBe(8);
    expect(held).toHaveLength(2);

    open = true;
    release();
    const result = await sweep;
    expect(result).toEqual({ claimed: 10, refreshed: 10, failed: 0 });
    await expectRefreshedOnce(ids);
  });
});
