// Issue 12 (security hardening), the HTTP surface: body limits before any work, CORS as an
// allow-list, path-proxy answers that cannot run on Switchboard's origin, the credential cache keyed
// by viewer, and loopback-only development. Test names cite ../shared/security-checklist.md.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, testAuth, userHeaders, testConfig } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { database, keyring, testLogger } from './helpers/database.js';

const config = testConfig();

const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example';

interface EarlyAnswer {
  status: number;
  body: string;
  /** Bytes of the body the client had written when the answer's headers arrived. */
  bytesSent: number;
  /** Whether the client had finished its body by then. */
  finished: boolean;
}

/**
 * POSTs a body chunk by chunk (up to `total` bytes, chunked unless `declaredLength`), and stops
 * writing as soon as the server answers: shows whether the answer came before the body was read.
 */
function postUntilAnswered(url: string, headers: Record<string, string>, total: number, declaredLength?: number): Promise<EarlyAnswer> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let bytesSent = 0;
    let answered = false;
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, ...(declaredLength === undefined ? {} : { 'content-length': String(declaredLength) }) },
    });
    request.on('response', (response) => {
      answered = true;
      const finished = bytesSent >= total;
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        resolve({ status: response.statusCode!, body: Buffer.concat(parts).toString(), bytesSent, finished });
        request.destroy();
      });
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const writeMore = () => {
      if (answered) return;
      if (bytesSent >= total) return void request.end();
      bytesSent += chunk.length;
      // A little pause between chunks: a slow client, so that an early answer can overtake the body.
      if (request.write(chunk)) setTimeout(writeMore, 2);
      else request.once('drain', () => setTimeout(writeMore, 2));
    };
    writeMore();
  });
}

describe('security hardening: HTTP surface', async () => {
  const server = await startTestServer({ server: { corsOrigins: [APP_ORIGIN] } });
  const upstream = await startUpstream();
  const slug = uniqueSlug('sec');
  upstream.routes.set('/api/whoami', (req, res) =>
    json(res, 200, { authorization: req.headers.authorization }, { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }),
  );
  upstream.routes.set('/api/page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'access-control-allow-origin': '*' }).end('<script>alert(document.domain)</script>');
  });
  upstream.routes.set('/api/image.svg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  });
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
        authorizationUrl: `${upstream.url}/auth`,
        tokenUrl: `${upstream.url}/token`,
        apiBaseUrl: `${upstream.url}/api`,
      },
    },
    adminHeaders,
  );
  expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
  const graphqlUrl = `${server.url}/graphql`;
  const proxyUrl = (path: string) => `${server.url}/api/integrations/${slug}/request/${path}`;

  async function connectAs(headers: Record<string, string>, accessToken: string) {
    const response = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: slug, accessToken } },
      headers,
    );
    expect(response.data.createConnection.__typename).toBe('CreateConnectionPayload');
  }

  describe('body size checked before reading and before authentication work (HTTP surface)', () => {
    it('refuses an unauthenticated 24 MB body with 401 before reading it', async () => {
      const answer = await postUntilAnswered(graphqlUrl, {}, 24 * 1024 * 1024);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(answer.finished).toBe(false);
      expect(answer.bytesSent).toBeLessThan(4 * 1024 * 1024);
    });

    it('refuses a declared length over GRAPHQL_MAX_BODY_BYTES with 413 before authentication or reading', async () => {
      const answer = await postUntilAnswered(graphqlUrl, {}, 24 * 1024 * 1024, 24 * 1024 * 1024);
      expect(answer.status).toBe(413);
      expect(answer.finished).toBe(false);
    });

    it('stops reading a chunked body at GRAPHQL_MAX_BODY_BYTES and answers 413 at once', async () => {
      const answer = await postUntilAnswered(graphqlUrl, adminHeaders, 24 * 1024 * 1024);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
      expect(answer.finished).toBe(false);
      expect(answer.bytesSent).toBeLessThan(config.graphql.maxBodyBytes + 4 * 1024 * 1024);
    });

    it('defaults GRAPHQL_MAX_BODY_BYTES to 1 MiB', () => {
      expect(loadConfig({}).graphql.maxBodyBytes).toBe(1024 * 1024);
      expect(loadConfig({ GRAPHQL_MAX_BODY_BYTES: '2048' }).graphql.maxBodyBytes).toBe(2048);
    });

    it('still answers invalid JSON with 400 BAD_REQUEST (the body is parsed once, by Switchboard)', async () => {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...adminHeaders },
        body: '{"query": ',
      });
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0].message).toBe('POST body sent invalid JSON.');
      const notAnObject = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...adminHeaders },
        body: '42',
      });
      expect(notAnObject.status).toBe(400);
    });
  });

  describe('CORS: an allow-list, never a reflected Origin with credentials; preflight included; the path proxy too', () => {
    it('answers an allowed origin on /graphql with that origin and no credentials flag', async () => {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { origin: APP_ORIGIN, 'content-type': 'application/json', ...adminHeaders },
        body: JSON.stringify({ query: '{ viewer { userId } }' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('vary')).toMatch(/origin/i);
    });

    it('does not reflect another origin on /graphql', async () => {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { origin: EVIL_ORIGIN, 'content-type': 'application/json', ...adminHeaders },
        body: JSON.stringify({ query: '{ viewer { userId } }' }),
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('answers preflights: 204 for an allowed origin, 403 for another, on /graphql and the path proxy', async () => {
      for (const url of [graphqlUrl, proxyUrl('whoami')]) {
        const preflight = (origin: string) =>
          fetch(url, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
          });
        const allowed = await preflight(APP_ORIGIN);
        expect(allowed.status).toBe(204);
        expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
        expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
        expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
        const refused = await preflight(EVIL_ORIGIN);
        expect(refused.status).toBe(403);
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
    });

    it("defaults CORS_ORIGINS to PUBLIC_URL's origin and ALLOWED_REDIRECT_ORIGINS", () => {
      const loaded = loadConfig({ PUBLIC_URL: 'https://sb.example.com/base', ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com' });
      expect(loaded.server.corsOrigins).toEqual(['https://sb.example.com', 'https://app.example.com']);
      expect(loadConfig({ CORS_ORIGINS: 'https://a.example,http://localhost:3000' }).server.corsOrigins).toEqual([
        'https://a.example',
        'http://localhost:3000',
      ]);
      expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    });
  });

  describe("path-proxy answers on the server's own origin: nosniff, CSP sandbox or attachment, upstream CORS dropped", () => {
    it("serves provider HTML as a sandboxed attachment, without the provider's CORS headers", async () => {
      await connectAs(await userHeaders('page-viewer'), 'token-page');
      const response = await fetch(proxyUrl('page'), { headers: { ...(await userHeaders('page-viewer')), origin: EVIL_ORIGIN } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toMatch(/^sandbox/);
      expect(response.headers.get('content-disposition')).toBe('attachment');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const svg = await fetch(proxyUrl('image.svg'), { headers: await userHeaders('page-viewer') });
      expect(svg.headers.get('content-disposition')).toBe('attachment');
    });

    it("serves JSON inline with nosniff and the sandbox, and our own CORS answer in place of the provider's", async () => {
      await connectAs(await userHeaders('json-viewer'), 'token-json');
      const response = await fetch(proxyUrl('whoami'), { headers: { ...(await userHeaders('json-viewer')), origin: APP_ORIGIN } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toMatch(/^sandbox/);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });

  it('caches keyed by what was resolved, never by role: two admins each get their own default connection', async () => {
    const first = await userHeaders('admin-one', true);
    const second = await userHeaders('admin-two', true);
    await connectAs(first, 'token-admin-one');
    await connectAs(second, 'token-admin-two');
    const whoami = async (headers: Record<string, string>) => (await (await fetch(proxyUrl('whoami'), { headers })).json()).authorization;
    // The first admin warms the cache; the second must not get the first one's credentials from it.
    expect(await whoami(first)).toBe('Bearer token-admin-one');
    expect(await whoami(first)).toBe('Bearer token-admin-one');
    expect(await whoami(second)).toBe('Bearer token-admin-two');
    const viaGraphQL = await graphql(
      server,
      `
        mutation ($input: ProxyRequestInput!) {
          proxyRequest(input: $input) {
            ... on ProxyResponse {
              data
            }
          }
        }
      `,
      { input: { integration: slug, url: 'whoami' } },
      second,
    );
    expect(viaGraphQL.data.proxyRequest.data.authorization).toBe('Bearer token-admin-two');
  });

  describe('with no authentication configured, listen on loopback only', () => {
    it('binds development without authentication to 127.0.0.1 unless HOST is set', () => {
      expect(loadConfig({}).server.host).toBe('127.0.0.1');
      expect(loadConfig({}).loopbackOnly).toBe(true);
      expect(loadConfig({ HOST: '0.0.0.0' }).server.host).toBe('0.0.0.0');
      expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).server.host).toBe('0.0.0.0');
    });

    it('refuses requests for another host name without authentication (DNS rebinding)', async () => {
      // Built directly: the test settings' deep merge cannot take the JWT secret away.
      const development = createApp(
        { ...config, auth: { ...testAuth, jwtSecret: undefined, apiKeys: [], devMode: true } },
        { database, keyring, logger: testLogger },
      );
      try {
        await development.listen({ port: 0, host: '127.0.0.1' });
        await development.ready();
        const ask = (host: string) =>
          new Promise<number>((resolve, reject) => {
            const request = http.request(
              `${development.url}/graphql`,
              { method: 'POST', headers: { host, 'content-type': 'application/json' } },
              (response) => {
                response.resume();
                resolve(response.statusCode!);
              },
            );
            request.on('error', reject);
            request.end(JSON.stringify({ query: '{ viewer { userId } }' }));
          });
        expect(await ask('attacker.example')).toBe(421);
        expect(await ask(`localhost:${new URL(development.url).port}`)).toBe(200);
        expect(await ask(new URL(development.url).host)).toBe(200);
      } finally {
        await development.stop();
      }
    });
  });
});
