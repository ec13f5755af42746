// npm run bench:webhooks — signed webhook delivery, measured at the receiving app (a separate process
// that verifies every signature with the standardwebhooks package):
//   1. throughput: a backlog of BENCH_BACKLOG changes (default 1000) to BENCH_ENDPOINTS endpoints
//      (default 4) is queued while no worker runs; then the server starts and its worker drains it:
//      sustained deliveries per second, first to last receipt.
//   2. delay: BENCH_RATE changes per second (default 100) for BENCH_SECONDS (default 10) to one
//      endpoint, the worker running: p50/p99/max from the change (the event's timestamp, taken in its
//      transaction) to the receipt. Target: p99 <= 1 s without retries.
// The server runs here on the embedded database (in memory), with the default webhook settings; with
// BENCH_DATABASE_URL (a PostgreSQL server URL) it runs on a fresh database made there, dropped at the end.
// Besides the delays it prints this process's CPU per change and per delivery (wall-clock figures
// depend on the machine's load). BENCH_QUERY_LOG=1 also counts statements per change and per delivery
// and lists them: it turns on Prisma's query events (as under the test runner), which cost CPU of
// their own, so that mode's CPU figures are not comparable with a plain run's.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadEmbeddedSwitchboard } from './embedded.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 4);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/** With BENCH_DATABASE_URL: a database of its own on that server, and how to drop it. */
async function benchDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) return { env: {}, drop: async () => {} };
  const pg = (await import('pg')).default;
  const name = `switchboard_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.toString() }, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
const QUERY_LOG = Boolean(process.env.BENCH_QUERY_LOG);
const benchDb = await benchDatabase();
// Prisma's query events cost CPU of their own: the database observes its statements in this mode only.
const app = await loadEmbeddedSwitchboard(benchDb.env, { observeQueries: QUERY_LOG });
const { config } = app;
let queries = 0;
const queryKinds = new Map<string, number>();
if (QUERY_LOG) {
  app.db.onQuery((sql) => {
    queries++;
    const kind = sql.replace(/\s+/g, ' ').slice(0, 90);
    queryKinds.set(kind, (queryKinds.get(kind) ?? 0) + 1);
  });
}

interface Receipt {
  endpoint: string;
  id?: string;
  at?: number;
  receivedAt?: number;
  invalid?: string;
  registered?: string;
  port?: number;
}
const receiver = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'webhook-receiver.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
process.once('exit', () => receiver.kill());
const progress = (message: string) => process.stderr.write(`  … ${message}\n`);
const receipts: Receipt[] = [];
let wake: (() => void) | undefined;
readline.createInterface({ input: receiver.stdout! }).on('line', (line) => {
  receipts.push(JSON.parse(line) as Receipt);
  wake?.();
});
async function until(predicate: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 200);
    });
  }
}
await until(() => receipts.some((receipt) => receipt.port));
const receiverUrl = `http://127.0.0.1:${receipts.find((receipt) => receipt.port)!.port}`;
progress(`receiver at ${receiverUrl}`);

await app.services.integrations.create({ slug: 'bench', provider: 'custom', authType: 'API_KEY', apiBaseUrl: 'http://127.0.0.1:9/' });
const viewer = { userId: 'bench-user', isAdmin: false, via: 'api-key' as const };
let counter = 0;
const change = () => app.services.createConnection(viewer, { integration: 'bench', connectionName: `c${counter++}`, apiKey: 'k' });

async function endpoint(name: string) {
  const { endpoint, secret } = await app.services.webhookEndpoints.create({ url: `${receiverUrl}/${name}` });
  receiver.stdin!.write(`/${name} ${secret}\n`);
  await until(() => receipts.some((receipt) => receipt.registered === `/${name}`));
  return endpoint;
}

/** Process CPU (user + system) since `start`, in ms: this process runs the server, its database and the changes. */
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// 1. Throughput: queue the backlog with no worker running, then start the server.
const backlogEndpoints = [];
for (let index = 0; index < ENDPOINTS; index++) backlogEndpoints.push(await endpoint(`backlog-${index}`));
const queueStarted = performance.now();
const queueCpu = process.cpuUsage();
const queueQueries = queries;
for (let index = 0; index < BACKLOG; index++) await change();
const queueSeconds = (performance.now() - queueStarted) / 1000;
const queueCpuMs = cpuMsSince(queueCpu);
const queueQueryCount = queries - queueQueries;
const deliveries = BACKLOG * ENDPOINTS;
progress(`queued ${BACKLOG} changes; draining`);
const drainCpu = process.cpuUsage();
const drainQueries = queries;
queryKinds.clear();
await app.serve();
await until(() => receipts.filter((receipt) => receipt.endpoint?.startsWith('/backlog-')).length >= deliveries);
const drainCpuMs = cpuMsSince(drainCpu);
const drainQueryCount = queries - drainQueries;
const drainKinds = [...queryKinds].sort((a, b) => b[1] - a[1]);
const backlogReceipts = receipts.filter((receipt) => receipt.endpoint?.startsWith('/backlog-') && receipt.receivedAt);
const first = Math.min(...backlogReceipts.map((receipt) => receipt.receivedAt!));
const last = Math.max(...backlogReceipts.map((receipt) => receipt.receivedAt!));
const throughput = (deliveries - 1) / ((last - first) / 1000);
for (const row of backlogEndpoints) await app.services.webhookEndpoints.update(row.id, { enabled: false });

// 2. Delay at a steady rate, the worker running.
progress('backlog delivered; steady rate');
await endpoint('steady');
const total = RATE * SECONDS;
const steadyCpu = process.cpuUsage();
const steadyQueries = queries;
queryKinds.clear();
/** Per change: from its call to its commit (the change's own queueing on the database, before any delivery). */
const commitDelays: number[] = [];
const started = performance.now();
const changes: Array<Promise<unknown>> = [];
for (let index = 0; index < total; index++) {
  const due = started + (index * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const called = Date.now();
  changes.push(change().then(() => commitDelays.push(Date.now() - called)));
}
await Promise.all(changes);
const sentSeconds = (performance.now() - started) / 1000;
await until(() => receipts.filter((receipt) => receipt.endpoint === '/steady').length >= total);
const steadyCpuMs = cpuMsSince(steadyCpu);
const steadyQueryCount = queries - steadyQueries;
const steadyKinds = [...queryKinds].sort((a, b) => b[1] - a[1]);
commitDelays.sort((a, b) => a - b);
const steadySeconds = (performance.now() - started) / 1000;
const steady = receipts.filter((receipt) => receipt.endpoint === '/steady');
const delays = steady.map((receipt) => receipt.receivedAt! - receipt.at!).sort((a, b) => a - b);
const invalid = receipts.filter((receipt) => receipt.invalid).length;

console.log(`database: ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded (PGlite, in memory)'}`);
console.log(
  `webhooks: ${ENDPOINTS} endpoints × ${BACKLOG} changes queued in ${queueSeconds.toFixed(1)} s (${(BACKLOG / queueSeconds).toFixed(0)} changes/s with their outbox rows)`,
);
console.log(
  `  sustained delivery: ${deliveries} deliveries in ${((last - first) / 1000).toFixed(2)} s = ${throughput.toFixed(0)} deliveries/s (WEBHOOK_CONCURRENCY ${config.webhooks.concurrency}, ${config.webhooks.endpointConcurrency} per endpoint)`,
);
console.log(
  `  change → delivery at ${RATE}/s for ${SECONDS} s (${(total / sentSeconds).toFixed(0)}/s achieved): p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms (target p99 <= 1000 ms)`,
);
console.log(`    of which the change itself, call to commit: p50 ${percentile(commitDelays, 50)} ms, p99 ${percentile(commitDelays, 99)} ms`);
console.log(
  `  server process CPU: ${(queueCpuMs / BACKLOG).toFixed(2)} ms per change (with ${ENDPOINTS} outbox rows, no worker), ${(drainCpuMs / deliveries).toFixed(2)} ms per delivery (drain), ${(steadyCpuMs / total).toFixed(2)} ms per change+delivery at the steady rate (${((steadyCpuMs / 1000 / steadySeconds) * 100).toFixed(0)}% of a core)`,
);
if (QUERY_LOG)
  console.log(
    `  queries: ${(queueQueryCount / BACKLOG).toFixed(1)} per change, ${(drainQueryCount / deliveries).toFixed(2)} per delivery (drain), ${(steadyQueryCount / total).toFixed(1)} per change+delivery (steady)`,
  );
if (QUERY_LOG) for (const [kind, count] of drainKinds.slice(0, 12)) console.log(`    drain ${count}× ${kind}`);
if (QUERY_LOG) for (const [kind, count] of steadyKinds.slice(0, 12)) console.log(`    steady ${count}× ${kind}`);
console.log(
  `  load average at the end: ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(', ')}`,
);
console.log(`  signatures: ${receipts.filter((receipt) => receipt.id).length} verified by standardwebhooks, ${invalid} refused`);

receiver.kill();
await app.close();
await benchDb.drop();
process.exit(0);
