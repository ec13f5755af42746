// The path proxy (ANY /api/integrations/:integration/request/*): streams bodies both ways with the
// same authentication, rules and refresh as proxyRequest.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, TEST_API_KEY, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

describe('path proxy', async () => {
  const server = await startTestServer();
  // An instance of the same deployment that takes request bodies of 1 KiB at most.
  const smallBodies = await startTestServer({ proxy: { maxRequestBytes: 1024 } });
  const upstream = await startUpstream();
  const slug = uniqueSlug('files');
  const download = randomBytes(24 * 1024 * 1024);
  const asUser = (userId: string) => ({ 'x-api-key': TEST_API_KEY, 'x-user-id': userId });
  const route = (path: string) => `${server.url}/api/integrations/${slug}/request/${path}`;
  let connectionId = '';

  const validTokens = new Set(['access-0']);
  let tokenRequests = 0;
  upstream.routes.set('/token', (_req, res) => {
    const token = `access-${++tokenRequests}`;
    validTokens.add(token);
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
  });
  const authorized = (authorization?: string) => validTokens.has((authorization ?? '').replace(/^Bearer /, ''));
  upstream.routes.set('/v1/download', (req, res) => {
    if (!authorized(req.headers.authorization)) return json(res, 401, { error: 'invalid_token' });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'set-cookie': 'session=1', 'x-file-name': 'big.bin' });
    // Written in pieces, as a provider streaming a file would.
    let offset = 0;
    const pump = () => {
      while (offset < download.length) {
        const chunk = download.subarray(offset, (offset += 256 * 1024));
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  upstream.routes.set('/v1/upload', (req, res, body) =>
    json(res, 201, {
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
    }),
  );
  upstream.routes.set('/v1/compressed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(JSON.stringify({ compressed: true })));
  });
  upstream.routes.set('/v1/echo', (req, res) => json(res, 200, { url: req.url, headers: req.headers }));

  beforeAll(async () => {
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
          authorizationUrl: `${upstream.url}/auth`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: `${upstream.url}/v1`,
        },
      },
      adminHeaders,
    );
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            ... on CreateConnectionPayload {
              connection {
                id
              }
            }
          }
        }
      `,
      { input: { integration: slug, accessToken: 'access-0', refreshToken: 'refresh-0' } },
      asUser('streamer'),
    );
    connectionId = created.data.createConnection.connection.id;
  });

  it('streams a large binary download through unchanged, without Set-Cookie', async () => {
    const response = await fetch(route('download'), { headers: asUser('streamer') });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-file-name')).toBe('big.bin');
    expect(response.headers.get('set-cookie')).toBeNull();
    const received = Buffer.from(await response.arrayBuffer());
    expect(received.length).toBe(download.length);
    expect(createHash('sha256').update(received).digest('hex')).toBe(createHash('sha256').update(download).digest('hex'));
  });

  it("streams an upload through, with the token injected and the caller's credentials not forwarded", async () => {
    const body = randomBytes(6 * 1024 * 1024);
    const response = await fetch(route('upload'), { method: 'PUT', headers: { ...asUser('streamer'), 'content-type': 'application/octet-stream' }, body });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      contentType: 'application/octet-stream',
      authorization: 'Bearer access-0',
    });
  });

  it('refuses an upload over the size limit with 413, before reading it', async () => {
    const response = await fetch(`${smallBodies.url}/api/integrations/${slug}/request/upload`, {
      method: 'POST',
      headers: asUser('streamer'),
      body: Buffer.alloc(4096),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error).toBe('VALIDATION');
  });

  it('passes compressed answers through as they are', async () => {
    const response = await fetch(route('compressed'), { headers: { ...asUser('streamer'), 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ compressed: true }); // fetch decodes what was passed through encoded
  });

  it("keeps the query, drops the caller's authentication and connection headers", async () => {
    const response = await fetch(`${route('echo')}?q=1&page=2`, {
      headers: { ...asUser('streamer'), 'x-connection-name': 'default', cookie: 'a=b', 'x-trace': 't' },
    });
    const seen = (await response.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/v1/echo?q=1&page=2');
    expect(seen.headers.authorization).toBe('Bearer access-0');
    expect(seen.headers['x-trace']).toBe('t');
    for (const name of ['x-api-key', 'x-user-id', 'x-connection-name', 'cookie']) expect(seen.headers[name], name).toBeUndefined();
  });

  it('on 401 refreshes once and retries a request without a body', async () => {
    validTokens.delete('access-0');
    const before = tokenRequests;
    const response = await fetch(route('download'), { headers: asUser('streamer') });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(tokenRequests).toBe(before + 1);
  });

  function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      // Given as options, the path goes out exactly as written, dot segments included.
      const request = http.request({ hostname, port, path, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('answers typed JSON errors: 401 unauthenticated, 404 unknown or foreign connection, 400 for a path that escapes', async () => {
    expect((await fetch(route('echo'))).status).toBe(401);
    const unknown = await fetch(`${server.url}/api/integrations/nope/request/echo`, { headers: asUser('streamer') });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'NOT_FOUND' });
    const foreign = await fetch(route('echo'), { headers: { ...asUser('intruder'), 'x-connection-id': connectionId } });
    expect(foreign.status).toBe(404);
    // Sent raw: fetch itself would remove dot segments before sending.
    for (const path of ['%2e%2e/token', '../token', '..%2ftoken', '%2e%2e%2f%2e%2e%2fadmin', 'a/..%5c..%5ctoken']) {
      const escaped = await rawGet(`/api/integrations/${slug}/request/${path}`, asUser('streamer'));
      expect(escaped.status, path).toBe(400);
      expect(JSON.parse(escaped.body).error).toBe('VALIDATION');
    }
    // Only the token refreshes (POST) ever reached the upstream's /token; nothing reached /admin.
    expect(upstream.requests.filter((request) => request.method === 'GET' && /token|admin/.test(request.url))).toEqual([]);
    const badPolicy = await fetch(route('echo'), { headers: { ...asUser('streamer'), 'x-refresh-policy': 'SOMETIMES' } });
    expect(badPolicy.status).toBe(400);
    const userToken = await fetch(route('echo'), { headers: await userHeaders('streamer') });
    expect(userToken.status).toBe(200);
  });
});
