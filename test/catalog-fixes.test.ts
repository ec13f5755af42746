// Catalog entries that failed real users (issue 27's first list), each checked against the request or
// answer its provider documents: PKCE refused by confidential web flows (LinkedIn, Pipedrive), tenant
// domains in Microsoft URLs, Auth0 audiences that are identifiers rather than hosts, and Okta's org
// authorization server.
import { describe, expect, it } from 'vitest';
import { parseCatalog, readCatalog } from '../src/catalog/index.js';
import { connectionValueProblem } from '../src/catalog/schema.js';
import { checkedConnectionConfig, fillProviderUrl } from '../src/provider/templates.js';
import type { UrlPolicy } from '../src/domain/integrations.js';
import { CALLBACK } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { credentialsOf, prisma } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';
import { completeCallback, followToCallback } from './helpers/authorization-server.js';

const templates = readCatalog();
const byKey = new Map(templates.map((template) => [template.key, template]));
const publicUrlsOnly: UrlPolicy = { allowLocalProviders: false, isSandboxEndpoint: () => false };

describe('connection config values the catalog itself gives', () => {
  it.each(templates.filter((template) => template.connectionConfig.length).map((template) => [template.key, template] as const))(
    '%s: every example and default is a value its field accepts',
    (_key, template) => {
      for (const field of template.connectionConfig) {
        for (const value of [field.example, field.default].filter((entry): entry is string => entry !== undefined)) {
          expect(connectionValueProblem(field, value, field.setBy === 'admin'), `${template.key}.${field.name} = ${value}`).toBeUndefined();
        }
      }
    },
  );
});

describe('Microsoft: a tenant is a GUID or a domain, in the URL path', async () => {
  const server = await startTestServer();
  it.each(['microsoft', 'microsoft-graph-app', 'outlook', 'microsoft-teams', 'onedrive'])(
    '%s takes contoso.onmicrosoft.com and a tenant GUID, and refuses a value that leaves the path segment',
    async (provider) => {
      const integration = await server.services.integrations.create({
        slug: uniqueSlug(provider),
        provider,
        clientId: 'client-id',
        clientSecret: 'client-secret',
      });
      const tokenUrl = byKey.get(provider)!.tokenUrl!;
      for (const tenant of ['contoso.onmicrosoft.com', '9188040d-6c67-4c5b-b112-36a304b66dad']) {
        const config = checkedConnectionConfig(integration, { tenant }, publicUrlsOnly);
        expect(fillProviderUrl(tokenUrl, { connectionConfig: config }, 'tokenUrl', publicUrlsOnly, byKey.get(provider)!.connectionConfig)).toBe(
          `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
        );
      }
      for (const tenant of ['contoso/../evil', 'evil.example/x', '..', 'a?b']) {
        expect(() => checkedConnectionConfig(integration, { tenant }, publicUrlsOnly), tenant).toThrow(/not valid/);
      }
    },
  );
});

describe('Auth0 machine to machine: the audience is an identifier sent as it is', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const requests: URLSearchParams[] = [];
  upstream.routes.set('/oauth/token', (_req, res, body) => {
    requests.push(new URLSearchParams(body.toString()));
    // Auth0's documented client credentials answer.
    json(res, 200, { access_token: 'eyJz93a...k4laUWw', token_type: 'Bearer', expires_in: 86400, scope: 'read:users' });
  });

  it.each(['https://acme.us.auth0.com/api/v2/', 'urn:acme:orders-api', 'https://api.acme.example'])('audience %s', async (audience) => {
    const integration = await server.services.integrations.create({
      slug: uniqueSlug('auth0-m2m'),
      provider: 'auth0-m2m',
      clientId: 'm2m-client',
      clientSecret: 'm2m-secret',
      tokenUrl: `${upstream.url}/oauth/token`,
      isShared: true,
    });
    const connection = await server.services.createConnection(
      { userId: 'auth0-admin', isAdmin: true, via: 'jwt' },
      { integration: integration.slug, connectionName: uniqueSlug('m2m'), metadata: { connectionConfig: { domain: 'acme.us.auth0.com', audience } } },
    );
    const request = requests.at(-1)!;
    expect(request.get('grant_type')).toBe('client_credentials');
    expect(request.get('audience')).toBe(audience);
    expect(request.get('client_secret')).toBe('m2m-secret'); // client_secret_post, as Auth0 documents
    expect(credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } }))!.accessToken).toBe('eyJz93a...k4laUWw');
  });

  it('free text is never part of a URL', () => {
    const entry = {
      key: 'broken',
      name: 'Broken',
      docsUrl: 'https://docs.example',
      authType: 'OAUTH2_CLIENT_CREDENTIALS',
      tokenUrl: 'https://auth.example/${connectionConfig.audience}/token',
      connectionConfig: [{ name: 'audience', description: 'x', example: 'y', kind: 'text' }],
    };
    expect(() => parseCatalog(JSON.stringify([entry]))).toThrow(/free text/);
    expect(connectionValueProblem({ kind: 'text' }, 'line\nbreak')).toMatch(/printable/);
  });
});

describe("Okta: the org authorization server, which every org has and whose tokens call Okta's API", () => {
  // The org server's metadata as Okta documents it (GET https://{yourOktaDomain}/.well-known/openid-configuration).
  const domain = 'acme.okta.com';
  const documented = {
    issuer: `https://${domain}`,
    authorization_endpoint: `https://${domain}/oauth2/v1/authorize`,
    token_endpoint: `https://${domain}/oauth2/v1/token`,
    userinfo_endpoint: `https://${domain}/oauth2/v1/userinfo`,
    revocation_endpoint: `https://${domain}/oauth2/v1/revoke`,
  };
  it('the entry names the org server and its endpoints, and calls /api/v1', () => {
    const okta = byKey.get('okta')!;
    const fill = (url: string | undefined) => url && fillProviderUrl(url, { connectionConfig: { domain } }, 'url', publicUrlsOnly, okta.connectionConfig);
    expect({
      issuer: fill(okta.issuer),
      authorization_endpoint: fill(okta.authorizationUrl),
      token_endpoint: fill(okta.tokenUrl),
      userinfo_endpoint: fill(okta.userinfoUrl),
      revocation_endpoint: fill(okta.revocationUrl),
    }).toEqual(documented);
    expect(fill(okta.apiBaseUrl)).toBe(`https://${domain}/api/v1`);
    expect(fill(okta.verify!.url)).toBe(documented.userinfo_endpoint);
  });
});

describe('PKCE refused by confidential web flows (LinkedIn, Pipedrive)', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const documented = {
    // LinkedIn: POST /oauth/v2/accessToken answer (authorization-code-flow).
    linkedin: { access_token: 'AQUvlL_DYEzvT2wz1QJiEPeLioeA', expires_in: 5184000, scope: 'openid,profile,email' },
    // Pipedrive: POST /oauth/token answer (marketplace-oauth-authorization).
    pipedrive: {
      access_token: 'v1:s1x2x3x4',
      token_type: 'Bearer',
      refresh_token: '10041:11243:f3e5a1fd8b8eef5a',
      scope: 'base,deals:read',
      expires_in: 3599,
      api_domain: 'https://acme.pipedrive.com',
    },
  } as const;

  it.each(['linkedin', 'pipedrive'] as const)('%s: no code_challenge on the authorize request, no code_verifier on the token request', async (provider) => {
    // The provider's token endpoint refuses a code_verifier as these providers do (401 invalid_client).
    upstream.routes.set(`/${provider}/token`, (_req, res, body) => {
      const form = new URLSearchParams(body.toString());
      if (form.has('code_verifier')) return json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      if (form.get('code') !== 'the-code') return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, documented[provider]);
    });
    upstream.routes.set(`/${provider}/authorize`, (req, res) => {
      const query = new URL(req.url!, 'http://upstream').searchParams;
      if (query.has('code_challenge')) {
        res.writeHead(400).end('PKCE is not enabled for this application');
        return;
      }
      res.writeHead(302, { location: `${CALLBACK}?code=the-code&state=${query.get('state')}` }).end();
    });
    const integration = await server.services.integrations.create({
      slug: uniqueSlug(provider),
      provider,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      authorizationUrl: `${upstream.url}/${provider}/authorize`,
      tokenUrl: `${upstream.url}/${provider}/token`,
    });
    await prisma.integration.update({ where: { id: integration.id }, data: { issuer: null, userinfoUrl: null } });
    const userId = uniqueSlug(`${provider}-user`);
    const started = await server.services.startConnect({ userId, isAdmin: false, via: 'jwt' }, { integration: integration.slug });
    const callback = await followToCallback(started.authorizeUrl, CALLBACK);
    expect(callback.providerUrl!.searchParams.has('code_challenge')).toBe(false);
    const response = await completeCallback(server, callback, { redirect: 'manual' });
    expect(response.status).toBe(200);
    const connection = await prisma.connection.findFirstOrThrow({ where: { ownerId: userId, integrationId: integration.id } });
    expect(credentialsOf(connection)!.accessToken).toBe(documented[provider].access_token);
  });
});

describe('decisions taken with the providers’ documentation at hand', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();

  it.each([
    ['slack', 'unsupported'],
    ['square', 'unsupported'],
    ['typeform', 'unsupported'],
    ['mollie', 'unsupported'],
    ['gong', 'unsupported'],
    ['highlevel', 'unsupported'],
    ['linkedin', 'unsupported'],
    ['pipedrive', 'unsupported'],
    ['monday', 'required'],
  ])('%s: PKCE %s, and the entry says why', (key, pkce) => {
    expect(byKey.get(key)!.pkce).toBe(pkce);
    expect(byKey.get(key)!.notes).toMatch(/PKCE/);
  });

  it('Zendesk: refresh tokens rotate (each refresh deletes the previous refresh token)', () => {
    expect(byKey.get('zendesk')!.refresh).toMatchObject({ rotating: true });
    expect(byKey.get('zendesk')!.notes).toMatch(/delete the previous access and refresh tokens/);
  });

  it('Shopify: the API version is a supported one an admin picks, not the user', async () => {
    const shopify = await server.services.integrations.create({ slug: uniqueSlug('shopify'), provider: 'shopify', clientId: 'id', clientSecret: 'secret' });
    expect(checkedConnectionConfig(shopify, { shop: 'acme' }, publicUrlsOnly)).toEqual({ shop: 'acme', api_version: '2026-10' });
    expect(() => checkedConnectionConfig(shopify, { shop: 'acme', api_version: '2026-04' }, publicUrlsOnly)).toThrow(/not valid/);
    const pinned = await server.services.integrations.create({
      slug: uniqueSlug('shopify'),
      provider: 'shopify',
      clientId: 'id',
      clientSecret: 'secret',
      connectionConfig: { api_version: '2026-04' },
    });
    expect(checkedConnectionConfig(pinned, { shop: 'acme' }, publicUrlsOnly)).toEqual({ shop: 'acme', api_version: '2026-04' });
    await expect(
      server.services.integrations.create({
        slug: uniqueSlug('shopify'),
        provider: 'shopify',
        clientId: 'id',
        clientSecret: 'secret',
        connectionConfig: { api_version: '2025-01' },
      }),
    ).rejects.toThrow(/not valid/);
  });

  it('monday.com (OAuth 2.1): the code is exchanged with its PKCE verifier at /oauth_ms/oauth/token', async () => {
    const challenges = new Map<string, string>();
    upstream.routes.set('/monday/authorize', (req, res) => {
      const query = new URL(req.url!, 'http://upstream').searchParams;
      if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
        res.writeHead(400).end('code_challenge is required');
        return;
      }
      challenges.set('the-code', query.get('code_challenge')!);
      res.writeHead(302, { location: `${CALLBACK}?code=the-code&state=${query.get('state')}` }).end();
    });
    upstream.routes.set('/monday/oauth_ms/oauth/token', async (_req, res, body) => {
      const form = new URLSearchParams(body.toString());
      const { createHash } = await import('node:crypto');
      const expected = challenges.get(form.get('code') ?? '');
      if (
        !expected ||
        createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url') !== expected
      ) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
      json(res, 200, { access_token: 'monday-access', refresh_token: 'monday-refresh', token_type: 'Bearer', expires_in: 3600, scope: 'me:read' });
    });
    expect(new URL(byKey.get('monday')!.tokenUrl!).pathname).toBe('/oauth_ms/oauth/token');
    const integration = await server.services.integrations.create({
      slug: uniqueSlug('monday'),
      provider: 'monday',
      clientId: 'client-id',
      clientSecret: 'client-secret',
      authorizationUrl: `${upstream.url}/monday/authorize`,
      tokenUrl: `${upstream.url}/monday/oauth_ms/oauth/token`,
    });
    const userId = uniqueSlug('monday-user');
    const started = await server.services.startConnect({ userId, isAdmin: false, via: 'jwt' }, { integration: integration.slug });
    const callback = await followToCallback(started.authorizeUrl, CALLBACK);
    expect((await completeCallback(server, callback, { redirect: 'manual' })).status).toBe(200);
    const connection = await prisma.connection.findFirstOrThrow({ where: { ownerId: userId, integrationId: integration.id } });
    expect(credentialsOf(connection)).toMatchObject({ accessToken: 'monday-access', refreshToken: 'monday-refresh' });
    expect(connection.tokenExpiresAt).not.toBeNull();
  });
});
