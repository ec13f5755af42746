// The catalog's growth files (one per category, written from each provider's documentation): every
// entry has a docs link and a credential check unless its notes say why there is none, credentials
// are placed as each provider documents, and the checks with a method, body, headers or an answer
// field work against fakes answering as the providers document.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog, readCatalog } from '../src/catalog/index.js';
import type { StoredCredentials } from '../src/domain/connections.js';
import type { Integration } from '../src/domain/integrations.js';
import { injectCredential } from '../src/proxy/rules.js';
import { catalogIntegrationAt } from './helpers/fixtures.js';
import { keyring, prisma } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const GROWTH_FILES = [
  'ai-platforms',
  'analytics-data',
  'collaboration',
  'consumer-apps',
  'crm-sales',
  'data-observability',
  'databases',
  'devops-cloud',
  'ecommerce',
  'education-research',
  'erp-accounting',
  'finance-payments',
  'hosting-infrastructure',
  'hr-payroll',
  'industry-media',
  'marketing-social',
  'messaging',
  'productivity-suite',
  'sales-data-tools',
  'security-identity',
  'support-it',
  'work-management',
];
const growth = GROWTH_FILES.flatMap((name) => parseCatalog(fs.readFileSync(new URL(`../src/catalog/providers/${name}.yaml`, import.meta.url), 'utf8'), name));
const byKey = new Map(readCatalog().map((template) => [template.key, template]));
const MACHINE = new Set(['OAUTH2_CLIENT_CREDENTIALS', 'JWT_BEARER', 'GITHUB_APP']);

describe('the catalog growth files', () => {
  it('are all loaded with the rest of the catalog, which has 500 entries or more', () => {
    expect(growth.length).toBeGreaterThan(250);
    for (const template of growth) expect(byKey.get(template.key), template.key).toEqual(template);
    expect(byKey.size).toBeGreaterThanOrEqual(500);
  });

  it.each(growth.map((template) => [template.key, template] as const))(
    '%s: a docs link, and a credential check or the reason there is none',
    (_key, template) => {
      expect(new URL(template.docsUrl).protocol).toBe('https:');
      if (template.verify || template.issuer || MACHINE.has(template.authType)) return;
      // Without a check, the notes say why (a billed or missing read endpoint, a header the caller adds…).
      expect(template.notes, `${template.key} has no verify and no notes saying why`).toMatch(/credential check|no cheap|no free call|no one request|refused/);
    },
  );

  it('keeps verify queries with commas whole (a flow map would cut them at the comma)', () => {
    expect(byKey.get('meta-ads')!.verify!.path).toBe('me?fields=id,name');
    expect(byKey.get('google-contacts')!.verify!.path).toBe('people/me?personFields=names,emailAddresses');
    expect(byKey.get('youtrack')!.verify!.path).toBe('users/me?fields=id,login,fullName');
  });
});

describe('credential placement in the growth files, as the providers document it', () => {
  const placedAs = (key: string) => ({ settings: { proxy: byKey.get(key)!.proxy } }) as unknown as Integration;
  const apiKey: StoredCredentials = { type: 'API_KEY', apiKey: 'the-key' };
  const token: StoredCredentials = { type: 'OAUTH2', accessToken: 'the-token' };
  it.each([
    ['datadog', apiKey, { 'dd-api-key': 'the-key' }],
    ['teamtailor', apiKey, { authorization: 'Token token=the-key' }],
    ['aiven', apiKey, { authorization: 'aivenv1 the-key' }],
    ['tenable', apiKey, { 'x-apikeys': 'the-key' }],
    ['godaddy', apiKey, { authorization: 'sso-key the-key' }],
    ['honeycomb', apiKey, { 'x-honeycomb-team': 'the-key' }],
    ['shippo', apiKey, { authorization: 'ShippoToken the-key' }],
    ['bigcommerce', apiKey, { 'x-auth-token': 'the-key' }],
    ['dixa', apiKey, { authorization: 'the-key' }],
    ['zammad', apiKey, { authorization: 'Token token=the-key' }],
    ['dynatrace', apiKey, { authorization: 'Api-Token the-key' }],
    ['zoho-books', token, { authorization: 'Zoho-oauthtoken the-token' }],
    ['yandex', token, { authorization: 'OAuth the-token' }],
  ] as const)('%s', (key, credentials, expected) => {
    const headers: Record<string, string> = {};
    const url = new URL('https://api.example/v1/items');
    injectCredential(keyring, headers, url, credentials, placedAs(key));
    expect(headers).toEqual(expected);
    expect(url.search).toBe('');
  });

  it.each([
    ['serpapi', 'api_key'],
    ['smartlead', 'api_key'],
    ['guardian', 'api-key'],
    ['shodan', 'key'],
  ])('%s: the key in the %s query parameter', (key, parameter) => {
    const headers: Record<string, string> = {};
    const url = new URL('https://api.example/search?q=paris');
    injectCredential(keyring, headers, url, apiKey, placedAs(key));
    expect(headers).toEqual({});
    expect(url.searchParams.get(parameter)).toBe('the-key');
  });
});

describe('credential checks in the growth files, against fakes answering as the providers document', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const admin = { userId: 'growth-importer', isAdmin: true, via: 'jwt' as const };

  const integrationFor = (provider: string, base: string) => catalogIntegrationAt(server, provider, `${upstream.url}${base}`);

  it.each([
    // provider, base, path, the header that carries the credential, what else the request must carry, a refusing 200 answer, an accepting answer
    [
      'avalara',
      '/avatax/api/v2',
      '/avatax/api/v2/utilities/ping',
      'authorization',
      'Basic ',
      { authenticated: false, version: '25.1' },
      { authenticated: true, authenticatedUserName: 'acme' },
    ],
    ['loops', '/loops/api/v1', '/loops/api/v1/api-key', 'authorization', 'Bearer ', { success: false }, { success: true, teamName: 'Acme' }],
    ['datadog', '/datadog', '/datadog/api/v1/validate', 'dd-api-key', '', { valid: false }, { valid: true }],
    [
      'zoho-books',
      '/zoho/books/v3',
      '/zoho/books/v3/organizations',
      'authorization',
      'Zoho-oauthtoken ',
      { code: 57, message: 'not authorized' },
      { code: 0, organizations: [{ organization_id: '10234695', name: 'Zillum' }] },
    ],
  ] as const)('%s: accepted only when the answer says so', async (provider, base, pathname, header, prefix, refusing, accepting) => {
    const good = 'the-good-credential';
    upstream.routes.set(pathname, (req, res) => {
      const value = String(req.headers[header] ?? '');
      const given = prefix === 'Basic ' ? Buffer.from(value.slice(6), 'base64').toString() : value.slice(prefix.length);
      if (!value.startsWith(prefix) || !given.startsWith(good.split(':')[0]!)) return json(res, 401, { error: 'unauthorized' });
      // These providers answer 200 with a field that says whether the credential was accepted.
      json(res, 200, given.includes('revoked') ? refusing : accepting);
    });
    const integration = await integrationFor(provider, base);
    const kind = byKey.get(provider)!.authType;
    const credential = (value: string) =>
      kind === 'BASIC' ? { username: value, password: 'license-key' } : kind === 'API_KEY' ? { apiKey: value } : { accessToken: value };
    await expect(
      server.services.createConnection(admin, { integration: integration.slug, connectionName: 'refused', ...credential(`${good}-revoked`) }),
    ).rejects.toMatchObject({ details: { providerStatus: 200, providerError: 'credentials_rejected' } });
    expect(await prisma.connection.count({ where: { integrationId: integration.id } })).toBe(0);
    const connection = await server.services.createConnection(admin, { integration: integration.slug, connectionName: 'accepted', ...credential(good) });
    expect(connection.integrationId).toBe(integration.id);
  });

  it('snowflake: a SQL statement POSTed with the OAuth token-type header', async () => {
    upstream.routes.set('/snowflake/api/v2/statements', (req, res, body) => {
      if (req.method !== 'POST' || req.headers['x-snowflake-authorization-token-type'] !== 'OAUTH') return json(res, 400, { message: 'bad request' });
      if (req.headers.authorization !== 'Bearer the-good-token') return json(res, 401, { code: '390303', message: 'Invalid OAuth access token.' });
      expect(JSON.parse(body.toString())).toMatchObject({ statement: 'SELECT CURRENT_USER()' });
      json(res, 200, { resultSetMetaData: { numRows: 1 }, data: [['ACME_USER']] });
    });
    const integration = await integrationFor('snowflake', '/snowflake/api/v2');
    const connectionConfig = { account_host: 'myorg-myaccount.snowflakecomputing.com' };
    await expect(
      server.services.createConnection(admin, {
        integration: integration.slug,
        connectionName: 'refused',
        accessToken: 'a-revoked-token',
        metadata: { connectionConfig },
      }),
    ).rejects.toMatchObject({ details: { providerStatus: 401 } });
    const connection = await server.services.createConnection(admin, {
      integration: integration.slug,
      connectionName: 'accepted',
      accessToken: 'the-good-token',
      metadata: { connectionConfig },
    });
    expect(connection.integrationId).toBe(integration.id);
  });

  it('teamtailor: the API version header goes with the check', async () => {
    upstream.routes.set('/teamtailor/v1/company', (req, res) => {
      if (req.headers['x-api-version'] !== '20240404') return json(res, 406, { errors: [{ title: 'missing X-Api-Version' }] });
      if (req.headers.authorization !== 'Token token=the-good-key') return json(res, 401, { errors: [{ title: 'unauthorized' }] });
      json(res, 200, { data: { id: '1', type: 'companies', attributes: { name: 'Acme' } } });
    });
    const integration = await integrationFor('teamtailor', '/teamtailor/v1');
    await expect(
      server.services.createConnection(admin, { integration: integration.slug, connectionName: 'refused', apiKey: 'a-revoked-key' }),
    ).rejects.toMatchObject({
      details: { providerStatus: 401 },
    });
    const connection = await server.services.createConnection(admin, { integration: integration.slug, connectionName: 'accepted', apiKey: 'the-good-key' });
    expect(connection.integrationId).toBe(integration.id);
  });
});
