// Issue 22, attack 2: credentials the proxy injects (a query-string key above all: OpenWeather
// `appid`, Google Maps `key`) must not come back through the provider's response headers. A user of
// a shared connection, who may not read its credential, called an upstream that redirects keeping
// the query; `Location: …&appid=<the admin's key>` reached her from proxyRequest and the path proxy.
// Checklist areas: ../shared/security-checklist.md, "HTTP surface" (and "Authorization" for node(id)).
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { prisma } from './helpers/database.js';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        headers
        url
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
const CREDENTIALS = /* GraphQL */ `
  query ($integration: String!) {
    integration(integration: $integration) {
      connection {
        isShared
        credentials {
          apiKey
        }
      }
    }
  }
`;

/** Every response header an upstream may use to point somewhere (or echo the request), built from the request as received. */
function reflecting(req: http.IncomingMessage, res: http.ServerResponse): void {
  const self = `http://${req.headers.host}${req.url}`;
  const query = new URL(self).search;
  res.setHeader('location', `${self}&redirected=1`);
  res.setHeader('content-location', self);
  res.setHeader('link', `<${self}&page=2>; rel="next", <https://cdn.example${encodeURI(query)}>; rel="alternate"`);
  res.setHeader('refresh', `0; url=${self}`);
  res.setHeader('set-cookie', [`last=${encodeURIComponent(query)}; Path=/`]);
  res.setHeader('x-debug-request', `GET ${req.url} authorization=${req.headers.authorization ?? ''} token=${String(req.headers['x-api-token'] ?? '')}`);
  res.setHeader('x-encoded-query', encodeURIComponent(query));
  res.writeHead(302).end();
}

describe('security hardening: header scrubbing — injected credentials never come back in response headers (issue 22, attack 2)', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  upstream.routes.set('/data/2.5/weather', reflecting);
  const alice = await userHeaders('alice-attack2');

  /** A shared integration whose credential goes where `proxy` says, with an admin's connection holding `credential`. */
  async function sharedIntegration(proxy: Record<string, string>, credential: Record<string, string>, authType: 'API_KEY' | 'BASIC' = 'API_KEY') {
    const slug = uniqueSlug('attack2');
    await makeIntegration(server, { slug, authType, isShared: true, apiBaseUrl: `${upstream.url}/data/2.5` });
    await prisma.integration.update({ where: { slug }, data: { settings: { proxy } } });
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: slug, ...credential } },
      adminHeaders,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    return slug;
  }

  const ADMIN_KEY = 'b1946ac92492d2347c6235b4d2611184';

  it('a redirect that keeps the query does not hand a shared appid key to an ordinary user, in proxyRequest', async () => {
    const slug = await sharedIntegration({ authQueryParam: 'appid' }, { apiKey: ADMIN_KEY });
    // She may not read the credential…
    const credentials = await graphql(server, CREDENTIALS, { integration: slug }, alice);
    expect(credentials.data.integration.connection.isShared).toBe(true);
    expect(credentials.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(credentials)).not.toContain(ADMIN_KEY);
    // …and the provider's headers do not tell her either.
    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'weather?q=London' } }, alice);
    const response = answer.data.proxyRequest;
    expect(response).toMatchObject({ __typename: 'ProxyResponse', status: 302 });
    expect(upstream.requests.at(-1)!.url).toContain(`appid=${ADMIN_KEY}`);
    expect(JSON.stringify(response)).not.toContain(ADMIN_KEY);
    expect(response.headers.location).toBe(`${upstream.url}/data/2.5/weather?q=London&appid=REDACTED&redirected=1`);
    expect(response.headers['content-location']).toContain('appid=REDACTED');
    expect(response.headers.link).toContain('appid=REDACTED');
    expect(response.headers.refresh).toContain('appid=REDACTED');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('a redirect that keeps the query does not hand a shared key to an ordinary user, through the path proxy', async () => {
    const slug = await sharedIntegration({ authQueryParam: 'key' }, { apiKey: ADMIN_KEY });
    const response = await fetch(`${server.url}/api/integrations/${slug}/request/weather?q=Paris`, { headers: alice, redirect: 'manual' });
    expect(response.status).toBe(302);
    const headers = Object.fromEntries(response.headers);
    expect(JSON.stringify(headers)).not.toContain(ADMIN_KEY);
    expect(headers.location).toBe(`${upstream.url}/data/2.5/weather?q=Paris&key=REDACTED&redirected=1`);
    expect(headers['content-location']).toContain('key=REDACTED');
    expect(headers.link).toContain('key=REDACTED');
    expect(headers.refresh).toContain('key=REDACTED');
    expect(headers['set-cookie']).toBeUndefined();
  });

  it('a header credential echoed back by the provider is scrubbed, raw or percent-encoded', async () => {
    const slug = await sharedIntegration({ authHeader: 'X-Api-Token', authPrefix: '' }, { apiKey: 'tok/with+special chars=' });
    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'weather' } }, alice);
    const response = answer.data.proxyRequest;
    expect(upstream.requests.at(-1)!.headers['x-api-token']).toBe('tok/with+special chars=');
    expect(response.headers['x-debug-request']).toContain('token=REDACTED');
    const text = JSON.stringify(response);
    expect(text).not.toContain('tok/with+special chars=');
    expect(text).not.toContain(encodeURIComponent('tok/with+special chars='));
  });

  it('a Basic credential echoed back is scrubbed (the encoded pair and the password)', async () => {
    const slug = await sharedIntegration({}, { username: 'admin', password: 'correct-horse-battery' }, 'BASIC');
    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'weather' } }, alice);
    const pair = Buffer.from('admin:correct-horse-battery').toString('base64');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Basic ${pair}`);
    expect(answer.data.proxyRequest.headers['x-debug-request']).toContain('authorization=Basic REDACTED');
    expect(JSON.stringify(answer)).not.toContain(pair);
  });

  it('a short query credential is still removed by its parameter name', async () => {
    const slug = await sharedIntegration({ authQueryParam: 'appid' }, { apiKey: 'k1' });
    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'weather?q=Oslo' } }, alice);
    expect(answer.data.proxyRequest.headers.location).toBe(`${upstream.url}/data/2.5/weather?q=Oslo&appid=REDACTED&redirected=1`);
  });
});
