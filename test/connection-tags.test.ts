// Tags, metadata and display names of connections: updateConnection sets them (tags replaced,
// metadata merged, credentials never touched) with an audit row; bad tags are refused with field
// errors and change nothing; connections(tags:) returns the connections carrying every pair.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { prisma } from './helpers/database.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateConnectionInput!) {
    updateConnection(input: $input) {
      __typename
      ... on UpdateConnectionPayload {
        connection {
          id
          tags
          metadata
          displayName
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          field
        }
      }
      ... on Error {
        message
      }
    }
  }
`;
const BY_TAGS = /* GraphQL */ `
  query ($tags: JSONObject) {
    connections(first: 50, tags: $tags) {
      totalCount
      edges {
        node {
          id
          tags
        }
      }
    }
  }
`;

describe('connection tags, metadata and display names', () => {
  it('replaces tags, merges metadata (null removes a key), sets the display name, and records who did it', async () => {
    const server = await startTestServer();
    const integration = await makeIntegration(server);
    const row = await makeConnection(integration.id, 'maria');
    await prisma.connection.update({ where: { id: row.id }, data: { metadata: { owner: 'maria', tenant: 't1' }, credentialsEnc: 'sealed-value' } });
    const id = encodeGlobalID('Connection', row.id);
    const response = await graphql(
      server,
      UPDATE,
      {
        input: {
          connectionId: id,
          tags: { organizationId: '42', 'user.email': 'maria@example.com' },
          metadata: { tenant: null, plan: 'pro' },
          displayName: 'Maria at Acme',
        },
      },
      await userHeaders('maria'),
    );
    expect(response.data.updateConnection).toMatchObject({
      __typename: 'UpdateConnectionPayload',
      connection: {
        tags: { organizationId: '42', 'user.email': 'maria@example.com' },
        metadata: { owner: 'maria', plan: 'pro' },
        displayName: 'Maria at Acme',
      },
    });
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: row.id } })).credentialsEnc).toBe('sealed-value');
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { targetId: id, action: 'connection.updated' } });
    expect(audit).toMatchObject({ actor: 'maria', actorKind: 'USER' });
    expect(audit.changes).toMatchObject({ displayName: { old: null, new: 'Maria at Acme' }, tags: { old: {}, new: { organizationId: '42' } } });

    // Tags are replaced, not merged; null leaves them.
    await graphql(server, UPDATE, { input: { connectionId: id, tags: { organizationId: '43' } } }, await userHeaders('maria'));
    await graphql(server, UPDATE, { input: { connectionId: id, tags: null, displayName: 'Still' } }, await userHeaders('maria'));
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: row.id } })).tags).toEqual({ organizationId: '43' });
  });

  it('refuses more than 10 tags, a bad key or a long value with field errors, and changes nothing', async () => {
    const server = await startTestServer();
    const integration = await makeIntegration(server);
    const row = await makeConnection(integration.id, 'maria');
    const id = encodeGlobalID('Connection', row.id);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`k${index}`, 'v']));
    for (const tags of [eleven, { 'bad key': 'v' }, { ok: 'x'.repeat(256) }, { ok: 5 }]) {
      const response = await graphql(server, UPDATE, { input: { connectionId: id, tags, displayName: 'changed' } }, adminHeaders);
      expect(response.data.updateConnection.__typename).toBe('ValidationError');
      expect(response.data.updateConnection.fieldErrors[0].field).toMatch(/^tags/);
    }
    const after = await prisma.connection.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ tags: {}, displayName: null });
    expect(await prisma.auditEvent.count({ where: { targetId: id } })).toBe(0);
  });

  it("refuses another user's connection as not found and a shared one to a user as forbidden", async () => {
    const server = await startTestServer();
    const integration = await makeIntegration(server);
    const others = await makeConnection(integration.id, 'someone-else');
    const shared = await makeConnection(integration.id, null, 'shared');
    const headers = await userHeaders('maria');
    const hidden = await graphql(server, UPDATE, { input: { connectionId: encodeGlobalID('Connection', others.id), tags: { a: 'b' } } }, headers);
    expect(hidden.data.updateConnection.__typename).toBe('NotFoundError');
    const refused = await graphql(server, UPDATE, { input: { connectionId: encodeGlobalID('Connection', shared.id), tags: { a: 'b' } } }, headers);
    expect(refused.data.updateConnection.__typename).toBe('ForbiddenError');
  });

  it('filters connections by every given tag pair, within what the viewer may see', async () => {
    const server = await startTestServer();
    const integration = await makeIntegration(server);
    const org = `org-${Date.now()}`;
    const rows = await Promise.all(['maria', 'maria', 'joao'].map((owner, index) => makeConnection(integration.id, owner, `c${index}`)));
    await prisma.connection.update({ where: { id: rows[0]!.id }, data: { tags: { organizationId: org, team: 'sales' } } });
    await prisma.connection.update({ where: { id: rows[1]!.id }, data: { tags: { organizationId: org, team: 'support' } } });
    await prisma.connection.update({ where: { id: rows[2]!.id }, data: { tags: { organizationId: org, team: 'sales' } } });
    const ids = (response: { data?: { connections: { edges: Array<{ node: { id: string } }> } } }) =>
      response.data!.connections.edges.map((edge) => edge.node.id).sort();
    const global = (index: number) => encodeGlobalID('Connection', rows[index]!.id);

    const all = await graphql(server, BY_TAGS, { tags: { organizationId: org } }, adminHeaders);
    expect(all.data.connections.totalCount).toBe(3);
    const sales = await graphql(server, BY_TAGS, { tags: { organizationId: org, team: 'sales' } }, adminHeaders);
    expect(ids(sales)).toEqual([global(0), global(2)].sort());
    const mine = await graphql(server, BY_TAGS, { tags: { organizationId: org, team: 'sales' } }, await userHeaders('maria'));
    expect(ids(mine)).toEqual([global(0)]);
    const bad = await graphql(server, BY_TAGS, { tags: { 'bad key': 'x' } }, adminHeaders);
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('pages tagged connections forwards and backwards in SQL, with the other filters and the count', async () => {
    const server = await startTestServer();
    const integration = await makeIntegration(server);
    const other = await makeIntegration(server);
    const org = `paged-${Date.now()}`;
    const rows = [];
    for (let index = 0; index < 7; index++) rows.push(await makeConnection(index < 6 ? integration.id : other.id, 'pager', `p${index}`));
    await prisma.connection.updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { tags: { organizationId: org } } });
    await prisma.connection.update({ where: { id: rows[5]!.id }, data: { status: 'ERROR' } });
    const inOrder = rows
      .map((row) => row.id)
      .sort()
      .map((id) => encodeGlobalID('Connection', id));
    const PAGE = /* GraphQL */ `
      query ($tags: JSONObject, $first: Int, $after: String, $last: Int, $before: String, $integration: String, $status: ConnectionStatus, $search: String) {
        connections(tags: $tags, first: $first, after: $after, last: $last, before: $before, integration: $integration, status: $status, search: $search) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            endCursor
            startCursor
          }
          edges {
            node {
              id
            }
          }
        }
      }
    `;
    const page = async (variables: Record<string, unknown>) =>
      (await graphql(server, PAGE, { tags: { organizationId: org }, ...variables }, adminHeaders)).data.connections;
    const idsOf = (connections: { edges: Array<{ node: { id: string } }> }) => connections.edges.map((edge) => edge.node.id);

    const first = await page({ first: 3 });
    expect(first).toMatchObject({ totalCount: 7, pageInfo: { hasNextPage: true } });
    expect(idsOf(first)).toEqual(inOrder.slice(0, 3));
    const second = await page({ first: 3, after: first.pageInfo.endCursor });
    expect(idsOf(second)).toEqual(inOrder.slice(3, 6));
    const third = await page({ first: 3, after: second.pageInfo.endCursor });
    expect(idsOf(third)).toEqual(inOrder.slice(6));
    expect(third.pageInfo.hasNextPage).toBe(false);
    const last = await page({ last: 2, before: third.pageInfo.endCursor });
    expect(idsOf(last)).toEqual(inOrder.slice(4, 6));
    expect(last.pageInfo.hasPreviousPage).toBe(true);

    expect((await page({ first: 10, integration: other.slug })).totalCount).toBe(1);
    expect(idsOf(await page({ first: 10, status: 'ERROR' }))).toEqual([encodeGlobalID('Connection', rows[5]!.id)]);
    expect((await page({ first: 10, search: 'P1' })).totalCount).toBe(1);
    const asUser = await graphql(server, PAGE, { tags: { organizationId: org }, first: 10 }, await userHeaders('someone-else'));
    expect(asUser.data.connections.totalCount).toBe(0);
  });
});
