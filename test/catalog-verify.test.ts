// Credential checks added to catalog entries, each run on an import against a fake answering at the
// path the provider documents for "the current user" (with the documented answer's shape): the right
// token is accepted, a refused one stores nothing.
import { describe, expect, it } from 'vitest';
import { catalogIntegrationAt } from './helpers/fixtures.js';
import { prisma } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';
import type http from 'node:http';
import { json, startUpstream } from './helpers/upstream.js';

describe('credential checks on import, at each provider’s current-user endpoint', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const admin = { userId: 'verify-importer', isAdmin: true, via: 'jwt' as const };
  /** A shared integration of `provider` whose API is the fake's, under `base`. */
  const integrationAt = (provider: string, base: string) => catalogIntegrationAt(server, provider, `${upstream.url}${base}`);

  it.each([
    ['square', '/square/v2', '/square/v2/merchants/me', '', { merchant: { id: 'MLQW2ZJ0PRGRN', business_name: 'Apple A Day', country: 'US' } }],
    ['mollie', '/mollie/v2', '/mollie/v2/organizations/me', '', { resource: 'organization', id: 'org_12345678', name: 'Mollie B.V.' }],
    ['smartsheet', '/smartsheet/2.0', '/smartsheet/2.0/users/me', '', { id: 48569348493401200, email: 'john.doe@smartsheet.com', firstName: 'John' }],
    ['amazon', '/amazon', '/amazon/user/profile', '', { user_id: 'amzn1.account.K2LI23KL2LK2', email: 'mhashimoto-04@plaxo.com', name: 'Mork Hashimoto' }],
    [
      'wrike',
      '/wrike/api/v4',
      '/wrike/api/v4/contacts',
      'me=true',
      { kind: 'contacts', data: [{ id: 'KUAJ25LC', firstName: 'Test', lastName: 'User', type: 'Person' }] },
    ],
    [
      'zoho-crm',
      '/zoho/crm/v6',
      '/zoho/crm/v6/users',
      'type=CurrentUser',
      { users: [{ id: '4150868000000225013', full_name: 'Patricia Boyle', email: 'p.boyle@zylker.com' }] },
    ],
  ])('%s', async (provider, base, pathname, query, answer) => {
    upstream.routes.set(pathname, (req, res) => {
      const url = new URL(req.url!, 'http://upstream');
      if (url.search.slice(1) !== query) return json(res, 400, { error: 'bad_request' });
      if (!/ the-good-token$/.test(String(req.headers.authorization))) return json(res, 401, { error: 'invalid_token' });
      json(res, 200, answer);
    });
    const integration = await integrationAt(provider, base);
    await expect(
      server.services.createConnection(admin, { integration: integration.slug, connectionName: 'refused', accessToken: 'a-revoked-token' }),
    ).rejects.toMatchObject({ details: { providerStatus: 401 } });
    expect(await prisma.connection.count({ where: { integrationId: integration.id } })).toBe(0);
    const connection = await server.services.createConnection(admin, {
      integration: integration.slug,
      connectionName: 'accepted',
      accessToken: 'the-good-token',
    });
    expect(connection.integrationId).toBe(integration.id);
  });

  /** What the request presented as the credential: a bearer or prefixed header value, Basic's user:password, or a query parameter. */
  const bearer = (req: http.IncomingMessage) => String(req.headers.authorization ?? '').replace(/^Bearer /, '');
  const header = (name: string) => (req: http.IncomingMessage) => String(req.headers[name] ?? '');
  const basic = (req: http.IncomingMessage) => Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
  const query = (name: string) => (req: http.IncomingMessage) => new URL(req.url!, 'http://upstream').searchParams.get(name) ?? '';

  it.each([
    // provider, base, path, method, the credential's kind, how the request carries it, a refusing HTTP 200 answer, an accepting answer, the identity read from it
    [
      'attio',
      '/attio/v2',
      '/attio/v2/self',
      'GET',
      'OAUTH2',
      bearer,
      { active: false },
      { active: true, scope: 'record_permission:read', workspace_id: '14beef7a-99f7-4534-a87e-70b564330a4c', workspace_name: 'Acme' },
      { providerAccountId: '14beef7a-99f7-4534-a87e-70b564330a4c', displayName: 'Acme' },
    ],
    [
      'apollo',
      '/apollo/api/v1',
      '/apollo/api/v1/auth/health',
      'GET',
      'API_KEY',
      header('x-api-key'),
      { healthy: true, is_logged_in: false },
      { healthy: true, is_logged_in: true },
      { providerAccountId: null, displayName: null },
    ],
    [
      'zendesk-basic',
      '/zendesk/api/v2',
      '/zendesk/api/v2/users/me',
      'GET',
      'BASIC',
      basic,
      { user: { id: null, name: 'Anonymous user', role: 'end-user' } },
      { user: { id: 35436, name: 'Johnny Agent', email: 'johnny@example.com', role: 'agent' } },
      { providerAccountId: '35436', displayName: 'johnny@example.com' },
    ],
    [
      'mapbox',
      '/mapbox',
      '/mapbox/tokens/v2',
      'GET',
      'API_KEY',
      query('access_token'),
      { code: 'TokenRevoked', token: { usage: 'pk', user: 'mapbox' } },
      { code: 'TokenValid', token: { usage: 'pk', user: 'mapbox', authorization: 'default' } },
      { providerAccountId: null, displayName: 'mapbox' },
    ],
    [
      'cloudflare',
      '/cloudflare/client/v4',
      '/cloudflare/client/v4/user/tokens/verify',
      'GET',
      'API_KEY',
      bearer,
      { success: true, result: { id: 'f267e341f3dd4697bd3b9f71dd96247f', status: 'disabled' } },
      { success: true, result: { id: 'f267e341f3dd4697bd3b9f71dd96247f', status: 'active' } },
      { providerAccountId: 'f267e341f3dd4697bd3b9f71dd96247f', displayName: null },
    ],
    [
      'new-relic',
      '/newrelic',
      '/newrelic/graphql',
      'POST',
      'API_KEY',
      header('api-key'),
      { data: { actor: { user: null } }, errors: [{ message: 'Invalid API key' }] },
      { data: { actor: { user: { id: 1234567, email: 'jane@example.com', name: 'Jane Doe' } } } },
      { providerAccountId: '1234567', displayName: 'jane@example.com' },
    ],
    [
      'sonarcloud',
      '/sonarcloud/api',
      '/sonarcloud/api/authentication/validate',
      'GET',
      'API_KEY',
      bearer,
      { valid: false },
      { valid: true },
      { providerAccountId: null, displayName: null },
    ],
    [
      'confluence-basic',
      '/confluence/wiki/rest/api',
      '/confluence/wiki/rest/api/user/current',
      'GET',
      'BASIC',
      basic,
      { type: 'anonymous', displayName: 'Anonymous' },
      { type: 'known', accountId: '5b10a2844c20165700ede21g', displayName: 'Mia Krystof' },
      { providerAccountId: '5b10a2844c20165700ede21g', displayName: 'Mia Krystof' },
    ],
  ] as const)(
    '%s: a credential the answer refuses is not imported; an accepted one names the account',
    async (provider, base, pathname, method, kind, presented, refusing, accepting, identity) => {
      const good = 'the-good-credential';
      upstream.routes.set(pathname, (req, res) => {
        if (req.method !== method) return json(res, 405, { error: 'method_not_allowed' });
        const given = presented(req);
        if (!given.startsWith(good)) return json(res, 401, { error: 'unauthorized' });
        json(res, 200, given.includes('revoked') ? refusing : accepting);
      });
      const integration = await integrationAt(provider, base);
      const credential = (value: string) =>
        kind === 'BASIC'
          ? // Both Basic entries ask for the site's subdomain, even where the test's base URL replaces the host.
            { username: value, password: 'api-token', metadata: { connectionConfig: { subdomain: 'acme' } } }
          : kind === 'API_KEY'
            ? { apiKey: value }
            : { accessToken: value };
      await expect(
        server.services.createConnection(admin, { integration: integration.slug, connectionName: 'refused', ...credential(`${good}-revoked`) }),
      ).rejects.toMatchObject({ details: { providerStatus: 200, providerError: 'credentials_rejected' } });
      expect(await prisma.connection.count({ where: { integrationId: integration.id } })).toBe(0);
      const connection = await server.services.createConnection(admin, { integration: integration.slug, connectionName: 'accepted', ...credential(good) });
      const stored = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
      expect({ providerAccountId: stored.providerAccountId, displayName: stored.displayName }).toEqual(identity);
    },
  );

  it.each([
    [
      'heroku',
      '/heroku',
      '/heroku/account',
      'application/vnd.heroku+json; version=3',
      { id: '01234567-89ab-cdef-0123-456789abcdef', email: 'username@example.com' },
    ],
    ['pagerduty', '/pagerduty', '/pagerduty/users/me', 'application/vnd.pagerduty+json;version=2', { user: { id: 'PXPGF42', email: 'earline@example.com' } }],
  ])('%s: the check sends the API version in its one Accept header', async (provider, base, pathname, accept, answer) => {
    upstream.routes.set(pathname, (req, res) => {
      // A second Accept would arrive joined to the first ("application/json, …").
      if (req.headers.accept !== accept) return json(res, 406, { error: 'not_acceptable' });
      if (req.headers.authorization !== 'Bearer the-good-token') return json(res, 401, { error: 'unauthorized' });
      json(res, 200, answer);
    });
    const integration = await integrationAt(provider, base);
    const connection = await server.services.createConnection(admin, {
      integration: integration.slug,
      connectionName: 'accepted',
      accessToken: 'the-good-token',
    });
    expect(connection.integrationId).toBe(integration.id);
  });
});
