// The processes the proxy benchmark measures, one role per process (bench/proxy.ts starts them):
//   upstream     a small JSON API that checks the bearer token
//   floor        the least any Node proxy does: node:http in, undici out, token injected
//   yoga-bare    a graphql-yoga mutation that only forwards (no auth, no lookup)
//   switchboard  Switchboard itself (embedded database in memory), with one integration and connection
//   switchboard-log-off  the same with ACTIVITY_LOG=off
//   switchboard-log-all  the same storing every successful proxied call (ACTIVITY_PROXY_SUCCESSES_PER_SECOND=0)
//   switchboard-uncompiled  the same running every operation on graphql-js (GRAPHQL_COMPILED_EXECUTION=false)
// The Switchboard roles use PostgreSQL when the parent passes BENCH_ROLE_DATABASE_URL (one database each).
// Each prints one JSON line { role, url } when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { BENCH_API_KEY, loadEmbeddedSwitchboard } from './embedded.js';

const TOKEN = 'bench-access-token';
const role = process.argv[2];
const upstreamUrl = process.argv[3] ?? '';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function ready(url: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ role, url, ...extra }));
}

const ITEM = JSON.stringify({ id: 'item-1', name: 'A small JSON answer', tags: ['a', 'b', 'c'], count: 42 });

// BENCH_RATE_LIMIT_HEADERS=1: the upstream also sends rate-limit headers (plenty left), as most
// providers do, so that reading them is part of what is measured.
const RATE_LIMIT_HEADERS =
  process.env.BENCH_RATE_LIMIT_HEADERS === '1' ? { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '3600' } : {};

async function upstream(): Promise<void> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ITEM), ...RATE_LIMIT_HEADERS }).end(ITEM);
  });
  server.keepAliveTimeout = 60_000;
  ready(await listen(server));
}

async function floor(): Promise<void> {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const origin = new URL(upstreamUrl).origin;
  const server = http.createServer(async (req, res) => {
    try {
      const response = await agent.request({
        origin,
        path: `/api/v1${req.url!.replace(/^\/proxy/, '')}`,
        method: 'GET',
        headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
      });
      const body = await response.body.arrayBuffer();
      res.writeHead(response.statusCode, { 'content-type': String(response.headers['content-type'] ?? 'application/octet-stream') }).end(Buffer.from(body));
    } catch {
      res.writeHead(502).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  ready(await listen(server));
}

async function yogaBare(): Promise<void> {
  const { createYoga, createSchema } = await import('graphql-yoga');
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const origin = new URL(upstreamUrl).origin;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { ok: Boolean } type Mutation { forward(url: String!): Forwarded! } type Forwarded { status: Int! data: String }',
      resolvers: {
        Mutation: {
          forward: async (_root: unknown, args: { url: string }) => {
            const response = await agent.request({ origin, path: `/api/v1/${args.url}`, method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
            return { status: response.statusCode, data: await response.body.text() };
          },
        },
      },
    }),
    logging: false,
  });
  const server = http.createServer(yoga);
  server.keepAliveTimeout = 60_000;
  ready(await listen(server));
}

async function switchboard(extraEnv: Record<string, string> = {}): Promise<void> {
  const databaseUrl = process.env.BENCH_ROLE_DATABASE_URL;
  const app = await loadEmbeddedSwitchboard({
    PROXY_RATE_LIMIT_PER_SECOND: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  });
  await app.services.integrations.create({
    slug: 'bench',
    provider: 'custom',
    clientId: 'bench-client',
    clientSecret: 'bench-secret',
    authorizationUrl: `${upstreamUrl}/authorize`,
    tokenUrl: `${upstreamUrl}/token`,
    apiBaseUrl: `${upstreamUrl}/api/v1`,
  });
  await app.services.createConnection(
    { userId: 'bench-user', isAdmin: false, via: 'api-key' },
    {
      integration: 'bench',
      accessToken: TOKEN,
      refreshToken: 'bench-refresh-token',
      expiresAt: new Date(Date.now() + 24 * 3600_000),
    },
  );
  ready(await app.serve(), { apiKey: BENCH_API_KEY });
}

const roles: Record<string, () => Promise<void>> = {
  upstream,
  floor,
  'yoga-bare': yogaBare,
  switchboard: () => switchboard(),
  // The same without the activity log (ACTIVITY_LOG=off): what recording operations costs the hot path.
  'switchboard-log-off': () => switchboard({ ACTIVITY_LOG: 'off' }),
  // Every successful proxied call stored (no per-second cap): what a row per call costs.
  'switchboard-log-all': () => switchboard({ ACTIVITY_PROXY_SUCCESSES_PER_SECOND: '0' }),
  // Every operation on graphql-js, none compiled: what compiled execution saves.
  'switchboard-uncompiled': () => switchboard({ GRAPHQL_COMPILED_EXECUTION: 'false' }),
};
const start = role ? roles[role] : undefined;
if (!start) {
  console.error(`usage: servers.ts ${Object.keys(roles).join('|')} [upstream-url]`);
  process.exit(2);
}
// Exit normally on a signal (so that --cpu-prof can write its profile when profiling a role).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
await start();
