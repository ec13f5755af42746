// npm run bench:connections-by-tags — connections(tags:) on PostgreSQL with 200,000 connections
// (BENCH_CONNECTIONS) tagged with one of 20,000 organizations (10 connections each), a team, and a
// plan shared by half of them (100,000): the p50/p99 through the real server (HTTP, auth, Pothos,
// Prisma), one pair, two pairs, and the common pair (a page, and a page with its totalCount), and the
// plans of the page statement the server runs (the GIN index on tags, or the primary key in order). A throw-away database of BENCH_DATABASE_URL's
// server, dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200_000);
const ORGANIZATIONS = Math.max(1, Math.floor(CONNECTIONS / 10));
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const API_KEY = 'sb_bench_api_key_0123456789abcdef';

const name = `switchboard_bench_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: BASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(BASE_URL);
url.pathname = `/${name}`;

let exitCode = 0;
try {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    REDIS_URL: '',
    ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
    API_KEYS: API_KEY,
    LOG_LEVEL: 'warn',
    REFRESH_INTERVAL_SECONDS: '0',
  });
  const { loadConfig } = await import('../src/config.js');
  const { createApp } = await import('../src/app.js');
  const config = loadConfig(process.env);
  const app = createApp({ ...config, auth: { ...config.auth, devMode: false, apiKeys: [API_KEY] } });
  await app.db.migrate();
  const integration = await app.services.integrations.create({
    slug: 'bench',
    provider: 'custom',
    clientId: 'c',
    clientSecret: 's',
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: 'https://provider.example/token',
  });

  const started = performance.now();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(
    `INSERT INTO "Connection" ("id", "integrationId", "ownerId", "ownerKey", "name", "scopes", "updatedAt", "tags")
     SELECT md5(g::text)::uuid::text, $1, 'user-' || g, 'user-' || g, 'default', '{}', now(),
            jsonb_build_object('organizationId', (g % ${ORGANIZATIONS})::text, 'team', (ARRAY['sales','support','ops'])[1 + g % 3], 'region', 'eu',
              'plan', CASE WHEN g % 2 = 0 THEN 'pro' ELSE 'free' END)
     FROM generate_series(1, $2::int) AS g`,
    [integration.id, CONNECTIONS],
  );
  await client.query('ANALYZE "Connection"');
  const insertSeconds = (performance.now() - started) / 1000;

  const server = { url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  await app.ready();
  const BY_TAGS = `query ($tags: JSONObject) { connections(first: 50, tags: $tags) { totalCount edges { node { id name status tags } } } }`;
  const PAGE_ONLY = `query ($tags: JSONObject) { connections(first: 50, tags: $tags) { edges { node { id name status tags } } } }`;
  const query = async (tags: Record<string, string>, document = BY_TAGS) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ query: document, variables: { tags } }),
    });
    const body = (await response.json()) as { data?: { connections: { totalCount: number; edges: unknown[] } }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!.connections;
  };
  const sample = await query({ organizationId: '42' });
  if (sample.totalCount !== 10) throw new Error(`expected 10 connections of organization 42, got ${sample.totalCount}`);

  async function measure(label: string, run: (index: number) => Promise<unknown>): Promise<{ row: string; p50: number }> {
    for (let index = 0; index < 20; index++) await run(index);
    const times: number[] = [];
    for (let index = 0; index < QUERIES; index++) {
      const before = performance.now();
      await run(index);
      times.push(performance.now() - before);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    return { row: `| ${label} | ${at(0.5).toFixed(2)} | ${at(0.99).toFixed(2)} |`, p50: at(0.5) };
  }
  const organization = (index: number) => String((index * 7919) % ORGANIZATIONS);
  const one = await measure('connections(first: 50, tags: { organizationId }) with totalCount', (index) => query({ organizationId: organization(index) }));
  const two = await measure('connections(first: 50, tags: { organizationId, team })', (index) =>
    query({ organizationId: organization(index), team: ['sales', 'support', 'ops'][index % 3]! }),
  );
  const common = await measure('connections(first: 50, tags: { plan: "pro" }) (100,000 match), the page only', () =>
    query({ plan: 'pro' }, PAGE_ONLY).then((page) => {
      if (page.edges.length !== 50) throw new Error(`expected a page of 50, got ${page.edges.length}`);
    }),
  );
  const commonCounted = await measure('connections(first: 50, tags: { plan: "pro" }) with totalCount (100,000)', () => query({ plan: 'pro' }));
  // The page statement the server runs for an admin (src/graphql/schema/connections.ts), first: 50.
  const pageStatement = `SELECT c."id" FROM "Connection" c WHERE c."tags" @> $1::jsonb ORDER BY c."id" ASC OFFSET 0 LIMIT 51`;
  const explain = async (tags: Record<string, string>) =>
    (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${pageStatement}`, [JSON.stringify(tags)])).rows.map(
      (row: Record<string, string>) => row['QUERY PLAN'],
    );
  const plan = await explain({ organizationId: '42' });
  const commonPlan = await explain({ plan: 'pro' });
  const size = (await client.query(`SELECT pg_size_pretty(pg_relation_size('"Connection_tags_idx"')) AS gin`)).rows[0];

  console.log(
    `PostgreSQL, ${CONNECTIONS.toLocaleString('en')} connections in ${ORGANIZATIONS.toLocaleString('en')} organizations (10 each): inserted in ${insertSeconds.toFixed(1)} s; GIN index ${size.gin}.`,
  );
  console.log(`Through HTTP and GraphQL (admin API key), ${QUERIES} queries each after 20 warm-up, in milliseconds:\n`);
  console.log('| query | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: |');
  console.log(one.row);
  console.log(two.row);
  console.log(common.row);
  console.log(commonCounted.row);
  console.log(
    `\np50 against the 20 ms target: ${(one.p50 / 20).toFixed(2)}× (one pair), ${(two.p50 / 20).toFixed(2)}× (two pairs), ${(common.p50 / 20).toFixed(2)}× (common pair, page), ${(commonCounted.p50 / 20).toFixed(2)}× (common pair with totalCount).`,
  );
  console.log(`Plan of the page statement (organizationId 42):\n  ${plan.join('\n  ')}`);
  console.log(`Plan of the page statement (plan pro, 100,000 match):\n  ${commonPlan.join('\n  ')}`);
  await client.end();
  await app.stop();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
process.exit(exitCode);
