// API keys kept in the database: created once with their secret shown once, stored as a hash,
// listed without secrets, refused once revoked or expired (on another instance within a second),
// lastUsedAt written at most once a minute, and X-User-Id acting as a user within the key's scopes.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { keyring, prisma, testLogger } from './helpers/database.js';
import { adminHeaders, graphql, startTestServer, testConfig, userHeaders } from './helpers/server.js';
import { API_KEY_ADMIN_ID } from '../src/domain/identities.js';

const onPostgres = process.env.TEST_DATABASE === 'postgresql';

const CREATE_KEY = /* GraphQL */ `
  mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload {
        secret
        apiKey {
          id
          name
          scopes
          prefix
          createdBy
          expiresAt
          revokedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const REVOKE_KEY = /* GraphQL */ `
  mutation ($id: ID!) {
    revokeApiKey(input: { id: $id }) {
      __typename
      ... on RevokeApiKeyPayload {
        apiKey {
          revokedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const VIEWER = '{ viewer { userId isAdmin } }';

async function createKey(server: { url: string }, input: Record<string, unknown>, headers: Record<string, string> = adminHeaders) {
  const response = await graphql(server, CREATE_KEY, { input }, headers);
  return response.data!.createApiKey;
}

describe('API keys in the database', () => {
  it('returns the key once, sbk_ and 256 random bits, and stores only its hash', async () => {
    const server = await startTestServer();
    const created = await createKey(server, { name: 'backend', scopes: ['PROXY', 'CONNECTIONS_READ'] });
    expect(created.__typename).toBe('CreateApiKeyPayload');
    expect(created.secret).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.secret.slice(4), 'base64url')).toHaveLength(32);
    expect(created.apiKey).toMatchObject({ name: 'backend', scopes: ['PROXY', 'CONNECTIONS_READ'], createdBy: 'API_KEYS', revokedAt: null, expiresAt: null });
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    expect(created.apiKey.prefix.length).toBeLessThan(16);

    const rows = await prisma.apiKey.findMany();
    const row = rows.find((candidate) => candidate.name === 'backend')!;
    expect(row.keyHash).toBe(createHash('sha256').update(created.secret).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(created.secret.slice(12));

    const listed = await graphql(server, '{ apiKeys(first: 50) { totalCount edges { node { name prefix scopes lastUsedAt } } } }', {}, adminHeaders);
    expect(listed.data.apiKeys.edges.map((edge: { node: { name: string } }) => edge.node.name)).toContain('backend');
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(12));
  });

  it('authenticates a key without X-User-Id as an admin within its scopes, and with X-User-Id as that user', async () => {
    const server = await startTestServer();
    const { secret } = await createKey(server, { name: 'reader', scopes: ['CONNECTIONS_READ'] });
    expect((await graphql(server, VIEWER, {}, { 'x-api-key': secret })).data.viewer).toEqual({ userId: API_KEY_ADMIN_ID, isAdmin: true });
    expect((await graphql(server, VIEWER, {}, { 'x-api-key': secret, 'x-user-id': 'maria' })).data.viewer).toEqual({ userId: 'maria', isAdmin: false });
    const refused = await graphql(server, '{ operations(first: 1) { totalCount } }', {}, { 'x-api-key': secret });
    expect(refused.errors?.[0]).toMatchObject({ message: 'This needs the OPERATIONS_READ scope.', extensions: { code: 'FORBIDDEN' } });
  });

  it('tells the caller which scopes it may use (viewer.scopes): those of its key, deployment-wide ones only as an admin, all without a key', async () => {
    const server = await startTestServer();
    const scopesOf = async (headers: Record<string, string>) => (await graphql(server, '{ viewer { isAdmin scopes } }', {}, headers)).data.viewer;
    const { secret } = await createKey(server, { name: 'viewer-scopes', scopes: ['CONNECTIONS_READ', 'WEBHOOKS_WRITE'] });
    expect(await scopesOf({ 'x-api-key': secret })).toEqual({ isAdmin: true, scopes: ['CONNECTIONS_READ', 'WEBHOOKS_WRITE'] });
    expect(await scopesOf({ 'x-api-key': secret, 'x-user-id': 'maria' })).toEqual({ isAdmin: false, scopes: ['CONNECTIONS_READ'] });
    const everything = await scopesOf(adminHeaders);
    expect(everything.scopes).toEqual([
      'ADMIN',
      'INTEGRATIONS_WRITE',
      'CONNECTIONS_READ',
      'CONNECTIONS_WRITE',
      'CREDENTIALS_READ',
      'PROXY',
      'OPERATIONS_READ',
      'WEBHOOKS_WRITE',
      'AUDIT_READ',
    ]);
  });

  it('refuses an unknown key, a revoked key and an expired key', async () => {
    const server = await startTestServer();
    const unknown = await graphql(server, VIEWER, {}, { 'x-api-key': `sbk_${'A'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    const created = await createKey(server, { name: 'short-lived', scopes: ['ADMIN'], expiresInSeconds: 1 });
    expect(created.apiKey.expiresAt).not.toBeNull();
    expect((await graphql(server, VIEWER, {}, { 'x-api-key': created.secret })).status).toBe(200);
    await vi.waitFor(async () => expect((await graphql(server, VIEWER, {}, { 'x-api-key': created.secret })).status).toBe(401), {
      timeout: 3000,
      interval: 100,
    });

    const other = await createKey(server, { name: 'to-revoke', scopes: ['ADMIN'] });
    expect((await graphql(server, VIEWER, {}, { 'x-api-key': other.secret })).status).toBe(200);
    const revoked = await graphql(server, REVOKE_KEY, { id: other.apiKey.id }, adminHeaders);
    expect(revoked.data.revokeApiKey.__typename).toBe('RevokeApiKeyPayload');
    expect(revoked.data.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    await vi.waitFor(async () => expect((await graphql(server, VIEWER, {}, { 'x-api-key': other.secret })).status).toBe(401), { timeout: 1000, interval: 50 });
  });

  it('validates the input: a name, at least one scope, a positive expiry', async () => {
    const server = await startTestServer();
    expect((await createKey(server, { name: ' ', scopes: ['ADMIN'] })).__typename).toBe('ValidationError');
    expect((await createKey(server, { name: 'none', scopes: [] })).__typename).toBe('ValidationError');
    expect((await createKey(server, { name: 'negative', scopes: ['ADMIN'], expiresInSeconds: -5 })).__typename).toBe('ValidationError');
    const missing = await graphql(server, REVOKE_KEY, { id: 'QXBpS2V5Om5vcGU=' }, adminHeaders);
    expect(missing.data.revokeApiKey.__typename).toBe('NotFoundError');
  });

  it('lets only admins (or keys with ADMIN) create and revoke keys', async () => {
    const server = await startTestServer();
    const user = await createKey(server, { name: 'by-user', scopes: ['ADMIN'] }, await userHeaders('maria'));
    expect(user).toMatchObject({ __typename: 'ForbiddenError' });
    const limited = await createKey(server, { name: 'limited', scopes: ['CONNECTIONS_WRITE'] });
    const byLimited = await createKey(server, { name: 'escalate', scopes: ['ADMIN'] }, { 'x-api-key': limited.secret });
    expect(byLimited).toMatchObject({ __typename: 'ForbiddenError', message: 'This needs the ADMIN scope.' });
    const admin = await createKey(server, { name: 'admin-key', scopes: ['ADMIN'] });
    const byAdminKey = await createKey(server, { name: 'child', scopes: ['PROXY'] }, { 'x-api-key': admin.secret });
    expect(byAdminKey.apiKey).toMatchObject({ name: 'child', createdBy: 'admin-key' });
  });

  it('records lastUsedAt at most once a minute per key, not per request', async () => {
    const server = await startTestServer();
    const { secret, apiKey } = await createKey(server, { name: 'busy', scopes: ['ADMIN'] });
    const id = Buffer.from(apiKey.id, 'base64').toString().split(':')[1]!;
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toBeNull();
    await graphql(server, VIEWER, {}, { 'x-api-key': secret });
    await vi.waitFor(async () => expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).not.toBeNull());
    const first = (await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt!;
    for (let i = 0; i < 5; i++) await graphql(server, VIEWER, {}, { 'x-api-key': secret });
    // A second instance (its own memory) is held back by the conditional UPDATE.
    const other = await startTestServer();
    await graphql(other, VIEWER, {}, { 'x-api-key': secret });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toEqual(first);
  });

  it.runIf(onPostgres)('a key revoked through one instance is refused by a second instance (its own database pool) within 1 s', async () => {
    const first = await startTestServer();
    // The second instance opens its own pool on the same PostgreSQL database, as another process would.
    const second = createApp(testConfig(), { keyring, logger: testLogger });
    await second.listen({ port: 0, host: '127.0.0.1' });
    await second.ready();
    try {
      const { secret, apiKey } = await createKey(first, { name: 'shared', scopes: ['CONNECTIONS_READ'] });
      // Both instances have seen (and cached) the key.
      expect((await graphql(first, VIEWER, {}, { 'x-api-key': secret })).status).toBe(200);
      expect((await graphql(second, VIEWER, {}, { 'x-api-key': secret })).status).toBe(200);
      const revokedAt = Date.now();
      expect((await graphql(first, REVOKE_KEY, { id: apiKey.id }, adminHeaders)).data.revokeApiKey.__typename).toBe('RevokeApiKeyPayload');
      await vi.waitFor(async () => expect((await graphql(second, VIEWER, {}, { 'x-api-key': secret })).status).toBe(401), { timeout: 2000, interval: 20 });
      expect(Date.now() - revokedAt).toBeLessThan(1000);
    } finally {
      await second.stop();
    }
  });
});
