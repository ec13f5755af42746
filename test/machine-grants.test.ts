// The machine-to-machine auth modes (issue 17): client credentials against oidc-provider, JWT bearer
// (RFC 7523) and GitHub App installation tokens against small fakes that verify the signatures with
// the public key. Renewal goes through the same refresh path (one grant for concurrent callers, the
// background sweep, ERROR when the provider refuses the credential).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../src/catalog/index.js';
import type { App } from '../src/app.js';
import { runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { openBeginLink, startAuthorizationServer, TEST_CLIENT } from './helpers/authorization-server.js';
import { CALLBACK } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { credentialsOf, keyring, prisma } from './helpers/database.js';

const CREATE_INTEGRATION = /* GraphQL */ `
  mutation ($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      __typename
      ... on CreateIntegrationPayload {
        integration {
          id
          slug
          authType
          hasPrivateKey
          appId
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          field
          message
        }
      }
    }
  }
`;

const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          name
          status
          isShared
          tokenExpiresAt
          apiBaseUrl
          metadata
          scopes
        }
      }
      ... on Error {
        message
        code
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
    }
  }
`;

const READ_EVERYTHING = /* GraphQL */ `
  query ($id: ID!, $slug: String!) {
    node(id: $id) {
      ... on Connection {
        id
        status
        metadata
        apiBaseUrl
        credentials(refreshPolicy: NONE) {
          tokenType
          accessToken
          refreshToken
          expiresAt
          scope
          apiKey
          username
          password
          tokenSecret
          raw
        }
        integration {
          slug
          authType
          clientId
          hasClientSecret
          hasPrivateKey
          appId
          tokenUrl
          apiBaseUrl
          authorizationParams
        }
      }
    }
    integration(integration: $slug) {
      slug
      hasPrivateKey
      appId
    }
    providers {
      key
      authType
    }
  }
`;

async function createIntegration(server: { url: string }, input: Record<string, unknown>) {
  const result = await graphql(server, CREATE_INTEGRATION, { input: { slug: uniqueSlug('m2m'), ...input } }, adminHeaders);
  expect(result.data.createIntegration.__typename, JSON.stringify(result.data.createIntegration)).toBe('CreateIntegrationPayload');
  return result.data.createIntegration.integration as { id: string; slug: string };
}

/** One run of the app's background refresh sweep, with the given lookahead. */
function runSweep(app: App, lookaheadSeconds: number) {
  return runRefreshSweep(
    { prisma, refresher: app.services.refresher, logger: app.logger },
    { lookaheadSeconds, concurrency: app.config.tokens.concurrency, batchSize: app.config.tokens.batchSize },
  );
}

const rowOf = (globalId: string) => prisma.connection.findUniqueOrThrow({ where: { id: decodeGlobalID(globalId).id } });

function rsaKeys(): { privatePkcs8: string; privatePkcs1: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privatePkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  };
}

describe('auth mode catalog entries', () => {
  it('lists client credentials, JWT bearer, GitHub App and OAuth 1.0a providers with https endpoints', () => {
    const entries = parseCatalog(fs.readFileSync(new URL('../src/catalog/providers/auth-modes.yaml', import.meta.url), 'utf8'));
    const byType = (type: string) => entries.filter((entry) => entry.authType === type).map((entry) => entry.key);
    expect(byType('JWT_BEARER')).toEqual(expect.arrayContaining(['google-service-account', 'salesforce-jwt']));
    expect(byType('GITHUB_APP')).toEqual(['github-app']);
    expect(byType('OAUTH2_CLIENT_CREDENTIALS')).toEqual(
      expect.arrayContaining(['zoom-server-to-server', 'microsoft-graph-app', 'paypal', 'salesforce-client-credentials']),
    );
    expect(byType('OAUTH1')).toEqual(expect.arrayContaining(['trello', 'tumblr', 'garmin']));
    for (const entry of entries) {
      for (const url of [entry.tokenUrl, entry.authorizationUrl, entry.requestTokenUrl, entry.apiBaseUrl, entry.docsUrl]) {
        if (!url) continue;
        const filled = url.replace(/\$\{connectionConfig\.\w+\}/g, 'x').replace(/^\$\{metadata\.[\w.]+\}/, 'https://x.example');
        expect(new URL(filled).protocol, `${entry.key}: ${url}`).toBe('https:');
      }
    }
  });
});

describe('OAUTH2_CLIENT_CREDENTIALS', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({
    redirectUri: CALLBACK,
    clientCredentials: true,
    clients: [
      { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      {
        client_id: 'cc-post',
        client_secret: 'cc-post-secret-value',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
  });
  const integration = await createIntegration(server, {
    provider: 'custom',
    authType: 'OAUTH2_CLIENT_CREDENTIALS',
    clientId: TEST_CLIENT.clientId,
    clientSecret: TEST_CLIENT.clientSecret,
    tokenUrl: `${as.issuer}/token`,
    apiBaseUrl: `${as.issuer}/`,
    isShared: true,
  });
  const connect = (slug: string, name: string) => graphql(server, CREATE_CONNECTION, { input: { integration: slug, connectionName: name } }, adminHeaders);

  it('createConnection obtains a token from the authorization server and stores a shared connection, recording the connect', async () => {
    const before = as.counts['grant:client_credentials'] ?? 0;
    const created = (await connect(integration.slug, 'cc-first')).data.createConnection;
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY', isShared: true } });
    expect(as.counts['grant:client_credentials']).toBe(before + 1);
    const row = await rowOf(created.connection.id);
    const credentials = credentialsOf(row)!;
    expect(credentials).toMatchObject({ type: 'OAUTH2_CLIENT_CREDENTIALS', tokenType: 'bearer' });
    expect(row.credentialsEnc).not.toContain(credentials.accessToken);
    expect(row.hasRefreshToken).toBe(true);
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    // The token is one the authorization server issued to this client.
    const issued = await as.provider.ClientCredentials.find(credentials.accessToken!);
    expect(issued?.clientId).toBe(TEST_CLIENT.clientId);
    await server.activity.flush();
    expect(await prisma.operation.findMany({ where: { connectionId: row.id }, select: { kind: true, outcome: true, ownerId: true } })).toEqual([
      { kind: 'CONNECT', outcome: 'SUCCESS', ownerId: 'switchboard:api-key' },
    ]);
  });

  it('a FORCE refresh is a new grant, made once for concurrent callers', async () => {
    const created = (await connect(integration.slug, 'cc-force')).data.createConnection;
    const row = await rowOf(created.connection.id);
    const first = credentialsOf(row)!.accessToken;
    const before = as.counts['grant:client_credentials'] ?? 0;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => server.services.refresher.refreshConnectionTokens(row.id, row.sequence, { policy: 'FORCE' })),
    );
    expect(as.counts['grant:client_credentials']).toBe(before + 1);
    expect(new Set(results.map((result) => result.credentials!.accessToken)).size).toBe(1);
    expect(results[0]!.credentials!.accessToken).not.toBe(first);
    expect(results[0]!.connection.sequence).toBe(row.sequence + 1);
  });

  it('authenticates with client_secret_post when the integration says so', async () => {
    const post = await createIntegration(server, {
      provider: 'custom',
      authType: 'OAUTH2_CLIENT_CREDENTIALS',
      clientId: 'cc-post',
      clientSecret: 'cc-post-secret-value',
      tokenEndpointAuthMethod: 'client_secret_post',
      tokenUrl: `${as.issuer}/token`,
      isShared: true,
    });
    const before = as.counts['token-auth:client_secret_post'] ?? 0;
    expect((await connect(post.slug, 'default')).data.createConnection.__typename).toBe('CreateConnectionPayload');
    expect(as.counts['token-auth:client_secret_post']).toBe(before + 1);
  });

  it('a client secret the server refuses is a ProviderError, nothing is stored, and the failed connect is recorded', async () => {
    const wrong = await createIntegration(server, {
      provider: 'custom',
      authType: 'OAUTH2_CLIENT_CREDENTIALS',
      clientId: TEST_CLIENT.clientId,
      clientSecret: 'not-the-secret',
      tokenUrl: `${as.issuer}/token`,
      isShared: true,
    });
    const created = (await connect(wrong.slug, 'default')).data.createConnection;
    expect(created).toMatchObject({ __typename: 'ProviderError', providerError: 'invalid_client', providerStatus: 401 });
    expect(JSON.stringify(created)).not.toContain('not-the-secret');
    expect(await prisma.connection.count({ where: { integrationId: decodeGlobalID(wrong.id).id } })).toBe(0);
    await server.activity.flush();
    const [failed] = await prisma.operation.findMany({ where: { integrationSlug: wrong.slug } });
    expect(failed).toMatchObject({ kind: 'CONNECT', outcome: 'FAILURE', connectionId: null, providerStatus: 401 });
    expect(failed!.error).toContain('invalid_client');
    expect(JSON.stringify(failed)).not.toContain('not-the-secret');
  });

  it('refuses an integration without a client secret or token URL, naming the fields', async () => {
    const result = await graphql(
      server,
      CREATE_INTEGRATION,
      { input: { slug: uniqueSlug('cc'), provider: 'custom', authType: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'x' } },
      adminHeaders,
    );
    expect(result.data.createIntegration.__typename).toBe('ValidationError');
    expect(result.data.createIntegration.fieldErrors.map((error: { field: string }) => error.field).sort()).toEqual(['clientSecret', 'tokenUrl']);
  });
});

describe('JWT_BEARER', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const google = rsaKeys();
  const { privateKey: ecPrivate, publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecPem = ecPrivate.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tokenUrl = `${upstream.url}/token`;
  const fake = { expiresIn: 3600, refuse: false, issued: 0, assertions: [] as Array<{ header: Record<string, unknown>; claims: Record<string, unknown> }> };

  // The token endpoint verifies each assertion with the public key of whoever it names as issuer.
  const publicKeys: Record<string, KeyObject> = { 'robot@project.iam.gserviceaccount.com': google.publicKey, 'sf-consumer-key': ecPublic };
  upstream.routes.set('/token', async (_req, res, body) => {
    const form = new URLSearchParams(body.toString());
    const reply = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return reply(400, { error: 'unsupported_grant_type' });
    const assertion = form.get('assertion') ?? '';
    try {
      const unverified = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as { iss: string };
      const key = publicKeys[unverified.iss];
      if (!key || fake.refuse) return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      const { payload, protectedHeader } = await jwtVerify(assertion, key, { algorithms: ['RS256', 'ES256'], maxTokenAge: '5m' });
      fake.assertions.push({ header: protectedHeader as Record<string, unknown>, claims: payload as Record<string, unknown> });
    } catch {
      return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    fake.issued++;
    reply(200, { access_token: `jwt-access-${fake.issued}`, token_type: 'Bearer', expires_in: fake.expiresIn, instance_url: `${upstream.url}` });
  });

  const googleKeyFile = JSON.stringify({
    type: 'service_account',
    project_id: 'project',
    private_key_id: 'key-id-123',
    private_key: google.privatePkcs8,
    client_email: 'robot@project.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
  const googleIntegration = await createIntegration(server, {
    provider: 'google-service-account',
    tokenUrl,
    apiBaseUrl: `${upstream.url}/`,
    scopes: ['https://www.googleapis.com/auth/drive.readonly', 'https://www.googleapis.com/auth/calendar'],
  });
  const connectGoogle = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await graphql(
        server,
        CREATE_CONNECTION,
        { input: { integration: googleIntegration.slug, connectionName: name, privateKey: googleKeyFile, ...extra } },
        await userHeaders('jwt-user'),
      )
    ).data.createConnection;

  it('a Google service account key file signs an RS256 assertion that the token endpoint verifies with the public key', async () => {
    fake.expiresIn = 3600;
    const created = await connectGoogle('google', { subject: 'admin@example.com' });
    expect(created).toMatchObject({
      __typename: 'CreateConnectionPayload',
      connection: { status: 'HEALTHY', metadata: { clientEmail: 'robot@project.iam.gserviceaccount.com', subject: 'admin@example.com' } },
    });
    const { header, claims } = fake.assertions.at(-1)!;
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'key-id-123' });
    expect(claims).toMatchObject({
      iss: 'robot@project.iam.gserviceaccount.com',
      sub: 'admin@example.com',
      aud: tokenUrl,
      scope: 'https://www.googleapis.com/auth/drive.readonly https://www.googleapis.com/auth/calendar',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    expect(credentialsOf(await rowOf(created.connection.id))).toMatchObject({ type: 'JWT_BEARER', accessToken: `jwt-access-${fake.issued}` });
  });

  it('an ES256 key on the integration, Salesforce style: iss is the consumer key, sub the user, aud the login host, and the API is the instance_url', async () => {
    const salesforce = await createIntegration(server, { provider: 'salesforce-jwt', clientId: 'sf-consumer-key', privateKey: ecPem, tokenUrl });
    expect(salesforce).toMatchObject({ hasPrivateKey: true });
    const created = (
      await graphql(server, CREATE_CONNECTION, { input: { integration: salesforce.slug, subject: 'user@acme.example' } }, await userHeaders('sf-user'))
    ).data.createConnection;
    expect(created).toMatchObject({
      __typename: 'CreateConnectionPayload',
      connection: { apiBaseUrl: `${upstream.url}/services/data`, metadata: { instance_url: upstream.url } },
    });
    const { header, claims } = fake.assertions.at(-1)!;
    expect(header.alg).toBe('ES256');
    expect(claims).toMatchObject({ iss: 'sf-consumer-key', sub: 'user@acme.example', aud: 'https://login.salesforce.com' });
    expect(claims.scope).toBeUndefined();
  });

  it('never returns the private key through the API, and seals it at rest', async () => {
    const created = await connectGoogle('secret-check');
    const read = await graphql(server, READ_EVERYTHING, { id: created.connection.id, slug: googleIntegration.slug }, adminHeaders);
    expect(read.errors).toBeUndefined();
    expect(read.data.node.credentials.accessToken).toMatch(/^jwt-access-/);
    const body = JSON.stringify(read);
    const keyBody = google.privatePkcs8.split('\n')[3]!;
    expect(body).not.toContain('PRIVATE KEY');
    expect(body).not.toContain(keyBody);
    const row = await rowOf(created.connection.id);
    expect(row.credentialsEnc).not.toContain(keyBody);
    // The shared Salesforce-style key on an integration is sealed too.
    const sealed = await prisma.integration.findMany({ where: { privateKeyEnc: { not: null } }, select: { privateKeyEnc: true } });
    for (const { privateKeyEnc } of sealed) expect(privateKeyEnc).not.toContain('PRIVATE KEY');
  });

  it('the background sweep renews a token before it expires', async () => {
    fake.expiresIn = 30;
    const created = await connectGoogle('short-lived');
    const before = fake.issued;
    fake.expiresIn = 3600;
    await runSweep(server, 120);
    expect(fake.issued).toBeGreaterThan(before);
    const row = await rowOf(created.connection.id);
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(credentialsOf(row)!.accessToken).not.toBe(`jwt-access-${before}`);
  });

  it('a key the provider refuses at renewal marks the connection ERROR', async () => {
    const created = await connectGoogle('refused');
    const row = await rowOf(created.connection.id);
    fake.refuse = true;
    try {
      await expect(server.services.refresher.refreshConnectionTokens(row.id, row.sequence, { policy: 'FORCE' })).rejects.toMatchObject({
        name: 'ReauthorizationRequiredError',
      });
    } finally {
      fake.refuse = false;
    }
    const after = await rowOf(created.connection.id);
    expect(after.status).toBe('ERROR');
    expect(after.statusMessage).toContain('invalid_grant');
  });

  it('a public key, a certificate or garbage as privateKey is a ValidationError on privateKey, and nothing is stored', async () => {
    const publicPem = google.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const privateKey of [publicPem, 'not a key', '{"client_email":"x@y"}', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----']) {
      const created = (
        await graphql(
          server,
          CREATE_CONNECTION,
          { input: { integration: googleIntegration.slug, connectionName: 'bad-key', privateKey, clientEmail: 'x@y' } },
          adminHeaders,
        )
      ).data.createConnection;
      expect(created.__typename).toBe('ValidationError');
      expect(created.fieldErrors[0].field).toBe('privateKey');
      expect(JSON.stringify(created)).not.toContain('AAAA');
    }
    expect(await prisma.connection.count({ where: { name: 'bad-key' } })).toBe(0);
  });
});

describe('GITHUB_APP', async () => {
  const server = await startTestServer();
  const github = await startUpstream();
  const app = rsaKeys();
  const state = { minted: 0, expiresInSeconds: 3600, jwts: [] as Array<Record<string, unknown>> };
  const apiBaseUrl = `${github.url}/api/v3`;

  // Like GitHub: the app JWT is checked against the app's public key; the token lasts an hour.
  github.routes.set('/api/v3/app/installations/4242/access_tokens', async (req, res) => {
    const reply = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (req.method !== 'POST') return reply(404, { message: 'Not Found' });
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    try {
      const { payload } = await jwtVerify(jwt, app.publicKey, { algorithms: ['RS256'], issuer: '123456' });
      if ((payload.exp as number) - (payload.iat as number) > 600) return reply(401, { message: "'Expiration time' claim ('exp') is too far in the future" });
      state.jwts.push({ ...(payload as Record<string, unknown>), alg: decodeProtectedHeader(jwt).alg });
    } catch {
      return reply(401, { message: 'A JSON web token could not be decoded' });
    }
    state.minted++;
    reply(201, {
      token: `ghs_installation_${state.minted}`,
      expires_at: new Date(Date.now() + state.expiresInSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      permissions: { contents: 'read' },
      repository_selection: 'all',
    });
  });
  // GET /app/installations/{id} answers only for this app's installations (the app JWT says which app).
  github.routes.set('/api/v3/app/installations/4242', async (req, res) => {
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    try {
      await jwtVerify(jwt, app.publicKey, { algorithms: ['RS256'], issuer: '123456' });
    } catch {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'A JSON web token could not be decoded' }));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: 4242, app_id: 123456, account: { login: 'acme' }, suspended_at: null }));
  });
  github.routes.set('/api/v3/repos/acme/widgets', (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ authorization: req.headers.authorization }));
  });

  const integration = await createIntegration(server, {
    provider: 'github-app',
    appId: '123456',
    privateKey: app.privatePkcs1,
    apiBaseUrl,
    authorizationUrl: `${github.url}/apps/switchboard-test/installations/new`,
    isShared: true,
  });
  const connect = async (installationId: string, name: string, headers: Record<string, string> = adminHeaders) =>
    (await graphql(server, CREATE_CONNECTION, { input: { integration: integration.slug, connectionName: name, installationId } }, headers)).data
      .createConnection;

  it('an admin connects an installation; its token is minted with an app JWT the server verifies, and proxied calls carry it', async () => {
    expect(integration).toMatchObject({ authType: 'GITHUB_APP', hasPrivateKey: true, appId: '123456' });
    const created = await connect('4242', 'acme');
    expect(created).toMatchObject({
      __typename: 'CreateConnectionPayload',
      connection: { status: 'HEALTHY', isShared: true, apiBaseUrl, metadata: { installationId: '4242' } },
    });
    expect(state.jwts.at(-1)).toMatchObject({ iss: '123456', alg: 'RS256' });
    const proxied = await graphql(
      server,
      `
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
      `,
      { input: { integration: integration.slug, connectionId: created.connection.id, url: 'repos/acme/widgets' } },
      adminHeaders,
    );
    expect(proxied.data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200, data: { authorization: `Bearer ghs_installation_${state.minted}` } });
    const credentials = credentialsOf(await rowOf(created.connection.id))!;
    expect(credentials.raw).toEqual({ permissions: { contents: 'read' }, repository_selection: 'all' });
  });

  it('only admins connect an installation by id', async () => {
    const created = await connect('4242', 'not-admin', await userHeaders('someone'));
    expect(created.__typename).toBe('ForbiddenError');
  });

  it('an installation GitHub does not know is a ProviderError, and nothing is stored', async () => {
    const created = await connect('999', 'unknown');
    expect(created).toMatchObject({ __typename: 'ProviderError', providerStatus: 404 });
    expect(await prisma.connection.count({ where: { name: 'unknown', integrationId: decodeGlobalID(integration.id).id } })).toBe(0);
  });

  it('installation tokens are renewed before their one-hour expiry', async () => {
    state.expiresInSeconds = 50;
    const created = await connect('4242', 'renewed');
    state.expiresInSeconds = 3600;
    const before = state.minted;
    await runSweep(server, 300);
    expect(state.minted).toBeGreaterThan(before);
    const row = await rowOf(created.connection.id);
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
  });

  it("startConnect sends an admin to the app's install page, and the setup redirect connects the installation", async () => {
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on StartConnectPayload {
              authorizeUrl
              state
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: integration.slug, connectionName: 'installed' } },
      adminHeaders,
    );
    const { authorizeUrl, state: flowState } = started.data.startConnect;
    // The admin's browser opens the begin link, which binds it and goes on to the app's install page.
    const { providerUrl, cookie } = await openBeginLink(authorizeUrl);
    expect(providerUrl.href).toBe(`${github.url}/apps/switchboard-test/installations/new?state=${flowState}`);
    // GitHub redirects to the Setup URL with the installation and our state.
    const setup = `${server.url}/oauth2/callback?installation_id=4242&setup_action=install&state=${flowState}`;
    const callback = await fetch(setup, { redirect: 'manual', headers: { cookie } });
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('"connect":"success"');
    const stored = await prisma.connection.findFirstOrThrow({ where: { name: 'installed', integrationId: decodeGlobalID(integration.id).id } });
    expect(credentialsOf(stored)).toMatchObject({ type: 'GITHUB_APP', installationId: '4242' });
    await server.activity.flush();
    expect(await prisma.operation.findMany({ where: { connectionId: stored.id }, select: { kind: true, outcome: true } })).toEqual([
      { kind: 'CONNECT', outcome: 'SUCCESS' },
    ]);
    // The same redirect again is refused: the state is single-use.
    const replay = await fetch(setup, { redirect: 'manual', headers: { cookie } });
    expect(replay.status).toBe(400);
  });
});

describe('write-only private keys on integrations', async () => {
  const server = await startTestServer();
  const first = rsaKeys();
  const second = rsaKeys();
  const UPDATE = /* GraphQL */ `
    mutation ($input: UpdateIntegrationInput!) {
      updateIntegration(input: $input) {
        __typename
        ... on UpdateIntegrationPayload {
          integration {
            hasPrivateKey
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
  `;

  it('updateIntegration replaces a GitHub App key sealed at rest, refuses clearing it, and never echoes it', async () => {
    const integration = await createIntegration(server, { provider: 'github-app', appId: '77', privateKey: first.privatePkcs1 });
    const replaced = await graphql(server, UPDATE, { input: { integration: integration.slug, privateKey: second.privatePkcs8 } }, adminHeaders);
    expect(replaced.data.updateIntegration).toEqual({ __typename: 'UpdateIntegrationPayload', integration: { hasPrivateKey: true } });
    const row = await prisma.integration.findUniqueOrThrow({ where: { id: decodeGlobalID(integration.id).id } });
    expect(row.privateKeyEnc).not.toContain('PRIVATE KEY');
    const { revealPrivateKey } = await import('../src/domain/integrations.js');
    expect(revealPrivateKey(keyring, row)).toBe(second.privatePkcs8.trim());
    const cleared = await graphql(server, UPDATE, { input: { integration: integration.slug, privateKey: null } }, adminHeaders);
    expect(cleared.data.updateIntegration.__typename).toBe('ValidationError');
    expect(cleared.data.updateIntegration.fieldErrors[0].field).toBe('privateKey');
    const badKey = await graphql(server, UPDATE, { input: { integration: integration.slug, privateKey: 'garbage' } }, adminHeaders);
    expect(badKey.data.updateIntegration.fieldErrors[0].field).toBe('privateKey');
    const answers = JSON.stringify([replaced, cleared, badKey]);
    for (const pem of [first.privatePkcs1, second.privatePkcs8]) expect(answers).not.toContain(pem.split('\n')[2]!);
    expect(answers).not.toContain('garbage');
  });
});
