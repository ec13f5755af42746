// Two-step token requests (issue 27): what the user types buys a session token at a templated
// endpoint. Fakes on 127.0.0.1 answer as Jamf Pro (basic authentication, {"token","expires"}) and
// Tableau (a JSON sign-in, the token at credentials.token, sent as X-Tableau-Auth) document it.
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { providerTemplate } from '../src/catalog/index.js';
import { runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          status
          tokenExpiresAt
          metadata
          apiBaseUrl
        }
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
      ... on Error {
        message
      }
    }
  }
`;
const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('TWO_STEP', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const jamf = { issued: 0, sessions: new Set<string>() };
  upstream.routes.set('/jamf/api/v1/auth/token', (req, res) => {
    if (req.method !== 'POST' || req.headers.authorization !== `Basic ${Buffer.from('admin:p@ss:word').toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ httpStatus: 401, errors: [] }));
      return;
    }
    const token = `jamf-token-${++jamf.issued}`;
    jamf.sessions.add(token);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires: new Date(Date.now() + 20 * 60_000).toISOString() }));
  });
  upstream.routes.set('/jamf/api/v1/auth', (req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!jamf.sessions.has(token)) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ account: { id: '7', username: 'admin' } }));
  });
  upstream.routes.set('/tableau/api/3.24/auth/signin', (_req, res, body) => {
    const { credentials } = JSON.parse(body.toString()) as { credentials: Record<string, unknown> };
    const ok = credentials.personalAccessTokenName === 'ci-token' && credentials.personalAccessTokenSecret === 'pat-secret';
    if (!ok) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: '401001' } }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        credentials: {
          token: 'tableau-session',
          site: { id: 'site-uuid', contentUrl: (credentials.site as { contentUrl: string }).contentUrl },
          user: { id: 'user-uuid' },
        },
      }),
    );
  });
  upstream.routes.set('/tableau/api/3.24/sessions/current', (req, res) => {
    if (req.headers['x-tableau-auth'] !== 'tableau-session') return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ session: { user: { id: 'user-uuid', name: 'ci' } } }));
  });

  const createIntegration = async (provider: string, prefix: string, tokenPath: string) => {
    const slug = uniqueSlug('twostep');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on Error {
              message
            }
          }
        }
      `,
      {
        input: {
          slug,
          provider,
          isShared: true,
          tokenUrl: `${upstream.url}/${prefix}${tokenPath}`,
          apiBaseUrl: `${upstream.url}/${prefix}${prefix === 'jamf' ? '/api' : '/api/3.24'}`,
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename, JSON.stringify(created.data)).toBe('CreateIntegrationPayload');
    return slug;
  };
  const jamfIntegration = await createIntegration('jamf-pro', 'jamf', '/api/v1/auth/token');
  const connect = async (input: Record<string, unknown>) => (await graphql(server, CREATE_CONNECTION, { input }, adminHeaders)).data.createConnection;

  it('the catalog has at least five two-step entries, each with its token request and a verify', () => {
    for (const key of ['tableau', 'jamf-pro', 'veeva-vault', 'cisco-catalyst-center', 'zabbix']) {
      expect(providerTemplate(key), key).toMatchObject({ authType: 'TWO_STEP', tokenRequest: { token: expect.any(String) }, verify: expect.any(Object) });
    }
  });

  it('Jamf Pro: the typed username and password buy a token (basic authentication), expiring when the answer says; calls carry it', async () => {
    const created = await connect({
      integration: jamfIntegration,
      username: 'admin',
      password: 'p@ss:word',
      metadata: { connectionConfig: { host: 'acme.jamfcloud.com' } },
    });
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY' } });
    const expiresIn = new Date(created.connection.tokenExpiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(19 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(20 * 60_000);
    const called = await graphql(server, PROXY, { input: { integration: jamfIntegration, url: 'v1/auth' } }, adminHeaders);
    expect(called.data.proxyRequest).toMatchObject({ status: 200, data: { account: { username: 'admin' } } });
    // The typed inputs are sealed with the credentials, never in metadata or in clear in the row.
    const row = await prisma.connection.findFirstOrThrow({ where: { integration: { slug: jamfIntegration } } });
    expect(JSON.stringify(row)).not.toContain('p@ss:word');
    expect(credentialsOf(row)).toMatchObject({ type: 'TWO_STEP', username: 'admin', password: 'p@ss:word', accessToken: 'jamf-token-1' });
  });

  it('renews by repeating the request with the stored inputs before expiry (the refresh sweep)', async () => {
    const before = jamf.issued;
    await runRefreshSweep(
      { prisma, refresher: (server as App).services.refresher, logger: (server as App).logger },
      { lookaheadSeconds: 30 * 60, concurrency: 2, batchSize: 10 },
    );
    expect(jamf.issued).toBe(before + 1);
    const row = await prisma.connection.findFirstOrThrow({ where: { integration: { slug: jamfIntegration } } });
    expect(credentialsOf(row)!.accessToken).toBe(`jamf-token-${before + 1}`);
  });

  it('credentials the provider refuses are a ProviderError and nothing is stored; a missing input is a ValidationError', async () => {
    const count = await prisma.connection.count();
    const refused = await connect({
      integration: jamfIntegration,
      connectionName: 'wrong',
      username: 'admin',
      password: 'nope',
      metadata: { connectionConfig: { host: 'acme.jamfcloud.com' } },
    });
    expect(refused).toMatchObject({ __typename: 'ProviderError', providerStatus: 401 });
    const missing = await connect({
      integration: jamfIntegration,
      connectionName: 'missing',
      username: 'admin',
      metadata: { connectionConfig: { host: 'acme.jamfcloud.com' } },
    });
    expect(missing.fieldErrors).toEqual([expect.objectContaining({ field: 'password' })]);
    const apiKey = await connect({
      integration: jamfIntegration,
      connectionName: 'other',
      apiKey: 'k',
      username: 'admin',
      password: 'p@ss:word',
      metadata: { connectionConfig: { host: 'acme.jamfcloud.com' } },
    });
    expect(apiKey.__typename).toBe('CreateConnectionPayload');
    expect(await prisma.connection.count()).toBe(count + 1);
  });

  it("a host outside the entry's patterns is refused before any request: a typed value cannot send the credentials elsewhere", async () => {
    const jamfFromCatalog = uniqueSlug('twostep');
    await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug: jamfFromCatalog, provider: 'jamf-pro', isShared: true } },
      adminHeaders,
    );
    const requests = upstream.requests.length;
    const refused = await connect({
      integration: jamfFromCatalog,
      username: 'admin',
      password: 'p@ss:word',
      metadata: { connectionConfig: { host: 'evil.example.com' } },
    });
    expect(refused.__typename).toBe('ValidationError');
    expect(refused.fieldErrors[0].field).toBe('metadata.connectionConfig.host');
    expect(upstream.requests.length).toBe(requests);
  });

  it('Tableau: a JSON sign-in with nested typed values; the token read at credentials.token goes in X-Tableau-Auth, the site id kept', async () => {
    const tableau = await createIntegration('tableau', 'tableau', '/api/3.24/auth/signin');
    const created = await connect({
      integration: tableau,
      username: 'ci-token',
      password: 'pat-secret',
      metadata: { connectionConfig: { host: '10ax.online.tableau.com', site: 'marketing' } },
    });
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { metadata: { siteId: 'site-uuid' } } });
    const called = await graphql(server, PROXY, { input: { integration: tableau, url: 'sessions/current' } }, adminHeaders);
    expect(called.data.proxyRequest).toMatchObject({ status: 200, data: { session: { user: { name: 'ci' } } } });
  });
});
