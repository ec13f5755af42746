// npm run bench:profile-proxy — CPU profiles of Switchboard serving proxyRequest and the path proxy,
// with the top frames by self and inclusive time. Each target gets its own Switchboard process, started
// with --cpu-prof and pinned to core 1 (as bench:proxy pins it), loaded by autocannon for
// BENCH_SECONDS (default 8) after a 2 s warm-up, then stopped so that it writes its profile.
// BENCH_ONLY=graphql, path or floor (the floor of bench:proxy, not profiled unless named) profiles those; profiles go to BENCH_PROFILE_DIR
// (default a directory under the system's temporary directory). Everything stops by itself.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { summarizeProfile } from './profile-summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const TOP = Number(process.env.BENCH_TOP ?? 25);
const directory = process.env.BENCH_PROFILE_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-profile-'));
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

function pin(pid: number, cpu: number): void {
  try {
    if (os.cpus().length >= 2) execFileSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    // no taskset: the scheduler decides
  }
}
pin(process.pid, 0);

function startRole(role: string, upstreamUrl: string, nodeFlags: string[]): Promise<{ url: string; apiKey?: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(here, 'servers.ts'), role, upstreamUrl], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_FILE: '' },
  });
  children.push(child);
  pin(child.pid!, role === 'upstream' ? 0 : 1);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { role?: string; url: string; apiKey?: string };
        if (message.role === role) resolve({ ...message, child });
      } catch {
        // a log line
      }
    });
  });
}

const upstream = await startRole('upstream', '', []);
const targets: Record<string, (url: string, apiKey: string) => autocannon.Options> = {
  graphql: (url, apiKey) => ({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'x-user-id': 'bench-user' },
    body: JSON.stringify({
      query: 'mutation { proxyRequest(input: { integration: "bench", url: "item" }) { ... on ProxyResponse { status data } ... on Error { code } } }',
    }),
  }),
  path: (url, apiKey) => ({ url: `${url}/api/integrations/bench/request/item`, headers: { 'x-api-key': apiKey, 'x-user-id': 'bench-user' } }),
  // The floor (node:http in, undici out), to tell the frames every Node proxy pays for from Switchboard's own.
  floor: (url) => ({ url: `${url}/proxy/item` }),
};
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
for (const [name, options] of Object.entries(targets)) {
  if (only.length ? !only.includes(name) : name === 'floor') continue;
  // One profile per thread (tsx's loader runs in a worker): the main thread's is the largest.
  const profileDirectory = path.join(directory, name);
  const server = await startRole(name === 'floor' ? 'floor' : 'switchboard', upstream.url, ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`]);
  const request = options(server.url, server.apiKey!);
  await autocannon({ ...request, connections: 20, duration: 2 });
  const result = await autocannon({ ...request, connections: 20, duration: SECONDS });
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  const file = fs
    .readdirSync(profileDirectory)
    .map((entry) => path.join(profileDirectory, entry))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  console.log(
    `\n## ${name}: ${Math.round(result.requests.average)} requests/s, ${result.non2xx} non-2xx, load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}; ${file}`,
  );
  // Only the measured window (the process stops right after it), not the start-up and warm-up.
  console.log(summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')), TOP, result.requests.total, SECONDS * 1_000_000));
}
process.exit(0);
