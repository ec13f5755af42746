// The built-in sandbox provider: createIntegration(provider: "sandbox") → startConnect → sign in at
// the sandbox → callback → proxyRequest to /sandbox/api/me, with ALLOW_LOCAL_PROVIDERS off (other
// loopback providers stay refused). Rotating refresh tokens; Deny; off in production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { revealClientSecret } from '../src/domain/integrations.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { completeCallback } from './helpers/authorization-server.js';
import { signInAtSandbox } from './helpers/sandbox.js';
import { adminHeaders, graphql, startTestServer, userHeaders, testConfig, type ConfigOverrides } from './helpers/server.js';
import { database, keyring, prisma, testLogger } from './helpers/database.js';

describe('sandbox provider', async () => {
  const port = await freePort();
  const settings = {
    publicUrl: `http://127.0.0.1:${port}`,
    // The sandbox must work without lifting the address check for every other provider.
    providers: { allowLocalProviders: false },
    sandbox: { enabled: true },
  } satisfies ConfigOverrides;
  const config = testConfig(settings);
  // On a port known beforehand: PUBLIC_URL (the sandbox's issuer, the callback) names it.
  const server = createApp(config, { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  afterAll(() => server.stop());
  const callback = `${config.publicUrl}/oauth2/callback`;

  async function createSandboxIntegration(): Promise<string> {
    const slug = uniqueSlug('sandbox');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                provider
                issuer
                apiBaseUrl
                hasClientSecret
                logoUrl
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
      { input: { slug, provider: 'sandbox' } },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    expect(created.data.createIntegration.integration).toMatchObject({
      provider: 'sandbox',
      issuer: `${config.publicUrl}/sandbox/oauth`,
      hasClientSecret: true,
    });
    return slug;
  }

  async function connect(slug: string, user: string, outcome: 'allow' | 'deny' = 'allow') {
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on StartConnectPayload {
              authorizeUrl
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: slug } },
      await userHeaders(user),
    );
    expect(started.data.startConnect.__typename).toBe('StartConnectPayload');
    const { callback: returned, pages } = await signInAtSandbox(started.data.startConnect.authorizeUrl, callback, { outcome, account: user });
    const response = await completeCallback(server, returned, { redirect: 'manual' });
    return { response, pages, page: await response.text() };
  }

  it('connects through the sandbox with nothing registered, and proxyRequest reaches /sandbox/api/me', async () => {
    const slug = await createSandboxIntegration();
    const { response, pages } = await connect(slug, 'carol');
    expect(pages[0]).toContain('Deny');
    expect(response.status).toBe(200);
    const proxied = await graphql(
      server,
      `mutation { proxyRequest(input: { integration: "${slug}", url: "me" }) { __typename ... on ProxyResponse { status data } ... on Error { message } } }`,
      {},
      await userHeaders('carol'),
    );
    expect(proxied.data.proxyRequest).toMatchObject({
      __typename: 'ProxyResponse',
      status: 200,
      data: { sub: 'carol', email: 'carol@sandbox.switchboard.test' },
    });
  });

  it('rotates refresh tokens: each refresh gives a new one and the old one stops working', async () => {
    const slug = await createSandboxIntegration();
    await connect(slug, 'dana');
    const connection = await prisma.connection.findFirstOrThrow({ where: { integration: { slug }, ownerId: 'dana' } });
    const read = `{ node(id: "${Buffer.from(`Connection:${connection.id}`).toString('base64')}") { ... on Connection { credentials(refreshPolicy: NONE) { refreshToken } } } }`;
    const before = (await graphql(server, read, {}, adminHeaders)).data.node.credentials.refreshToken;
    expect(before).toBeTruthy();
    const refreshed = await graphql(
      server,
      `mutation { refreshConnection(input: { connectionId: "${Buffer.from(`Connection:${connection.id}`).toString('base64')}" }) { __typename } }`,
      {},
      adminHeaders,
    );
    expect(refreshed.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    const after = (await graphql(server, read, {}, adminHeaders)).data.node.credentials.refreshToken;
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    const integration = await prisma.integration.findUniqueOrThrow({ where: { slug } });
    const replay = await fetch(`${config.publicUrl}/sandbox/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${integration.clientId}:${revealClientSecret(keyring, integration)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before }),
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('Deny on the sign-in page ends the flow with access_denied and stores nothing', async () => {
    const slug = await createSandboxIntegration();
    const { response, page } = await connect(slug, 'erin', 'deny');
    expect(response.status).toBe(400);
    expect(page).toContain('access_denied');
    expect(await prisma.connection.count({ where: { integration: { slug } } })).toBe(0);
  });

  it('/sandbox/api/me refuses a request without a valid token', async () => {
    const response = await fetch(`${server.url}/sandbox/api/me`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('other loopback providers stay refused while the sandbox works', async () => {
    const created = await graphql(
      server,
      `mutation { createIntegration(input: { slug: "${uniqueSlug('local')}", provider: "custom", clientId: "x", authorizationUrl: "http://127.0.0.1:${port}/sandbox-lookalike/authorize", tokenUrl: "http://127.0.0.1:${port}/oauth2/token" }) { __typename } }`,
      {},
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('ValidationError');
  });

  it('is off in production: SANDBOX_ENABLED=true is refused there, and a disabled sandbox creates no integration', async () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', API_KEYS: 'k'.repeat(24), ENCRYPTION_KEYS: 'x', PUBLIC_URL: 'https://sb.example.com', SANDBOX_ENABLED: 'true' }),
    ).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'k'.repeat(24), ENCRYPTION_KEYS: 'x', PUBLIC_URL: 'https://sb.example.com' }).sandbox.enabled).toBe(
      false,
    );
    // An instance with the sandbox off (as production is).
    const disabled = await startTestServer({ ...settings, sandbox: { enabled: false } });
    try {
      const created = await graphql(
        disabled,
        `mutation { createIntegration(input: { slug: "${uniqueSlug('off')}", provider: "sandbox" }) { __typename } }`,
        {},
        adminHeaders,
      );
      expect(created.data.createIntegration.__typename).toBe('ValidationError');
    } finally {
      await disabled.close();
    }
  });

  it('is not mounted when the sandbox is off', async () => {
    const off = await startTestServer({ ...settings, sandbox: { enabled: false } });
    try {
      expect((await fetch(`${off.url}/sandbox/oauth/.well-known/openid-configuration`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('sandbox grants across a restart (development)', async () => {
  const port = await freePort();
  // A data directory of its own: the file's other sandbox keeps its state in the default one.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-sandbox-state-'));
  const config = testConfig({
    publicUrl: `http://127.0.0.1:${port}`,
    providers: { allowLocalProviders: false },
    sandbox: { enabled: true },
    database: { dataDir },
  });
  const start = async () => {
    const app = createApp(config, { database, keyring, logger: testLogger });
    await app.listen({ port, host: '127.0.0.1' });
    await app.ready();
    return app;
  };

  it('keeps the connection working after a restart: the proxy reaches /sandbox/api/me and a refresh succeeds', async () => {
    const first = await start();
    const slug = uniqueSlug('sandbox');
    const created = await graphql(first, `mutation { createIntegration(input: { slug: "${slug}", provider: "sandbox" }) { __typename } }`, {}, adminHeaders);
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const started = await graphql(
      first,
      `mutation { startConnect(input: { integration: "${slug}" }) { __typename ... on StartConnectPayload { authorizeUrl } } }`,
      {},
      await userHeaders('erin'),
    );
    const { callback } = await signInAtSandbox(started.data.startConnect.authorizeUrl, `${config.publicUrl}/oauth2/callback`, {
      outcome: 'allow',
      account: 'erin',
    });
    expect((await completeCallback(first, callback, { redirect: 'manual' })).status).toBe(200);
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'sandbox-state.json'))).toBe(true);

    const second = await start();
    try {
      const proxied = await graphql(
        second,
        `mutation { proxyRequest(input: { integration: "${slug}", url: "me" }) { __typename ... on ProxyResponse { status data } ... on Error { message } } }`,
        {},
        await userHeaders('erin'),
      );
      expect(proxied.data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200, data: { sub: 'erin' } });
      const connection = await prisma.connection.findFirstOrThrow({ where: { integration: { slug }, ownerId: 'erin' } });
      const refreshed = await graphql(
        second,
        `mutation { refreshConnection(input: { connectionId: "${Buffer.from(`Connection:${connection.id}`).toString('base64')}" }) { __typename ... on Error { message } } }`,
        {},
        adminHeaders,
      );
      expect(refreshed.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    } finally {
      await second.stop();
    }
  });
});
