// Provider-aware rate limits: a local upstream that sends rate-limit headers as providers do, and the
// proxy (proxyRequest and the path proxy) that must stop before the provider refuses.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CreateIntegrationInput } from '../src/domain/integrations.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { createProviderLimits, delayMs, parseRateLimitField, providerLimitRules, type ProviderLimits } from '../src/proxy/provider-limits.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { graphql, startTestServer, userHeaders, testConfig, type TestServer } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { prisma } from './helpers/database.js';

const config = testConfig();

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        attempts
      }
      ... on RateLimitedError {
        retryAfterSeconds
        message
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

describe('provider rate limits through the proxy', async () => {
  const server = await startTestServer();
  // Instances of the same deployment with other provider-limit settings (each test's connection is its own).
  const longWaitServer = await startTestServer({ proxy: { providerLimits: { maxWaitMs: 2000 } } });
  const reserveServer = await startTestServer({ proxy: { providerLimits: { reserve: 2 } } });
  const unlimitedServer = await startTestServer({ proxy: { providerLimits: { enabled: false } } });
  const upstream = await startUpstream();
  const alice = await userHeaders('limits-alice');

  /** An integration from a catalog template (or custom) whose API is the local upstream, and alice's connection (proxied through `on`). */
  async function connect(provider: string, proxySettings?: Record<string, unknown>, extra: Partial<CreateIntegrationInput> = {}, on: TestServer = server) {
    const slug = uniqueSlug(provider);
    const path = `/${slug}`;
    const integration = await server.services.integrations.create({
      slug,
      provider,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      authorizationUrl: `${upstream.url}/authorize`,
      tokenUrl: `${upstream.url}/token`,
      apiBaseUrl: `${upstream.url}${path}`,
      ...extra,
    });
    if (proxySettings) {
      const settings = (integration.settings ?? {}) as { proxy?: object };
      await prisma.integration.update({
        where: { id: integration.id },
        data: { settings: { ...settings, proxy: { ...settings.proxy, ...proxySettings } } as Prisma.InputJsonObject },
      });
    }
    const credential =
      integration.authType === 'API_KEY' ? { apiKey: 'key-1' } : { accessToken: 'token-1', expiresAt: new Date(Date.now() + 3600_000).toISOString() };
    const connected = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: slug, ...credential } },
      alice,
    );
    expect(connected.data.createConnection.__typename).toBe('CreateConnectionPayload');
    const proxy = (url = 'items', method = 'GET') =>
      graphql(on, PROXY, { input: { integration: slug, url, method } }, alice).then((answer) => answer.data.proxyRequest);
    return { slug, path, proxy, hits: () => upstream.hits(`${path}/items`) };
  }

  it('counts down the calls X-RateLimit-Remaining says are left, then refuses until the reset without calling the provider', async () => {
    const { slug, path, proxy, hits } = await connect('custom');
    const resetAt = Math.floor(Date.now() / 1000) + 60;
    let left = 3;
    upstream.routes.set(`${path}/items`, (_req, res) =>
      json(res, 200, { ok: true }, { 'x-ratelimit-remaining': String(--left), 'x-ratelimit-reset': String(resetAt) }),
    );
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await proxy());
    expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers[3]).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: expect.any(Number) });
    expect(answers[3].retryAfterSeconds).toBeGreaterThan(50);
    expect(answers[3].retryAfterSeconds).toBeLessThanOrEqual(61);
    expect(hits()).toBe(3);
    // The path proxy shares the connection's bucket: a 429 of Switchboard's own, with Retry-After.
    const streamed = await fetch(`${server.url}/api/integrations/${slug}/request/items`, { headers: alice });
    expect(streamed.status).toBe(429);
    expect(Number(streamed.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(await streamed.json()).toMatchObject({ error: 'RATE_LIMITED' });
    expect(hits()).toBe(3);
  });

  it('counts calls in flight: concurrent calls never exceed what the provider said was left', async () => {
    const { proxy, path, hits } = await connect('custom');
    const reset = String(Math.floor(Date.now() / 1000) + 60);
    // The provider's count lags: it reports 3 left however many calls are on their way.
    upstream.routes.set(`${path}/items`, (_req, res) => {
      setTimeout(() => json(res, 200, {}, { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': reset }), 50);
    });
    expect((await proxy()).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => proxy()));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    expect(answers.filter((answer) => answer.__typename === 'RateLimitedError')).toHaveLength(7);
    expect(hits()).toBe(4);
  });

  it('waits for a window that resets within PROXY_PROVIDER_LIMIT_MAX_WAIT_MS, then calls', async () => {
    const { proxy, path, hits } = await connect('custom', undefined, {}, longWaitServer);
    let calls = 0;
    // IETF RateLimit-* headers: the reset is a delay in seconds.
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 200, {}, calls++ === 0 ? { 'ratelimit-remaining': '0', 'ratelimit-reset': '1' } : {}));
    expect((await proxy()).status).toBe(200);
    expect((await proxy()).status).toBe(200);
    expect(hits()).toBe(2);
  });

  it('keeps back PROXY_PROVIDER_LIMIT_RESERVE calls', async () => {
    const { proxy, path, hits } = await connect('custom', undefined, {}, reserveServer);
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 200, {}, { 'x-rate-limit-remaining': '3', 'x-rate-limit-reset': '60' }));
    const answers = [];
    for (let index = 0; index < 3; index++) answers.push(await proxy());
    expect(answers.map((answer) => answer.__typename)).toEqual(['ProxyResponse', 'ProxyResponse', 'RateLimitedError']);
    expect(hits()).toBe(2);
  });

  it('after a 429 asking for longer than the cap, refuses that connection for that long without calling; other connections go on', async () => {
    const { slug, proxy, path, hits } = await connect('custom');
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 429, { error: 'slow down' }, { 'retry-after': '120' }));
    expect(await proxy()).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 120 });
    expect(hits()).toBe(1);
    const again = await proxy();
    expect(again).toMatchObject({ __typename: 'RateLimitedError' });
    expect(again.retryAfterSeconds).toBeGreaterThan(100);
    expect(hits()).toBe(1);
    // Bob's connection to the same integration has a bucket of its own.
    const bob = await userHeaders('limits-bob');
    await graphql(
      server,
      `mutation { createConnection(input: { integration: "${slug}", accessToken: "token-bob", expiresAt: "${new Date(Date.now() + 3600_000).toISOString()}" }) { __typename } }`,
      {},
      bob,
    );
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 200, {}));
    const bobs = await graphql(server, PROXY, { input: { integration: slug, url: 'items' } }, bob);
    expect(bobs.data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200 });
  });

  it('GitHub: a 403 with no calls left is a rate limit until x-ratelimit-reset; a 403 with calls left is passed through', async () => {
    const { proxy, path, hits } = await connect('github');
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    upstream.routes.set(`${path}/items`, (_req, res) =>
      json(res, 403, { message: 'Resource not accessible by integration' }, { 'x-ratelimit-remaining': '4000', 'x-ratelimit-reset': reset }),
    );
    expect(await proxy()).toMatchObject({ __typename: 'ProxyResponse', status: 403 });
    upstream.routes.set(`${path}/items`, (_req, res) =>
      json(res, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
    );
    const limited = await proxy();
    expect(limited).toMatchObject({ __typename: 'RateLimitedError' });
    expect(limited.retryAfterSeconds).toBeGreaterThan(590);
    expect(await proxy()).toMatchObject({ __typename: 'RateLimitedError' });
    expect(hits()).toBe(2);
  });

  it("reads a template's own headers: LaunchDarkly's route count with a reset in epoch milliseconds", async () => {
    const { proxy, path, hits } = await connect('launchdarkly');
    upstream.routes.set(`${path}/items`, (req, res) => {
      expect(req.headers.authorization).toBe('key-1'); // no "Bearer"
      json(res, 200, {}, { 'x-ratelimit-route-remaining': '0', 'x-ratelimit-reset': String(Date.now() + 30_000) });
    });
    expect((await proxy()).status).toBe(200);
    const refused = await proxy();
    expect(refused).toMatchObject({ __typename: 'RateLimitedError' });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(hits()).toBe(1);
  });

  it('reads the single RateLimit field (limit=…, remaining=…, reset=…, as Close sends it)', async () => {
    const { proxy, path, hits } = await connect('close');
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 200, {}, { ratelimit: 'limit=160, remaining=0, reset=8' }));
    expect((await proxy()).status).toBe(200);
    expect(await proxy()).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 8 });
    expect(hits()).toBe(1);
  });

  it('retries the statuses a template lists as retryable, and only those', async () => {
    const { proxy, path, hits } = await connect('custom', { retryableStatuses: [500] });
    let calls = 0;
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, calls++ === 0 ? 500 : 200, {}));
    expect(await proxy()).toMatchObject({ status: 200, attempts: 2 });
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 502, {}));
    expect(await proxy()).toMatchObject({ status: 502, attempts: 1 });
    expect(hits()).toBe(3);
  });

  it('PROXY_PROVIDER_LIMITS=false leaves the calls to the provider', async () => {
    const { proxy, path, hits } = await connect('custom', undefined, {}, unlimitedServer);
    upstream.routes.set(`${path}/items`, (_req, res) => json(res, 200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' }));
    expect((await proxy()).status).toBe(200);
    expect((await proxy()).status).toBe(200);
    expect(hits()).toBe(2);
  });
});

describe('reading rate-limit headers', () => {
  const now = Date.UTC(2026, 0, 1);
  // Fresh buckets for each test, with the settings of the test environment.
  let limits: ProviderLimits;
  beforeEach(() => {
    limits = createProviderLimits(config.proxy.providerLimits);
  });

  it.each([
    ['epoch-seconds', String(now / 1000 + 30), 30_000],
    ['epoch-milliseconds', String(now + 1500), 1500],
    ['delta-seconds', '12', 12_000],
    ['delta-milliseconds', '250', 250],
    ['date', new Date(now + 5000).toUTCString(), 5000],
    ['date', new Date(now + 5000).toISOString(), 5000],
    ['duration', '6m0s', 360_000],
    ['duration', '2m59.56s', 179_560],
    ['duration', '20ms', 20],
    ['auto', String(now / 1000 + 30), 30_000],
    ['auto', String(now + 1500), 1500],
    ['auto', '42', 42_000],
    ['auto', '1s', 1000],
    ['auto', new Date(now + 5000).toISOString(), 5000],
  ] as const)('reads a %s reset (%s)', (format, text, expected) => {
    expect(delayMs(text, format, now)).toBe(expected);
  });

  it('never reads a reset in the past as negative, nor an unreadable one as a time', () => {
    expect(delayMs(String(now / 1000 - 100), 'epoch-seconds', now)).toBe(0);
    expect(delayMs('soon', 'auto', now)).toBeUndefined();
    expect(delayMs('12', 'date', now)).toBeUndefined();
  });

  it('parses the RateLimit field in its structured and list forms', () => {
    expect(parseRateLimitField('"default";r=50;t=30')).toEqual([50, 30_000]);
    expect(parseRateLimitField('limit=100, remaining=7, reset=5')).toEqual([7, 5000]);
    expect(parseRateLimitField('nonsense')).toEqual([undefined, undefined]);
  });

  it("reads a decimal count (Reddit's 598.0) and ignores the headers while plenty are left", () => {
    const rules = providerLimitRules({
      rateLimitRemainingHeader: 'x-ratelimit-remaining',
      rateLimitResetHeader: 'x-ratelimit-reset',
      rateLimitResetFormat: 'delta-seconds',
    });
    limits.observe('reddit', 200, { 'x-ratelimit-remaining': '598.0', 'x-ratelimit-reset': '60' }, rules, now);
    expect(limits.trackedConnections()).toBe(0);
    limits.observe('reddit', 200, { 'x-ratelimit-remaining': '1.0', 'x-ratelimit-reset': '60' }, rules, now);
    expect(limits.take('reddit', now)).toBeUndefined();
    expect(limits.take('reddit', now)).toBe(60_000);
    // The window resets: the bucket is forgotten.
    expect(limits.take('reddit', now + 60_000)).toBeUndefined();
    expect(limits.trackedConnections()).toBe(0);
  });

  it('believes a guessed reset for at most an hour (a delay in milliseconds read as seconds), a declared one for up to a day', () => {
    limits.observe('guessed', 200, { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '600000' }, providerLimitRules({}), now);
    expect(limits.take('guessed', now)).toBe(3_600_000);
    const declared = providerLimitRules({
      rateLimitRemainingHeader: 'x-daily-remaining',
      rateLimitResetHeader: 'x-daily-reset',
      rateLimitResetFormat: 'delta-seconds',
    });
    limits.observe('declared', 200, { 'x-daily-remaining': '0', 'x-daily-reset': '7200' }, declared, now);
    expect(limits.take('declared', now)).toBe(7_200_000);
  });

  it('tracks at most PROXY_PROVIDER_LIMIT_MAX_CONNECTIONS connections, dropping expired ones first', () => {
    limits = createProviderLimits({ ...config.proxy.providerLimits, maxConnections: 100 });
    const rules = providerLimitRules({});
    for (let index = 0; index < 50; index++) limits.observe(`short-${index}`, 200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '1' }, rules, now);
    for (let index = 0; index < 250; index++) limits.observe(`long-${index}`, 200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '600' }, rules, now + 2000);
    expect(limits.trackedConnections()).toBeLessThanOrEqual(100);
    expect(limits.take('long-249', now + 2000)).toBeGreaterThan(0); // the newest is kept
  });
});
