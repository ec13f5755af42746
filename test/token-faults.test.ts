// The token lifecycle when providers misbehave: a slow token endpoint stalls nothing else, a failing
// one is not hammered (cooldown, per-window failure count, circuit breaker), and no provider call
// can happen inside a database transaction.
import fs from 'node:fs';
import path from 'node:path';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/schema-engine.js';
import { NetworkCallInTransactionError } from '../src/net/outbound.js';
import { collectStatusEvents } from './helpers/events.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { json, startUpstream, type Upstream } from './helpers/upstream.js';
import { credentialsOf, database, prisma } from './helpers/database.js';

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
      }
      ... on ProviderError {
        providerError
        providerStatus
        retryAfterSeconds
      }
      ... on Error {
        message
        code
      }
    }
  }
`;
const REFRESH = /* GraphQL */ `
  mutation ($id: ID!) {
    refreshConnection(input: { connectionId: $id }) {
      __typename
      ... on RefreshConnectionPayload {
        connection {
          status
        }
      }
      ... on ProviderError {
        providerError
        providerStatus
        retryAfterSeconds
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

describe('token lifecycle under faults', async () => {
  const server = await startTestServer();
  // Instances of the same deployment with the settings each test needs, and breakers and limiters of their own.
  const slowServer = await startTestServer({ proxy: { rateLimitBurst: 1000 } });
  // A short window for the cooldown test: 1 s, then 2 s… (production: 30 s, 1 min…).
  const cooldownServer = await startTestServer({ tokens: { backoffBaseMs: 1_000 }, proxy: { rateLimitBurst: 1000 } });
  const manualRetryServer = await startTestServer({ tokens: { manualRetryMs: 60_000 } });
  // REFRESH_MANUAL_RETRY_SECONDS shortened to 0: the interval has passed.
  const retryNowServer = await startTestServer({ tokens: { manualRetryMs: 0 } });
  // No probe interval: with Redis (the breaker shared) the next probe may follow a failed one at once, as on one instance without it.
  const breakerServer = await startTestServer({
    tokens: { breakerThreshold: 2, backoffBaseMs: 60_000, breakerProbeIntervalMs: 0 },
    proxy: { rateLimitBurst: 1000 },
  });
  const status = await collectStatusEvents(retryNowServer);

  /** A plain OAuth 2.0 integration whose token endpoint and API are the given upstream. */
  async function integrationOn(upstream: Upstream): Promise<string> {
    const slug = uniqueSlug('faulty');
    const created = await graphql(
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
          authorizationUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: `${upstream.url}/api`,
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    return slug;
  }

  /** An imported connection whose access token has expired. */
  async function expiredConnection(slug: string, headers: Record<string, string>, name = 'default', on: { url: string } = server): Promise<string> {
    const created = await graphql(
      on,
      CREATE_CONNECTION,
      {
        input: {
          integration: slug,
          connectionName: name,
          accessToken: 'old-access',
          refreshToken: `refresh-${name}`,
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        },
      },
      headers,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    return decodeGlobalID(created.data.createConnection.connection.id).id;
  }

  const proxy = (slug: string, connectionId: string, headers: Record<string, string>, on: { url: string }) =>
    graphql(on, PROXY, { input: { integration: slug, connectionId: encodeGlobalID('Connection', connectionId), url: 'me' } }, headers);

  function apiAnswers(upstream: Upstream): void {
    upstream.routes.set('/api/me', (req, res) => json(res, req.headers.authorization?.startsWith('Bearer fresh-') ? 200 : 401, { ok: true }));
  }

  it('a slow token endpoint delays no unrelated query or write: each < 500 ms while 25 refreshes wait 6 s', async () => {
    const upstream = await startUpstream();
    let issued = 0;
    upstream.routes.set('/token', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      json(res, 200, { access_token: `fresh-${++issued}`, token_type: 'Bearer', expires_in: 3600 });
    });
    apiAnswers(upstream);
    const slug = await integrationOn(upstream);
    const headers = await userHeaders('slow-provider');
    const ids = [];
    for (let index = 0; index < 25; index++) ids.push(await expiredConnection(slug, headers, `slow-${index}`, slowServer));

    const refreshes = ids.map((id) => proxy(slug, id, headers, slowServer));
    await vitestWaitFor(() => upstream.hits('/token') === 25);

    const readStarted = performance.now();
    const read = await graphql(
      slowServer,
      `
        {
          integrations(first: 1) {
            totalCount
          }
        }
      `,
      {},
      headers,
    );
    const readMs = performance.now() - readStarted;
    expect(read.data.integrations.totalCount).toBeGreaterThan(0);

    const writeStarted = performance.now();
    const written = await graphql(
      slowServer,
      CREATE_CONNECTION,
      { input: { integration: slug, connectionName: 'unrelated', accessToken: 'a', expiresAt: new Date(Date.now() + 3600_000).toISOString() } },
      headers,
    );
    const writeMs = performance.now() - writeStarted;
    expect(written.data.createConnection.__typename).toBe('CreateConnectionPayload');

    // A correctness property (nothing waits on a lock held across the provider call), not a benchmark:
    // without it these took 6 s (PostgreSQL) and 30 s (embedded).
    if (process.env.SHOW_TIMINGS) console.log(`during 25 slow refreshes: read ${readMs.toFixed(0)} ms, write ${writeMs.toFixed(0)} ms`);
    expect(readMs).toBeLessThan(500);
    expect(writeMs).toBeLessThan(500);
    const answers = await Promise.all(refreshes);
    expect(answers.map((answer) => answer.data.proxyRequest.status)).toEqual(Array(25).fill(200));
    expect(upstream.hits('/token')).toBe(25);
  }, 30_000);

  it('inside the cooldown a failing token endpoint gets at most 3 token requests for 20 calls; FORCE is no way around it', async () => {
    // On cooldownServer: a short window for the test.
    const upstream = await startUpstream();
    upstream.routes.set('/token', (_req, res) => void res.writeHead(503, { 'content-type': 'text/html' }).end('<html>down</html>'));
    const slug = await integrationOn(upstream);
    const headers = await userHeaders('cooldown-user');
    const connectionId = await expiredConnection(slug, headers, 'default', cooldownServer);

    const answers = [];
    const started = Date.now();
    for (let call = 0; call < 20; call++) {
      const refreshPolicy = call % 4 === 3 ? 'FORCE' : 'AUTO';
      answers.push((await graphql(cooldownServer, PROXY, { input: { integration: slug, url: 'me', refreshPolicy } }, headers)).data.proxyRequest);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (call + 1) * 100 - Date.now())));
    }
    if (process.env.SHOW_TIMINGS)
      console.log(`20 calls over ${Date.now() - started} ms against a 503 token endpoint: ${upstream.hits('/token')} token requests`);
    expect(upstream.hits('/token')).toBeGreaterThanOrEqual(1);
    expect(upstream.hits('/token')).toBeLessThanOrEqual(3);
    expect(answers.every((answer) => answer.__typename === 'ProviderError')).toBe(true);
    const cooled = answers.filter((answer) => answer.providerError === 'refresh_cooldown');
    expect(cooled.length).toBeGreaterThanOrEqual(17);
    expect(cooled.every((answer) => answer.retryAfterSeconds >= 1)).toBe(true);
    // Failures are counted per backoff window: one per token request, not one per call.
    const row = await prisma.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(row).toMatchObject({ status: 'EXPIRED', refreshFailures: upstream.hits('/token') });
    expect(credentialsOf(row)!.refreshToken).toBe('refresh-default');
  });

  it('refreshConnection may skip the cooldown, at most once per REFRESH_MANUAL_RETRY_SECONDS', async () => {
    // REFRESH_MANUAL_RETRY_SECONDS is 60 s on manualRetryServer and 0 on retryNowServer. The connection's
    // status changes (and the events the test reads) happen on retryNowServer.
    const upstream = await startUpstream();
    upstream.routes.set('/token', (_req, res) => void res.writeHead(503).end());
    const slug = await integrationOn(upstream);
    const headers = await userHeaders('manual-retry');
    const connectionId = await expiredConnection(slug, headers, 'default', retryNowServer);
    const id = encodeGlobalID('Connection', connectionId);

    // The first explicit refresh: no cooldown yet, whatever the interval.
    const first = await graphql(retryNowServer, REFRESH, { id }, headers);
    expect(first.data.refreshConnection).toMatchObject({ __typename: 'ProviderError', providerStatus: 503 });
    expect(upstream.hits('/token')).toBe(1);
    // Inside the window and within the manual-retry interval: refused at once, no token request.
    const second = await graphql(manualRetryServer, REFRESH, { id }, headers);
    expect(second.data.refreshConnection).toMatchObject({ __typename: 'ProviderError', providerError: 'refresh_cooldown' });
    expect(upstream.hits('/token')).toBe(1);
    // Once the interval has passed (shortened here), one explicit retry goes through the window.
    upstream.routes.set('/token', (_req, res) => json(res, 200, { access_token: 'fresh-manual', token_type: 'Bearer', expires_in: 3600 }));
    const third = await graphql(retryNowServer, REFRESH, { id }, headers);
    expect(third.data.refreshConnection).toMatchObject({ __typename: 'RefreshConnectionPayload', connection: { status: 'HEALTHY' } });
    expect(upstream.hits('/token')).toBe(2);
    expect((await status.waitFor(connectionId, 3)).at(-1)).toMatchObject({ status: 'HEALTHY', previousStatus: 'EXPIRED', reason: 'refreshed' });
  });

  it('a provider failing for every connection is probed one request at a time; its first success makes the others due at once', async () => {
    // On breakerServer: a breaker threshold of 2 and a one-minute backoff base.
    const upstream = await startUpstream();
    let healthy = false;
    let inFlight = 0;
    let mostInFlight = 0;
    upstream.routes.set('/token', async (_req, res) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      // The probe (third request) answers late: on a loaded machine six concurrent calls can arrive
      // more than 200 ms apart, and a call arriving after a failed probe may rightly probe again.
      const probing = upstream.hits('/token') === 3 && !healthy;
      await new Promise((resolve) => setTimeout(resolve, probing ? 1_500 : 200));
      inFlight--;
      if (healthy) json(res, 200, { access_token: 'fresh-breaker', token_type: 'Bearer', expires_in: 3600 });
      else res.writeHead(502).end();
    });
    apiAnswers(upstream);
    const slug = await integrationOn(upstream);
    const headers = await userHeaders('breaker-user');
    const names = Array.from({ length: 8 }, (_, index) => `b${index}`);
    const ids = [];
    for (const name of names) ids.push(await expiredConnection(slug, headers, name, breakerServer));

    // Two failures open the breaker (one each, in turn).
    for (const id of ids.slice(0, 2)) await proxy(slug, id, headers, breakerServer);
    expect(upstream.hits('/token')).toBe(2);
    // Open: six connections due at once make one probe; the others are told to wait.
    const open = await Promise.all(ids.slice(2).map((id) => proxy(slug, id, headers, breakerServer)));
    expect(upstream.hits('/token')).toBe(3);
    expect(mostInFlight).toBe(1);
    expect(open.filter((answer) => answer.data.proxyRequest.providerError === 'provider_unavailable')).toHaveLength(5);

    // The provider is back: the next probe succeeds and the EXPIRED others become due within the jitter.
    healthy = true;
    const waiting = ids.slice(2).filter((_, index) => open[index]!.data.proxyRequest.providerError === 'provider_unavailable');
    const probe = await proxy(slug, waiting[0]!, headers, breakerServer);
    expect(probe.data.proxyRequest.status).toBe(200);
    const others = await prisma.connection.findMany({ where: { id: { in: ids.slice(0, 2) } } });
    for (const other of others) {
      // Their own backoff said about a minute; now due within the 10 s jitter.
      expect(other.status).toBe('EXPIRED');
      expect(other.nextRefreshAt!.getTime()).toBeLessThan(Date.now() + 11_000);
    }
  });

  it('a provider call inside a database transaction fails loudly', async () => {
    const upstream = await startUpstream();
    upstream.routes.set('/x', (_req, res) => json(res, 200, {}));
    await expect(database.transaction(async () => server.outbound.fetch(`${upstream.url}/x`))).rejects.toBeInstanceOf(NetworkCallInTransactionError);
    expect(upstream.hits('/x')).toBe(0);
    expect((await server.outbound.fetch(`${upstream.url}/x`)).status).toBe(200);
  });

  it('the transaction guard holds in each transaction while others end or fail, and releases once none is open', async () => {
    const upstream = await startUpstream();
    upstream.routes.set('/x', (_req, res) => json(res, 200, {}));
    const call = () => server.outbound.fetch(`${upstream.url}/x`);
    await database.transaction(async () => undefined);
    await expect(database.transaction(async () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
    // On PostgreSQL the short one ends while the long one is still open; the embedded database runs them in turn.
    const [long] = await Promise.allSettled([
      database.transaction(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return call();
      }),
      database.transaction(async () => undefined),
    ]);
    expect(long.status === 'rejected' && long.reason).toBeInstanceOf(NetworkCallInTransactionError);
    expect(upstream.hits('/x')).toBe(0);
    expect((await call()).status).toBe(200);
  });

  it('no code opens a transaction except through db/database.ts (transaction(), where the guard is set)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'generated') walk(file);
        } else if (
          file.endsWith('.ts') &&
          !file.endsWith(path.join('db', 'database.ts')) &&
          /\$transaction\s*\(|FOR UPDATE(?!( OF \w+)? SKIP LOCKED)/.test(fs.readFileSync(file, 'utf8'))
        ) {
          offenders.push(path.relative(projectRoot, file));
        }
      }
    };
    walk(path.join(projectRoot, 'src'));
    expect(offenders).toEqual([]);
  });
});

async function vitestWaitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
