// Issue 22, attack 4: identities collide. Connections made with a bare admin API key were owned by
// the ordinary user id `api-key`; a JWT user whose `sub` was `api-key` listed that connection,
// proxied with it and read its activity. Admin acts now live in a reserved namespace
// (`switchboard:…`, src/domain/identities.ts) that no JWT `sub`, `X-User-Id` or `endUserId` may take.
// Checklist areas: ../shared/security-checklist.md, "HTTP surface" (and "Authorization" for node(id)).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY_ADMIN_ID, isReservedUserId } from '../src/domain/identities.js';
import { newId } from '../src/kernel/ids.js';
import { prisma } from './helpers/database.js';
import { makeIntegration, uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, TEST_API_KEY, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const CONNECTIONS = /* GraphQL */ `
  query {
    connections(first: 50) {
      totalCount
      edges {
        node {
          id
          ownerId
        }
      }
    }
    operations(first: 50) {
      edges {
        node {
          id
        }
      }
    }
  }
`;
const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
      }
      ... on Error {
        code
      }
    }
  }
`;

describe('security hardening: reserved identities — admin acts never share an owner id with a user (issue 22, attack 4)', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  upstream.routes.set('/api/me', (req, res) => json(res, 200, { key: req.headers.authorization }));
  const slug = uniqueSlug('attack4');
  await makeIntegration(server, { slug, authType: 'API_KEY', clientId: undefined, clientSecret: undefined, apiBaseUrl: `${upstream.url}/api` });
  const created = await graphql(
    server,
    `
      mutation ($input: CreateConnectionInput!) {
        createConnection(input: $input) {
          __typename
          ... on CreateConnectionPayload {
            connection {
              id
              ownerId
            }
          }
        }
      }
    `,
    { input: { integration: slug, apiKey: 'the-admins-own-api-key' } },
    adminHeaders,
  );
  const adminsConnection = created.data.createConnection.connection;

  it('a connection made with a bare admin API key is owned by the reserved id, not by a user id', () => {
    expect(adminsConnection.ownerId).toBe(API_KEY_ADMIN_ID);
    expect(isReservedUserId(adminsConnection.ownerId)).toBe(true);
  });

  it.each(['api-key', 'API-KEY', API_KEY_ADMIN_ID, 'switchboard:dev', 'Switchboard:anything'])(
    'a JWT whose sub is %s is refused with UNAUTHENTICATED / RESERVED_USER_ID, and sees nothing of the admin',
    async (sub) => {
      const answer = await graphql(server, CONNECTIONS, {}, await userHeaders(sub));
      expect(answer.status).toBe(401);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'RESERVED_USER_ID' });
      const proxied = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, await userHeaders(sub));
      expect(proxied.status).toBe(401);
      expect(JSON.stringify(proxied)).not.toContain('the-admins-own-api-key');
    },
  );

  it('X-User-Id with a reserved id is refused, on GraphQL and on the path proxy', async () => {
    for (const actingFor of ['api-key', API_KEY_ADMIN_ID]) {
      const headers = { 'x-api-key': TEST_API_KEY, 'x-user-id': actingFor };
      const answer = await graphql(server, CONNECTIONS, {}, headers);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'RESERVED_USER_ID' });
      const response = await fetch(`${server.url}/api/integrations/${slug}/request/me`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'UNAUTHENTICATED', reason: 'RESERVED_USER_ID' });
    }
  });

  it("an ordinary user neither lists nor proxies with the admin's connection", async () => {
    const alice = await userHeaders('alice-attack4');
    const answer = await graphql(server, CONNECTIONS, {}, alice);
    expect(answer.data.connections.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(adminsConnection.id);
    const proxied = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, alice);
    expect(proxied.data.proxyRequest).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('a connect session cannot be made for a reserved end user id', async () => {
    for (const endUserId of ['api-key', API_KEY_ADMIN_ID]) {
      const answer = await graphql(
        server,
        `
          mutation ($input: CreateConnectSessionInput!) {
            createConnectSession(input: $input) {
              __typename
              ... on ValidationError {
                fieldErrors {
                  field
                  message
                }
              }
            }
          }
        `,
        { input: { endUserId, integrations: [slug] } },
        adminHeaders,
      );
      expect(answer.data.createConnectSession).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'endUserId' }] });
    }
  });

  it('the issue 22 migration moves rows owned by "api-key" to the reserved id, and leaves a taken name alone', async () => {
    const integration = await makeIntegration(server, {
      slug: uniqueSlug('attack4-migration'),
      authType: 'API_KEY',
      clientId: undefined,
      clientSecret: undefined,
    });
    const base = { integrationId: integration.id, scopes: [], metadata: {} };
    const moved = await prisma.connection.create({ data: { ...base, id: newId(), ownerId: 'api-key', ownerKey: 'api-key', name: 'default' } });
    // "work" exists under both ids: the old row keeps its owner rather than break the unique key.
    const clash = await prisma.connection.create({ data: { ...base, id: newId(), ownerId: 'api-key', ownerKey: 'api-key', name: 'work' } });
    await prisma.connection.create({ data: { ...base, id: newId(), ownerId: API_KEY_ADMIN_ID, ownerKey: API_KEY_ADMIN_ID, name: 'work' } });
    const userRow = await prisma.connection.create({ data: { ...base, id: newId(), ownerId: 'alice', ownerKey: 'alice', name: 'default' } });
    const operation = await prisma.operation.create({
      data: { id: newId(), kind: 'PROXY', outcome: 'SUCCESS', integrationSlug: integration.slug, ownerId: 'api-key', at: new Date() },
    });

    const directory = fs.readdirSync('prisma/migrations').find((name) => name.endsWith('_issue22_reserved_admin_owner'))!;
    const sql = fs.readFileSync(path.join('prisma/migrations', directory, 'migration.sql'), 'utf8');
    const statements = sql
      .split(/;\s*$/m)
      .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
      .filter(Boolean);
    for (const statement of statements) await prisma.$executeRawUnsafe(statement);

    const owners = async (id: string) => prisma.connection.findUniqueOrThrow({ where: { id }, select: { ownerId: true, ownerKey: true } });
    expect(await owners(moved.id)).toEqual({ ownerId: API_KEY_ADMIN_ID, ownerKey: API_KEY_ADMIN_ID });
    expect(await owners(clash.id)).toEqual({ ownerId: 'api-key', ownerKey: 'api-key' });
    expect(await owners(userRow.id)).toEqual({ ownerId: 'alice', ownerKey: 'alice' });
    expect((await prisma.operation.findUniqueOrThrow({ where: { id: operation.id } })).ownerId).toBe(API_KEY_ADMIN_ID);
  });
});
