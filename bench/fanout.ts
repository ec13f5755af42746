// npm run bench:fanout — N WebSocket subscribers (graphql-ws) of connectionStatusChanged receive one
// event: prints delivery latency p50/p99 (from the moment the event is published to each client's
// receipt) and the server's memory per idle subscriber. The server runs here (embedded database in
// memory); the clients run in a child process (bench/fanout-clients.ts). BENCH_SUBSCRIBERS (default
// 1000) sets N; BENCH_EVENTS (default 5) how many events are sent, one after another. BENCH_QUERY
// replaces the subscription document (the default selects `connection`, which reads the database).
// The server's CPU time per event is reported too: wall times are noisy on a shared machine.
// BENCH_CPU_PROFILE=<file> writes a V8 CPU profile of each event (<file>-event1.cpuprofile, …; not the
// connecting), sampled every 100 µs: the first events' cold costs beside a warm one's.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_API_KEY, loadEmbeddedSwitchboard } from './embedded.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5);
const app = await loadEmbeddedSwitchboard({
  // All subscribers are one user here (the case where they share one execution per event).
  MAX_SUBSCRIPTIONS_PER_USER: String(SUBSCRIBERS + 100),
});

const gc = (globalThis as { gc?: () => void }).gc;
function settledHeap(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}
try {
  execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
} catch {
  // no pinning on this machine
}

await app.services.integrations.create({ slug: 'fanout', provider: 'custom', authType: 'API_KEY', apiBaseUrl: 'http://127.0.0.1:9/' });
const viewer = { userId: 'fanout-user', isAdmin: false, via: 'api-key' as const };
const server = { url: await app.serve() };
const statusSubscriberCount = () => app.services.statusStreams.subscriberCount();
if (process.env.BENCH_HEAP_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}-before.heapsnapshot`);
const before = settledHeap();
const baseline = statusSubscriberCount();

const QUERY = process.env.BENCH_QUERY ?? 'subscription { connectionStatusChanged { connectionId status sequence connection { id name status } } }';
const clients = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(here, 'fanout-clients.ts'), server.url, String(SUBSCRIBERS), BENCH_API_KEY, viewer.userId, QUERY],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
try {
  execFileSync('taskset', ['-cp', '0', String(clients.pid)], { stdio: 'ignore' });
} catch {
  // no pinning
}
// The bench stops if the clients do (a failure there would otherwise leave it waiting).
clients.once('exit', (code, signal) => {
  if (!finished) {
    console.error(`the subscriber process ended early (${signal ?? `exit ${code}`})`);
    process.exit(1);
  }
});
let finished = false;
const lines = readline.createInterface({ input: clients.stdout! });
const messages: Array<Record<string, unknown>> = [];
let wake: (() => void) | undefined;
lines.on('line', (line) => {
  try {
    messages.push(JSON.parse(line));
    wake?.();
  } catch {
    // not ours
  }
});
async function nextMessage(type: string): Promise<Record<string, unknown>> {
  for (;;) {
    const index = messages.findIndex((message) => message.type === type);
    if (index >= 0) return messages.splice(index, 1)[0]!;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

const subscribeStarted = performance.now();
// Subscribed means: the server holds a listener per subscriber.
const SUBSCRIBE_DEADLINE_MS = 300_000;
while (statusSubscriberCount() < baseline + SUBSCRIBERS) {
  if (performance.now() - subscribeStarted > SUBSCRIBE_DEADLINE_MS) {
    console.error(`only ${statusSubscriberCount() - baseline} of ${SUBSCRIBERS} subscribed after ${SUBSCRIBE_DEADLINE_MS / 1000} s: stopping`);
    clients.kill();
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const subscribeSeconds = (performance.now() - subscribeStarted) / 1000;
await new Promise((resolve) => setTimeout(resolve, 500));
const idle = settledHeap();
// BENCH_HEAP_SNAPSHOT=<prefix>: heap snapshots before the subscribers and with them idle (what each one holds).
if (process.env.BENCH_HEAP_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}-idle.heapsnapshot`);

const latencies: number[] = [];
// The issue's measure: from the start of the mutation that causes the event.
const fromMutation: number[] = [];
// The server's CPU (user + system, this process) from the mutation's start to the last receipt.
const cpuPerEvent: number[] = [];
const perEvent: string[] = [];
/** From the mutation's start, for the events after the first two (which pay for JIT and query compilation). */
const fromMutationWarm: number[] = [];
const profileFile = process.env.BENCH_CPU_PROFILE;
const profiler = profileFile ? new Session() : undefined;
const eventProfiles: object[] = [];
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
}
for (let event = 0; event < EVENTS; event++) {
  if (profiler) await profiler.post('Profiler.start');
  let publishedAt = 0;
  const stop = app.changes.onConnection((change) => {
    if (change.status) publishedAt = performance.timeOrigin + performance.now();
  });
  clients.stdin!.write(`${JSON.stringify({ type: 'expect', count: SUBSCRIBERS })}\n`);
  await nextMessage('armed');
  const mutationStartedAt = performance.timeOrigin + performance.now();
  const cpuBefore = process.cpuUsage();
  await app.services.createConnection(viewer, { integration: 'fanout', connectionName: 'default', apiKey: `key-${event}` });
  stop();
  const received = (await nextMessage('received')) as { times: number[] };
  const cpu = process.cpuUsage(cpuBefore);
  if (profiler) eventProfiles.push((await profiler.post('Profiler.stop')).profile);
  cpuPerEvent.push((cpu.user + cpu.system) / 1000);
  latencies.push(...received.times.map((time) => time - publishedAt));
  fromMutation.push(...received.times.map((time) => time - mutationStartedAt));
  if (event >= 2) fromMutationWarm.push(...received.times.map((time) => time - mutationStartedAt));
  const sorted = received.times.map((time) => time - mutationStartedAt).sort((a, b) => a - b);
  perEvent.push(
    `event ${event + 1}: mutation → publish ${(publishedAt - mutationStartedAt).toFixed(1)} ms, from the mutation's start p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p99 ${sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]!.toFixed(1)} ms, server CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms`,
  );
}
if (profiler) {
  eventProfiles.forEach((profile, index) => writeFileSync(profileFile!.replace(/(\.cpuprofile)?$/, `-event${index + 1}$1`), JSON.stringify(profile)));
  profiler.disconnect();
}
fromMutation.sort((a, b) => a - b);
finished = true;
clients.stdin!.end();
clients.kill();
await app.close();

latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
console.log(`\nconnectionStatusChanged fan-out over graphql-ws: ${SUBSCRIBERS} subscribers, ${EVENTS} events, ${new Date().toISOString()}\n${QUERY}\n`);
console.log('| figure | value |');
console.log('| --- | ---: |');
console.log(`| subscribers connected and subscribed in | ${subscribeSeconds.toFixed(2)} s |`);
console.log(`| delivery p50 (publish → client receipt) | ${at(0.5).toFixed(1)} ms |`);
console.log(`| delivery p99 | ${at(0.99).toFixed(1)} ms |`);
console.log(`| delivery max (the last of ${SUBSCRIBERS}) | ${latencies.at(-1)!.toFixed(1)} ms |`);
console.log(`| from the mutation's start: p50 | ${fromMutation[Math.floor(0.5 * fromMutation.length)]!.toFixed(1)} ms |`);
console.log(`| from the mutation's start: p99 | ${fromMutation[Math.min(fromMutation.length - 1, Math.floor(0.99 * fromMutation.length))]!.toFixed(1)} ms |`);
if (fromMutationWarm.length) {
  fromMutationWarm.sort((a, b) => a - b);
  console.log(`| from the mutation's start, events 3+ (warm): p50 | ${fromMutationWarm[Math.floor(0.5 * fromMutationWarm.length)]!.toFixed(1)} ms |`);
  console.log(
    `| from the mutation's start, events 3+ (warm): p99 | ${fromMutationWarm[Math.min(fromMutationWarm.length - 1, Math.floor(0.99 * fromMutationWarm.length))]!.toFixed(1)} ms |`,
  );
}
const cpuMedian = cpuPerEvent.sort((a, b) => a - b)[Math.floor(cpuPerEvent.length / 2)]!;
console.log(`| server CPU per event (median, mutation included) | ${cpuMedian.toFixed(1)} ms |`);
console.log(`| server CPU per event per subscriber | ${((cpuMedian * 1000) / SUBSCRIBERS).toFixed(1)} µs |`);
console.log(`| server heap per idle subscriber${gc ? '' : ' (no --expose-gc: rough)'} | ${((idle.heap - before.heap) / SUBSCRIBERS / 1024).toFixed(1)} KiB |`);
console.log(`| server RSS per idle subscriber | ${((idle.rss - before.rss) / SUBSCRIBERS / 1024).toFixed(1)} KiB |`);
console.log(`\n${perEvent.join('\n')}`);
process.exit(0);
