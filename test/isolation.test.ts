import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

describe('cross-user isolation', async () => {
  const server = await startTestServer();
  const integration = await makeIntegration(server);
  const shared = await makeIntegration(server, { isShared: true });
  const aliceConnection = await makeConnection(integration.id, 'alice');
  const bobConnection = await makeConnection(integration.id, 'bob');
  const bobSecond = await makeConnection(integration.id, 'bob', 'work');
  const sharedConnection = await makeConnection(shared.id, null);
  const alice = await userHeaders('alice');
  const bobId = encodeGlobalID('Connection', bobConnection.id);

  it("connections lists only the viewer's own and shared connections", async () => {
    const response = await graphql(
      server,
      `
        {
          connections {
            totalCount
            edges {
              node {
                id
                ownerId
                isShared
              }
            }
          }
        }
      `,
      {},
      alice,
    );
    const ids = response.data.connections.edges.map((edge: { node: { id: string } }) => edge.node.id).sort();
    expect(ids).toEqual([aliceConnection.id, sharedConnection.id].map((id) => encodeGlobalID('Connection', id)).sort());
    expect(response.data.connections.totalCount).toBe(2);
  });

  it("node() answers null for another user's connection, as for a missing id", async () => {
    const theirs = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            id
            ... on Connection {
              name
            }
          }
        }
      `,
      { id: bobId },
      alice,
    );
    const missing = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            id
          }
        }
      `,
      { id: encodeGlobalID('Connection', '00000000-0000-0000-0000-000000000000') },
      alice,
    );
    expect(theirs).toEqual(missing);
    expect(theirs.data.node).toBeNull();
  });

  it("Integration.connection and Integration.connections show only the viewer's connections", async () => {
    const response = await graphql(
      server,
      `
        query ($slug: String!) {
          integration(integration: $slug) {
            default: connection {
              id
              ownerId
            }
            work: connection(name: "work") {
              id
            }
            connections {
              totalCount
              edges {
                node {
                  ownerId
                }
              }
            }
          }
        }
      `,
      { slug: integration.slug },
      alice,
    );
    expect(response.data.integration).toEqual({
      default: { id: encodeGlobalID('Connection', aliceConnection.id), ownerId: 'alice' },
      work: null,
      connections: { totalCount: 1, edges: [{ node: { ownerId: 'alice' } }] },
    });
  });

  it("a shared integration's connection is everyone's", async () => {
    const response = await graphql(
      server,
      `
        query ($slug: String!) {
          integration(integration: $slug) {
            connection {
              isShared
              ownerId
            }
          }
        }
      `,
      { slug: shared.slug },
      alice,
    );
    expect(response.data.integration.connection).toEqual({ isShared: true, ownerId: null });
  });

  it('an admin sees every connection', async () => {
    const response = await graphql(
      server,
      `
        query ($slug: String!) {
          connections(integration: $slug) {
            totalCount
          }
        }
      `,
      { slug: integration.slug },
      adminHeaders,
    );
    expect(response.data.connections.totalCount).toBe(3);
    const node = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            ... on Connection {
              name
              ownerId
            }
          }
        }
      `,
      { id: encodeGlobalID('Connection', bobSecond.id) },
      adminHeaders,
    );
    expect(node.data.node).toEqual({ name: 'work', ownerId: 'bob' });
  });

  it('filters by integration and status', async () => {
    const byStatus = await graphql(
      server,
      `
        {
          connections(status: ERROR) {
            totalCount
          }
        }
      `,
      {},
      adminHeaders,
    );
    expect(byStatus.data.connections.totalCount).toBe(0);
    const bob = await userHeaders('bob');
    const byIntegration = await graphql(
      server,
      `
        query ($slug: String!) {
          connections(integration: $slug, status: HEALTHY) {
            totalCount
          }
        }
      `,
      { slug: integration.slug },
      bob,
    );
    expect(byIntegration.data.connections.totalCount).toBe(2);
  });
});
