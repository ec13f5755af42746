// The N+1 guard: a page of integrations with their connections costs the same number of SQL
// statements whether it holds 10 items or 100.
import { describe, expect, it } from 'vitest';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { graphql, startTestServer, userHeaders } from './helpers/server.js';
import { database } from './helpers/database.js';

// Within graphql-armor's depth limit of 8.
const PAGE = /* GraphQL */ `
  query ($first: Int!) {
    integrations(first: $first) {
      totalCount
      edges {
        node {
          slug
          connection {
            id
            name
            status
            integration {
              slug
            }
          }
          connections(first: 5) {
            totalCount
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
    }
    connections(first: $first) {
      totalCount
      edges {
        node {
          id
          name
          integration {
            slug
            name
          }
        }
      }
    }
  }
`;

async function countQueries(work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const stop = database.onQuery(() => count++);
  try {
    await work();
  } finally {
    stop();
  }
  return count;
}

describe('query count', async () => {
  const server = await startTestServer();
  const headers = await userHeaders('alice');
  for (let index = 0; index < 100; index++) {
    const integration = await makeIntegration(server);
    await makeConnection(integration.id, 'alice');
    await makeConnection(integration.id, 'bob');
  }

  it('is the same for a 10-item and a 100-item page (no N+1)', async () => {
    const small = await countQueries(async () => {
      const response = await graphql(server, PAGE, { first: 10 }, headers);
      expect(response.data.integrations.edges).toHaveLength(10);
      expect(response.data.integrations.edges[0].node.connection.integration.slug).toBe(response.data.integrations.edges[0].node.slug);
    });
    const large = await countQueries(async () => {
      const response = await graphql(server, PAGE, { first: 100 }, headers);
      expect(response.data.integrations.edges).toHaveLength(100);
      expect(response.data.connections.edges).toHaveLength(100);
      expect(response.data.integrations.edges.every((edge: any) => edge.node.connections.totalCount === 1)).toBe(true);
    });
    expect(small).toBeGreaterThan(0); // the counter sees the statements
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(12);
  });
});
