import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { database, keyring, testLogger } from './helpers/database.js';
import { adminHeaders, graphql, signToken, startTestServer, testAuth, testConfig, TEST_API_KEY, userHeaders } from './helpers/server.js';

const VIEWER = '{ viewer { userId isAdmin } }';

/**
 * A listening app whose auth settings are exactly `auth`, nothing of the test auth kept (startTestServer
 * deep-merges, which cannot take the test JWT secret away); stopped after the file.
 */
async function startServerWithAuth(auth: Pick<Config['auth'], 'adminClaim' | 'apiKeys' | 'devMode'> & Partial<Config['auth']>) {
  const nothingElse = {
    jwtSecret: undefined,
    jwksUrl: undefined,
    issuer: undefined,
    audience: undefined,
    clockToleranceSeconds: undefined,
    apiKeyCacheTtlMs: 500,
  };
  const app = createApp({ ...testConfig(), auth: { ...nothingElse, ...auth } }, { database, keyring, logger: testLogger });
  afterAll(() => app.stop());
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.ready();
  return app;
}

describe('authentication', async () => {
  const server = await startTestServer();

  it('a valid HS256 token makes its subject the viewer', async () => {
    const response = await graphql(server, VIEWER, {}, await userHeaders('alice'));
    expect(response.data).toEqual({ viewer: { userId: 'alice', isAdmin: false } });
  });

  it('the admin claim makes an admin', async () => {
    const response = await graphql(server, VIEWER, {}, await userHeaders('root', true));
    expect(response.data).toEqual({ viewer: { userId: 'root', isAdmin: true } });
  });

  const rejected: Array<[string, () => Promise<Record<string, string>>]> = [
    ['an expired token', async () => ({ authorization: `Bearer ${await signToken({ sub: 'alice' }, { expiresIn: '-1m' })}` })],
    ['a token signed with another secret', async () => ({ authorization: `Bearer ${await signToken({ sub: 'alice' }, { secret: 'x'.repeat(40) })}` })],
    ['a token without a subject', async () => ({ authorization: `Bearer ${await signToken({})}` })],
    ['a malformed Authorization header', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['garbage as a token', async () => ({ authorization: 'Bearer not.a.jwt' })],
    ['an unknown API key', async () => ({ 'x-api-key': 'sb_wrong_key_0123456789abcdef' })],
    ['no credentials at all (dev mode off)', async () => ({})],
  ];
  for (const [name, headers] of rejected) {
    it(`rejects ${name} with UNAUTHENTICATED and HTTP 401`, async () => {
      const response = await graphql(server, VIEWER, {}, await headers());
      expect(response.status).toBe(401);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response)).not.toMatch(/stack|originalError|at .*\.ts/);
    });
  }

  it('an API key is an admin', async () => {
    const response = await graphql(server, VIEWER, {}, adminHeaders);
    expect(response.data).toEqual({ viewer: { userId: 'switchboard:api-key', isAdmin: true } });
  });

  it("an API key acts for a user with X-User-Id, with that user's rights only", async () => {
    const response = await graphql(server, VIEWER, {}, { 'x-api-key': TEST_API_KEY, 'x-user-id': 'bob' });
    expect(response.data).toEqual({ viewer: { userId: 'bob', isAdmin: false } });
  });

  it('an invalid X-User-Id is refused', async () => {
    const response = await graphql(server, VIEWER, {}, { 'x-api-key': TEST_API_KEY, 'x-user-id': 'bad id\n' });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('authentication with issuer and audience', async () => {
  const server = await startTestServer({ auth: { ...testAuth, issuer: 'https://id.example', audience: 'switchboard' } });

  it('accepts a token with the configured issuer and audience', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://id.example')
      .setAudience('switchboard')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(testAuth.jwtSecret));
    const response = await graphql(server, VIEWER, {}, { authorization: `Bearer ${token}` });
    expect(response.data?.viewer.userId).toBe('alice');
  });

  it('rejects a token for another audience', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://id.example')
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(testAuth.jwtSecret));
    const response = await graphql(server, VIEWER, {}, { authorization: `Bearer ${token}` });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('authentication with a JWKS URL', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  beforeAll(() => new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));
  let server: Awaited<ReturnType<typeof startServerWithAuth>>;
  beforeAll(async () => {
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    server = await startServerWithAuth({ adminClaim: 'roles', apiKeys: [], devMode: false, jwksUrl });
  });

  it('verifies RS256 tokens against the key set, with a role array as admin claim', async () => {
    const token = await new SignJWT({ sub: 'carol', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const response = await graphql(server, VIEWER, {}, { authorization: `Bearer ${token}` });
    expect(response.data).toEqual({ viewer: { userId: 'carol', isAdmin: true } });
  });

  it('rejects a token signed by a key outside the set', async () => {
    const other = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setExpirationTime('5m').sign(other.privateKey);
    const response = await graphql(server, VIEWER, {}, { authorization: `Bearer ${token}` });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('development mode', async () => {
  const server = await startServerWithAuth({ adminClaim: 'x', apiKeys: [], devMode: true });

  it('acts as the admin user "dev" when a request has no credentials', async () => {
    const response = await graphql(server, VIEWER);
    expect(response.data).toEqual({ viewer: { userId: 'dev', isAdmin: true } });
  });

  it('is on only outside production and without auth configuration', () => {
    expect(loadConfig({}).auth.devMode).toBe(true);
    expect(loadConfig({ JWT_SECRET: 'y'.repeat(32) }).auth.devMode).toBe(false);
    expect(loadConfig({ API_KEYS: 'k'.repeat(30) }).auth.devMode).toBe(false);
  });
});

describe('production configuration', () => {
  const keys = `p1:${Buffer.alloc(32, 9).toString('base64')}`;
  const good = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), ENCRYPTION_KEYS: keys, PUBLIC_URL: 'https://sb.example.com' };

  it('starts with authentication, keys and a public URL', () => {
    expect(loadConfig(good).auth.devMode).toBe(false);
  });

  it.each([
    ['without authentication', { JWT_SECRET: undefined }, /Production needs authentication/],
    ['without ENCRYPTION_KEYS', { ENCRYPTION_KEYS: undefined }, /ENCRYPTION_KEYS/],
    ['with ALLOW_LOCAL_PROVIDERS', { ALLOW_LOCAL_PROVIDERS: 'true' }, /ALLOW_LOCAL_PROVIDERS/],
    ['without PUBLIC_URL', { PUBLIC_URL: undefined }, /PUBLIC_URL/],
    ['with a short JWT secret', { JWT_SECRET: 'short' }, /at least 32/],
  ])('refuses to start %s', (_name, change, message) => {
    expect(() => loadConfig({ ...good, ...change })).toThrow(ConfigError);
    expect(() => loadConfig({ ...good, ...change })).toThrow(message);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url' })).toThrow(/PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/);
  });
});
