// Errors a developer meets first, made precise: every GraphQL error has an extensions.code, field
// suggestions in development, the 403 names the header to send, unknown integrations are named, and
// the server says where things are (GET /, 404s, /connect without a token).
import { describe, expect, it } from 'vitest';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';

const server = await startTestServer({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: false } });

describe('GraphQL errors carry a code', () => {
  it('reports the depth limit as QUERY_TOO_DEEP, not as a syntax error', async () => {
    const deep = '{ integrations { edges { node { connections { edges { node { integration { connections { totalCount } } } } } } } } }';
    const response = await graphql(server, deep, {}, adminHeaders);
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Query depth limit of \d+ exceeded/),
      extensions: { code: 'QUERY_TOO_DEEP' },
    });
  });

  it('reports too many aliases as TOO_MANY_ALIASES', async () => {
    const fields = Array.from({ length: 20 }, (_, index) => `a${index}: viewer { userId }`).join(' ');
    const response = await graphql(server, `{ ${fields} }`, {}, adminHeaders);
    expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Aliases limit/), extensions: { code: 'TOO_MANY_ALIASES' } });
  });

  it('codes a syntax error GRAPHQL_PARSE_FAILED and an unknown field GRAPHQL_VALIDATION_FAILED', async () => {
    expect((await graphql(server, '{ viewer { ', {}, adminHeaders)).errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Syntax Error/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect((await graphql(server, '{ viewer { nope } }', {}, adminHeaders)).errors?.[0]).toMatchObject({
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('suggests the field meant in development', async () => {
    const response = await graphql(server, '{ viewer { userid } }', {}, adminHeaders);
    expect(response.errors?.[0]?.message).toContain('Did you mean "userId"?');
  });

  it('hides suggestions in production', async () => {
    const production = await startTestServer({ env: 'production', isProduction: true });
    const response = await graphql(production, '{ viewer { userid } }', {}, adminHeaders);
    expect(response.errors?.[0]?.message).not.toContain('Did you mean');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('codes a variable that does not coerce BAD_USER_INPUT', async () => {
    const response = await graphql(server, 'query ($first: Int) { integrations(first: $first) { totalCount } }', { first: 'ten' }, adminHeaders);
    expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Variable "\$first"/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('codes a missing required variable BAD_USER_INPUT', async () => {
    const response = await graphql(server, 'mutation ($input: ProxyRequestInput!) { proxyRequest(input: $input) { __typename } }', {}, adminHeaders);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('CSRF refusals name what to send', () => {
  it('answers a GET with a cookie and without the header or credentials 403 with the header named and a code', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ viewer { userId } }')}`, {
      headers: { accept: 'application/json', cookie: 'theme=dark' },
    });
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({ message: expect.stringContaining('X-GraphQL-Yoga-CSRF'), extensions: { code: 'CSRF_HEADER_MISSING' } });
  });

  it('answers a text/plain POST 403 naming application/json and the header', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...adminHeaders },
      body: JSON.stringify({ query: '{ viewer { userId } }' }),
    });
    expect(response.status).toBe(403);
    expect((await response.json()).errors[0].message).toMatch(/application\/json[\s\S]*X-GraphQL-Yoga-CSRF/);
  });
});

describe('precise messages', () => {
  it('names an unknown integration in proxyRequest, as startConnect does', async () => {
    const response = await graphql(
      server,
      'mutation { proxyRequest(input: { integration: "nope", url: "me" }) { __typename ... on Error { message code } } }',
      {},
      adminHeaders,
    );
    expect(response.data.proxyRequest).toEqual({ __typename: 'NotFoundError', message: 'No integration "nope".', code: 'NOT_FOUND' });
  });

  it('names WEBHOOK_ALLOW_PRIVATE when a local webhook URL is refused', async () => {
    const response = await graphql(
      server,
      'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename ... on ValidationError { fieldErrors { field message } } } }',
      { input: { url: 'http://localhost:3000/hooks' } },
      adminHeaders,
    );
    expect(response.data.createWebhookEndpoint.fieldErrors[0]).toMatchObject({ field: 'url', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE=true') });
  });

  it('says a /connect link without a token has no token, not that it expired', async () => {
    const response = await fetch(`${server.url}/connect`);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('This link has no token');
    expect(page).not.toContain('expired');
  });
});

describe('where things are', () => {
  it('GET / sends a browser to GraphiQL in development', async () => {
    const response = await fetch(`${server.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });

  it('GET / answers a JSON index of the endpoints (without GraphiQL in production)', async () => {
    const index = await (await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).json();
    expect(index).toMatchObject({ name: 'Switchboard', graphql: '/graphql', graphiql: '/graphql', health: '/health' });
    const production = await startTestServer({ env: 'production', isProduction: true });
    const browser = await fetch(`${production.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(browser.status).toBe(200);
    const productionIndex = await browser.json();
    expect(productionIndex).toMatchObject({ name: 'Switchboard', graphql: '/graphql' });
    expect(productionIndex.graphiql).toBeUndefined();
  });

  it('a 404 points to /graphql', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'NOT_FOUND', message: expect.stringContaining('/graphql') });
  });
});
