// npm run bench:activity — the activity log's read side on PostgreSQL with a large table:
// 1,000,000 operations (BENCH_OPERATIONS) over 1,000 connections and 14 days, bulk-inserted with
// generate_series, then the p50/p99 of GraphQL queries through the real server (HTTP, auth, Pothos,
// Prisma): operations(first: 50, connectionId:) as the owner and as an admin, the next page, a user's
// own operations, and a retention sweep deleting one day of rows. Runs on a throw-away database of
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test's server), dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 1_000_000);
const CONNECTIONS = 1_000;
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
  const { newId } = await import('../src/kernel/ids.js');
  const { deleteExpiredOperations } = await import('../src/activity/retention.js');
  const { encodeGlobalID } = await import('@pothos/plugin-relay');
  const config = loadConfig(process.env);
  const app = createApp({ ...config, auth: { ...config.auth, devMode: false, apiKeys: [API_KEY] } });
  const { prisma } = app.db;
  await app.db.migrate();

  const integration = await app.services.integrations.create({
    slug: 'bench',
    provider: 'custom',
    clientId: 'c',
    clientSecret: 's',
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: 'https://provider.example/token',
  });
  const connectionIds = Array.from({ length: CONNECTIONS }, () => newId());
  await prisma.connection.createMany({
    data: connectionIds.map((id, index) => ({
      id,
      integrationId: integration.id,
      ownerId: `user-${index}`,
      ownerKey: `user-${index}`,
      name: 'default',
      scopes: [],
    })),
  });

  // Time-ordered UUIDv7-shaped ids, as the recorder makes them: 48 bits of milliseconds, then random bits.
  const started = performance.now();
  const spanMs = 14 * 86_400_000;
  const end = Date.now();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(
    `INSERT INTO "Operation" ("id", "kind", "outcome", "connectionId", "integrationSlug", "ownerId", "method", "path", "providerStatus", "durationMs", "error", "at")
     SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(r, 1, 3) || '-8' || substr(r, 4, 3) || '-' || substr(r, 7, 12),
            (ARRAY['PROXY','PROXY','PROXY','PROXY','REFRESH','VERIFY','CONNECT'])[1 + g % 7]::"OperationKind",
            (CASE WHEN g % 25 = 0 THEN 'FAILURE' ELSE 'SUCCESS' END)::"OperationOutcome",
            ($1::text[])[1 + g % ${CONNECTIONS}], 'bench', 'user-' || (g % ${CONNECTIONS}), 'GET', '/v1/items', 200, 12.5,
            CASE WHEN g % 25 = 0 THEN 'The provider answered HTTP 503.' END,
            to_timestamp(ms / 1000.0)
     FROM (SELECT g, ms, lpad(to_hex(ms), 12, '0') AS h, md5(g::text) AS r
           FROM (SELECT g, ($2::bigint - $3::bigint + (g::bigint * $3::bigint) / $4::bigint) AS ms FROM generate_series(1, $4::int) AS g) AS t) AS s`,
    [connectionIds, end, spanMs, OPERATIONS],
  );
  await client.query('ANALYZE "Operation"');
  const insertSeconds = (performance.now() - started) / 1000;
  const size = (
    await client.query(`SELECT pg_size_pretty(pg_total_relation_size('"Operation"')) AS total, pg_size_pretty(pg_relation_size('"Operation"')) AS heap`)
  ).rows[0];

  const server = { url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  await app.ready();
  const query = async (text: string, variables: Record<string, unknown>, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: text, variables }),
    });
    const body = (await response.json()) as { data?: { operations: { edges: Array<{ cursor: string }>; pageInfo: { endCursor: string } } }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!.operations;
  };
  const PAGE = `query ($connectionId: ID, $after: String) { operations(first: 50, connectionId: $connectionId, after: $after) {
    edges { cursor node { id kind outcome connectionId integrationSlug ownerId method path providerStatus durationMs error at } } pageInfo { hasNextPage endCursor } } }`;
  const WITH_COUNT = `query ($connectionId: ID) { operations(first: 50, connectionId: $connectionId) { totalCount edges { node { id } } } }`;

  async function measure(label: string, run: (index: number) => Promise<unknown>): Promise<string> {
    for (let index = 0; index < 20; index++) await run(index); // warm-up
    const times: number[] = [];
    for (let index = 0; index < QUERIES; index++) {
      const before = performance.now();
      await run(index);
      times.push(performance.now() - before);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    return `| ${label} | ${at(0.5)} | ${at(0.99)} |`;
  }
  const owner = (index: number) => ({ 'x-api-key': API_KEY, 'x-user-id': `user-${index % CONNECTIONS}` });
  const adminHeaders = { 'x-api-key': API_KEY };
  const gid = (index: number) => encodeGlobalID('Connection', connectionIds[index % CONNECTIONS]!);
  const secondPageCursor = (await query(PAGE, { connectionId: gid(7) }, owner(7))).pageInfo.endCursor;

  const rows = [
    await measure('operations(first: 50, connectionId:) as the owner', (index) => query(PAGE, { connectionId: gid(index) }, owner(index))),
    await measure('operations(first: 50, connectionId:) as an admin', (index) => query(PAGE, { connectionId: gid(index) }, adminHeaders)),
    await measure('the next page (after: cursor)', () => query(PAGE, { connectionId: gid(7), after: secondPageCursor }, owner(7))),
    await measure('operations(first: 50) as a user (their own)', (index) => query(PAGE, {}, owner(index))),
    await measure('operations(first: 50) as an admin (all)', () => query(PAGE, {}, adminHeaders)),
    await measure('with totalCount (about 1,000 rows counted)', (index) => query(WITH_COUNT, { connectionId: gid(index) }, owner(index))),
  ];
  // The database's share: the page query as Prisma sends it, timed by EXPLAIN ANALYZE.
  const pageSql = `SELECT * FROM "Operation" WHERE "connectionId" = $1 ORDER BY "id" DESC LIMIT 51 OFFSET 0`;
  const executionTimes: number[] = [];
  for (let index = 0; index < 100; index++) {
    const analyzed = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${pageSql}`, [connectionIds[(index * 37) % CONNECTIONS]]);
    executionTimes.push(analyzed.rows[0]['QUERY PLAN'][0]['Execution Time']);
  }
  executionTimes.sort((a, b) => a - b);
  const plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${pageSql}`, [connectionIds[3]])).rows.map(
    (row: Record<string, string>) => row['QUERY PLAN'],
  );

  // Retention: one day of rows (about 1/14 of the table) past the cutoff, deleted in batches.
  const retentionStarted = performance.now();
  const deleted = await deleteExpiredOperations(prisma, { retentionDays: 13 });
  const retentionSeconds = (performance.now() - retentionStarted) / 1000;

  console.log(
    `PostgreSQL, ${OPERATIONS.toLocaleString('en')} operations over ${CONNECTIONS} connections and 14 days: inserted in ${insertSeconds.toFixed(1)} s; table ${size.heap}, with indexes ${size.total}.`,
  );
  console.log(`Through HTTP and GraphQL, ${QUERIES} queries each (after 20 warm-up), in milliseconds:\n`);
  console.log('| query | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log(
    `\nIn the database alone (EXPLAIN ANALYZE of the page query, 100 connections): p50 ${executionTimes[50]!.toFixed(2)} ms, p99 ${executionTimes[98]!.toFixed(2)} ms.`,
  );
  console.log(`Plan of the page query:\n  ${plan.join('\n  ')}`);
  console.log(`\nRetention: ${deleted.toLocaleString('en')} rows older than 13 days deleted in ${retentionSeconds.toFixed(1)} s (batches of 5,000).`);
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
