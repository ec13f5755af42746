// Credential checks added to catalog entries, each run on an import against a fake answering at the
// path the provider documents for "the current user" (with the documented answer's shape): the right
// token is accepted, a refused one stores nothing.
import { describe, expect, it } from 'vitest';
import { uniqueSlug } from './helpers/fixtures.js';
import { prisma } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

describe('credential checks on import, at each provider’s current-user endpoint', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const admin = { userId: 'verify-importer', isAdmin: true, via: 'jwt' as const };

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
    const integration = await server.services.integrations.create({
      slug: uniqueSlug(provider),
      provider,
      clientId: 'id',
      clientSecret: 'secret',
      apiBaseUrl: `${upstream.url}${base}`,
      isShared: true,
    });
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
});
