// Issue 12 (security hardening), sessions and quotas: JWTs must carry exp, a WebSocket ends when its
// credentials expire, per-user caps on pending authorizations and subscriptions, node(id:) null for
// missing and foreign ids. Test names cite ../shared/security-checklist.md.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { SignJWT } from 'jose';
import { createClient } from 'graphql-ws';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CREDENTIALS_EXPIRED_CLOSE_CODE } from '../src/graphql/websocket.js';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { graphql, signToken, startTestServer, TEST_API_KEY, TEST_JWT_SECRET, userHeaders } from './helpers/server.js';
import { prisma } from './helpers/database.js';

const SUBSCRIPTION = 'subscription { connectionStatusChanged { connectionId status } }';

describe('security hardening: sessions and quotas', async () => {
  const server = await startTestServer();
  const integration = await makeIntegration(server, { authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token' });
  const openSubscriptionCount = (userId: string, on: Pick<typeof server, 'services'> = server) => on.services.statusStreams.openSubscriptionCount(userId);

  describe('JWTs must carry exp; a WebSocket ends when its credentials expire', () => {
    it('refuses a JWT without exp', async () => {
      const forever = await new SignJWT({ sub: 'no-expiry' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const response = await graphql(server, '{ viewer { userId } }', {}, { authorization: `Bearer ${forever}` });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.errors?.[0]?.message).toMatch(/exp/);
    });

    it('accepts a JWT expired within the leeway (JWT_CLOCK_TOLERANCE_SECONDS), not beyond it', async () => {
      const justExpired = await signToken({ sub: 'skewed' }, { expiresIn: '-5s' });
      expect((await graphql(server, '{ viewer { userId } }', {}, { authorization: `Bearer ${justExpired}` })).data.viewer.userId).toBe('skewed');
      const longExpired = await signToken({ sub: 'skewed' }, { expiresIn: '-2m' });
      expect((await graphql(server, '{ viewer { userId } }', {}, { authorization: `Bearer ${longExpired}` })).status).toBe(401);
    });

    it('closes a graphql-ws socket with 4401 when its JWT expires, ending its subscription', async () => {
      // Expires in 2 s (past the 30 s leeway, which the viewer's expiry includes).
      const token = await signToken({ sub: 'ws-expiring' }, { expiresIn: `${2 - 30}s` });
      const closed = new Promise<number>((resolve) => {
        const client = createClient({
          url: `${server.url.replace(/^http/, 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
          retryAttempts: 0,
          lazy: false,
          on: { closed: (event) => resolve((event as { code: number }).code) },
        });
        client.subscribe({ query: SUBSCRIPTION }, { next: () => {}, error: () => {}, complete: () => {} });
      });
      await vi.waitFor(() => expect(openSubscriptionCount('ws-expiring')).toBe(1), { timeout: 5_000 });
      expect(await closed).toBe(CREDENTIALS_EXPIRED_CLOSE_CODE);
      await vi.waitFor(() => expect(openSubscriptionCount('ws-expiring')).toBe(0));
    });

    it('ends an SSE subscription when its JWT expires', async () => {
      const token = await signToken({ sub: 'sse-expiring' }, { expiresIn: `${2 - 30}s` });
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SUBSCRIPTION }),
      });
      expect(response.status).toBe(200);
      // The stream completes by itself (the body ends) once the token has expired.
      const text = await response.text();
      expect(text).toContain('event: complete');
      expect(openSubscriptionCount('sse-expiring')).toBe(0);
    });
  });

  describe('per-user caps on pending authorizations and subscriptions', async () => {
    // Instances with lower caps, on the same database.
    const fewPending = await startTestServer({ oauth: { maxPendingAuthorizationsPerUser: 3 } });
    const fewSubscriptions = await startTestServer({ realtime: { maxSubscriptionsPerUser: 2 } });
    const start = (headers: Record<string, string>) =>
      graphql(
        fewPending,
        `
          mutation ($input: StartConnectInput!) {
            startConnect(input: $input) {
              __typename
              ... on QuotaExceededError {
                code
                limit
                message
              }
            }
          }
        `,
        { input: { integration: integration.slug } },
        headers,
      );

    it('answers startConnect beyond MAX_PENDING_AUTHORIZATIONS_PER_USER with QuotaExceededError, per user', async () => {
      const hoarder = await userHeaders('hoarder');
      for (let i = 0; i < 3; i++) expect((await start(hoarder)).data.startConnect.__typename).toBe('StartConnectPayload');
      const refused = await start(hoarder);
      expect(refused.data.startConnect).toMatchObject({ __typename: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', limit: 3 });
      expect(await prisma.pendingAuthorization.count({ where: { viewerId: 'hoarder' } })).toBe(3);
      // Someone else is not affected, and expired flows stop counting.
      expect((await start(await userHeaders('neighbour'))).data.startConnect.__typename).toBe('StartConnectPayload');
      await prisma.pendingAuthorization.updateMany({ where: { viewerId: 'hoarder' }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect((await start(hoarder)).data.startConnect.__typename).toBe('StartConnectPayload');
    });

    it('refuses a subscription beyond MAX_SUBSCRIPTIONS_PER_USER with QUOTA_EXCEEDED, and frees the slot when one closes', async () => {
      const client = createClient({
        url: `${fewSubscriptions.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { 'x-api-key': TEST_API_KEY, 'x-user-id': 'listener' },
        retryAttempts: 0,
      });
      const subscribe = () => {
        const errors: unknown[] = [];
        // A refused subscription arrives as a result with errors (then complete), or as an error.
        const stop = client.subscribe(
          { query: SUBSCRIPTION },
          { next: (result) => result.errors && errors.push(result.errors), error: (error) => errors.push(error), complete: () => {} },
        );
        return { errors, stop };
      };
      try {
        const first = subscribe();
        subscribe();
        await vi.waitFor(() => expect(openSubscriptionCount('listener', fewSubscriptions)).toBe(2));
        const third = subscribe();
        await vi.waitFor(() => expect(third.errors).toHaveLength(1));
        expect(JSON.stringify(third.errors[0])).toContain('QUOTA_EXCEEDED');
        // SSE counts against the same cap.
        const sse = await fetch(`${fewSubscriptions.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': TEST_API_KEY, 'x-user-id': 'listener' },
          body: JSON.stringify({ query: SUBSCRIPTION }),
        });
        expect(await sse.text()).toContain('QUOTA_EXCEEDED');
        first.stop();
        await vi.waitFor(() => expect(openSubscriptionCount('listener', fewSubscriptions)).toBe(1));
        subscribe();
        await vi.waitFor(() => expect(openSubscriptionCount('listener', fewSubscriptions)).toBe(2));
      } finally {
        await client.dispose();
      }
      await vi.waitFor(() => expect(openSubscriptionCount('listener', fewSubscriptions)).toBe(0));
    });
  });

  it("node(id:) is null, without an error, for a missing id and for another user's connection (Authorization)", async () => {
    const theirs = await makeConnection(integration.id, 'node-owner');
    const alice = await userHeaders('node-stranger');
    const ask = (id: string) =>
      graphql(
        server,
        `
          query ($id: ID!) {
            node(id: $id) {
              id
            }
          }
        `,
        { id },
        alice,
      );
    for (const id of [
      encodeGlobalID('Connection', theirs.id),
      encodeGlobalID('Connection', '00000000-0000-0000-0000-000000000000'),
      encodeGlobalID('Connection', 'not-an-id'),
      encodeGlobalID('Integration', 'no-such-integration'),
    ]) {
      const answer = await ask(id);
      expect(answer.errors).toBeUndefined();
      expect(answer.data.node).toBeNull();
    }
    const owner = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            id
          }
        }
      `,
      { id: encodeGlobalID('Connection', theirs.id) },
      await userHeaders('node-owner'),
    );
    expect(owner.data.node.id).toBe(encodeGlobalID('Connection', theirs.id));
  });
});
