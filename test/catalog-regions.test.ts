// One integration for every region and account: `kind: choice` values that fill URLs, hosts the
// provider returns at connect time (token response fields, Zoho's callback `accounts-server`) held to
// the entry's host patterns, so a tampered answer cannot send a token or a client secret elsewhere.
import { describe, expect, it } from 'vitest';
import { parseCatalog, readCatalog } from '../src/catalog/index.js';
import type { UrlPolicy } from '../src/domain/integrations.js';
import { checkedConnectionConfig, connectionConfigFromCallback, fillProviderUrl } from '../src/provider/templates.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { credentialsOf, prisma } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { openBeginLink } from './helpers/authorization-server.js';

const byKey = new Map(readCatalog().map((template) => [template.key, template]));
const publicUrlsOnly: UrlPolicy = { allowLocalProviders: false, isSandboxEndpoint: () => false };
const entry = (change: Record<string, unknown>) =>
  JSON.stringify([{ key: 'broken', name: 'Broken', docsUrl: 'https://docs.example', authType: 'API_KEY', apiBaseUrl: 'https://api.example', ...change }]);

describe('kind: choice', async () => {
  const server = await startTestServer();
  const templateIntegration = (provider: string) =>
    server.services.integrations.create({ slug: uniqueSlug(provider), provider, clientId: 'client-id', clientSecret: 'client-secret' });
  const filled = (provider: string, url: string, connectionConfig: Record<string, string>) =>
    fillProviderUrl(url, { connectionConfig }, 'url', publicUrlsOnly, byKey.get(provider)!.connectionConfig);

  it('refuses a listed value that would not make an https URL on a host, and a default that is not listed', () => {
    const field = { name: 'region', description: 'r', kind: 'choice' };
    expect(() =>
      parseCatalog(
        entry({ apiBaseUrl: 'https://${connectionConfig.region}.example.com', connectionConfig: [{ ...field, values: ['us', 'a..b'], default: 'us' }] }),
      ),
    ).toThrow(/region = a\.\.b is not an https URL/);
    expect(() =>
      parseCatalog(entry({ apiBaseUrl: 'https://${connectionConfig.region}.example.com', connectionConfig: [{ ...field, values: ['us'], default: 'eu' }] })),
    ).toThrow(/default must be one of the values/);
    expect(() => parseCatalog(entry({ connectionConfig: [{ name: 'region', description: 'r', values: ['us'], default: 'us' }] }))).toThrow(
      /values go with kind: choice/,
    );
  });

  it('Braze: an EU cluster is reachable, a host that is not a cluster is refused', async () => {
    const braze = await templateIntegration('braze');
    const config = checkedConnectionConfig(braze, { host: 'rest.fra-02.braze.eu' }, publicUrlsOnly);
    expect(filled('braze', byKey.get('braze')!.apiBaseUrl!, config)).toBe('https://rest.fra-02.braze.eu');
    for (const host of ['evil.example', 'rest.fra-02.braze.eu.evil.example', 'fra-02']) {
      expect(() => checkedConnectionConfig(braze, { host }, publicUrlsOnly), host).toThrow(/not valid/);
    }
  });

  it.each([
    ['intercom', { region: 'eu.intercom' }, ['https://app.eu.intercom.com/oauth', 'https://api.eu.intercom.io/auth/eagle/token', 'https://api.eu.intercom.io']],
    ['intercom', { region: 'au.intercom' }, ['https://app.au.intercom.com/oauth', 'https://api.au.intercom.io/auth/eagle/token', 'https://api.au.intercom.io']],
    ['intercom', {}, ['https://app.intercom.com/oauth', 'https://api.intercom.io/auth/eagle/token', 'https://api.intercom.io']],
    ['amazon', { domain: 'amazon.co.uk' }, ['https://www.amazon.co.uk/ap/oa', 'https://api.amazon.co.uk/auth/o2/token', 'https://api.amazon.co.uk']],
    [
      'smartsheet',
      { domain: 'smartsheet.eu' },
      ['https://app.smartsheet.eu/b/authorize', 'https://api.smartsheet.eu/2.0/token', 'https://api.smartsheet.eu/2.0'],
    ],
    [
      'salesforce',
      { login_host: 'test.salesforce.com' },
      ['https://test.salesforce.com/services/oauth2/authorize', 'https://test.salesforce.com/services/oauth2/token'],
    ],
    ['salesforce', { login_host: 'acme--dev.sandbox.my.salesforce.com' }, ['https://acme--dev.sandbox.my.salesforce.com/services/oauth2/authorize']],
    ['servicenow', { host: 'acme.service-now.com' }, ['https://acme.service-now.com/oauth_auth.do', 'https://acme.service-now.com/oauth_token.do']],
    ['zoho-crm', { accounts_host: 'accounts.zohocloud.ca' }, ['https://accounts.zohocloud.ca/oauth/v2/auth', 'https://accounts.zohocloud.ca/oauth/v2/token']],
    ['zoho-crm', { accounts_host: 'accounts.zoho.com.cn' }, ['https://accounts.zoho.com.cn/oauth/v2/auth']],
  ] as const)('%s %o: authorize, token and API hosts of that region', async (provider, given, expected) => {
    const integration = await templateIntegration(provider);
    const config = checkedConnectionConfig(integration, given, publicUrlsOnly);
    const template = byKey.get(provider)!;
    const urls = [template.authorizationUrl, template.tokenUrl, template.apiBaseUrl].filter((url): url is string =>
      Boolean(url && !url.startsWith('${metadata')),
    );
    expect(urls.slice(0, expected.length).map((url) => filled(provider, url, config))).toEqual(expected);
  });

  it.each([
    ['intercom', { region: 'evil.example' }],
    ['salesforce', { login_host: 'login.salesforce.com.evil.example' }],
    ['servicenow', { host: 'evil.example' }],
    ['kustomer', { host: 'api.evil.example' }],
    ['mailgun', { host: 'api.mailgun.net.evil.example' }],
  ])('%s refuses %o', async (provider, given) => {
    const integration = await templateIntegration(provider);
    expect(() => checkedConnectionConfig(integration, given, publicUrlsOnly)).toThrow(/not valid/);
  });
});

describe('hosts the provider returns when connecting', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const viewer = { userId: 'regions-user', isAdmin: false, via: 'jwt' as const };

  async function connectWithAnswer(provider: string, answer: Record<string, unknown>) {
    const path = `/${provider}/${uniqueSlug('token')}`;
    upstream.routes.set(path, (_req, res) => json(res, 200, answer));
    const integration = await server.services.integrations.create({
      slug: uniqueSlug(provider),
      provider,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      tokenUrl: `${upstream.url}${path}`,
    });
    await prisma.integration.update({ where: { id: integration.id }, data: { issuer: null, userinfoUrl: null } });
    return server.services.createConnection(viewer, { integration: integration.slug, connectionName: uniqueSlug('c'), refreshToken: 'the-refresh-token' });
  }
  // Wrike's documented token answer (OAuth 2.0 authorization): the account's host comes with the tokens.
  const wrike = (host: string) => ({
    access_token: 'eyJ0dCI6InAiLCJhbGciOiJIUzI1NiIsInR2IjoiMSJ9',
    refresh_token: 'wrike-refresh',
    token_type: 'bearer',
    expires_in: 3600,
    host,
  });

  it.each([
    ['www.wrike.com', 'https://www.wrike.com/api/v4'],
    ['app-eu.wrike.com', 'https://app-eu.wrike.com/api/v4'],
  ])('Wrike: host %s becomes the API base URL', async (host, expected) => {
    const connection = await connectWithAnswer('wrike', wrike(host));
    expect(connection.apiBaseUrl).toBe(expected);
    expect(connection.metadata).toMatchObject({ host });
  });

  it.each(['evil.example', 'www.wrike.com.evil.example', 'x.wrike.com@evil.example', 'evil.example#.wrike.com', 'www.wrike.com:8443'])(
    'Wrike: a returned host outside *.wrike.com (%s) gets no API base URL, so the token goes nowhere',
    async (host) => {
      const connection = await connectWithAnswer('wrike', wrike(host));
      expect(connection.apiBaseUrl).toBeNull();
      expect(credentialsOf(connection)!.accessToken).toBe(wrike(host).access_token);
    },
  );

  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com/services/data/v62.0'],
    ['https://evil.example', null],
    ['https://acme.my.salesforce.com.evil.example', null],
  ])('Salesforce: instance_url %s', async (instanceUrl, expected) => {
    const connection = await connectWithAnswer('salesforce', {
      access_token: '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
      instance_url: instanceUrl,
      id: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS',
      token_type: 'Bearer',
      issued_at: '1278448101416',
    });
    expect(connection.apiBaseUrl).toBe(expected);
  });

  it('Zoho CRM: an api_domain outside the zohoapis hosts gets no API base URL', async () => {
    const connection = await connectWithAnswer('zoho-crm', {
      access_token: '1000.x',
      api_domain: 'https://www.zohoapis.eu.evil.example',
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(connection.apiBaseUrl).toBeNull();
  });
});

describe("Zoho's callback names the data centre the user signed in to", async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();

  it('the accounts-server from the callback sets the accounts host, within the listed data centres', async () => {
    const zoho = await server.services.integrations.create({ slug: uniqueSlug('zoho-crm'), provider: 'zoho-crm', clientId: 'id', clientSecret: 'secret' });
    const started = checkedConnectionConfig(zoho, {}, publicUrlsOnly);
    expect(started).toEqual({ accounts_host: 'accounts.zoho.com' });
    const query = (value: string) => new URLSearchParams({ code: 'c', state: 's', 'accounts-server': value });
    const chosen = connectionConfigFromCallback(zoho, started, query('https://accounts.zoho.eu'));
    expect(chosen).toEqual({ accounts_host: 'accounts.zoho.eu' });
    expect(
      fillProviderUrl(byKey.get('zoho-crm')!.tokenUrl!, { connectionConfig: chosen }, 'tokenUrl', publicUrlsOnly, byKey.get('zoho-crm')!.connectionConfig),
    ).toBe('https://accounts.zoho.eu/oauth/v2/token');
    expect(connectionConfigFromCallback(zoho, started, new URLSearchParams({ code: 'c' }))).toEqual(started);
    for (const value of [
      'https://evil.example',
      'https://accounts.zoho.eu.evil.example',
      'http://accounts.zoho.eu',
      'https://x@accounts.zoho.eu',
      'https://accounts.zoho.eu/path',
      'https://accounts.zoho.eu:444',
    ]) {
      expect(() => connectionConfigFromCallback(zoho, started, query(value)), value).toThrow(/accounts-server/);
    }
  });

  it('through the callback: the code is exchanged at the named server, which the connection keeps; an unlisted one is refused before any token request', async () => {
    const hits: string[] = [];
    upstream.routes.set('/zoho/token', (req, res) => {
      hits.push(String(req.headers.host));
      json(res, 200, {
        access_token: '1000.access',
        refresh_token: '1000.refresh',
        api_domain: 'https://www.zohoapis.eu',
        token_type: 'Bearer',
        expires_in: 3600,
      });
    });
    const integration = await server.services.integrations.create({
      slug: uniqueSlug('zoho-crm'),
      provider: 'zoho-crm',
      clientId: 'id',
      clientSecret: 'secret',
      authorizationUrl: `http://\${connectionConfig.accounts_host}:${upstream.port}/zoho/auth`,
      tokenUrl: `http://\${connectionConfig.accounts_host}:${upstream.port}/zoho/token`,
      apiBaseUrl: 'https://www.zohoapis.eu/crm/v6',
    });
    // Local stand-ins for two data centres: the consent starts at one, the callback names the other.
    await prisma.integration.update({
      where: { id: integration.id },
      data: {
        settings: {
          ...(integration.settings as object),
          connectionConfig: [
            {
              name: 'accounts_host',
              description: 'dc',
              kind: 'choice',
              values: ['localhost', '127.0.0.1'],
              default: 'localhost',
              fromCallback: 'accounts-server',
            },
          ],
        },
      },
    });
    const flow = async (accountsServer: string) => {
      const userId = uniqueSlug('zoho-user');
      const { authorizeUrl } = await server.services.startConnect({ userId, isAdmin: false, via: 'jwt' }, { integration: integration.slug });
      // The begin link binds this "browser" (a cookie the callback requires), then sends it to the provider.
      const { providerUrl, cookie } = await openBeginLink(authorizeUrl);
      expect(providerUrl.hostname).toBe('localhost');
      const state = providerUrl.searchParams.get('state')!;
      const query = new URLSearchParams({ code: 'the-code', state, location: 'eu', 'accounts-server': accountsServer });
      await fetch(`${server.url}/oauth2/callback?${query}`, { redirect: 'manual', headers: { cookie } });
      return prisma.connection.findFirst({ where: { ownerId: userId, integrationId: integration.id } });
    };
    const connection = await flow('127.0.0.1');
    expect(hits).toEqual([`127.0.0.1:${upstream.port}`]);
    expect(connection!.metadata).toMatchObject({ connectionConfig: { accounts_host: '127.0.0.1' } });
    expect(await flow('evil.example')).toBeNull();
    expect(hits).toHaveLength(1);
  });
});
