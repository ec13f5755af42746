// npm run bench:proxy — requests/s and latency of a proxied GET of a small JSON answer, on 127.0.0.1:
//   direct        autocannon → upstream
//   floor         → node:http in, undici out, token injected → upstream (the least a Node proxy does)
//   yoga-bare     → a graphql-yoga mutation that only forwards (no auth, no lookup) → upstream
//   proxyRequest  → Switchboard's mutation (API-key auth, connection lookup, policy, token) → upstream
//   path proxy    → Switchboard's /api/integrations/:integration/request/* → upstream
// Each server runs in its own process; autocannon (20 connections) runs here. Everything stops by itself.
// BENCH_SECONDS (default 10) sets each run's length.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
const children: ChildProcess[] = [];

function startRole(role: string, upstreamUrl = ''): Promise<{ url: string; apiKey?: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'servers.ts'), role, upstreamUrl], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_FILE: '' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { role?: string; url: string; apiKey?: string };
        if (message.role === role) {
          clearTimeout(timer);
          resolve(message);
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
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(name: string, options: autocannon.Options, seconds = SECONDS): Promise<Result> {
  // A short warm-up (JIT, connection pools, caches), then the measured run.
  await autocannon({ ...options, connections: CONNECTIONS, duration: 2 });
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const upstream = await startRole('upstream');
const floor = await startRole('floor', upstream.url);
const yogaBare = await startRole('yoga-bare', upstream.url);
const switchboard = await startRole('switchboard', upstream.url);
const auth = { 'x-api-key': switchboard.apiKey!, 'x-user-id': 'bench-user' };

const results: Result[] = [];
results.push(await load('direct', { url: `${upstream.url}/api/v1/item`, headers: { authorization: 'Bearer bench-access-token' } }));
results.push(await load('floor (node:http + undici)', { url: `${floor.url}/proxy/item` }));
results.push(
  await load('yoga-bare (forward only)', {
    url: `${yogaBare.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { forward(url: "item") { status data } }' }),
  }),
);
results.push(
  await load('proxyRequest (GraphQL)', {
    url: `${switchboard.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ query: 'mutation { proxyRequest(input: { integration: "bench", url: "item" }) { ... on ProxyResponse { status data } ... on Error { code } } }' }),
  }),
);
results.push(await load('path proxy', { url: `${switchboard.url}/api/integrations/bench/request/item`, headers: auth }));

const floorRps = results[1]!.rps;
console.log(`\nProxied GET of a small JSON answer on 127.0.0.1, ${CONNECTIONS} connections, ${SECONDS} s each (after 2 s warm-up), ${new Date().toISOString()}\n`);
console.log('| target | requests/s | p50 ms | p99 ms | vs floor | errors | non-2xx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const result of results) {
  console.log(
    `| ${result.name} | ${result.rps.toFixed(0)} | ${result.p50} | ${result.p99} | ${((result.rps / floorRps) * 100).toFixed(0)}% | ${result.errors} | ${result.non2xx} |`,
  );
}
const failures = results.filter((result) => result.errors > 0 || result.non2xx > 0);
stopAll();
if (failures.length) {
  console.error(`\nSome runs had errors: ${failures.map((result) => result.name).join(', ')}`);
  process.exit(1);
}
process.exit(0);
