// GraphQL over HTTP hardening: CSRF prevention, graphql-armor limits, no batching, masked errors.
import { describe, expect, it } from 'vitest';
import { adminHeaders, graphql, startTestServer, testConfig } from './helpers/server.js';

const config = testConfig();

describe('GraphQL transport', async () => {
  const server = await startTestServer();
  const url = `${server.url}/graphql`;
  const query = '{ viewer { userId } }';

  it('answers a JSON POST', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders }, body: JSON.stringify({ query }) });
    expect(response.status).toBe(200);
  });

  it('answers a body over GRAPHQL_MAX_BODY_BYTES with 413, whether its length is declared or it is chunked', async () => {
    const padding = 'x'.repeat(config.graphql.maxBodyBytes + 1);
    const declared = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders }, body: padding });
    expect(declared.status).toBe(413);
    expect((await declared.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < padding.length; offset += 100_000)
            controller.enqueue(new TextEncoder().encode(padding.slice(offset, offset + 100_000)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // A chunked body within the limit is read and answered as usual.
    const small = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify({ query })));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(small.status).toBe(200);
    expect((await small.json()).data.viewer.userId).toBe('switchboard:api-key');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('refuses a POST sent as %s (CSRF)', async (_name, contentType) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...adminHeaders }, body: JSON.stringify({ query }) });
    expect(response.status).toBe(403);
  });

  it('refuses a POST with no content type (CSRF)', async () => {
    const response = await fetch(url, { method: 'POST', headers: adminHeaders, body: new Blob([JSON.stringify({ query })]) });
    expect(response.status).toBe(403);
  });

  it('refuses a GET carrying a cookie without the CSRF header or credentials (a forged request from a signed-in browser), and accepts it with either', async () => {
    const target = `${url}?query=${encodeURIComponent(query)}`;
    const session = await fetch(`${server.url}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ apiKey: adminHeaders['x-api-key'] }),
    });
    const cookie = session.headers.getSetCookie()[0]!.split(';')[0]!;
    const forged = await fetch(target, { headers: { accept: 'application/json', cookie } });
    expect(forged.status).toBe(403);
    expect((await forged.json()).errors[0].extensions.code).toBe('CSRF_HEADER_MISSING');
    const withHeader = await fetch(target, { headers: { accept: 'application/json', cookie, 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(200);
    expect((await withHeader.json()).data.viewer.userId).toBeTruthy();
    // Credentials are never CORS-safelisted headers: a cross-site page cannot send them without a preflight.
    expect((await fetch(target, { headers: { accept: 'application/json', cookie: 'theme=dark', ...adminHeaders } })).status).toBe(200);
  });

  it('refuses a GET a browser marks as cross-site without the CSRF header or credentials', async () => {
    const target = `${url}?query=${encodeURIComponent(query)}`;
    const crossSite = await fetch(target, { headers: { accept: 'application/json', 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect((await crossSite.json()).errors[0].extensions.code).toBe('CSRF_HEADER_MISSING');
    expect((await fetch(target, { headers: { accept: 'application/json', 'sec-fetch-site': 'cross-site', ...adminHeaders } })).status).toBe(200);
  });

  it('passes a GET without a cookie from a server or the same site through CSRF prevention to authentication', async () => {
    const target = `${url}?query=${encodeURIComponent(query)}`;
    expect((await fetch(target, { headers: { accept: 'application/json', ...adminHeaders } })).status).toBe(200);
    for (const site of [undefined, 'same-origin', 'same-site', 'none']) {
      const response = await fetch(target, { headers: { accept: 'application/json', ...(site ? { 'sec-fetch-site': site } : {}) } });
      // No credentials where authentication is configured: refused by authentication, not by CSRF prevention.
      const body = await response.json();
      expect(body.errors[0].extensions.code, site).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a mutation over GET with 405', async () => {
    const mutation = 'mutation { deleteIntegration(input: { integration: "x" }) { __typename } }';
    const response = await fetch(`${url}?query=${encodeURIComponent(mutation)}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1', ...adminHeaders },
    });
    expect(response.status).toBe(405);
  });

  it('refuses more than 15 aliases, e.g. 50 aliased mutations in one document', async () => {
    const fields = Array.from({ length: 50 }, (_, index) => `a${index}: deleteIntegration(input: { integration: "x${index}" }) { __typename }`);
    const response = await graphql(server, `mutation { ${fields.join(' ')} }`, {}, adminHeaders);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses queries deeper than 8', async () => {
    const deep = '{ integrations { edges { node { connections { edges { node { integration { connections { totalCount } } } } } } } } }';
    const response = await graphql(server, deep, {}, adminHeaders);
    expect(response.errors?.[0]?.message).toMatch(/depth/i);
  });

  it("admits the contract's natural depth-7 query: webhook endpoints with their deliveries", async () => {
    const natural = '{ webhookEndpoints { edges { node { deliveries { edges { node { status } } } } } } }';
    const response = await graphql(server, natural, {}, adminHeaders);
    expect(response.errors).toBeUndefined();
    expect(response.data.webhookEndpoints.edges).toEqual(expect.any(Array));
  });

  it('refuses a query whose pages cost more than GRAPHQL_MAX_COST (each page counts its selection first/last times), before running it', async () => {
    const costly = '{ integrations(first: 100) { edges { node { connections(first: 100) { edges { node { id name status } } } } } } }';
    const response = await graphql(server, costly, {}, adminHeaders);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(/cost/i), extensions: { code: 'QUERY_TOO_COSTLY' } });
    // The same shape with smaller pages is fine.
    const affordable = await graphql(server, costly.replaceAll('100', '10'), {}, adminHeaders);
    expect(affordable.errors).toBeUndefined();
  });

  it('prices one document again for each page size its variables ask for (the cost is computed once per page-size values, not once per document)', async () => {
    const paged =
      'query ($outer: Int, $inner: Int, $skip: Boolean!) { integrations(first: $outer) { edges { node { connections(first: $inner) @skip(if: $skip) { edges { node { id name status } } } } } } }';
    const small = await graphql(server, paged, { outer: 10, inner: 10, skip: false }, adminHeaders);
    expect(small.errors).toBeUndefined();
    const large = await graphql(server, paged, { outer: 100, inner: 100, skip: false }, adminHeaders);
    expect(large.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY' } });
    // Skipping the inner page removes its cost; asking for the large pages again is refused again.
    const skipped = await graphql(server, paged, { outer: 100, inner: 100, skip: true }, adminHeaders);
    expect(skipped.errors).toBeUndefined();
    expect((await graphql(server, paged, { outer: 100, inner: 100, skip: false }, adminHeaders)).errors?.[0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COSTLY' },
    });
  });

  it('refuses batched requests', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: JSON.stringify([{ query }, { query }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('answers a syntax error with a GraphQL error, not a stack trace', async () => {
    const response = await graphql(server, '{ viewer { ', {}, adminHeaders);
    expect(response.errors?.[0]?.message).toMatch(/Syntax Error/);
    expect(JSON.stringify(response)).not.toMatch(/stack|\.ts:\d+/);
  });

  it('serves GraphiQL to browsers in development', async () => {
    const response = await fetch(url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Switchboard</title>');
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//); // assets are inline, nothing from a CDN
  });

  it('answers /health, /ready and unknown paths', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/ready`)).json()).toMatchObject({ status: 'ready' });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
