// npm run bench:scale-out — limits per deployment with several instances, on PostgreSQL and Redis.
// Instances (each a createApp with its own database pool, Redis clients and jobs, in this process)
// face one failing provider (its token endpoint answers 502 after BENCH_TOKEN_MS, default 100 ms;
// BENCH_CONNECTIONS expired connections, default 300, are due for the background refresh every
// second) and one slow webhook endpoint (answers after BENCH_WEBHOOK_MS, default 500 ms;
// WEBHOOK_ENDPOINT_CONCURRENCY=2). Three runs of BENCH_SECONDS each (default 60): one instance; three
// instances without Redis (limits per instance, the old behaviour); three instances with Redis.
// Prints token requests per minute once the breaker is open (after the first 5 s, reported apart), the
// gaps between them (the probe pace), and the most concurrent requests at the endpoint for each; then a
// PASS/FAIL line per criterion (three shared instances ≤ one instance + 10 % token requests,
// concurrency ≤ the setting), and exits 1 on a FAIL.
// Uses throw-away databases next to BENCH_DATABASE_URL / DATABASE_URL and a fresh Redis prefix; stops
// by itself.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { seedOAuthConnections } from './seed-connections.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 300);
const TOKEN_MS = Number(process.env.BENCH_TOKEN_MS ?? 100);
const WEBHOOK_MS = Number(process.env.BENCH_WEBHOOK_MS ?? 500);
const ENDPOINT_CONCURRENCY = 2;
const WARMUP_SECONDS = 5;
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The failing token endpoint and the slow webhook receiver, on one server; counts what they see. */
async function startUpstream() {
  const stats = { tokenRequests: 0, tokenTimes: [] as number[], webhooks: 0, open: 0, mostOpen: 0, ids: new Set<string>() };
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/token') {
      stats.tokenRequests++;
      stats.tokenTimes.push(performance.now());
      setTimeout(() => res.writeHead(502).end(), TOKEN_MS);
      return;
    }
    stats.webhooks++;
    stats.ids.add(String(req.headers['webhook-id']));
    stats.open++;
    stats.mostOpen = Math.max(stats.mostOpen, stats.open);
    setTimeout(() => {
      stats.open--;
      res.writeHead(204).end();
    }, WEBHOOK_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => server.closeAllConnections()),
  };
}

interface RunResult {
  label: string;
  /** Token requests in the first WARMUP_SECONDS, before the breaker opened. */
  warmup: number;
  tokenRequestsPerMinute: number;
  /** Gaps between consecutive token requests after the first WARMUP_SECONDS, in ms. */
  gaps: number[];
  mostOpen: number;
  webhooks: number;
  duplicates: number;
  /** "redis unavailable" warnings (at most one per instance per 10 s): limits fell back to per instance. */
  redisFallbacks: number;
}

async function run(label: string, instances: number, shared: boolean): Promise<RunResult> {
  const databaseName = `switchboard_bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(baseUrl), { pathname: `/${databaseName}` }).toString();
  await adminQuery(`CREATE DATABASE ${databaseName}`);
  const upstream = await startUpstream();
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: shared ? redisUrl : '',
    REDIS_PREFIX: `bench-scale-out-${randomBytes(4).toString('hex')}`,
    ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
    ALLOW_LOCAL_PROVIDERS: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    API_KEYS: 'sb_bench_api_key_0123456789abcdef',
    LOG_LEVEL: 'error',
    LOG_FILE: '',
    REFRESH_INTERVAL_SECONDS: '0',
    REFRESH_LOOKAHEAD_SECONDS: '600',
    WEBHOOK_POLL_INTERVAL_MS: '0',
  };
  Object.assign(process.env, env);
  const { loadConfig } = await import('../src/config.js');
  const { createApp } = await import('../src/app.js');
  const { newId } = await import('../src/kernel/ids.js');
  const { enqueueConnectionEvent } = await import('../src/webhooks/outbox.js');
  const seeder = createApp(loadConfig(process.env));
  const apps: (typeof seeder)[] = [];
  try {
    await seeder.db.migrate();
    const integration = await seeder.services.integrations.create({
      slug: 'failing',
      provider: 'custom',
      clientId: 'bench-client',
      clientSecret: 'bench-secret',
      authorizationUrl: `${upstream.url}/authorize`,
      tokenUrl: `${upstream.url}/token`,
    });
    await seeder.services.webhookEndpoints.create({ url: `${upstream.url}/hooks` });
    await seedOAuthConnections({
      databaseUrl,
      keyring: seeder.keyring,
      integrationId: integration.id,
      count: CONNECTIONS,
      expiresAt: new Date(Date.now() - 60_000),
    });
    // More webhook messages than the endpoint can take in the run (two at a time, WEBHOOK_MS each).
    const messages = Math.ceil(((SECONDS * 1000) / WEBHOOK_MS) * ENDPOINT_CONCURRENCY * 1.5);
    for (let index = 0; index < messages; index++) {
      await seeder.db.prisma.$transaction((tx) =>
        enqueueConnectionEvent(tx, {
          connectionId: newId(),
          integrationId: integration.id,
          integrationSlug: 'failing',
          connectionName: 'default',
          ownerId: 'bench',
          status: 'HEALTHY',
          previousStatus: null,
          reason: 'connected',
          tags: {},
          sequence: 1,
          at: new Date().toISOString(),
        }),
      );
    }
    await seeder.stop(0);

    const running = {
      ...env,
      REFRESH_INTERVAL_SECONDS: '1',
      WEBHOOK_POLL_INTERVAL_MS: '200',
      WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_MS * 10),
    };
    Object.assign(process.env, running);
    // Warnings are counted, not printed: a Redis answer slower than REDIS_LIMIT_TIMEOUT_MS (an event
    // loop shared by three instances on a loaded machine) makes the limits fall back to per instance.
    let redisFallbacks = 0;
    const logger = pino(
      { level: 'warn' },
      {
        write(line: string) {
          if (line.includes('redis unavailable')) redisFallbacks++;
          else if ((JSON.parse(line) as { level: number }).level >= 50) process.stderr.write(line);
        },
      },
    );
    for (let index = 0; index < instances; index++) apps.push(createApp(loadConfig(process.env), { logger }));
    await Promise.all(apps.map((app) => app.ready()));
    // The first seconds: each instance's first sweep sends a batch before the breaker has counted the
    // failures that open it (REFRESH_BREAKER_THRESHOLD); reported apart from the steady rate.
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
    const warmup = upstream.stats.tokenRequests;
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const { tokenRequests, tokenTimes, mostOpen, webhooks, ids } = upstream.stats;
    const steady = tokenTimes.slice(warmup, tokenRequests);
    const gaps = steady.slice(1).map((at, index) => at - steady[index]!);
    return {
      label,
      warmup,
      tokenRequestsPerMinute: ((tokenRequests - warmup) * 60) / SECONDS,
      gaps,
      mostOpen,
      webhooks,
      duplicates: webhooks - ids.size,
      redisFallbacks,
    };
  } finally {
    await Promise.all(apps.map((app) => app.stop(0)));
    await upstream.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => {});
  }
}

/** Smallest, median and largest gap, in ms. */
function gapSummary(gaps: number[]): string {
  if (!gaps.length) return 'no gaps';
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!.toFixed(0);
  return `gaps between token requests: min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms`;
}

const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
console.log(`scale-out: ${SECONDS} s per run, ${CONNECTIONS} expired connections, token endpoint 502 after ${TOKEN_MS} ms, webhook endpoint ${WEBHOOK_MS} ms`);
const results: RunResult[] = [];
for (const [label, instances, shared] of [
  ['one instance (Redis)', 1, true],
  ['three instances, no Redis (per instance)', 3, false],
  ['three instances, Redis (per deployment)', 3, true],
] as const) {
  const result = await run(label, instances, shared);
  results.push(result);
  console.log(
    `${label.padEnd(42)} token requests/min ${result.tokenRequestsPerMinute.toFixed(0).padStart(5)} (first ${WARMUP_SECONDS} s: ${result.warmup})   most concurrent at endpoint ${result.mostOpen} (setting ${ENDPOINT_CONCURRENCY})   webhooks ${result.webhooks}, repeated ${result.duplicates}   load average ${load()}`,
  );
  console.log(`${''.padEnd(42)} ${gapSummary(result.gaps)}${shared ? `   redis fallbacks ${result.redisFallbacks}` : ''}`);
}
const [one, , three] = results as [RunResult, RunResult, RunResult];
const ratio = three.tokenRequestsPerMinute / Math.max(1, one.tokenRequestsPerMinute);
const tokensOk = ratio <= 1.1;
const concurrencyOk = three.mostOpen <= ENDPOINT_CONCURRENCY;
console.log(
  `${tokensOk ? 'PASS' : 'FAIL'} token requests: three shared instances ${three.tokenRequestsPerMinute.toFixed(0)}/min vs one ${one.tokenRequestsPerMinute.toFixed(0)}/min = ${ratio.toFixed(2)} × (must be ≤ 1.10)`,
);
console.log(
  `${concurrencyOk ? 'PASS' : 'FAIL'} endpoint concurrency: three shared instances, most at once ${three.mostOpen} (must be ≤ ${ENDPOINT_CONCURRENCY})`,
);
console.log('(figures from a shared, loaded machine are noisy; the ratio from one run is what counts)');
if ((!tokensOk || !concurrencyOk) && three.redisFallbacks) {
  console.log(`(Redis did not answer within REDIS_LIMIT_TIMEOUT_MS ${three.redisFallbacks} times in the shared run, so limits counted per instance then)`);
}
if (!tokensOk || !concurrencyOk) process.exitCode = 1;
