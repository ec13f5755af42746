// npm run bench:startup — time from `npm start` (the README's way) to the first 200 from /ready, and
// the idle memory, on: a new embedded database, the same one again (a restart), and PostgreSQL
// (a database already migrated). Each case runs BENCH_RUNS times (default 3); the median is shown.
//
//   BENCH_DATABASE_URL (or DATABASE_URL)  PostgreSQL server for the third case (skipped when unset)
//   BENCH_CWD                             another checkout to measure (e.g. an older commit), default this one
//   BENCH_START                           the command, default "npm start"
//
// The machine may be shared: figures vary from run to run; compare runs made at the same time.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = path.resolve(process.env.BENCH_CWD ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const [command, ...commandArgs] = (process.env.BENCH_START ?? 'npm start').split(' ');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every process below `pid` (npm → node, or npm → sh → tsx → node). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const visit = (id: number) => {
    for (const child of children.get(id) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

function rssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds used by the process and its reaped children (utime + stime + cutime + cstime). */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 of stat(5), counted from the state field (3) here.
    return fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0) / 100;
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

interface Measurement {
  readyMs: number;
  /** CPU time of npm and everything under it until ready: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  /** The largest process: the server. */
  serverRssMiB: number;
  /** npm and everything under it. */
  treeRssMiB: number;
  /** The server's own account of its start (ms since its process started), when it logs one. */
  phases?: Record<string, number>;
}

async function startOnce(env: Record<string, string>): Promise<Measurement> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(command!, commandArgs, {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      // Info: the "listening" line carries the start's phases.
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      PORT: String(port),
      REFRESH_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let phases: Record<string, number> | undefined;
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (let end = stdout.indexOf('\n'); end >= 0; end = stdout.indexOf('\n')) {
      const line = stdout.slice(0, end);
      stdout = stdout.slice(end + 1);
      if (!line.includes('"startupMs"')) continue;
      try {
        const entry = JSON.parse(line) as { startupMs: number; phases?: Record<string, number> };
        phases = { ...entry.phases, ready: entry.startupMs };
      } catch {
        // not a log line
      }
    }
  });
  let readyMs: number;
  let cpu: number;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      if (response.status === 200) {
        readyMs = performance.now() - started;
        cpu = [child.pid!, ...descendants(child.pid!)].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        break;
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 180_000) throw new Error(`not ready after 180 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Idle: let start-up garbage settle.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const tree = [child.pid!, ...descendants(child.pid!)];
  const sizes = tree.map((pid) => ({ pid, rss: rssMiB(pid), command: commandOf(pid) }));
  const server = sizes.reduce((largest, entry) => (entry.rss > largest.rss ? entry : largest));
  const measurement = { readyMs, cpuSeconds: cpu, serverRssMiB: server.rss, treeRssMiB: sizes.reduce((sum, entry) => sum + entry.rss, 0), phases };
  // Stop: SIGTERM to npm (which passes it on); whatever is left after 20 s is killed.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const pid of [child.pid!, ...descendants(child.pid!)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }, 20_000);
  await exited;
  clearTimeout(timer);
  // A server that outlived npm (a signal not passed on) is stopped too, and reported.
  for (const pid of tree.slice(1)) {
    try {
      process.kill(pid, 0);
      console.error(`  note: pid ${pid} (${commandOf(pid)}) outlived npm after SIGTERM; killed`);
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  return measurement;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(name: string, prepare: () => Promise<Record<string, string>>, options: { warmUp?: boolean } = {}) {
  const results: Measurement[] = [];
  for (let run = 0; run < runs; run++) {
    const env = await prepare();
    if (options.warmUp) await startOnce(env);
    results.push(await startOnce(env));
  }
  const row = {
    case: name,
    'ready ms (median)': Math.round(median(results.map((result) => result.readyMs))),
    'ready ms (all)': results.map((result) => Math.round(result.readyMs)).join(' '),
    'CPU s to ready': Number(median(results.map((result) => result.cpuSeconds)).toFixed(2)),
    'server RSS MiB': Math.round(median(results.map((result) => result.serverRssMiB))),
    'npm + server RSS MiB': Math.round(median(results.map((result) => result.treeRssMiB))),
  };
  console.log(JSON.stringify(row));
  // Each phase's median: ms from the server process's start (npm's own start comes before it).
  const named = results.map((result) => result.phases).filter((phases) => phases !== undefined);
  if (named.length) {
    const phases = Object.fromEntries(Object.keys(named[0]!).map((phase) => [phase, median(named.map((entry) => entry[phase] ?? 0))]));
    console.log(`  phases (server's ms since its process started, medians): ${JSON.stringify(phases)}`);
  }
  return row;
}

const temporary: string[] = [];
const rows = [];
console.log(
  `bench:startup in ${root}: "${command} ${commandArgs.join(' ')}", ${runs} runs per case, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`,
);
// A first start builds dist/ when stale; not part of any figure.
{
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
  temporary.push(dir);
  await startOnce({ DATA_DIR: dir, DATABASE_URL: '' });
}
rows.push(
  await measure('new embedded database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
    temporary.push(dir);
    return { DATA_DIR: dir, DATABASE_URL: '' };
  }),
);
rows.push(
  await measure(
    'restart, existing embedded database',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
      temporary.push(dir);
      return { DATA_DIR: dir, DATABASE_URL: '' };
    },
    { warmUp: true },
  ),
);
if (databaseUrl) {
  const name = `switchboard_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  try {
    rows.push(await measure('PostgreSQL (migrated database)', async () => ({ DATABASE_URL: url.toString(), DATA_DIR: os.tmpdir() }), { warmUp: true }));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
} else {
  console.log('PostgreSQL case skipped: set BENCH_DATABASE_URL or DATABASE_URL.');
}
for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
console.table(rows);
