// The whole catalog (providers.yaml and providers/*.yaml): every entry's URLs and templates, keys unique
// across files, and fixtures for the entries whose token responses or credential headers are not
// standard, run through the same code the callback, refresh and proxy use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogFiles, readCatalog } from '../src/catalog/index.js';
import { CONNECTION_CONFIG_PLACEHOLDER, METADATA_PLACEHOLDER, type ProviderTemplate } from '../src/catalog/schema.js';
import type { StoredCredentials } from '../src/domain/connections.js';
import { providerUrlProblem, type CreateIntegrationInput, type Integration, type UrlPolicy } from '../src/domain/integrations.js';
import { injectCredential } from '../src/proxy/rules.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { json, startUpstream } from './helpers/upstream.js';
import { credentialsOf, keyring, prisma } from './helpers/database.js';
import { testApp } from './helpers/server.js';

const templates = readCatalog();
const byKey = new Map(templates.map((template) => [template.key, template]));
/** A deployment's URL policy without local providers or a sandbox. */
const publicUrlsOnly: UrlPolicy = { allowLocalProviders: false, isSandboxEndpoint: () => false };
/** An integration with only the template's credential placement (all injectCredential reads for these credentials). */
const placedAs = (key: string) => ({ settings: { proxy: byKey.get(key)!.proxy } }) as unknown as Integration;

/** A URL template filled as a user would fill it (example or default values), metadata standing for an https origin. */
function filled(template: ProviderTemplate, url: string): string {
  const values = new Map(template.connectionConfig.map((field) => [field.name, field.example ?? field.default ?? 'acme']));
  return url
    .replace(CONNECTION_CONFIG_PLACEHOLDER, (_match, name: string) => values.get(name)!)
    .replace(METADATA_PLACEHOLDER, (_match, _path: string, offset: number) => (offset === 0 ? 'https://api.provider.example' : 'value'));
}

describe('the whole provider catalog', () => {
  it('has 150+ providers in several files, with keys unique across them', () => {
    expect(catalogFiles().length).toBeGreaterThan(5);
    expect(templates.length).toBeGreaterThanOrEqual(150);
    expect(new Set(templates.map((template) => template.key)).size).toBe(templates.length);
    const count = (authType: string) => templates.filter((template) => template.authType === authType).length;
    expect(count('API_KEY')).toBeGreaterThanOrEqual(40);
    expect(count('BASIC')).toBeGreaterThanOrEqual(15);
  });

  it.each(templates.map((template) => [template.key, template] as const))(
    '%s: https URLs on public hosts once filled, docs, categories, and what to call',
    (_key, template) => {
      const urls = [
        template.issuer,
        template.authorizationUrl,
        template.tokenUrl,
        template.refreshTokenUrl,
        template.revocationUrl,
        template.userinfoUrl,
        template.apiBaseUrl,
        template.postConnect?.url,
      ];
      for (const url of urls.filter((value): value is string => Boolean(value))) {
        expect(providerUrlProblem(filled(template, url), publicUrlsOnly), `${template.key}: ${url}`).toBeUndefined();
      }
      for (const url of [template.docsUrl, template.logoUrl].filter((value): value is string => Boolean(value))) expect(new URL(url).protocol).toBe('https:');
      expect(template.categories.length).toBeGreaterThan(0);
      expect(template.name.trim()).toBe(template.name);
      if (template.authType === 'OAUTH2') expect(template.issuer ?? (template.authorizationUrl && template.tokenUrl)).toBeTruthy();
      // API-key and basic providers are only useful through the proxy: they say where to call.
      else if (template.authType === 'API_KEY' || template.authType === 'BASIC') expect(template.apiBaseUrl, `${template.key} has no apiBaseUrl`).toBeTruthy();
      for (const field of template.connectionConfig) {
        expect(field.example ?? field.default, `${template.key}.${field.name} has neither an example nor a default`).toBeTruthy();
      }
    },
  );

  it('refuses a key used in two files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-'));
    try {
      const entry = '- { key: twice, name: Twice, docsUrl: "https://docs.example", authType: API_KEY, apiBaseUrl: "https://api.example" }\n';
      fs.writeFileSync(path.join(dir, 'a.yaml'), entry);
      fs.writeFileSync(path.join(dir, 'b.yaml'), entry);
      expect(() => readCatalog([pathToFileURL(path.join(dir, 'a.yaml')), pathToFileURL(path.join(dir, 'b.yaml'))])).toThrow(/"twice" is used twice/);
      fs.writeFileSync(path.join(dir, 'b.yaml'), '- { key: broken, name: Broken, docsUrl: "http://docs.example" }\n');
      expect(() => readCatalog([pathToFileURL(path.join(dir, 'b.yaml'))])).toThrow(/b\.yaml[\s\S]*must use https/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('credential placement as the providers document it', () => {
  const apiKey: StoredCredentials = { type: 'API_KEY', apiKey: 'the-key' };
  const token: StoredCredentials = { type: 'OAUTH2', accessToken: 'the-token' };
  it.each([
    ['anthropic', apiKey, { 'x-api-key': 'the-key' }],
    ['circleci', apiKey, { 'circle-token': 'the-key' }],
    ['postmark', apiKey, { 'x-postmark-server-token': 'the-key' }],
    ['launchdarkly', apiKey, { authorization: 'the-key' }],
    ['deepgram', apiKey, { authorization: 'Token the-key' }],
    ['statuspage', apiKey, { authorization: 'OAuth the-key' }],
    ['opsgenie', apiKey, { authorization: 'GenieKey the-key' }],
    ['getresponse', apiKey, { 'x-auth-token': 'api-key the-key' }],
    ['snyk', apiKey, { authorization: 'token the-key' }],
    ['mistral', apiKey, { authorization: 'Bearer the-key' }],
    ['zoho-crm', token, { authorization: 'Zoho-oauthtoken the-token' }],
    ['soundcloud', token, { authorization: 'OAuth the-token' }],
  ] as const)('%s', (key, credentials, expected) => {
    const headers: Record<string, string> = {};
    const url = new URL('https://api.example/v1/items');
    injectCredential(keyring, headers, url, credentials, placedAs(key));
    expect(headers).toEqual(expected);
    expect(url.search).toBe('');
  });

  it.each([
    ['openweathermap', 'appid'],
    ['google-maps', 'key'],
    ['mapbox', 'access_token'],
    ['alpha-vantage', 'apikey'],
  ])('%s: the key in the %s query parameter', (key, parameter) => {
    const headers: Record<string, string> = {};
    const url = new URL('https://api.example/data?q=paris');
    injectCredential(keyring, headers, url, apiKey, placedAs(key));
    expect(headers).toEqual({});
    expect(url.searchParams.get(parameter)).toBe('the-key');
    expect(url.searchParams.get('q')).toBe('paris');
  });
});

describe('token responses as the providers document them', async () => {
  const app = testApp();
  const fixtures = await startUpstream();
  const viewer = { userId: 'catalog-providers-user', isAdmin: false, via: 'jwt' as const };
  const createConnection = app.services.createConnection;
  async function fromTemplate(provider: string, overrides: Partial<CreateIntegrationInput> = {}) {
    return app.services.integrations.create({
      slug: uniqueSlug(provider),
      provider,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      tokenUrl: `${fixtures.url}/${provider}/token`,
      authorizationUrl: `${fixtures.url}/${provider}/authorize`,
      ...overrides,
    });
  }
  const lastRequest = (pathname: string) => [...fixtures.requests].reverse().find((request) => request.url.startsWith(pathname))!;

  it("Zoho CRM: the data centre's API host comes with the tokens and becomes the API base URL", async () => {
    fixtures.routes.set('/zoho-crm/token', (_req, res) =>
      json(res, 200, {
        access_token: '1000.41d9xxxxxxxxxxxxxxxxxxxxxxxxc2d1.8fccxxxxxxxxxxxxxxxxxxxxxxxx125f',
        api_domain: 'https://www.zohoapis.eu',
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    );
    const connection = await createConnection(viewer, {
      integration: (await fromTemplate('zoho-crm')).slug,
      connectionName: 'zoho',
      refreshToken: '1000.refresh',
    });
    expect(connection.metadata).toMatchObject({ api_domain: 'https://www.zohoapis.eu' });
    expect(connection.apiBaseUrl).toBe('https://www.zohoapis.eu/crm/v6');
    expect(credentialsOf(connection)!.refreshToken).toBe('1000.refresh'); // Zoho returns none on refresh
    expect(new URLSearchParams(lastRequest('/zoho-crm/token').body.toString()).get('client_secret')).toBe('client-secret');
  });

  it("SurveyMonkey: a token that does not expire, and the account's regional API host", async () => {
    fixtures.routes.set('/surveymonkey/token', (_req, res) =>
      json(res, 200, { access_token: 'tK3Yk0q9', access_url: 'https://api.eu.surveymonkey.com', token_type: 'bearer' }),
    );
    const connection = await createConnection(viewer, {
      integration: (await fromTemplate('surveymonkey')).slug,
      connectionName: 'surveymonkey',
      refreshToken: 'unused',
    });
    expect(connection.apiBaseUrl).toBe('https://api.eu.surveymonkey.com/v3');
    expect(connection.tokenExpiresAt).toBeNull();
  });

  it('Square: a JSON token request, and an expires_at date instead of expires_in (the expiry stays unknown)', async () => {
    fixtures.routes.set('/square/token', (_req, res) =>
      json(res, 200, {
        access_token: 'EAAAEOuLQObrVwJvCvoio-example',
        token_type: 'bearer',
        expires_at: '2026-12-26T13:00:00Z',
        merchant_id: 'MLQW2ZJ0PRGRN',
        refresh_token: 'EQAAEOmeWlVd9-example',
        short_lived: false,
      }),
    );
    const connection = await createConnection(viewer, {
      integration: (await fromTemplate('square')).slug,
      connectionName: 'square',
      refreshToken: 'EQAAE-old',
    });
    const request = lastRequest('/square/token');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body.toString())).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'EQAAE-old',
      client_id: 'client-id',
      client_secret: 'client-secret',
    });
    expect(connection.metadata).toMatchObject({ merchant_id: 'MLQW2ZJ0PRGRN' });
    expect(connection.tokenExpiresAt).toBeNull();
    expect(credentialsOf(connection)).toMatchObject({ refreshToken: 'EQAAEOmeWlVd9-example', raw: { expires_at: '2026-12-26T13:00:00Z' } });
  });

  it('DigitalOcean: the account kept from the nested info object', async () => {
    fixtures.routes.set('/digitalocean/token', (_req, res) =>
      json(res, 200, {
        access_token: 'doo_v1_547xxx',
        token_type: 'bearer',
        expires_in: 2592000,
        refresh_token: 'dor_v1_d6cxxx',
        scope: 'read',
        info: { name: 'Sammy the Shark', email: 'sammy@digitalocean.com', uuid: 'e028b1b918853eca7fba208a9d7e9d29a6e93c57' },
      }),
    );
    const connection = await createConnection(viewer, {
      integration: (await fromTemplate('digitalocean')).slug,
      connectionName: 'digitalocean',
      refreshToken: 'dor_v1_old',
    });
    expect(connection.metadata).toMatchObject({
      account_uuid: 'e028b1b918853eca7fba208a9d7e9d29a6e93c57',
      account_email: 'sammy@digitalocean.com',
      account_name: 'Sammy the Shark',
    });
    expect(connection.scopes).toEqual(['read']);
  });

  it('Bitly: no token_type and no expiry in the answer, asked for as JSON', async () => {
    fixtures.routes.set('/bitly/token', (_req, res) => json(res, 200, { access_token: 'e663e30818201d28dd07803e57333bed4f15803a', login: 'bitlyapidemo' }));
    const connection = await createConnection(viewer, { integration: (await fromTemplate('bitly')).slug, connectionName: 'bitly', refreshToken: 'unused' });
    expect(lastRequest('/bitly/token').headers.accept).toContain('application/json');
    expect(credentialsOf(connection)).toMatchObject({ accessToken: 'e663e30818201d28dd07803e57333bed4f15803a', tokenType: 'bearer' });
    expect(connection.metadata).toMatchObject({ login: 'bitlyapidemo' });
    expect(connection.tokenExpiresAt).toBeNull();
  });

  it('WordPress.com: a token for one site, kept as metadata, that does not expire', async () => {
    fixtures.routes.set('/wordpress/token', (_req, res) =>
      json(res, 200, { access_token: 'YOUR_API_TOKEN', blog_id: '1234', blog_url: 'https://example.wordpress.com', token_type: 'bearer' }),
    );
    const connection = await createConnection(viewer, {
      integration: (await fromTemplate('wordpress')).slug,
      connectionName: 'wordpress',
      refreshToken: 'unused',
    });
    expect(connection.metadata).toMatchObject({ blog_id: '1234', blog_url: 'https://example.wordpress.com' });
    expect(await prisma.connection.count({ where: { id: connection.id } })).toBe(1);
  });
});
