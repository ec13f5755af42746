// npm run bench:provider-webhooks — provider webhooks at a steady rate: BENCH_RATE Slack-signed events
// per second (default 500) for BENCH_SECONDS (default 20), sent by a separate process (the provider)
// to the inbound route of a Switchboard on the embedded database (in memory), forwarded to a receiving
// app in a third process that verifies every Standard Webhooks signature. Each event names one of
// BENCH_TEAMS workspaces (default 10), each connected by two users, so each is matched to two connections.
// Prints: acknowledgements (p50/p99/max, target p99 <= 50 ms), how many reached the app (target: all),
// and receipt to the app (from the provider sending it to the app receiving it; target p99 <= 2 s).
// Wall-clock figures depend on the machine's load: note `uptime` beside them.
// BENCH_CPU_PROF=1 profiles this process's main thread (the Switchboard's; the embedded database has a
// thread of its own) from the first webhook sent to the last one received, and prints the top frames
// (bench/profile-summary.ts) in µs per webhook; the profile is kept in the temporary directory.
// BENCH_TIMELINE=1 adds the acknowledgements step by step (BENCH_TIMELINE_MS, default a second) beside
// the database's slow statements (BENCH_SLOW_STATEMENT_MS, default 20) and the busy share of each thread
// and of the machine's cores. BENCH_DATA_DIR=<directory> puts the database on disk instead of in memory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import diagnosticsChannel from 'node:diagnostics_channel';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { routingKeysOf } from '../src/domain/webhook-routing.js';
import { newId } from '../src/kernel/ids.js';
import { loadEmbeddedSwitchboard } from './embedded.js';
import { summarizeProfile } from './profile-summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 10);
const SECRET = 'bench-slack-signing-secret';
const progress = (message: string) => process.stderr.write(`  … ${message}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

// BENCH_QUERY_LOG=1 counts statements per webhook and lists them (Prisma's query events cost CPU of their own).
const QUERY_LOG = Boolean(process.env.BENCH_QUERY_LOG);
// BENCH_DATA_DIR=<directory> keeps the embedded database on disk, as a server does, instead of in memory.
const app = await loadEmbeddedSwitchboard(
  { WEBHOOK_ALLOW_PRIVATE: 'true', ...(process.env.BENCH_DATA_DIR ? { DATA_DIR: process.env.BENCH_DATA_DIR } : {}) },
  { observeQueries: QUERY_LOG },
);
const queryKinds = new Map<string, number>();
if (QUERY_LOG) {
  app.db.onQuery((sql) => {
    const kind = sql.replace(/\s+/g, ' ').slice(0, 100);
    queryKinds.set(kind, (queryKinds.get(kind) ?? 0) + 1);
  });
}

// BENCH_TIMELINE=1 prints the acknowledgements step by step, the embedded database's slow statements (when
// they ended), each thread's CPU and the main thread's event-loop delay: where the slow ones come from.
const TIMELINE = Boolean(process.env.BENCH_TIMELINE);
/** The timeline's step (BENCH_TIMELINE_MS, default a second): shorter ones show where within the first second the slow ones are. */
const STEP_MS = Number(process.env.BENCH_TIMELINE_MS ?? 1000);
/** A statement this long or longer is listed (BENCH_SLOW_STATEMENT_MS, default 20). */
const SLOW_STATEMENT_MS = Number(process.env.BENCH_SLOW_STATEMENT_MS ?? 20);
const slowStatements: Array<{ endedAt: number; ms: number; sql: string }> = [];
let timelineStart = 0;
/** Each acknowledgement as the server saw it: from the request's headers parsed to the response finished. */
const serverAcks: Array<{ at: number; ms: number }> = [];
/** Every statement's time on the database's thread, by when it ended: its busy share per step. */
const statementEnds: Array<{ endedAt: number; ms: number }> = [];
/** The step a time (ms from the bench's start) falls in. */
const stepOf = (ms: number) => Math.floor(ms / STEP_MS);
/** The main thread's garbage collections of 10 ms or more. */
const pauses: Array<{ at: number; ms: number }> = [];
if (TIMELINE) {
  const requestStarts = new WeakMap<object, number>();
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    requestStarts.set((message as { response: object }).response, performance.now());
  });
  diagnosticsChannel.subscribe('http.server.response.finish', (message) => {
    const startedAt = requestStarts.get((message as { response: object }).response);
    if (startedAt !== undefined && timelineStart) serverAcks.push({ at: startedAt - timelineStart, ms: performance.now() - startedAt });
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.duration >= 10 && timelineStart) pauses.push({ at: entry.startTime - timelineStart, ms: entry.duration });
  }).observe({ entryTypes: ['gc'] });
}

// BENCH_STATEMENT_TIME=1 times the embedded database's statements (Database.onStatement): PGlite's share
// of the main thread while the bench runs, and the statements that take it.
const STATEMENT_TIME = Boolean(process.env.BENCH_STATEMENT_TIME);
const statementTimes = new Map<string, { count: number; ms: number }>();
if (STATEMENT_TIME || TIMELINE) {
  app.db.onStatement?.((sql, ms) => {
    if (TIMELINE && timelineStart) statementEnds.push({ endedAt: performance.now() - timelineStart, ms });
    if (TIMELINE && ms >= SLOW_STATEMENT_MS && timelineStart)
      slowStatements.push({ endedAt: performance.now() - timelineStart, ms, sql: sql.replace(/\s+/g, ' ').trim().slice(0, 70) });
    const kind = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const entry = statementTimes.get(kind) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    statementTimes.set(kind, entry);
  });
}

interface Receipt {
  endpoint?: string;
  type?: string;
  receivedAt?: number;
  sentAt?: number;
  invalid?: string;
  registered?: string;
  port?: number;
}
const receiver = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'webhook-receiver.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
process.once('exit', () => receiver.kill());
const receipts: Receipt[] = [];
readline.createInterface({ input: receiver.stdout! }).on('line', (line) => receipts.push(JSON.parse(line) as Receipt));
async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
await until(() => receipts.some((receipt) => receipt.port), 60_000);
const receiverUrl = `http://127.0.0.1:${receipts.find((receipt) => receipt.port)!.port}`;

const integration = await app.services.integrations.create({
  slug: 'bench-slack',
  provider: 'slack',
  clientId: 'bench',
  clientSecret: 'bench-client-secret',
  providerWebhookSecret: SECRET,
});
for (let team = 0; team < TEAMS; team++) {
  for (const owner of ['alice', 'bob']) {
    await app.db.prisma.connection.create({
      data: {
        id: newId(),
        integrationId: integration.id,
        ownerId: `${owner}-${team}`,
        ownerKey: `${owner}-${team}`,
        name: 'default',
        scopes: [],
        metadata: { team_id: `T${team}` },
        routingKeys: routingKeysOf(integration, { team_id: `T${team}` }),
      },
    });
  }
}
const { secret } = await app.services.webhookEndpoints.create({ url: `${receiverUrl}/app`, eventTypes: ['provider.webhook'] });
receiver.stdin!.write(`/app ${secret}\n`);
await until(() => receipts.some((receipt) => receipt.registered === '/app'), 10_000);
const url = await app.serve();
progress(`Switchboard at ${url}; sending ${RATE}/s for ${SECONDS} s`);

queryKinds.clear();
statementTimes.clear();
const profiler = process.env.BENCH_CPU_PROF ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const startedAt = performance.now();
timelineStart = startedAt;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
if (TIMELINE) loopDelay.enable();
/** The machine's idle and total CPU time so far (Linux's /proc/stat; zeros elsewhere). */
const machineTimes = () => {
  const fields = fs.existsSync('/proc/stat') ? fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) : [];
  return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((sum, value) => sum + value, 0) };
};
/** CPU time (ms) of each of this process's threads so far (Linux's /proc; empty elsewhere). */
const threadTimes = (): Map<string, number> => {
  const times = new Map<string, number>();
  if (!fs.existsSync('/proc/self/task')) return times;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th, in clock ticks (10 ms).
      const fields = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      times.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
};
/**
 * Taken at the end of each step: the main thread's event-loop utilization, the machine's cores busy (all
 * processes: the provider and the app too), this process's CPU in cores, and each of its threads' CPU (ms).
 */
const stepSamples: Array<{ at: number; loopUtilization: number; machineCores: number; processCores: number; threads: Map<string, number> }> = [];
let sampledAt = { loop: performance.eventLoopUtilization(), machine: machineTimes(), process: process.cpuUsage(), threads: threadTimes() };
const stepSampler = TIMELINE
  ? setInterval(() => {
      const now = { loop: performance.eventLoopUtilization(), machine: machineTimes(), process: process.cpuUsage(), threads: threadTimes() };
      const machineTotal = now.machine.total - sampledAt.machine.total;
      const used = process.cpuUsage(sampledAt.process);
      stepSamples.push({
        at: performance.now() - timelineStart,
        loopUtilization: performance.eventLoopUtilization(now.loop, sampledAt.loop).utilization,
        machineCores: machineTotal ? (1 - (now.machine.idle - sampledAt.machine.idle) / machineTotal) * os.cpus().length : NaN,
        processCores: (used.user + used.system) / 1000 / STEP_MS,
        threads: new Map([...now.threads].map(([tid, ms]) => [tid, ms - (sampledAt.threads.get(tid) ?? 0)])),
      });
      sampledAt = now;
    }, STEP_MS)
  : undefined;
const loadAtStart = os.loadavg();
const cpu = process.cpuUsage();
const loopAtStart = performance.eventLoopUtilization();
const sender = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    path.join(here, 'provider-webhook-sender.ts'),
    `${url}/webhooks/providers/bench-slack`,
    String(RATE),
    String(SECONDS),
    SECRET,
    String(TEAMS),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const sent = await new Promise<{ ackMs: number[]; sentAtMs: number[]; startedAt: number; statuses: Record<string, number>; failures: number; elapsed: number }>(
  (resolve) => {
    readline.createInterface({ input: sender.stdout! }).once('line', (line) => resolve(JSON.parse(line) as never));
  },
);
const total = RATE * SECONDS;
progress('all sent; waiting for the app to receive them');
const forwardedAll = await until(() => receipts.filter((receipt) => receipt.type === 'provider.webhook').length >= total, 120_000);
const used = process.cpuUsage(cpu);
const loop = performance.eventLoopUtilization(loopAtStart);
const wallMs = performance.now() - startedAt;
const profile = profiler ? (await profiler.post('Profiler.stop')).profile : undefined;

const acks = [...sent.ackMs].sort((a, b) => a - b);
const delivered = receipts.filter((receipt) => receipt.type === 'provider.webhook');
const delays = delivered.map((receipt) => receipt.receivedAt! - receipt.sentAt!).sort((a, b) => a - b);
const outcomes = await app.db.prisma.providerWebhook.groupBy({ by: ['outcome'], _count: true });
const ms = (value: number) => `${value.toFixed(1)} ms`;
const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
console.log(
  `provider webhooks: ${RATE}/s for ${SECONDS} s (${total}), embedded database, ${os.cpus().length} cores, load average ${load(loadAtStart)} at the start, ${load(os.loadavg())} at the end`,
);
console.log(
  `  sent in ${sent.elapsed.toFixed(1)} s (${(total / sent.elapsed).toFixed(0)}/s); answers ${JSON.stringify(sent.statuses)}; failed requests ${sent.failures}`,
);
console.log(
  `  acknowledgement: p50 ${ms(percentile(acks, 50))}, p99 ${ms(percentile(acks, 99))}, max ${ms(acks.at(-1) ?? NaN)}, over 50 ms ${acks.filter((ack) => ack > 50).length} (target p99 <= 50 ms: ${percentile(acks, 99) <= 50 ? 'met' : 'NOT met'})`,
);
console.log(`  outcomes: ${outcomes.map((row) => `${row.outcome ?? 'pending'} ${row._count}`).join(', ')}`);
console.log(
  `  reached the app: ${delivered.length} of ${total} (${forwardedAll ? 'all' : 'NOT all'}); invalid signatures ${receipts.filter((receipt) => receipt.invalid).length}`,
);
console.log(
  `  receipt to the app: p50 ${ms(percentile(delays, 50))}, p99 ${ms(percentile(delays, 99))}, max ${ms(delays.at(-1) ?? NaN)} (target p99 <= 2000 ms: ${percentile(delays, 99) <= 2000 ? 'met' : 'NOT met'})`,
);
console.log(
  `  Switchboard process CPU: ${((used.user + used.system) / 1000 / total).toFixed(2)} ms per webhook (${((used.user + used.system) / 1e6 / sent.elapsed).toFixed(2)} cores while sending)`,
);
console.log(`  Switchboard main thread busy ${(loop.utilization * 100).toFixed(0)} % of the time (event loop utilization, until the last reached the app)`);
if (QUERY_LOG) {
  const statements = [...queryKinds.values()].reduce((sum, count) => sum + count, 0);
  console.log(`  statements: ${(statements / total).toFixed(2)} per webhook`);
  for (const [kind, count] of [...queryKinds].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${(count / total).toFixed(3)}  ${kind}`);
}
if (STATEMENT_TIME) {
  const statementMs = [...statementTimes.values()].reduce((sum, entry) => sum + entry.ms, 0);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `  embedded database: ${(statementMs / total).toFixed(2)} ms per webhook in statements, ${((statementMs / wallMs) * 100).toFixed(0)} % of the wall time, ${((statementMs / cpuMs) * 100).toFixed(0)} % of the process CPU`,
  );
  for (const [kind, entry] of [...statementTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10))
    console.log(`    ${(entry.ms / total).toFixed(3)} ms/webhook  ${String(entry.count).padStart(6)}×  ${kind}`);
}
if (TIMELINE) {
  clearInterval(stepSampler);
  loopDelay.disable();
  console.log(
    `  main thread event-loop delay: p50 ${ms(loopDelay.percentile(50) / 1e6)}, p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`,
  );
  // The database's thread is the busiest after the main one; the others are V8's (compilers, garbage
  // collection) and libuv's.
  const threadTotals = new Map<string, number>();
  for (const { threads } of stepSamples) for (const [tid, ms] of threads) threadTotals.set(tid, (threadTotals.get(tid) ?? 0) + ms);
  const databaseThread = [...threadTotals].filter(([tid]) => tid !== String(process.pid)).sort((a, b) => b[1] - a[1])[0]?.[0];
  const seconds = new Map<number, number[]>();
  // The provider's times are from its own first send: moved to this process's, from the bench's start.
  const senderOffset = sent.startedAt - (performance.timeOrigin + timelineStart);
  sent.ackMs.forEach((ack, index) => {
    const second = stepOf(sent.sentAtMs[index]! + senderOffset);
    seconds.set(second, [...(seconds.get(second) ?? []), ack]);
  });
  console.log(
    `  acknowledgements by the ${STEP_MS} ms they were sent in (from the bench's start): count, over 50 ms, p50 / p99 / max ms as the provider saw them; p99 / max as the server saw them;\n` +
      `  the database thread's and the main thread's busy share; cores busy on the machine and in this process; statements >= ${SLOW_STATEMENT_MS} ms that ended in it (count, longest); main-thread garbage collections >= 10 ms (count, longest)`,
  );
  for (const [second, values] of [...seconds].sort((a, b) => a[0] - b[0])) {
    values.sort((a, b) => a - b);
    const slow = slowStatements.filter((statement) => stepOf(statement.endedAt) === second);
    const server = serverAcks
      .filter((ack) => stepOf(ack.at) === second)
      .map((ack) => ack.ms)
      .sort((a, b) => a - b);
    const gcs = pauses.filter((pause) => stepOf(pause.at) === second);
    const databaseMs = statementEnds.filter((statement) => stepOf(statement.endedAt) === second).reduce((sum, statement) => sum + statement.ms, 0);
    // A step's sample is taken as it ends, in the next step.
    const sample = stepSamples.find((candidate) => stepOf(candidate.at) === second + 1);
    const threads = sample?.threads ?? new Map<string, number>();
    const mainCpu = threads.get(String(process.pid)) ?? 0;
    const databaseCpu = (databaseThread && threads.get(databaseThread)) || 0;
    const otherCpu = [...threads.values()].reduce((sum, ms) => sum + ms, 0) - mainCpu - databaseCpu;
    const threadCores = `main ${(mainCpu / STEP_MS).toFixed(2)} + database ${(databaseCpu / STEP_MS).toFixed(2)} + other ${(otherCpu / STEP_MS).toFixed(2)}`;
    const longest = (items: Array<{ ms: number }>) => (items.length ? `, longest ${Math.max(...items.map((item) => item.ms)).toFixed(0)} ms` : '');
    console.log(
      `    ${String(second * STEP_MS).padStart(6)} ms  ${String(values.length).padStart(4)}  ${String(values.filter((value) => value > 50).length).padStart(4)}  ${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)} / ${values.at(-1)!.toFixed(1)}` +
        `   server ${percentile(server, 99).toFixed(1)} / ${(server.at(-1) ?? NaN).toFixed(1)}   database ${((databaseMs / STEP_MS) * 100).toFixed(0)} %, main ${sample ? (sample.loopUtilization * 100).toFixed(0) : '?'} %; cores: machine ${sample?.machineCores.toFixed(2) ?? '?'}, switchboard ${sample?.processCores.toFixed(2) ?? '?'} (${threadCores})   ${slow.length} slow${longest(slow)}   ${gcs.length} gc${longest(gcs)}`,
    );
  }
  const kinds = new Map<string, { count: number; ms: number; max: number }>();
  for (const statement of slowStatements) {
    const entry = kinds.get(statement.sql) ?? { count: 0, ms: 0, max: 0 };
    entry.count++;
    entry.ms += statement.ms;
    entry.max = Math.max(entry.max, statement.ms);
    kinds.set(statement.sql, entry);
  }
  console.log(`  statements >= ${SLOW_STATEMENT_MS} ms: count, total, longest, statement`);
  for (const [sql, entry] of [...kinds].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10))
    console.log(`    ${String(entry.count).padStart(5)}  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.max.toFixed(0).padStart(4)} ms  ${sql}`);
}
if (profile) {
  const file = path.join(os.tmpdir(), `provider-webhooks-${process.pid}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.log(`\n${file}`);
  console.log(summarizeProfile(profile as never, 40, total));
}
await app.close();
receiver.kill();
process.exit(0);
