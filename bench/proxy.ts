// npm run bench:proxy — requests/s and latency of a proxied GET of a small JSON answer, on 127.0.0.1:
//   direct        autocannon → upstream
//   floor         → node:http in, undici out, token injected → upstream (the least a Node proxy does)
//   yoga-bare     → a graphql-yoga mutation that only forwards (no auth, no lookup) → upstream
//   proxyRequest  → Switchboard's mutation (API-key auth, connection lookup, policy, token) → upstream
//   path proxy    → Switchboard's /api/integrations/:integration/request/* → upstream
//   … (log off)   → the same two on a Switchboard with ACTIVITY_LOG=off (what the activity log costs)
//   … (log, every call) → the same two storing every successful call (ACTIVITY_PROXY_SUCCESSES_PER_SECOND=0);
//                   by default the log stores every failure and at most 100 successful calls a second
//   proxyRequest (uncompiled) → proxyRequest with every operation on graphql-js (GRAPHQL_COMPILED_EXECUTION=false)
// BENCH_DATABASE_URL=postgresql://… runs the Switchboards on PostgreSQL (a throw-away database each,
// dropped at the end) instead of the embedded database in memory.
// Each server runs in its own process; autocannon (20 connections) runs here. Everything stops by itself.
// On a machine with taskset and 2+ cores, the load generator and the upstream share core 0 and the
// server being measured has core 1 to itself, so that the figures do not depend on the scheduler.
// Targets are measured in turn, ROUNDS times (BENCH_ROUNDS, default 5), each run BENCH_SECONDS long
// (default 4); the table shows each one's median run, and its median ratio to the floor of the same round.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 20;
const children: ChildProcess[] = [];

const canPin =
  os.cpus().length >= 2 &&
  (() => {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
function pin(pid: number, cpu: number): void {
  if (canPin) execFileSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}
pin(process.pid, 0);

/** CPU time (user + system) a process has used so far, in microseconds, from /proc (Linux). */
function cpuMicros(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL;
const benchDatabases: string[] = [];
/** A throw-away PostgreSQL database for one Switchboard role, or undefined on the embedded database. */
async function roleDatabase(role: string): Promise<string | undefined> {
  if (!BENCH_DATABASE_URL || !role.startsWith('switchboard')) return undefined;
  const name = `switchboard_bench_proxy_${role.replace(/\W/g, '_')}_${process.pid}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  benchDatabases.push(name);
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
async function dropBenchDatabases(): Promise<void> {
  if (!BENCH_DATABASE_URL || !benchDatabases.length) return;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  for (const name of benchDatabases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

async function startRole(role: string, upstreamUrl = ''): Promise<{ url: string; apiKey?: string; pid: number }> {
  const databaseUrl = await roleDatabase(role);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'servers.ts'), role, upstreamUrl], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_FILE: '', ...(databaseUrl ? { BENCH_ROLE_DATABASE_URL: databaseUrl } : {}) },
  });
  children.push(child);
  pin(child.pid!, role === 'upstream' ? 0 : 1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start`)), 180_000);
    child.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { role?: string; url: string; apiKey?: string };
        if (message.role === role) {
          clearTimeout(timer);
          resolve({ ...message, pid: child.pid! });
        }
      } catch {
        // a log line
      }
    });
  });
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
process.on('exit', stopAll);

interface Result {
  name: string;
  rps: number;
  /** The measured server's CPU time per request (median run), in microseconds. */
  cpuPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Run {
  result: autocannon.Result;
  cpuPerRequest: number;
}

async function run(options: autocannon.Options, seconds: number, pid?: number): Promise<Run> {
  const before = pid ? cpuMicros(pid) : NaN;
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });
  const used = pid ? cpuMicros(pid) - before : NaN;
  return { result, cpuPerRequest: used / result.requests.total };
}

function summary(name: string, allRuns: Run[]): Result {
  const middle = Math.floor(allRuns.length / 2);
  const median = [...allRuns].sort((a, b) => a.result.requests.average - b.result.requests.average)[middle]!.result;
  const runs = allRuns.map((entry) => entry.result);
  return {
    name,
    rps: median.requests.average,
    cpuPerRequest: [...allRuns].map((entry) => entry.cpuPerRequest).sort((a, b) => a - b)[middle]!,
    p50: median.latency.p50,
    p99: median.latency.p99,
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

// BENCH_ONLY=floor,path measures only the targets whose names contain one of those words, and starts
// only the servers they need (each Switchboard takes a while to start on a busy machine).
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const measured = (name: string) => !only.length || only.some((word) => name.includes(word));
const upstream = await startRole('upstream');
/** A role's server when one of its targets is measured; a placeholder (no URL) when none is. */
const startFor = async (role: string, targetNames: string[]): Promise<{ url: string; apiKey?: string; pid: number }> =>
  targetNames.some(measured) ? startRole(role, upstream.url) : { url: '', pid: 0 };
const floor = await startFor('floor', ['floor (node:http + undici)']);
const yogaBare = await startFor('yoga-bare', ['yoga-bare (forward only)']);
const switchboard = await startFor('switchboard', ['proxyRequest (GraphQL)', 'path proxy']);
const switchboardLogOff = await startFor('switchboard-log-off', ['proxyRequest (log off)', 'path proxy (log off)']);
const switchboardLogAll = await startFor('switchboard-log-all', ['proxyRequest (log, every call)', 'path proxy (log, every call)']);
const switchboardUncompiled = await startFor('switchboard-uncompiled', ['proxyRequest (uncompiled)']);
const apiKey = [switchboard, switchboardLogOff, switchboardLogAll, switchboardUncompiled].find((server) => server.apiKey)?.apiKey ?? '';
const auth = { 'x-api-key': apiKey, 'x-user-id': 'bench-user' };

/** proxyRequest and the path proxy on one Switchboard; `suffix` names which one. */
function switchboardTargets(suffix: string, server: { url: string; pid: number }): Array<[string, autocannon.Options, number]> {
  const graphqlRequest: autocannon.Options = {
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({
      query: 'mutation { proxyRequest(input: { integration: "bench", url: "item" }) { ... on ProxyResponse { status data } ... on Error { code } } }',
    }),
  };
  return [
    [suffix ? `proxyRequest${suffix}` : 'proxyRequest (GraphQL)', graphqlRequest, server.pid],
    [`path proxy${suffix}`, { url: `${server.url}/api/integrations/bench/request/item`, headers: auth }, server.pid],
  ];
}

const targets: Array<[string, autocannon.Options, number]> = [
  ['direct', { url: `${upstream.url}/api/v1/item`, headers: { authorization: 'Bearer bench-access-token' } }, upstream.pid],
  ['floor (node:http + undici)', { url: `${floor.url}/proxy/item` }, floor.pid],
  [
    'yoga-bare (forward only)',
    {
      url: `${yogaBare.url}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { forward(url: "item") { status data } }' }),
    },
    yogaBare.pid,
  ],
  ...switchboardTargets('', switchboard),
  ...switchboardTargets(' (log off)', switchboardLogOff),
  ...switchboardTargets(' (log, every call)', switchboardLogAll),
  switchboardTargets(' (uncompiled)', switchboardUncompiled)[0]!,
];
if (only.length) targets.splice(0, targets.length, ...targets.filter(([name]) => measured(name)));
// Warm-up (JIT, connection pools, caches), then the rounds, each target in turn.
for (const [, options] of targets) await run(options, 2);
const runs = new Map<string, Run[]>(targets.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, options, pid] of targets) runs.get(name)!.push(await run(options, SECONDS, pid));
}
const results = targets.map(([name]) => summary(name, runs.get(name)!));
// The machine's speed drifts from minute to minute, so each target is compared with the floor run
// of the same round, and the table shows the median of those per-round ratios.
const floorName = targets.find(([name]) => name.startsWith('floor'))?.[0];
function medianRatio(name: string, measure: (run: Run) => number, higherIsBetter: boolean): string {
  if (!floorName) return 'n/a';
  const floorRuns = runs.get(floorName)!;
  const ratios = runs.get(name)!.map((entry, round) => {
    const [target, reference] = [measure(entry), measure(floorRuns[round]!)];
    return higherIsBetter ? target / reference : reference / target;
  });
  return `${(ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]! * 100).toFixed(0)}%`;
}
// requests/s moves with whatever else the machine runs; the measured server's CPU time per request
// moves less, so its ratio to the floor's is the steadier figure.
console.log('| target | requests/s | p50 ms | p99 ms | vs floor (requests/s) | server CPU µs/request | vs floor (CPU) | errors | non-2xx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const result of results) {
  console.log(
    `| ${result.name} | ${result.rps.toFixed(0)} | ${result.p50} | ${result.p99} | ${medianRatio(result.name, (entry) => entry.result.requests.average, true)} | ` +
      `${result.cpuPerRequest.toFixed(0)} | ${medianRatio(result.name, (entry) => entry.cpuPerRequest, false)} | ${result.errors} | ${result.non2xx} |`,
  );
}
// What each Switchboard's activity log did with the calls (from its /metrics).
async function activityCounts(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const proxied = value(/^switchboard_operations_total\{kind="PROXY",outcome="SUCCESS"\} (\d+)/m);
  const sampledOut = value(/^switchboard_activity_sampled_out_total (\d+)/m);
  const dropped = value(/^switchboard_activity_dropped_total (\d+)/m);
  return `${proxied.toLocaleString('en')} successful proxied calls: ${(proxied - sampledOut - dropped).toLocaleString('en')} stored, ${sampledOut.toLocaleString('en')} not stored (the per-second cap), ${dropped.toLocaleString('en')} dropped (overload)`;
}
console.log(
  `\nDatabase: ${BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded (PGlite, in memory)'}; load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}.`,
);
// The log's cost: each target against its log-off twin, per round (same minute), median of the rounds.
function ratioToLogOff(name: string, twin: string): string | undefined {
  const [own, off] = [runs.get(name), runs.get(twin)];
  if (!own || !off) return undefined;
  const ratios = own.map((entry, round) => entry.result.requests.average / off[round]!.result.requests.average).sort((a, b) => a - b);
  return `${(ratios[Math.floor(ratios.length / 2)]! * 100).toFixed(0)}%`;
}
for (const via of ['proxyRequest', 'path proxy']) {
  const name = via === 'path proxy' ? 'path proxy' : 'proxyRequest (GraphQL)';
  const [withLog, everyCall] = [ratioToLogOff(name, `${via} (log off)`), ratioToLogOff(`${via} (log, every call)`, `${via} (log off)`)];
  if (withLog || everyCall) console.log(`${via}, requests/s with the log on vs off: default ${withLog ?? 'n/a'}, storing every call ${everyCall ?? 'n/a'}.`);
}
if (switchboard.url) console.log(`Activity log, default settings: ${await activityCounts(switchboard.url)}.`);
if (switchboardLogAll.url) console.log(`Activity log, every call: ${await activityCounts(switchboardLogAll.url)}.`);
const failures = results.filter((result) => result.errors > 0 || result.non2xx > 0);
stopAll();
await dropBenchDatabases();
if (failures.length) {
  console.error(`\nSome runs had errors: ${failures.map((result) => result.name).join(', ')}`);
  process.exit(1);
}
process.exit(0);
