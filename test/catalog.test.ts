// The built-in provider catalog: its schema check, the providers query, integrations made from
// templates, token responses as providers document them parsed by the same code the callback and
// refresh use, and connect flows with template quirks against the in-process authorization server.
import fs from 'node:fs';
import { encodeGlobalID } from '@pothos/plugin-relay';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { CATALOG_FILE, listProviders, parseCatalog } from '../src/catalog/index.js';
import { newId } from '../src/kernel/ids.js';
import type { CreateIntegrationInput } from '../src/domain/integrations.js';
import { connectionFromTokens } from '../src/connections/from-tokens.js';
import { followToCallback, startAuthorizationServer, TEST_CLIENT, completeCallback, openBeginLink } from './helpers/authorization-server.js';
import { CALLBACK } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const REQUIRED = [
  'google',
  'microsoft',
  'github',
  'gitlab',
  'bitbucket',
  'slack',
  'discord',
  'notion',
  'airtable',
  'atlassian',
  'linear',
  'asana',
  'clickup',
  'monday',
  'hubspot',
  'salesforce',
  'pipedrive',
  'zendesk',
  'intercom',
  'freshdesk',
  'xero',
  'quickbooks',
  'stripe',
  'shopify',
  'dropbox',
  'box',
  'zoom',
  'webex',
  'calendly',
  'docusign',
  'figma',
  'miro',
  'linkedin',
  'x',
  'spotify',
  'twitch',
  'strava',
  'okta',
  'auth0',
  'keycloak',
];

describe('provider catalog', async () => {
  const server = await startTestServer();
  const fixtures = await startUpstream();
  const viewer = { userId: 'catalog-user', isAdmin: false, via: 'jwt' as const };
  const createIntegration = (input: CreateIntegrationInput) => server.services.integrations.create(input);
  const createConnection = server.services.createConnection;

  it('passes its schema check: 40+ providers, absolute https URLs, declared template values', () => {
    const providers = parseCatalog(fs.readFileSync(CATALOG_FILE, 'utf8'));
    expect(providers.length).toBeGreaterThanOrEqual(40);
    expect(providers.map((provider) => provider.key)).toEqual(expect.arrayContaining(REQUIRED));
    for (const provider of providers) {
      for (const url of [
        provider.issuer,
        provider.authorizationUrl,
        provider.tokenUrl,
        provider.revocationUrl,
        provider.apiBaseUrl,
        provider.docsUrl,
        provider.postConnect?.url,
      ]) {
        if (!url) continue;
        const filled = url.replace(/\$\{connectionConfig\.\w+\}/g, 'x').replace(/^\$\{metadata\.[\w.]+\}/, 'https://x.example');
        expect(new URL(filled).protocol, `${provider.key}: ${url}`).toBe('https:');
      }
    }
  });

  it.each([
    ['an http URL', { tokenUrl: 'http://auth.example/token' }, /must use https/],
    ['an undeclared template value', { tokenUrl: 'https://${connectionConfig.tenant}.example/token' }, /not declared/],
    ['metadata in a token URL', { tokenUrl: 'https://${metadata.host}/token' }, /only apiBaseUrl/],
    ['a metadata value nothing keeps', { apiBaseUrl: '${metadata.instance_url}/api' }, /is not kept/],
    ['an OAuth provider without endpoints', { authorizationUrl: undefined }, /needs an issuer/],
    ['an identity read from a verify answer it does not have', { identity: { displayName: 'email' } }, /there is no verify request/],
    ['an identity that names neither id nor display name', { identity: { from: 'tokenResponse' } }, /needs id or displayName/],
  ])('refuses a catalog entry with %s', (_name, change, message) => {
    const entry = {
      key: 'broken',
      name: 'Broken',
      docsUrl: 'https://docs.example',
      authorizationUrl: 'https://auth.example/authorize',
      tokenUrl: 'https://auth.example/token',
      ...change,
    };
    expect(() => parseCatalog(JSON.stringify([entry]))).toThrow(message);
  });

  it('lists the catalog for a "pick a provider" screen, with what each needs from the user', async () => {
    const answer = await graphql(
      server,
      `
        {
          providers(search: "zendesk") {
            key
            name
            authType
            docsUrl
            needsClientCredentials
            connectionConfig {
              name
              description
              example
            }
          }
        }
      `,
      {},
      await userHeaders('picker'),
    );
    expect(answer.data.providers.map((provider: { key: string }) => provider.key)).toEqual(['zendesk', 'zendesk-basic', 'zendesk-sell']);
    expect(answer.data.providers[0]).toEqual({
      key: 'zendesk',
      name: 'Zendesk',
      authType: 'OAUTH2',
      docsUrl: expect.stringMatching(/^https:\/\/developer\.zendesk\.com/),
      needsClientCredentials: true,
      connectionConfig: [{ name: 'subdomain', description: expect.any(String), example: 'acme' }],
    });
    const all = await graphql(
      server,
      `
        {
          providers {
            key
          }
          provider(key: "openai") {
            authType
            needsClientCredentials
          }
        }
      `,
      {},
      await userHeaders('picker'),
    );
    expect(all.data.providers).toHaveLength(listProviders().length);
    expect(all.data.provider).toEqual({ authType: 'API_KEY', needsClientCredentials: false });
  });

  it('fills an integration from its template; given fields win; an unknown provider is refused', async () => {
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                name
                provider
                authType
                scopes
                authorizationUrl
                tokenUrl
                revocationUrl
                issuer
                apiBaseUrl
                authorizationParams
              }
            }
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      {
        input: {
          slug: uniqueSlug('xero'),
          provider: 'xero',
          clientId: 'id',
          clientSecret: 'secret',
          scopes: ['openid', 'offline_access', 'accounting.reports.read'],
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration.integration).toEqual({
      name: 'Xero',
      provider: 'xero',
      authType: 'OAUTH2',
      scopes: ['openid', 'offline_access', 'accounting.reports.read'],
      authorizationUrl: 'https://login.xero.com/identity/connect/authorize',
      tokenUrl: 'https://identity.xero.com/connect/token',
      revocationUrl: 'https://identity.xero.com/connect/revocation',
      issuer: 'https://identity.xero.com',
      apiBaseUrl: 'https://api.xero.com/api.xro/2.0',
      authorizationParams: {},
    });
    const stored = await prisma.integration.findFirstOrThrow({ where: { provider: 'xero' } });
    expect(stored.settings).toMatchObject({ template: 'xero', postConnect: { metadataKey: 'tenants' }, refresh: { rotating: true } });
    const unknown = await graphql(
      server,
      `mutation { createIntegration(input: { slug: "${uniqueSlug('nope')}", provider: "myspace", clientId: "x" }) { __typename ... on ValidationError { fieldErrors { field message } } } }`,
      {},
      adminHeaders,
    );
    expect(unknown.data.createIntegration.fieldErrors).toEqual([{ field: 'provider', message: expect.stringMatching(/Unknown provider "myspace"/) }]);
    const incomplete = await graphql(
      server,
      `mutation { createIntegration(input: { slug: "${uniqueSlug('custom')}", provider: "custom", clientId: "x" }) { __typename ... on ValidationError { fieldErrors { field } } } }`,
      {},
      adminHeaders,
    );
    expect(incomplete.data.createIntegration.fieldErrors.map((error: { field: string }) => error.field)).toEqual(['authorizationUrl', 'tokenUrl']);
  });

  /** An integration from a template whose token endpoint (and anything else given) is the local fixture server. */
  async function fromTemplate(provider: string, overrides: Partial<CreateIntegrationInput> = {}) {
    const integration = await createIntegration({
      slug: uniqueSlug(provider),
      provider,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      tokenUrl: `${fixtures.url}/${provider}/token`,
      authorizationUrl: `${fixtures.url}/${provider}/authorize`,
      ...overrides,
    });
    // No OpenID Connect discovery or credential check at the real provider: everything here stays on 127.0.0.1.
    const { verify: _verify, ...settings } = integration.settings as Record<string, unknown>;
    return prisma.integration.update({ where: { id: integration.id }, data: { issuer: null, userinfoUrl: null, settings: settings as object } });
  }
  const lastRequest = (path: string) => [...fixtures.requests].reverse().find((request) => request.url.startsWith(path))!;

  describe('token responses as the providers document them', () => {
    it('Slack: a bot token_type, comma-separated scopes and team details kept as metadata', async () => {
      fixtures.routes.set('/slack/token', (_req, res) =>
        json(res, 200, {
          ok: true,
          access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
          token_type: 'bot',
          scope: 'commands,incoming-webhook',
          bot_user_id: 'U0KRQLJ9H',
          app_id: 'A0KRD7HC3',
          team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
          enterprise: { name: 'slack-sports', id: 'E12345678' },
          authed_user: { id: 'U1234', scope: 'chat:write', access_token: 'xoxp-1234', token_type: 'user' },
        }),
      );
      const integration = await fromTemplate('slack');
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'slack', refreshToken: 'xoxe-1-refresh' });
      expect(credentialsOf(connection)).toMatchObject({
        accessToken: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
        tokenType: 'bearer',
        raw: { provider_token_type: 'bot' },
      });
      expect(connection.scopes).toEqual(['commands', 'incoming-webhook']);
      expect(connection.metadata).toMatchObject({ team_id: 'T9TK3CUKW', team_name: 'Slack Softball Team', bot_user_id: 'U0KRQLJ9H', authed_user_id: 'U1234' });
      expect(connection.apiBaseUrl).toBe('https://slack.com/api');
    });

    it('Slack: an error answered with HTTP 200 and ok false is a ProviderError, and nothing is stored', async () => {
      fixtures.routes.set('/slack/token', (_req, res) => json(res, 200, { ok: false, error: 'invalid_refresh_token' }));
      const integration = await fromTemplate('slack');
      await expect(
        createConnection(viewer, { integration: integration.slug, connectionName: 'slack-bad', refreshToken: 'xoxe-1-expired' }),
      ).rejects.toMatchObject({
        code: 'PROVIDER_ERROR',
        details: { providerError: 'invalid_refresh_token', providerStatus: 400 },
      });
      expect(await prisma.connection.count({ where: { name: 'slack-bad' } })).toBe(0);
    });

    it('Salesforce: no expires_in, and the instance URL becomes the API base URL', async () => {
      fixtures.routes.set('/salesforce/token', (_req, res) =>
        json(res, 200, {
          access_token: '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
          signature: 'SSSbLO/gBhmmyNUvN18ODBDFYHzakxOMgqYtu+hDPsc=',
          scope: 'refresh_token api',
          instance_url: 'https://yourInstance.my.salesforce.com',
          id: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS',
          token_type: 'Bearer',
          issued_at: '1278448101416',
        }),
      );
      const integration = await fromTemplate('salesforce');
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'salesforce', refreshToken: '5Aep861...refresh' });
      expect(connection.tokenExpiresAt).toBeNull();
      expect(connection.metadata).toMatchObject({ instance_url: 'https://yourInstance.my.salesforce.com', identity_url: expect.stringContaining('/id/00Dxx') });
      expect(connection.apiBaseUrl).toBe('https://yourInstance.my.salesforce.com/services/data/v62.0');
      expect(credentialsOf(connection)!.refreshToken).toBe('5Aep861...refresh'); // kept: Salesforce returns none on refresh
    });

    it('Notion: HTTP Basic client authentication and a JSON request body; workspace kept as metadata', async () => {
      fixtures.routes.set('/notion/token', (_req, res) =>
        json(res, 200, {
          access_token: 'ntn_e7bd4fd4d8d2',
          token_type: 'bearer',
          bot_id: 'b3414d659-1224-5ty7-6ffr-cc9d8773drt6',
          workspace_name: 'Ada Lovelace’s Notion',
          workspace_icon: 'https://example.com/icon.png',
          workspace_id: 'j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x',
          owner: { type: 'user', user: { object: 'user', id: '4d1d8c4a' } },
          duplicated_template_id: null,
        }),
      );
      const integration = await fromTemplate('notion');
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'notion', refreshToken: 'nrt_refresh' });
      const request = lastRequest('/notion/token');
      expect(request.headers['content-type']).toBe('application/json');
      // RFC 6749 §2.3.1: the id and secret are form-encoded before Base64.
      const [id, secret] = Buffer.from(String(request.headers.authorization).replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':')
        .map(decodeURIComponent);
      expect([id, secret]).toEqual(['client-id', 'client-secret']);
      expect(JSON.parse(request.body.toString())).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'nrt_refresh' });
      expect(connection.metadata).toMatchObject({ workspace_id: 'j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x', bot_id: expect.any(String) });
      expect(connection.tokenExpiresAt).toBeNull();
    });

    it('GitHub: an expiring user token with a refresh token; errors with HTTP 200 are ProviderErrors', async () => {
      fixtures.routes.set('/github/token', (_req, res, body) =>
        new URLSearchParams(body.toString()).get('refresh_token') === 'ghr_bad'
          ? json(res, 200, {
              error: 'bad_refresh_token',
              error_description: 'The refresh token passed is incorrect or expired.',
              error_uri: 'https://docs.github.com',
            })
          : json(res, 200, {
              access_token: 'ghu_16C7e42F292c6912E7710c838347Ae178B4a',
              expires_in: 28800,
              refresh_token: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498',
              refresh_token_expires_in: 15811200,
              scope: '',
              token_type: 'bearer',
            }),
      );
      const integration = await fromTemplate('github');
      const before = Date.now();
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'github', refreshToken: 'ghr_old' });
      expect(connection.tokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 28_799_000);
      expect(credentialsOf(connection)!.refreshToken).toMatch(/^ghr_1B4a/);
      expect(lastRequest('/github/token').headers.accept).toContain('application/json');
      await expect(createConnection(viewer, { integration: integration.slug, connectionName: 'github-bad', refreshToken: 'ghr_bad' })).rejects.toMatchObject({
        details: { providerError: 'bad_refresh_token' },
      });
    });

    it('Twitch: the scope comes as an array', async () => {
      fixtures.routes.set('/twitch/token', (_req, res) =>
        json(res, 200, {
          access_token: 'rfx2uswqe8l4g1mkagrvg5tv0ks3',
          expires_in: 14124,
          refresh_token: '5b93chm6hdve3mycz05zfzatkfdenfspp1h1ar2xxdalen01',
          scope: ['channel:moderate', 'chat:edit', 'chat:read'],
          token_type: 'bearer',
        }),
      );
      const connection = await createConnection(viewer, { integration: (await fromTemplate('twitch')).slug, connectionName: 'twitch', refreshToken: 'old' });
      expect(connection.scopes).toEqual(['channel:moderate', 'chat:edit', 'chat:read']);
    });

    it('Strava: the athlete kept as metadata, with an expiry from expires_in', async () => {
      fixtures.routes.set('/strava/token', (_req, res) =>
        json(res, 200, {
          token_type: 'Bearer',
          expires_at: 1568775134,
          expires_in: 21600,
          refresh_token: 'e5n567567',
          access_token: 'a4b945687g',
          athlete: { id: 134815, username: 'MeowTheCat' },
        }),
      );
      const connection = await createConnection(viewer, { integration: (await fromTemplate('strava')).slug, connectionName: 'strava', refreshToken: 'old' });
      expect(connection.metadata).toMatchObject({ athlete_id: 134815 });
      expect(connection.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 21_000_000);
      expect(lastRequest('/strava/token').body.toString()).toContain('client_secret=client-secret'); // client_secret_post
    });

    it('Figma: refreshes at its own refresh URL and keeps the refresh token it did not resend', async () => {
      fixtures.routes.set('/figma/refresh', (_req, res) => json(res, 200, { access_token: 'figd_new', expires_in: 7776000 }));
      const integration = await fromTemplate('figma');
      await prisma.integration.update({
        where: { id: integration.id },
        data: { settings: { ...(integration.settings as object), refreshTokenUrl: `${fixtures.url}/figma/refresh` } },
      });
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'figma', refreshToken: 'figr_keep' });
      expect(credentialsOf(connection)).toMatchObject({ accessToken: 'figd_new', refreshToken: 'figr_keep' });
      expect(fixtures.hits('/figma/token')).toBe(0);
    });

    it('Stripe: the connected account kept as metadata', async () => {
      fixtures.routes.set('/stripe/token', (_req, res) =>
        json(res, 200, {
          access_token: 'sk_test_XXX',
          livemode: false,
          refresh_token: 'rt_XXX',
          token_type: 'bearer',
          stripe_publishable_key: 'pk_test_XXX',
          stripe_user_id: 'acct_1032D82eZvKYlo2C',
          scope: 'read_write',
        }),
      );
      const connection = await createConnection(viewer, { integration: (await fromTemplate('stripe')).slug, connectionName: 'stripe', refreshToken: 'rt_old' });
      expect(connection.metadata).toMatchObject({ stripe_user_id: 'acct_1032D82eZvKYlo2C', livemode: false });
    });

    it('Shopify: a non-expiring token without token_type, comma-separated scopes, the shop in the API base URL', async () => {
      fixtures.routes.set('/shopify/token', (_req, res) => json(res, 200, { access_token: 'shpat_f85fc0b7ea6a', scope: 'write_orders,read_customers' }));
      const integration = await fromTemplate('shopify');
      const connection = await createConnection(viewer, {
        integration: integration.slug,
        connectionName: 'shopify',
        refreshToken: 'unused',
        metadata: { connectionConfig: { shop: 'acme' } },
      });
      expect(connection.scopes).toEqual(['write_orders', 'read_customers']);
      expect(connection.tokenExpiresAt).toBeNull();
      expect(connection.apiBaseUrl).toBe('https://acme.myshopify.com/admin/api/2026-10');
    });

    it('QuickBooks: the realm from the callback URL names the company in the API base URL', async () => {
      fixtures.routes.set('/quickbooks/token', (_req, res) =>
        json(res, 200, {
          token_type: 'bearer',
          expires_in: 3600,
          refresh_token: 'Q011511877712',
          x_refresh_token_expires_in: 8726400,
          access_token: 'eyJlbmMiOiJBMTI4Q0JD',
        }),
      );
      const integration = await fromTemplate('quickbooks');
      const tokens = await oidc.refreshTokenGrant(await server.providerClient.configuration(integration), 'Q0-old');
      const result = await connectionFromTokens(server, integration, tokens, {
        callbackParams: new URLSearchParams({ code: 'c', state: 's', realmId: '4620816365213458300' }),
      });
      expect(result.metadata).toMatchObject({ realmId: '4620816365213458300' });
      expect(result.apiBaseUrl).toBe('https://quickbooks.api.intuit.com/v3/company/4620816365213458300');
      expect(result.credentials.raw).toMatchObject({ x_refresh_token_expires_in: 8726400 });
    });

    it('Xero: the granted tenants fetched after connecting, with the new token', async () => {
      fixtures.routes.set('/xero/token', (_req, res) =>
        json(res, 200, {
          access_token: 'xero-access',
          expires_in: 1800,
          token_type: 'Bearer',
          refresh_token: 'xero-refresh-2',
          scope: 'openid offline_access accounting.transactions',
        }),
      );
      fixtures.routes.set('/xero/connections', (req, res) =>
        req.headers.authorization === 'Bearer xero-access'
          ? json(res, 200, [
              {
                id: 'e1eede29-f875-4a5d-8470-17f6a29a88b1',
                tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056',
                tenantType: 'ORGANISATION',
                tenantName: 'Maple Florists Ltd',
              },
            ])
          : json(res, 401, {}),
      );
      const integration = await fromTemplate('xero');
      await prisma.integration.update({
        where: { id: integration.id },
        data: { settings: { ...(integration.settings as object), postConnect: { url: `${fixtures.url}/xero/connections`, metadataKey: 'tenants' } } },
      });
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'xero', refreshToken: 'xero-refresh-1' });
      expect(connection.metadata).toMatchObject({ tenants: [{ tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056', tenantName: 'Maple Florists Ltd' }] });
      expect(credentialsOf(connection)!.refreshToken).toBe('xero-refresh-2'); // rotated
    });

    /** A received webhook of the integration, forwarded by one round of the forwarding job: the connections it matched. */
    async function routedTo(integrationId: string, payload: Record<string, unknown>) {
      const id = newId();
      await prisma.providerWebhook.create({ data: { id, integrationId, payload: payload as object } });
      // Stored without its routing keys (as the route would store them): the forwarder reads them first.
      await server.providerWebhookForwarder.keyMissing();
      await server.providerWebhookForwarder.runOnce();
      return (await prisma.providerWebhook.findUniqueOrThrow({ where: { id } })).connectionIds;
    }

    it('Linear: the organization its webhooks name is fetched after connecting (a GraphQL POST), so they route with no metadata set', async () => {
      fixtures.routes.set('/linear/token', (_req, res) =>
        json(res, 200, { access_token: 'lin_oauth_8f3a', token_type: 'Bearer', expires_in: 86399, scope: 'read', refresh_token: 'lin_refresh_2' }),
      );
      fixtures.routes.set('/linear/graphql', (req, res, body) => {
        const query = (JSON.parse(body.toString() || '{}') as { query?: string }).query ?? '';
        if (req.method !== 'POST' || req.headers.authorization !== 'Bearer lin_oauth_8f3a' || !query.includes('organization')) return json(res, 400, {});
        json(res, 200, { data: { organization: { id: '8f1a9b2c-linear-org', urlKey: 'acme' } } });
      });
      const integration = await fromTemplate('linear');
      const settings = integration.settings as { postConnect: Record<string, unknown> };
      await prisma.integration.update({
        where: { id: integration.id },
        data: { settings: { ...(integration.settings as object), postConnect: { ...settings.postConnect, url: `${fixtures.url}/linear/graphql` } } as object },
      });
      const connection = await createConnection(viewer, { integration: integration.slug, connectionName: 'linear', refreshToken: 'lin_refresh_1' });
      expect(connection.metadata).toMatchObject({ linear: { data: { organization: { id: '8f1a9b2c-linear-org' } } } });
      expect(await routedTo(integration.id, { type: 'Issue', action: 'create', organizationId: '8f1a9b2c-linear-org' })).toEqual([connection.id]);
      expect(await routedTo(integration.id, { type: 'Issue', action: 'create', organizationId: 'another-org' })).toEqual([]);
    });

    it('Twilio: an Account SID given as the username is kept, so its webhooks (AccountSid) route with no metadata set; an API key SID is not', async () => {
      const integration = await fromTemplate('twilio', { authType: 'BASIC', clientId: undefined, clientSecret: undefined });
      const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
      const byAccount = await createConnection(viewer, {
        integration: integration.slug,
        connectionName: 'twilio',
        username: accountSid,
        password: 'auth-token',
      });
      expect(byAccount.metadata).toMatchObject({ account_sid: accountSid });
      const byKey = await createConnection(viewer, {
        integration: integration.slug,
        connectionName: 'twilio-key',
        username: `SK${'0123456789abcdef'.repeat(2)}`,
        password: 'key-secret',
      });
      expect(byKey.metadata).not.toHaveProperty('account_sid');
      expect(await routedTo(integration.id, { AccountSid: accountSid, MessageSid: 'SM1', SmsStatus: 'received' })).toEqual([byAccount.id]);
    });
  });

  describe('connect flows with template quirks, against the in-process authorization server', async () => {
    const as = await startAuthorizationServer({
      redirectUri: CALLBACK,
      clients: [{}, { client_id: 'post-client', token_endpoint_auth_method: 'client_secret_post' }],
    });
    const port = new URL(as.issuer).port;
    const wire = () => ({ basic: as.counts['token-auth:client_secret_basic'] ?? 0, post: as.counts['token-auth:client_secret_post'] ?? 0 });

    async function connect(slug: string, userId: string, connectionConfig?: Record<string, string>) {
      const headers = await userHeaders(userId);
      const started = await graphql(
        server,
        `
          mutation ($input: StartConnectInput!) {
            startConnect(input: $input) {
              __typename
              ... on StartConnectPayload {
                authorizeUrl
              }
              ... on ValidationError {
                fieldErrors {
                  field
                  message
                }
              }
            }
          }
        `,
        { input: { integration: slug, connectionConfig } },
        headers,
      );
      if (started.data.startConnect.__typename !== 'StartConnectPayload') return { started: started.data.startConnect };
      const callbackUrl = await followToCallback(started.data.startConnect.authorizeUrl, CALLBACK);
      const response = await completeCallback(server, callbackUrl, { redirect: 'manual' });
      expect(response.status).toBe(200);
      return {
        // What the browser was sent to at the provider (authorizeUrl is the begin link that binds it).
        started: { ...started.data.startConnect, authorizeUrl: callbackUrl.providerUrl!.href },
        connection: await prisma.connection.findFirstOrThrow({ where: { ownerId: userId, integration: { slug } } }),
      };
    }

    it('a host-templated provider fills the host from connectionConfig, within its host patterns, for the authorize, token and refresh requests', async () => {
      const slug = uniqueSlug('zendesk');
      // The template's endpoints, pointed at the local server: the value is the whole host, as for Okta,
      // so the field is declared a host whose only allowed pattern is the local server.
      const integration = await createIntegration({
        slug,
        provider: 'zendesk',
        clientId: 'post-client',
        clientSecret: TEST_CLIENT.clientSecret,
        authorizationUrl: `http://\${connectionConfig.subdomain}:${port}/auth`,
        tokenUrl: `http://\${connectionConfig.subdomain}:${port}/token`,
        apiBaseUrl: `http://\${connectionConfig.subdomain}:${port}/api`,
        scopes: ['openid', 'offline_access'],
        authorizationParams: { prompt: 'consent' },
      });
      await prisma.integration.update({
        where: { id: integration.id },
        data: {
          settings: {
            ...(integration.settings as object),
            connectionConfig: [{ name: 'subdomain', description: 'The host', kind: 'host', hosts: ['127.0.0.1'] }],
          },
        },
      });
      const missing = await connect(slug, 'zendesk-user');
      expect(missing.started.fieldErrors).toEqual([{ field: 'connectionConfig.subdomain', message: expect.stringMatching(/required/) }]);
      for (const subdomain of ['acme/../evil', 'localhost', '127.0.0.1:1']) {
        const wrong = await connect(slug, 'zendesk-user', { subdomain });
        expect(wrong.started.fieldErrors[0].field).toBe('connectionConfig.subdomain');
      }

      const before = wire();
      const { started, connection } = await connect(slug, 'zendesk-user', { subdomain: '127.0.0.1' });
      expect(new URL(started.authorizeUrl).origin).toBe(as.issuer);
      expect(wire()).toEqual({ basic: before.basic, post: before.post + 1 }); // the template's client_secret_post
      expect(connection).toMatchObject({
        status: 'HEALTHY',
        metadata: { connectionConfig: { subdomain: '127.0.0.1' } },
        apiBaseUrl: `http://127.0.0.1:${port}/api`,
      });
      // The refresh goes to the same connection's host.
      const refreshed = await graphql(
        server,
        `
          mutation ($id: ID!) {
            refreshConnection(input: { connectionId: $id }) {
              __typename
            }
          }
        `,
        { id: encodeGlobalID('Connection', connection!.id) },
        adminHeaders,
      );
      expect(refreshed.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    });

    it('a provider that needs client_secret_basic (Spotify) authenticates that way, with its scope separator', async () => {
      const slug = uniqueSlug('spotify');
      await createIntegration({
        slug,
        provider: 'spotify',
        clientId: TEST_CLIENT.clientId,
        clientSecret: TEST_CLIENT.clientSecret,
        authorizationUrl: `${as.issuer}/auth`,
        tokenUrl: `${as.issuer}/token`,
        scopes: ['openid', 'offline_access'],
        authorizationParams: { prompt: 'consent' },
      });
      const before = wire();
      const { started, connection } = await connect(slug, 'spotify-user');
      expect(new URL(started.authorizeUrl).searchParams.get('scope')).toBe('openid offline_access');
      expect(new URL(started.authorizeUrl).searchParams.get('code_challenge_method')).toBe('S256');
      expect(wire()).toEqual({ basic: before.basic + 1, post: before.post });
      expect(connection).toMatchObject({ status: 'HEALTHY', apiBaseUrl: 'https://api.spotify.com/v1' });
    });

    it('uses the template scope separator and leaves PKCE out where the provider refuses it', async () => {
      const slug = uniqueSlug('strava');
      await createIntegration({
        slug,
        provider: 'strava',
        clientId: 'post-client',
        clientSecret: TEST_CLIENT.clientSecret,
        authorizationUrl: `${as.issuer}/auth`,
        tokenUrl: `${as.issuer}/token`,
        scopes: ['read', 'activity:read'],
      });
      const started = await graphql(
        server,
        `mutation { startConnect(input: { integration: "${slug}" }) { ... on StartConnectPayload { authorizeUrl } } }`,
        {},
        await userHeaders('strava-user'),
      );
      const url = (await openBeginLink(started.data.startConnect.authorizeUrl)).providerUrl;
      expect(url.searchParams.get('scope')).toBe('read,activity:read');
      expect(url.searchParams.get('approval_prompt')).toBe('auto');
      expect(url.searchParams.has('code_challenge')).toBe(false);
    });
  });
});
