// The activity log: every kind of operation recorded with its outcome, never a query value or a
// secret; who sees what; pages, filters and retention; the recorder's batching and overload bound.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it, vi } from 'vitest';
import { ActivityRecorder } from '../src/activity/recorder.js';
import { deleteExpiredOperations } from '../src/activity/retention.js';
import { newIdAt, timeOfId } from '../src/kernel/ids.js';
import { runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { followToCallback, startAuthorizationServer, completeCallback } from './helpers/authorization-server.js';
import { CALLBACK, connectThroughProvider, createOidcIntegration, expireToken } from './helpers/connect.js';
import { adminHeaders, graphql, startTestServer, userHeaders, testConfig } from './helpers/server.js';
import { credentialsOf, database, prisma, testLogger } from './helpers/database.js';

const config = testConfig();

const OPERATIONS = /* GraphQL */ `
  query (
    $first: Int
    $after: String
    $last: Int
    $before: String
    $integration: String
    $connectionId: ID
    $kind: OperationKind
    $outcome: OperationOutcome
    $since: DateTime
  ) {
    operations(
      first: $first
      after: $after
      last: $last
      before: $before
      integration: $integration
      connectionId: $connectionId
      kind: $kind
      outcome: $outcome
      since: $since
    ) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
        startCursor
      }
      edges {
        cursor
        node {
          id
          kind
          outcome
          connectionId
          connection {
            id
            status
          }
          integrationSlug
          ownerId
          method
          path
          providerStatus
          durationMs
          error
          at
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
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('activity log', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);

  /** The operations as an admin sees them, after the buffer is written. */
  const operations = async (variables: Record<string, unknown>, headers: Record<string, string> = adminHeaders) => {
    await server.activity.flush();
    const answer = await graphql(server, OPERATIONS, { first: 50, ...variables }, headers);
    expect(answer.errors).toBeUndefined();
    return answer.data.operations;
  };
  const nodes = async (variables: Record<string, unknown>, headers?: Record<string, string>) =>
    (await operations(variables, headers)).edges.map((edge: { node: Record<string, unknown> }) => edge.node);
  const gid = (id: string) => encodeGlobalID('Connection', id);

  it('records connect attempts: success, access denied, a failed code exchange and an expired state', async () => {
    const headers = await userHeaders('connector');
    const connection = await connectThroughProvider(server, slug, headers);

    const start = async () =>
      (
        await graphql(
          server,
          `
            mutation ($input: StartConnectInput!) {
              startConnect(input: $input) {
                ... on StartConnectPayload {
                  authorizeUrl
                }
              }
            }
          `,
          { input: { integration: slug } },
          headers,
        )
      ).data.startConnect.authorizeUrl as string;
    as.decision.outcome = 'deny';
    try {
      const denied = await followToCallback(await start(), CALLBACK);
      expect((await completeCallback(server, denied)).status).toBe(400);
    } finally {
      as.decision.outcome = 'allow';
    }
    const forged = await followToCallback(await start(), CALLBACK);
    forged.searchParams.set('code', 'not-the-code-the-provider-issued');
    expect((await completeCallback(server, forged)).status).toBe(400);
    const late = await followToCallback(await start(), CALLBACK);
    await prisma.pendingAuthorization.updateMany({ where: { viewerId: 'connector', consumedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await completeCallback(server, late)).status).toBe(400);

    const recorded = await nodes({ kind: 'CONNECT', integration: slug }, headers);
    expect(recorded.map((operation: { outcome: string; error: string | null }) => [operation.outcome, operation.error?.split(':')[0] ?? null])).toEqual([
      ['FAILURE', 'expired_state'],
      ['FAILURE', 'invalid_grant'],
      ['FAILURE', 'access_denied'],
      ['SUCCESS', null],
    ]);
    expect(recorded[1]).toMatchObject({ providerStatus: 400, connectionId: null });
    expect(recorded[3]).toMatchObject({
      connectionId: gid(connection.id),
      connection: { id: gid(connection.id) },
      ownerId: 'connector',
      integrationSlug: slug,
    });
    expect(JSON.stringify(recorded)).not.toContain('not-the-code-the-provider-issued');
  });

  it('records refreshes on demand and in the background, with their outcome', async () => {
    const headers = await userHeaders('refresher');
    const connection = await connectThroughProvider(server, slug, headers);
    const refresh = `mutation ($id: ID!) { refreshConnection(input: { connectionId: $id }) { __typename } }`;
    expect((await graphql(server, refresh, { id: gid(connection.id) }, headers)).data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    await expireToken(server, connection.id, new Date(Date.now() + 60_000));
    const sweepDeps = { prisma, refresher: server.services.refresher, logger: server.logger };
    expect(
      await runRefreshSweep(sweepDeps, { lookaheadSeconds: 600, concurrency: config.tokens.concurrency, batchSize: config.tokens.batchSize }),
    ).toMatchObject({ refreshed: expect.any(Number) });
    const { refreshToken } = credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } }))!;
    await (await as.provider.Grant.find((await as.provider.RefreshToken.find(refreshToken!))!.grantId!))!.destroy();
    expect((await graphql(server, refresh, { id: gid(connection.id) }, headers)).data.refreshConnection.__typename).toBe('ReauthorizationRequiredError');

    const recorded = await nodes({ kind: 'REFRESH', connectionId: gid(connection.id) }, headers);
    expect(recorded.map((operation: { outcome: string }) => operation.outcome)).toEqual(['FAILURE', 'SUCCESS', 'SUCCESS']);
    expect(recorded[0]).toMatchObject({ providerStatus: 400 });
    expect(recorded[0].error).toMatch(/invalid_grant/);
    expect(recorded[1].durationMs).toBeGreaterThan(0);
  });

  it('records proxied calls (proxyRequest and the path proxy) with method and path, never a query value, and coalesces lastUsedAt', async () => {
    const headers = await userHeaders('caller');
    const connection = await connectThroughProvider(server, slug, headers);
    const { accessToken } = credentialsOf(connection)!;
    const proxied = await graphql(server, PROXY, { input: { integration: slug, url: 'me?api_key=query-secret-1&page=2' } }, headers);
    expect(proxied.data.proxyRequest).toEqual({ __typename: 'ProxyResponse', status: 200 });
    expect((await graphql(server, PROXY, { input: { integration: slug, url: 'no-such-page?token=query-secret-2' } }, headers)).data.proxyRequest.status).toBe(
      404,
    );
    const viaPath = await fetch(`${server.url}/api/integrations/${slug}/request/me?signature=query-secret-3`, { headers });
    expect(viaPath.status).toBe(200);
    await viaPath.arrayBuffer();

    const recorded = await nodes({ kind: 'PROXY', connectionId: gid(connection.id) }, headers);
    expect(recorded.map((operation: Record<string, unknown>) => [operation.outcome, operation.method, operation.path, operation.providerStatus])).toEqual([
      ['SUCCESS', 'GET', '/me', 200],
      ['FAILURE', 'GET', '/no-such-page', 404],
      ['SUCCESS', 'GET', '/me', 200],
    ]);
    const everything = JSON.stringify(await prisma.operation.findMany());
    for (const secret of ['query-secret-1', 'query-secret-2', 'query-secret-3', accessToken!, 'page=2']) expect(everything).not.toContain(secret);

    // lastUsedAt is written by the flush, and changes nothing else on the connection (no per-call write).
    const row = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(row.lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(row.sequence).toBe(connection.sequence);
    const read = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            ... on Connection {
              lastUsedAt
              lastVerifiedAt
            }
          }
        }
      `,
      { id: gid(connection.id) },
      headers,
    );
    expect(read.data.node).toEqual({ lastUsedAt: row.lastUsedAt!.toISOString(), lastVerifiedAt: null });
  });

  it('records a disconnect with whether the provider confirmed revocation; the operations outlive the connection', async () => {
    const headers = await userHeaders('leaver');
    const connection = await connectThroughProvider(server, slug, headers);
    const answer = await graphql(
      server,
      `
        mutation ($id: ID!) {
          disconnect(input: { connectionId: $id }) {
            ... on DisconnectPayload {
              revoked
            }
          }
        }
      `,
      { id: gid(connection.id) },
      headers,
    );
    expect(answer.data.disconnect).toEqual({ revoked: true });
    const [disconnected] = await nodes({ kind: 'DISCONNECT', connectionId: gid(connection.id) }, headers);
    expect(disconnected).toMatchObject({ outcome: 'SUCCESS', error: null, connectionId: gid(connection.id), connection: null });

    const unrevokable = await createOidcIntegration(server, as, { revocationUrl: 'http://127.0.0.1:9/revoke' });
    const other = await connectThroughProvider(server, unrevokable, headers);
    await graphql(
      server,
      `
        mutation ($id: ID!) {
          disconnect(input: { connectionId: $id }) {
            __typename
          }
        }
      `,
      { id: gid(other.id) },
      headers,
    );
    const [unconfirmed] = await nodes({ kind: 'DISCONNECT', connectionId: gid(other.id) }, headers);
    expect(unconfirmed).toMatchObject({ outcome: 'SUCCESS' });
    expect(unconfirmed.error).toMatch(/not confirmed/);
    expect((await nodes({ connectionId: gid(connection.id) }, headers)).map((operation: { kind: string }) => operation.kind)).toEqual([
      'DISCONNECT',
      'CONNECT',
    ]);
  });

  it("shows users only their own operations (bob sees none of alice's); admins see all", async () => {
    const alice = await userHeaders('alice');
    const bob = await userHeaders('bob');
    const connection = await connectThroughProvider(server, slug, alice);
    await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, alice);
    const aliceSees = await operations({ connectionId: gid(connection.id) }, alice);
    expect(aliceSees.totalCount).toBe(2);

    const bobSees = await operations({}, bob);
    expect(bobSees).toMatchObject({ totalCount: 0, edges: [] });
    expect(await operations({ connectionId: gid(connection.id) }, bob)).toMatchObject({ totalCount: 0, edges: [] });
    const aliceOperation = aliceSees.edges[0].node.id;
    expect(
      (
        await graphql(
          server,
          `
            query ($id: ID!) {
              node(id: $id) {
                id
              }
            }
          `,
          { id: aliceOperation },
          bob,
        )
      ).data.node,
    ).toBeNull();
    expect(
      (
        await graphql(
          server,
          `
            query ($id: ID!) {
              node(id: $id) {
                id
              }
            }
          `,
          { id: aliceOperation },
          alice,
        )
      ).data.node,
    ).toEqual({ id: aliceOperation });
    expect((await operations({ connectionId: gid(connection.id) })).totalCount).toBe(2);
    expect((await operations({})).totalCount).toBeGreaterThan(2);
  });

  it('pages newest first with cursors, on Query.operations and Connection.operations, and filters by kind, outcome, integration and since', async () => {
    const headers = await userHeaders('pager');
    const connection = await connectThroughProvider(server, slug, headers);
    for (let call = 0; call < 5; call++) await graphql(server, PROXY, { input: { integration: slug, url: call === 4 ? 'missing' : 'me' } }, headers);
    const all = await nodes({ connectionId: gid(connection.id) }, headers);
    expect(all.map((operation: { kind: string }) => operation.kind)).toEqual(['PROXY', 'PROXY', 'PROXY', 'PROXY', 'PROXY', 'CONNECT']);
    const times = all.map((operation: { at: string }) => Date.parse(operation.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const first = await operations({ connectionId: gid(connection.id), first: 4 }, headers);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true });
    const second = await operations({ connectionId: gid(connection.id), first: 4, after: first.pageInfo.endCursor }, headers);
    expect([...first.edges, ...second.edges].map((edge: { node: { id: string } }) => edge.node.id)).toEqual(
      all.map((operation: { id: string }) => operation.id),
    );
    expect(second.pageInfo.hasNextPage).toBe(false);
    const last = await operations({ connectionId: gid(connection.id), first: undefined, last: 2 }, headers);
    expect(last.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(all.slice(-2).map((operation: { id: string }) => operation.id));

    expect((await operations({ connectionId: gid(connection.id), kind: 'PROXY', outcome: 'FAILURE' }, headers)).totalCount).toBe(1);
    expect((await operations({ integration: slug, kind: 'CONNECT' }, headers)).totalCount).toBe(1);
    expect((await operations({ integration: 'another-integration' }, headers)).totalCount).toBe(0);
    expect((await operations({ connectionId: gid(connection.id), since: new Date(Date.now() + 60_000).toISOString() }, headers)).totalCount).toBe(0);
    expect((await operations({ connectionId: gid(connection.id), since: new Date(Date.now() - 60_000).toISOString() }, headers)).totalCount).toBe(6);

    const nested = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            ... on Connection {
              operations(first: 2, kind: PROXY) {
                totalCount
                edges {
                  node {
                    kind
                  }
                }
                pageInfo {
                  hasNextPage
                }
              }
            }
          }
        }
      `,
      { id: gid(connection.id) },
      headers,
    );
    expect(nested.data.node.operations).toEqual({
      totalCount: 5,
      edges: [{ node: { kind: 'PROXY' } }, { node: { kind: 'PROXY' } }],
      pageInfo: { hasNextPage: true },
    });
  });

  it('deletes operations older than OPERATIONS_RETENTION_DAYS in batches, and only those', async () => {
    const now = Date.now();
    const row = (at: number, index: number) => ({
      id: newIdAt(at),
      kind: 'PROXY' as const,
      outcome: 'SUCCESS' as const,
      integrationSlug: 'retention',
      ownerId: `retention-${index}`,
      at: new Date(at),
    });
    const old = Array.from({ length: 23 }, (_, index) => row(now - (15 + index) * 86_400_000, index));
    const recent = Array.from({ length: 5 }, (_, index) => row(now - (13 - index) * 86_400_000, 100 + index));
    await prisma.operation.createMany({ data: [...old, ...recent] });
    expect(await deleteExpiredOperations(prisma, { retentionDays: 14, batchSize: 5 })).toBe(23);
    expect(await prisma.operation.count({ where: { integrationSlug: 'retention' } })).toBe(5);
    expect(await deleteExpiredOperations(prisma, { retentionDays: 14, batchSize: 5 })).toBe(0);
    expect(await deleteExpiredOperations(prisma, { retentionDays: 0 })).toBe(0);
  });

  it("writes a connection's lastUsedAt at most once per ACTIVITY_LAST_USED_INTERVAL_SECONDS, the latest use once it has passed, and what waits at shutdown", async () => {
    const connection = await connectThroughProvider(server, slug, await userHeaders('last-used'));
    const recorder = new ActivityRecorder(database, { ...config.activity, flushIntervalMs: 60_000, lastUsedIntervalMs: 2_000 }, testLogger);
    const lastUsedAt = async () => (await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).lastUsedAt!.getTime();
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    recorder.noteUsed(connection.id);
    await recorder.flush();
    const first = await lastUsedAt();
    await pause(5);
    recorder.noteUsed(connection.id);
    await recorder.flush();
    expect(await lastUsedAt()).toBe(first);
    await pause(2_100);
    await recorder.flush();
    const second = await lastUsedAt();
    expect(second).toBeGreaterThan(first);
    await pause(5);
    recorder.noteUsed(connection.id);
    await recorder.stop();
    expect(await lastUsedAt()).toBeGreaterThan(second);
  });

  it('under overload drops operations past the bound and counts them, instead of holding requests; stop() writes what it holds', async () => {
    const recorder = new ActivityRecorder(database, { ...config.activity, bufferMax: 10, flushRows: 1000, flushIntervalMs: 60_000 }, testLogger);
    for (let index = 0; index < 25; index++) recorder.record({ kind: 'WEBHOOK', outcome: 'SUCCESS', integrationSlug: 'overload', ownerId: 'overload' });
    expect(recorder.stats).toMatchObject({ recorded: 10, dropped: 15 });
    expect(recorder.pending).toBe(10);
    await recorder.stop();
    expect(recorder.stats.written).toBe(10);
    expect(await prisma.operation.count({ where: { integrationSlug: 'overload' } })).toBe(10);
  });

  it('writes the buffer in batches of ACTIVITY_FLUSH_ROWS without waiting for the timer, and records nothing when the log is off', async () => {
    const recorder = new ActivityRecorder(database, { ...config.activity, flushRows: 100, flushIntervalMs: 60_000, proxySuccessesPerSecond: 0 }, testLogger);
    for (let index = 0; index < 250; index++) recorder.record({ kind: 'PROXY', outcome: 'SUCCESS', integrationSlug: 'batched' });
    await expect.poll(() => recorder.stats.written, { timeout: 5_000 }).toBeGreaterThanOrEqual(200);
    await recorder.stop();
    expect(await prisma.operation.count({ where: { integrationSlug: 'batched' } })).toBe(250);

    const off = new ActivityRecorder(database, { ...config.activity, enabled: false }, testLogger);
    off.record({ kind: 'PROXY', outcome: 'SUCCESS', integrationSlug: 'off' });
    await off.stop();
    expect(off.stats.recorded).toBe(0);
  });

  it('stores each field of an operation as recorded, its time that of its id in UTC', async () => {
    const recorder = new ActivityRecorder(database, { ...config.activity, flushIntervalMs: 60_000 }, testLogger);
    const before = Date.now();
    recorder.record({
      kind: 'PROXY',
      outcome: 'FAILURE',
      connectionId: 'connection-fields',
      integrationSlug: 'fields',
      ownerId: 'owner-fields',
      method: 'POST',
      path: '/v1/items',
      providerStatus: 503,
      durationMs: 12.346,
      error: 'The provider answered HTTP 503.',
      tool: 'call_api',
    });
    recorder.record({ kind: 'REFRESH', outcome: 'SUCCESS', integrationSlug: 'fields' });
    await recorder.stop();
    const rows = await prisma.operation.findMany({ where: { integrationSlug: 'fields' }, orderBy: { id: 'asc' } });
    expect(rows.map(({ id: _id, at: _at, ...fields }) => fields)).toEqual([
      {
        kind: 'PROXY',
        outcome: 'FAILURE',
        connectionId: 'connection-fields',
        integrationSlug: 'fields',
        ownerId: 'owner-fields',
        method: 'POST',
        path: '/v1/items',
        providerStatus: 503,
        durationMs: 12.35,
        error: 'The provider answered HTTP 503.',
        tool: 'call_api',
      },
      {
        kind: 'REFRESH',
        outcome: 'SUCCESS',
        connectionId: null,
        integrationSlug: 'fields',
        ownerId: null,
        method: null,
        path: null,
        providerStatus: null,
        durationMs: null,
        error: null,
        tool: null,
      },
    ]);
    for (const row of rows) {
      expect(row.at.getTime()).toBe(timeOfId(row.id));
      expect(row.at.getTime()).toBeGreaterThanOrEqual(before);
      expect(row.at.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it('stores every failure but at most ACTIVITY_PROXY_SUCCESSES_PER_SECOND successful proxied calls a second, counting the rest', async () => {
    const sampledOutMetric = async () => (await server.metrics.registry.getSingleMetric('switchboard_activity_sampled_out_total')!.get()).values[0]?.value ?? 0;
    const metricBefore = await sampledOutMetric();
    let now = Date.UTC(2026, 0, 1);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      // Wired to the server's metrics as the app wires its own recorder.
      const recorder = new ActivityRecorder(
        database,
        { ...config.activity, flushRows: 10_000, flushIntervalMs: 60_000, proxySuccessesPerSecond: 20 },
        testLogger,
        {
          dropped: (count) => server.metrics.recordOperationsDropped(count),
          sampledOut: (count) => server.metrics.recordOperationsSampledOut(count),
        },
      );
      const call = (outcome: 'SUCCESS' | 'FAILURE') => recorder.record({ kind: 'PROXY', outcome, integrationSlug: 'capped', method: 'GET', path: '/v1/items' });
      for (let index = 0; index < 50; index++) call('SUCCESS');
      for (let index = 0; index < 7; index++) call('FAILURE');
      expect(recorder.stats).toMatchObject({ recorded: 20 + 7, sampledOut: 30 });
      // Half a second later, half a second's worth more; failures never wait for the bucket.
      now += 500;
      for (let index = 0; index < 50; index++) call('SUCCESS');
      call('FAILURE');
      expect(recorder.stats).toMatchObject({ recorded: 27 + 10 + 1, sampledOut: 70 });
      // Other kinds are never capped.
      for (let index = 0; index < 30; index++) recorder.record({ kind: 'REFRESH', outcome: 'SUCCESS', integrationSlug: 'capped' });
      expect(recorder.stats.recorded).toBe(68);
      clock.mockRestore();
      await recorder.stop();
      expect(await prisma.operation.count({ where: { integrationSlug: 'capped', outcome: 'FAILURE' } })).toBe(8);
      expect(await prisma.operation.count({ where: { integrationSlug: 'capped', kind: 'PROXY', outcome: 'SUCCESS' } })).toBe(30);
      expect((await sampledOutMetric()) - metricBefore).toBe(70);
    } finally {
      clock.mockRestore();
    }
  });
});
