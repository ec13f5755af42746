// Refreshes across real server processes sharing one PostgreSQL database: a process killed in the
// middle of a refresh (its lease expires, another instance takes over; a rotated token that was lost
// is reported as such), and a SIGTERM that lets the refresh in flight save before the process exits.
import type http from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { REFRESH_OUTCOME_UNKNOWN } from '../src/tokens/refresher.js';
import { collectStatusEvents } from './helpers/events.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { spawnServer } from './helpers/process.js';
import { adminHeaders, graphql, startTestServer, TEST_API_KEY, userHeaders } from './helpers/server.js';
import { json, startUpstream, type Upstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
      }
      ... on Error {
        message
        code
      }
    }
  }
`;

const skipped = process.env.TEST_DATABASE !== 'postgresql';

describe.skipIf(skipped)('refreshes across processes', async () => {
  // A skipped suite's body still runs to collect its tests: start nothing then.
  if (skipped) return void it.skip('needs PostgreSQL', () => {});
  const server = await startTestServer();
  const status = await collectStatusEvents(server);

  /**
   * A token endpoint that rotates refresh tokens like a strict provider: each is good once; the
   * answer to a request can be held back (the provider acted, the caller never hears).
   */
  function rotatingProvider(upstream: Upstream, firstRefreshToken: string) {
    const state = { valid: firstRefreshToken, issued: 0, holdNext: false, held: [] as http.ServerResponse[], arrived: 0 };
    upstream.routes.set('/token', (_req, res, body) => {
      state.arrived++;
      const presented = new URLSearchParams(body.toString()).get('refresh_token');
      if (presented !== state.valid) return json(res, 400, { error: 'invalid_grant' });
      const issued = ++state.issued;
      state.valid = `rotated-${issued}`;
      const answer = () => json(res, 200, { access_token: `fresh-${issued}`, refresh_token: state.valid, token_type: 'Bearer', expires_in: 3600 });
      if (state.holdNext) {
        state.holdNext = false;
        state.held.push(res);
        return;
      }
      answer();
    });
    upstream.routes.set('/api/me', (req, res) => json(res, req.headers.authorization?.startsWith('Bearer fresh-') ? 200 : 401, {}));
    return state;
  }

  async function setUp(user: string, expiresAt: Date) {
    const upstream = await startUpstream();
    const slug = uniqueSlug('proc');
    await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      {
        input: {
          slug,
          provider: 'custom',
          clientId: 'c',
          clientSecret: 's',
          authorizationUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: `${upstream.url}/api`,
        },
      },
      adminHeaders,
    );
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: slug, accessToken: 'old-access', refreshToken: 'first-refresh', expiresAt: expiresAt.toISOString() } },
      await userHeaders(user),
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    const connection = await prisma.connection.findFirstOrThrow({ where: { integration: { slug } } });
    return { upstream, slug, connection };
  }

  it('a process killed after sending a refresh: its lease expires, another instance takes over and saves the answer it gets', async () => {
    const { upstream, slug, connection } = await setUp('crash-user', new Date(Date.now() - 1000));
    // Not rotating for this one: the provider accepts the same refresh token again.
    let issued = 0;
    let hold = true;
    upstream.routes.set('/token', (_req, res) => {
      if (hold) {
        hold = false;
        return; // never answered: the process is killed meanwhile
      }
      json(res, 200, { access_token: `fresh-${++issued}`, refresh_token: 'next-refresh', token_type: 'Bearer', expires_in: 3600 });
    });
    upstream.routes.set('/api/me', (_req, res) => json(res, 200, {}));
    // A short provider timeout makes the victim's lease short (a few seconds).
    const victim = await spawnServer({ API_KEYS: TEST_API_KEY, PROVIDER_TIMEOUT_MS: '1000' });
    const headers = { 'x-api-key': TEST_API_KEY, 'x-user-id': 'crash-user' };
    void graphql(victim, PROXY, { input: { integration: slug, url: 'me' } }, headers).catch(() => {});
    await vi.waitFor(() => expect(upstream.hits('/token')).toBe(1), { timeout: 10_000 });
    await victim.kill('SIGKILL');
    const leased = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(leased.refreshOwner).not.toBeNull();
    expect(leased.refreshOutcomeUnknown).toBe(true);

    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, await userHeaders('crash-user'));
    expect(answer.data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200 });
    expect(upstream.hits('/token')).toBe(2);
    const saved = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(saved).toMatchObject({ status: 'HEALTHY', refreshOwner: null, refreshOutcomeUnknown: false });
    expect(credentialsOf(saved)).toMatchObject({ accessToken: 'fresh-1', refreshToken: 'next-refresh' });
  }, 90_000);

  it('a rotated refresh token lost with a killed process is reported as such (distinct reason and event), not as a plain ERROR', async () => {
    const { upstream, slug, connection } = await setUp('lost-rotation', new Date(Date.now() - 1000));
    const provider = rotatingProvider(upstream, 'first-refresh');
    provider.holdNext = true;
    const victim = await spawnServer({ API_KEYS: TEST_API_KEY, PROVIDER_TIMEOUT_MS: '1000' });
    void graphql(victim, PROXY, { input: { integration: slug, url: 'me' } }, { 'x-api-key': TEST_API_KEY, 'x-user-id': 'lost-rotation' }).catch(() => {});
    // The provider rotated the token; its answer never reaches the victim, which is killed.
    await vi.waitFor(() => expect(provider.held).toHaveLength(1), { timeout: 10_000 });
    await victim.kill('SIGKILL');

    const answer = await graphql(server, PROXY, { input: { integration: slug, url: 'me' } }, await userHeaders('lost-rotation'));
    expect(answer.data.proxyRequest.__typename).toBe('ReauthorizationRequiredError');
    expect(answer.data.proxyRequest.message).toMatch(/never arrived/);
    const row = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(row.status).toBe('ERROR');
    expect((await status.waitFor(connection.id, 2)).at(-1)).toMatchObject({ status: 'ERROR', reason: REFRESH_OUTCOME_UNKNOWN });
    for (const res of provider.held) res.destroy();
  }, 90_000);

  it('SIGTERM stops the background refresher and lets the refresh in flight save before the process exits 0', async () => {
    const { upstream, connection } = await setUp('sigterm-user', new Date(Date.now() + 120_000));
    let answered = 0;
    let instance: Awaited<ReturnType<typeof spawnServer>> | undefined;
    upstream.routes.set('/token', async (_req, res) => {
      // The signal arrives while the provider is still answering.
      void instance!.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      answered++;
      json(res, 200, { access_token: 'fresh-at-shutdown', refresh_token: 'next', token_type: 'Bearer', expires_in: 3600 });
    });
    instance = await spawnServer({ API_KEYS: TEST_API_KEY, REFRESH_INTERVAL_SECONDS: '1', REFRESH_LOOKAHEAD_SECONDS: '600' });
    expect(await instance.exited).toBe(0);
    expect(answered).toBe(1);
    expect(upstream.hits('/token')).toBe(1);
    const saved = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(credentialsOf(saved)).toMatchObject({ accessToken: 'fresh-at-shutdown', refreshToken: 'next' });
    expect(saved.refreshOwner).toBeNull();
  }, 90_000);
});
