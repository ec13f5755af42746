// Clients with their defaults against a running server: urql 6 (GET queries within the URL limit, with
// or without credentials),
// graphql-sse in its default distinct connections mode, and its single connection mode refused
// with a message that says so.
import { cacheExchange, Client, fetchExchange, gql } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import { makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';
import { API_KEY_ADMIN_ID } from '../src/domain/identities.js';

const server = await startTestServer();

/** `{ viewer { userId } }`, which urql sends as a GET. */
const viewerByGet = (client: Client) =>
  client
    .query(
      gql`
        {
          viewer {
            userId
          }
        }
      `,
      {},
    )
    .toPromise();

describe('urql with its defaults', () => {
  it('sends queries as GET (preferGetMethod "within-url-limit") and gets answers, with credentials as its only header', async () => {
    const requests: Array<{ method: string }> = [];
    const client = new Client({
      url: `${server.url}/graphql`,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: { headers: adminHeaders },
      fetch: (input, init) => {
        requests.push({ method: init?.method ?? 'GET' });
        return fetch(input, init);
      },
    });
    const result = await client
      .query(
        gql`
          {
            viewer {
              userId
              isAdmin
            }
          }
        `,
        {},
      )
      .toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.viewer).toEqual({ __typename: 'Viewer', userId: API_KEY_ADMIN_ID, isAdmin: true });
    expect(requests).toEqual([{ method: 'GET' }]);
    // Mutations still go as POST.
    const mutation = await client
      .mutation(
        gql`
          mutation {
            deleteIntegration(input: { integration: "nope" }) {
              __typename
            }
          }
        `,
        {},
      )
      .toPromise();
    expect(mutation.error).toBeUndefined();
    expect(requests.at(-1)).toEqual({ method: 'POST' });
  });

  it('without credentials, its GET passes CSRF prevention and is answered by authentication', async () => {
    const client = new Client({ url: `${server.url}/graphql`, exchanges: [fetchExchange] });
    const result = await viewerByGet(client);
    expect(result.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('with a cookie and no credentials (what a forged cross-site GET looks like), the 403 names the header to send', async () => {
    const client = new Client({ url: `${server.url}/graphql`, exchanges: [fetchExchange], fetchOptions: { headers: { cookie: 'theme=dark' } } });
    const result = await viewerByGet(client);
    expect(result.error?.response?.status).toBe(403);
    expect(result.error?.message).toContain('X-GraphQL-Yoga-CSRF');
  });
});

describe('graphql-sse', () => {
  it('subscribes in its default distinct connections mode and receives an event', async () => {
    const integration = await makeIntegration(server);
    const client = createSseClient({ url: `${server.url}/graphql`, headers: adminHeaders, retryAttempts: 0 });
    const subscription = client.iterate<{ connectionStatusChanged: { integrationSlug: string; status: string } }>({
      query: `subscription { connectionStatusChanged(integration: "${integration.slug}") { integrationSlug status } }`,
    });
    const first = subscription.next();
    // The stream is open once the server counts a subscriber; then a connection is made.
    await expect.poll(() => server.services.statusStreams.subscriberCount(), { timeout: 10_000 }).toBeGreaterThan(0);
    const created = await graphql(
      server,
      `mutation { createConnection(input: { integration: "${integration.slug}", accessToken: "a-token" }) { __typename } }`,
      {},
      adminHeaders,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    const event = await first;
    expect(event.value?.data?.connectionStatusChanged).toEqual({ integrationSlug: integration.slug, status: 'HEALTHY' });
    await subscription.return?.();
    client.dispose();
  });

  it('refuses single connection mode with a message saying so', async () => {
    const client = createSseClient({ url: `${server.url}/graphql`, headers: adminHeaders, singleConnection: true, retryAttempts: 0 });
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { connectionStatusChanged { status } }' },
        { next: () => {}, error: resolve, complete: () => resolve(undefined) },
      );
    });
    client.dispose();
    expect(error).toBeDefined();
    const put = await fetch(`${server.url}/graphql`, { method: 'PUT', headers: adminHeaders });
    expect(put.status).toBe(405);
    expect((await put.json()).errors[0]).toMatchObject({
      message: expect.stringContaining('single connection mode is not supported'),
      extensions: { code: 'SSE_SINGLE_CONNECTION_UNSUPPORTED' },
    });
  });
});
