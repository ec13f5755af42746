// proxyRequest against real HTTP upstreams on 127.0.0.1 that answer 401, 429, 5xx, slowly, hugely,
// with redirects and cookies, plus every SSRF and header rule of the checklist.
import type http from 'node:http';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { uniqueSlug } from './helpers/fixtures.js';
import { database, prisma } from './helpers/database.js';
import { adminHeaders, graphql, startTestServer, userHeaders, type ConfigOverrides, type TestServer } from './helpers/server.js';
import { json, startUpstream, type UpstreamHandler } from './helpers/upstream.js';

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        ok
        headers
        data
        body
        bodyBase64
        url
        attempts
        durationMs
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        fieldErrors {
          field
          message
        }
      }
      ... on ProviderError {
        providerError
        providerStatus
      }
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;

describe('proxyRequest', async () => {
  // Instances of one deployment on the file's database, each with the settings a test needs and fresh
  // limiters; everything is logged, so the secret check at the end sees everything.
  const instances: TestServer[] = [];
  async function instance(overrides: ConfigOverrides = {}): Promise<TestServer> {
    const started = await startTestServer({ ...overrides, log: { level: 'trace' } });
    instances.push(started);
    return started;
  }
  const server = await instance();
  // Each 429 test starts from fresh provider limits, and leaves what it taught behind on its own instance.
  const [retryAfterServer, longRetryAfterServer, postLimitedServer] = [await instance(), await instance(), await instance()];
  const strictServer = await instance({ providers: { allowLocalProviders: false } });
  const shortTimeoutServer = await instance({ proxy: { timeoutMs: 300 } });
  const smallAnswersServer = await instance({ proxy: { maxResponseBytes: 1024 * 1024 } });
  const smallBodiesServer = await instance({ proxy: { maxRequestBytes: 10 } });
  const rateLimitedServer = await instance({ proxy: { rateLimitPerSecond: 1, rateLimitBurst: 3 } });
  const upstream = await startUpstream();
  const alice = await userHeaders('proxy-alice');
  const slug = uniqueSlug('api');
  const base = `${upstream.url}/api/v1`;

  // The upstream's own OAuth: tokens it issued are valid until revoked.
  const validTokens = new Set<string>();
  let issued = 0;
  let refuseEveryToken = false;
  upstream.routes.set('/token', (_req, res) => {
    const token = `access-${++issued}`;
    validTokens.add(token);
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
  });
  upstream.routes.set('/api/v1/echo', (req, res, body) => json(res, 200, { method: req.method, url: req.url, headers: req.headers, body: body.toString() }));
  upstream.routes.set('/api/v1/protected', (req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (validTokens.has(token) && !refuseEveryToken) return json(res, 200, { token });
    json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
  });

  /** A route that answers with the next handler on each request (the last one repeats). */
  function script(pathname: string, handlers: UpstreamHandler[]) {
    let index = 0;
    upstream.routes.set(pathname, (req, res, body) => handlers[Math.min(index++, handlers.length - 1)]!(req, res, body));
  }
  const hitsOf = (pathname: string) => upstream.hits(pathname);
  const proxy = (input: Record<string, unknown>, headers = alice, on: { url: string } = server) =>
    graphql(on, PROXY, { input: { integration: slug, ...input } }, headers).then((answer) => answer.data?.proxyRequest ?? answer);

  beforeAll(async () => {
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
          clientSecret: 'proxy-client-secret',
          authorizationUrl: `${upstream.url}/auth`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: base,
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const connected = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: slug, accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: new Date(Date.now() + 3600_000).toISOString() } },
      alice,
    );
    expect(connected.data.createConnection.__typename).toBe('CreateConnectionPayload');
    validTokens.add('access-0');
  });

  it('forwards method, query, JSON data and allowed headers, and injects the token', async () => {
    const answer = await proxy({
      method: 'POST',
      url: 'echo?page=2',
      data: { hello: 'world' },
      headers: { accept: 'application/json', 'x-request-id': 'r-1', 'notion-version': '2022-06-28' },
    });
    expect(answer).toMatchObject({ __typename: 'ProxyResponse', status: 200, ok: true, attempts: 1, url: `${base}/echo?page=2` });
    expect(answer.data).toMatchObject({ method: 'POST', url: '/api/v1/echo?page=2', body: '{"hello":"world"}' });
    expect(answer.data.headers).toMatchObject({
      authorization: 'Bearer access-0',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': 'r-1',
      'notion-version': '2022-06-28',
    });
    expect(answer.durationMs).toBeGreaterThan(0);
  });

  it('costs no database round trip per call once the connection is cached and its token fresh', async () => {
    await proxy({ url: 'echo' }); // warm: the connection is loaded once
    const queries: string[] = [];
    const stop = database.onQuery((query) => queries.push(query));
    try {
      for (let index = 0; index < 10; index++) expect((await proxy({ url: 'echo' })).status).toBe(200);
      const streamed = await fetch(`${server.url}/api/integrations/${slug}/request/echo`, { headers: alice });
      expect(streamed.status).toBe(200);
      await streamed.arrayBuffer();
    } finally {
      stop();
    }
    // The activity log's batched writes (one per flush, whatever the number of calls) are not per-call round trips.
    expect(queries.filter((query) => !/INSERT INTO "Operation"|SET "lastUsedAt"/.test(query))).toEqual([]);
  });

  it("drops the caller's Authorization, Cookie, Host, forwarding, proxy and hop-by-hop headers", async () => {
    const answer = await proxy({
      url: 'echo',
      headers: {
        authorization: 'Bearer attacker',
        cookie: 'session=stolen',
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-for': '1.2.3.4',
        'proxy-authorization': 'Basic eA==',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        expect: '100-continue',
        connection: 'close',
        'x-api-key': 'switchboard-key',
        te: 'trailers',
      },
    });
    expect(answer.status).toBe(200);
    const seen = answer.data.headers;
    expect(seen.authorization).toBe('Bearer access-0');
    expect(seen.host).toBe(`127.0.0.1:${upstream.port}`);
    for (const name of ['cookie', 'x-forwarded-host', 'x-forwarded-for', 'proxy-authorization', 'upgrade', 'expect', 'x-api-key', 'te']) {
      expect(seen[name], name).toBeUndefined();
    }
  });

  it('refuses header values with line breaks as a ValidationError', async () => {
    const answer = await proxy({ url: 'echo', headers: { 'x-evil': 'a\r\nx-injected: 1' } });
    expect(answer).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'headers.x-evil' }] });
  });

  it('returns text as body and binary as bodyBase64, without Set-Cookie or hop-by-hop response headers', async () => {
    upstream.routes.set('/api/v1/text', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'tracking=1', connection: 'x-hop', 'x-hop': 'secret', 'x-kept': 'yes' }).end('hello');
    });
    upstream.routes.set('/api/v1/binary', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
    });
    upstream.routes.set('/api/v1/gzipped', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(JSON.stringify({ zipped: true })));
    });
    const text = await proxy({ url: '/text' });
    expect(text).toMatchObject({ status: 200, body: 'hello', data: null, bodyBase64: null });
    expect(text.headers['x-kept']).toBe('yes');
    expect(text.headers['set-cookie']).toBeUndefined();
    expect(text.headers['x-hop']).toBeUndefined();
    expect(text.headers.connection).toBeUndefined();
    expect(await proxy({ url: 'binary' })).toMatchObject({ bodyBase64: Buffer.from([0, 1, 2, 255]).toString('base64'), body: null });
    const gzipped = await proxy({ url: 'gzipped' });
    expect(gzipped.data).toEqual({ zipped: true });
    expect(gzipped.headers['content-encoding']).toBeUndefined();
  });

  it.each([
    'https://evil.example/x',
    '//evil.example/x',
    '/\\evil.example/x',
    '\\\\evil.example',
    '@evil.example',
    '%2e%2e/%2e%2e/secret',
    '../../secret',
    'a/%2E%2E/%2e%2e/%2e%2e/secret',
    '..%2f..%2fsecret',
    'https://127.0.0.1:1/api/v1/echo',
    'ftp://127.0.0.1/api/v1/echo',
    'http://127.0.0.1:PORT/api/v2/echo',
    'http://127.0.0.1:PORT/api/v1evil/echo',
    'http://user:pass@127.0.0.1:PORT/api/v1/echo',
    'http://127.0.0.1:PORT@evil.example/api/v1/echo',
    'echo\r\nhost: evil',
  ])('refuses url %s with a ValidationError, sending nothing', async (url) => {
    const before = upstream.requests.length;
    const answer = await proxy({ url: url.replace('PORT', String(upstream.port)) });
    expect(answer).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'url' }] });
    expect(upstream.requests.length).toBe(before);
  });

  it('accepts an absolute URL on the same origin under the base path', async () => {
    expect(await proxy({ url: `${base}/echo` })).toMatchObject({ status: 200, url: `${base}/echo` });
  });

  it('refuses to connect to loopback addresses when local providers are not allowed, whatever the spelling of the host', async () => {
    const hosts = ['127.1', '0x7f.1', '2130706433', '127.0.0.1', 'localhost'];
    const slugs: string[] = [];
    for (const host of hosts) {
      const hostSlug = uniqueSlug('ssrf');
      await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
            }
          }
        `,
        { input: { slug: hostSlug, provider: 'custom', authType: 'API_KEY', apiBaseUrl: `http://${host}:${upstream.port}/api/v1` } },
        adminHeaders,
      );
      await graphql(
        server,
        `
          mutation ($input: CreateConnectionInput!) {
            createConnection(input: $input) {
              __typename
            }
          }
        `,
        { input: { integration: hostSlug, apiKey: 'k' } },
        alice,
      );
      slugs.push(hostSlug);
    }
    // Allowed (as in development) they reach the upstream; refused otherwise, at connect time.
    expect((await proxy({ integration: slugs[0], url: 'echo' })).status).toBe(200);
    const before = upstream.requests.length;
    for (const hostSlug of slugs) {
      const answer = await proxy({ integration: hostSlug, url: 'echo' }, alice, strictServer);
      expect(answer, hostSlug).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'url', message: expect.stringMatching(/not public/) }] });
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('on 401 refreshes once and retries; a second 401 is returned as it is', async () => {
    validTokens.delete('access-0');
    const tokenRequests = hitsOf('/token');
    const first = await proxy({ url: 'protected' });
    expect(first).toMatchObject({ status: 200, attempts: 2 });
    expect(first.data.token).toMatch(/^access-\d+$/);
    expect(hitsOf('/token')).toBe(tokenRequests + 1);
    // The new token is used from now on, with no further refresh.
    expect(await proxy({ url: 'protected' })).toMatchObject({ status: 200, attempts: 1 });
    expect(hitsOf('/token')).toBe(tokenRequests + 1);

    refuseEveryToken = true;
    const refused = await proxy({ url: 'protected' });
    expect(refused).toMatchObject({ status: 401, ok: false, attempts: 2, data: { error: 'invalid_token' } });
    expect(hitsOf('/token')).toBe(tokenRequests + 2);
    // With refreshPolicy NONE a 401 is returned at once.
    expect(await proxy({ url: 'protected', refreshPolicy: 'NONE' })).toMatchObject({ status: 401, attempts: 1 });
    expect(hitsOf('/token')).toBe(tokenRequests + 2);
    refuseEveryToken = false;
  });

  it('honours a 429 Retry-After in seconds, then succeeds', async () => {
    const times: number[] = [];
    script('/api/v1/limited', [
      (_req, res) => (times.push(Date.now()), json(res, 429, { error: 'slow down' }, { 'retry-after': '1' })),
      (_req, res) => (times.push(Date.now()), json(res, 200, { ok: true })),
    ]);
    expect(await proxy({ url: 'limited' }, alice, retryAfterServer)).toMatchObject({ status: 200, attempts: 2, data: { ok: true } });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  it('gives RateLimitedError with the delay when Retry-After (an HTTP-date) is beyond the cap, without retrying', async () => {
    const until = new Date(Date.now() + 120_000).toUTCString();
    script('/api/v1/limited-long', [(_req, res) => json(res, 429, {}, { 'retry-after': until })]);
    const answer = await proxy({ url: 'limited-long' }, alice, longRetryAfterServer);
    expect(answer).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(answer.retryAfterSeconds).toBeLessThanOrEqual(121);
    expect(hitsOf('/api/v1/limited-long')).toBe(1);
  });

  it('never retries a POST on 429 or 5xx', async () => {
    script('/api/v1/post-limited', [(_req, res) => json(res, 429, {}, { 'retry-after': '1' })]);
    expect(await proxy({ method: 'POST', url: 'post-limited', data: {} }, alice, postLimitedServer)).toMatchObject({
      __typename: 'RateLimitedError',
      retryAfterSeconds: 1,
    });
    expect(hitsOf('/api/v1/post-limited')).toBe(1);
    script('/api/v1/post-503', [(_req, res) => json(res, 503, { error: 'unavailable' })]);
    expect(await proxy({ method: 'POST', url: 'post-503', data: {} }, alice, postLimitedServer)).toMatchObject({ status: 503, ok: false, attempts: 1 });
    expect(hitsOf('/api/v1/post-503')).toBe(1);
  });

  it('retries idempotent methods on 502/503/504 and network errors, with a bound', async () => {
    script('/api/v1/flaky', [(_req, res) => json(res, 503, {}), (_req, res) => json(res, 502, {}), (_req, res) => json(res, 200, { recovered: true })]);
    expect(await proxy({ url: 'flaky' })).toMatchObject({ status: 200, attempts: 3, data: { recovered: true } });
    script('/api/v1/broken', [(req) => void req.socket.destroy()]);
    expect(await proxy({ method: 'DELETE', url: 'broken' })).toMatchObject({ __typename: 'UpstreamUnavailableError', code: 'UPSTREAM_UNAVAILABLE' });
    expect(hitsOf('/api/v1/broken')).toBe(3);
  });

  it('times out a slow upstream with UpstreamUnavailableError', async () => {
    upstream.routes.set('/api/v1/slow', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      if (!res.destroyed) json(res, 200, {});
    });
    const answer = await proxy({ method: 'POST', url: 'slow', data: {} }, alice, shortTimeoutServer);
    expect(answer).toMatchObject({ __typename: 'UpstreamUnavailableError', message: expect.stringMatching(/in time/) });
  });

  it('refuses answers over the size limit, compressed ones (bombs) by their decoded size', async () => {
    upstream.routes.set('/api/v1/huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }));
    });
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(smallAnswersServer.config.proxy.maxResponseBytes);
    upstream.routes.set('/api/v1/bomb', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    });
    for (const url of ['huge', 'bomb']) {
      expect(await proxy({ url }, alice, smallAnswersServer), url).toMatchObject({ __typename: 'ProviderError', providerError: 'response_too_large' });
    }
  });

  it('returns redirects without following them', async () => {
    upstream.routes.set('/api/v1/moved', (_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    });
    const before = upstream.requests.length;
    const answer = await proxy({ url: 'moved' });
    expect(answer).toMatchObject({ status: 302, ok: false, attempts: 1, headers: { location: 'http://169.254.169.254/latest/meta-data' } });
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('checks the body: data or body, none on GET, and a size limit', async () => {
    expect(await proxy({ method: 'POST', url: 'echo', data: { a: 1 }, body: 'b' })).toMatchObject({ __typename: 'ValidationError' });
    expect(await proxy({ method: 'GET', url: 'echo', body: 'b' })).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'body' }] });
    expect(await proxy({ method: 'POST', url: 'echo', body: 'x'.repeat(11) }, alice, smallBodiesServer)).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ field: 'body' }],
    });
    expect(await proxy({ method: 'PUT', url: 'echo', body: 'plain text', headers: { 'content-type': 'text/plain' } }, alice, smallBodiesServer)).toMatchObject({
      data: { method: 'PUT', body: 'plain text' },
    });
  });

  it("limits each viewer's request rate", async () => {
    const before = upstream.requests.length;
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await proxy({ url: 'echo' }, alice, rateLimitedServer));
    expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers[3]).toMatchObject({ __typename: 'RateLimitedError', retryAfterSeconds: 1 });
    expect(upstream.requests.length).toBe(before + 3);
    // Another viewer has a bucket of its own.
    expect((await proxy({ url: 'echo' }, await userHeaders('proxy-bob'), rateLimitedServer)).__typename).toBe('NotFoundError');
  });

  it('refuses 50 aliased proxyRequest calls in one document before any upstream call', async () => {
    const before = upstream.requests.length;
    const fields = Array.from({ length: 50 }, (_, index) => `p${index}: proxyRequest(input: { integration: "${slug}", url: "echo" }) { __typename }`);
    const answer = await graphql(server, `mutation { ${fields.join(' ')} }`, {}, alice);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.message).toMatch(/aliases/i);
    expect(upstream.requests.length).toBe(before);
  });

  it('injects API keys and basic credentials as the integration says', async () => {
    const make = async (authType: string, settings: Record<string, unknown> | null, credentials: Record<string, unknown>) => {
      const keySlug = uniqueSlug('key');
      await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
            }
          }
        `,
        { input: { slug: keySlug, provider: 'custom', authType, apiBaseUrl: base } },
        adminHeaders,
      );
      if (settings) {
        await prisma.integration.update({ where: { slug: keySlug }, data: { settings: settings as never } });
      }
      await graphql(
        server,
        `
          mutation ($input: CreateConnectionInput!) {
            createConnection(input: $input) {
              __typename
            }
          }
        `,
        { input: { integration: keySlug, ...credentials } },
        alice,
      );
      return (await proxy({ integration: keySlug, url: 'echo' })).data;
    };
    expect((await make('API_KEY', null, { apiKey: 'key-1' })).headers.authorization).toBe('Bearer key-1');
    expect((await make('API_KEY', { proxy: { authHeader: 'X-Api-Token', authPrefix: '' } }, { apiKey: 'key-2' })).headers['x-api-token']).toBe('key-2');
    const viaQuery = await make('API_KEY', { proxy: { authQueryParam: 'api_key' } }, { apiKey: 'key-3' });
    expect(viaQuery.url).toBe('/api/v1/echo?api_key=key-3');
    expect((await make('BASIC', null, { username: 'u', password: 'p' })).headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('never shows the credential in the reported url or in errors', async () => {
    const keySlug = uniqueSlug('query-key');
    await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug: keySlug, provider: 'custom', authType: 'API_KEY', apiBaseUrl: base } },
      adminHeaders,
    );
    await prisma.integration.update({ where: { slug: keySlug }, data: { settings: { proxy: { authQueryParam: 'api_key' } } } });
    await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: keySlug, apiKey: 'very-secret-key' } },
      alice,
    );
    const answer = await proxy({ integration: keySlug, url: 'echo?x=1' });
    expect(answer.url).toBe(`${base}/echo?x=1`);
    upstream.routes.set('/api/v1/reflect-nothing', (req: http.IncomingMessage) => void req.socket.destroy());
    const failed = await proxy({ integration: keySlug, url: 'reflect-nothing' });
    expect(JSON.stringify(failed)).not.toContain('very-secret-key');
  });

  it('never logs a token, API key or client secret', async () => {
    for (const started of instances) started.logger.flush();
    const logs = fs.readFileSync(process.env.LOG_FILE!, 'utf8');
    expect(logs.length).toBeGreaterThan(0);
    const secrets = [
      'proxy-client-secret',
      'very-secret-key',
      'refresh-0',
      'key-1',
      'key-2',
      'key-3',
      ...Array.from({ length: issued + 1 }, (_, index) => `access-${index}`),
    ];
    for (const secret of secrets) expect(logs).not.toMatch(new RegExp(`${secret}(?![0-9])`));
  });
});
