// The per-user cap on connect flows in progress holds under concurrency: 30 startConnect calls for
// one user at once, spread over three apps (instances) on one database, create at most the cap.
import { describe, expect, it } from 'vitest';
import { makeIntegration } from './helpers/fixtures.js';
import { graphql, startTestServer, userHeaders } from './helpers/server.js';
import { prisma } from './helpers/database.js';

const START = /* GraphQL */ `
  mutation ($input: StartConnectInput!) {
    startConnect(input: $input) {
      __typename
      ... on QuotaExceededError {
        code
      }
    }
  }
`;

describe('the pending-authorization cap under concurrency', async () => {
  const instances = await Promise.all([0, 1, 2].map(() => startTestServer({ oauth: { maxPendingAuthorizationsPerUser: 10 } })));
  const integration = await makeIntegration(instances[0]!);

  it('30 concurrent startConnect calls for one user on three instances leave at most 10 pending rows', async () => {
    const headers = await userHeaders('concurrent-starter');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => graphql(instances[index % 3]!, START, { input: { integration: integration.slug } }, headers)),
    );
    const kinds = answers.map((answer) => answer.data?.startConnect?.__typename);
    expect(kinds.filter((kind) => kind === 'StartConnectPayload')).toHaveLength(10);
    expect(kinds.filter((kind) => kind === 'QuotaExceededError')).toHaveLength(20);
    expect(await prisma.pendingAuthorization.count({ where: { viewerId: 'concurrent-starter' } })).toBe(10);
  });
});
