// npm run bench:connections-by-tags — connections(tags:) on PostgreSQL with 200,000 connections
// (BENCH_CONNECTIONS) tagged with one of 20,000 organizations (10 connections each) and a team: the
// p50/p99 through the real server (HTTP, auth, Pothos, Prisma), one pair and two pairs, and the plan
// of the containment query (the GIN index on tags). A throw-away database of BENCH_DATABASE_URL's
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
            jsonb_build_object('organizationId', (g % ${ORGANIZATIONS})::text, 'team', (ARRAY['sales','support','ops'])[1 + g % 3], 'region', 'eu')
     FROM generate_series(1, $2::int) AS g`,
    [integration.id, CONNECTIONS],
  );
  await client.query('ANALYZE "Connection"');
  const insertSeconds = (performance.now() - started) / 1000;

  const server = { url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  await app.ready();
  const BY_TAGS = `query ($tags: JSONObject) { connections(first: 50, tags: $tags) { totalCount edges { node { id name status tags } } } }`;
  const query = async (tags: Record<string, string>) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ query: BY_TAGS, variables: { tags } }),
    });
    const body = (await response.json()) as { data?: { connections: { totalCount: number } }; errors?: unknown };
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
  const containment = `SELECT "id" FROM "Connection" WHERE "tags" @> $1::jsonb AND TRUE AND TRUE`;
  const plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${containment}`, [JSON.stringify({ organizationId: '42' })])).rows.map(
    (row: Record<string, string>) => row['QUERY PLAN'],
  );
  const size = (await client.query(`SELECT pg_size_pretty(pg_relation_size('"Connection_tags_idx"')) AS gin`)).rows[0];

  console.log(
    `PostgreSQL, ${CONNECTIONS.toLocaleString('en')} connections in ${ORGANIZATIONS.toLocaleString('en')} organizations (10 each): inserted in ${insertSeconds.toFixed(1)} s; GIN index ${size.gin}.`,
  );
  console.log(`Through HTTP and GraphQL (admin API key), ${QUERIES} queries each after 20 warm-up, in milliseconds:\n`);
  console.log('| query | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: |');
  console.log(one.row);
  console.log(two.row);
  console.log(`\np50 against the 20 ms target: ${(one.p50 / 20).toFixed(2)}× (one pair), ${(two.p50 / 20).toFixed(2)}× (two pairs).`);
  console.log(`Plan of the containment query (organizationId 42):\n  ${plan.join('\n  ')}`);
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
