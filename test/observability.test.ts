// Operations' view of a running server: Prometheus metrics on /metrics (and its token), OpenTelemetry
// spans exported over OTLP/HTTP to a receiver on 127.0.0.1, possibleTypes for Apollo, and compressed
// answers where the client accepts them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { flushTracing, startTracing, stopTracing } from '../src/telemetry/tracing.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration, expireToken } from './helpers/connect.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A minimal OTLP/HTTP (JSON) trace receiver. */
async function startOtlpReceiver() {
  const spans: ExportedSpan[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/v1/traces') {
        bodies.push(body);
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const PROXY = /* GraphQL */ `
  mutation Call($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('observability', async () => {
  const receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  await startTracing({ serviceName: 'switchboard-test' });
  afterAll(async () => {
    await stopTracing();
    await receiver.close();
  });
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  afterAll(() => as.close());
  const slug = await createOidcIntegration(server, as);
  const userId = 'metrics-user-7f3a';
  const headers = await userHeaders(userId);
  const connection = await connectThroughProvider(server, slug, headers);
  // An expired token: the proxied call refreshes first (a token request), then calls userinfo.
  await expireToken(server, connection.id);
  const called = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, headers);
  expect(called.data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200 });

  it('serves the HTTP, GraphQL, proxy, token refresh, connection and subscription metrics with bounded labels only', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/switchboard_http_request_duration_seconds_count\{route="graphql",status_class="2xx"\} \d+/);
    expect(text).toMatch(/switchboard_graphql_operations_total\{operation_type="mutation",outcome="success"\} [1-9]/);
    expect(text).toMatch(new RegExp(`switchboard_proxy_requests_total\\{integration="${slug}",status_class="2xx"\\} 1`));
    expect(text).toMatch(new RegExp(`switchboard_proxy_request_duration_seconds_count\\{integration="${slug}",status_class="2xx"\\} 1`));
    expect(text).toMatch(new RegExp(`switchboard_token_refreshes_total\\{integration="${slug}",outcome="success"\\} 1`));
    expect(text).toMatch(new RegExp(`switchboard_connections\\{integration="${slug}",status="HEALTHY"\\} 1`));
    expect(text).toMatch(/switchboard_subscriptions \d+/);
    // The activity log's operations feed a counter by kind and outcome (connect, refresh, proxy above).
    for (const kind of ['CONNECT', 'REFRESH', 'PROXY'])
      expect(text).toMatch(new RegExp(`switchboard_operations_total\\{kind="${kind}",outcome="SUCCESS"\\} [1-9]`));
    expect(text).toMatch(/switchboard_activity_dropped_total \d+/);
    // Labels are names from fixed sets: no user id, token, connection id or path anywhere.
    expect(text).not.toContain(userId);
    expect(text).not.toContain(connection.id);
    expect(text).not.toMatch(/route="\/|\/me|Bearer|eyJ/);
  });

  it('counts a GraphQL operation refused by validation as invalid, and one with errors as error', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const count = (text: string, outcome: string) =>
      Number(new RegExp(`switchboard_graphql_operations_total\\{operation_type="query",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    await graphql(server, '{ noSuchField }', {}, adminHeaders);
    await graphql(server, '{ node(id: "not-a-global-id") { id } }', {}, adminHeaders);
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(count(after, 'invalid')).toBe(count(before, 'invalid') + 1);
    expect(count(after, 'error') + count(after, 'success')).toBe(count(before, 'error') + count(before, 'success') + 1);
  });

  it('answers /metrics only with the bearer METRICS_TOKEN when one is set', async () => {
    const guarded = await startTestServer({ metrics: { token: 'metrics-token-0123456789' } });
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const allowed = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('switchboard_http_request_duration_seconds');
  });

  it('exports spans over OTLP/HTTP for the GraphQL operation, the proxied call and the token request inside it', async () => {
    await flushTracing();
    const operation = receiver.spans.find((span) => span.name === 'graphql.mutation Call');
    expect(operation).toBeDefined();
    const proxied = receiver.spans.find((span) => span.name === 'proxy.request' && span.traceId === operation!.traceId);
    expect(proxied?.parentSpanId).toBeDefined();
    const tokenRequest = receiver.spans.find((span) => span.name === 'oauth.token_request' && span.traceId === operation!.traceId);
    expect(tokenRequest).toBeDefined();
    const attributes = Object.fromEntries(tokenRequest!.attributes.map((attribute) => [attribute.key, Object.values(attribute.value)[0]]));
    expect(attributes).toMatchObject({ 'switchboard.integration': slug, 'oauth.grant_type': 'refresh_token', 'http.response.status_code': 200 });
    // Spans carry no token, user id or path.
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(userId);
    expect(exported).not.toMatch(/Bearer|eyJ|refresh_token=|access_token/);
  });

  it('serves possibleTypes for Apollo Client: every union and interface with its members', async () => {
    const response = await fetch(`${server.url}/graphql/possible-types.json`);
    expect(response.status).toBe(200);
    const possibleTypes = (await response.json()) as Record<string, string[]>;
    expect(possibleTypes.Error).toEqual(expect.arrayContaining(['ValidationError', 'NotFoundError', 'ProviderError']));
    expect(possibleTypes.Node).toEqual(expect.arrayContaining(['Connection', 'Integration']));
    expect(possibleTypes.ProxyRequestResult).toEqual(expect.arrayContaining(['ProxyResponse', 'ValidationError']));
  });

  it('compresses GraphiQL and large JSON answers with brotli or gzip as accepted, and leaves small ones alone', async () => {
    const page = await rawGet(`${server.url}/graphql`, { accept: 'text/html', 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    const html = zlib.brotliDecompressSync(page.body).toString();
    expect(html).toContain('<title>Switchboard</title>');
    expect(page.body.length).toBeLessThan(html.length / 3);

    const query = '{ providers { key name categories docsUrl defaultScopes } }';
    const large = await rawPost(`${server.url}/graphql`, JSON.stringify({ query }), { ...adminHeaders, 'accept-encoding': 'gzip' });
    expect(large.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(large.body).toString()).data.providers.length).toBeGreaterThan(10);

    const small = await rawPost(`${server.url}/graphql`, JSON.stringify({ query: '{ __typename }' }), { ...adminHeaders, 'accept-encoding': 'gzip, br' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString())).toEqual({ data: { __typename: 'Query' } });

    const plain = await rawPost(`${server.url}/graphql`, JSON.stringify({ query }), adminHeaders);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString()).data.providers.length).toBeGreaterThan(10);
  });
});

function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
const rawGet = (url: string, headers: Record<string, string>) => rawRequest(url, 'GET', headers);
const rawPost = (url: string, body: string, headers: Record<string, string>) =>
  rawRequest(url, 'POST', { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1', ...headers }, body);
