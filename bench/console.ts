// npm run bench:console — the console in headless Chromium (Debian's, through playwright-core) on a
// warm server holding 1,000 connections: the time from navigating to /console/connections to the
// first rendered row of the connections table (BENCH_RUNS, default 10, each in a fresh page of a
// signed-in browser), and the console's JavaScript and CSS sizes, raw and gzipped. On the embedded
// database in memory; everything stops by itself.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ensureConsoleBuilt } from '../test/helpers/console.js';
import { projectRoot } from '../src/paths.js';
import { BENCH_API_KEY, loadEmbeddedSwitchboard } from './embedded.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CONNECTIONS = 1000;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

await ensureConsoleBuilt();
const port = await freePort();
const publicUrl = `http://127.0.0.1:${port}`;
const app = await loadEmbeddedSwitchboard({ PUBLIC_URL: publicUrl });
await app.listen({ port, host: '127.0.0.1' });
await app.ready();

const admin = { 'content-type': 'application/json', 'x-api-key': BENCH_API_KEY };
async function graphql(query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${publicUrl}/graphql`, { method: 'POST', headers: admin, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data: Record<string, { __typename: string }> };
}
await graphql('mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }', {
  input: { slug: 'bench-api', provider: 'custom', name: 'Bench API', authType: 'API_KEY', apiBaseUrl: 'https://api.example.com/' },
});
const started = Date.now();
for (let batch = 0; batch < CONNECTIONS; batch += 20) {
  await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      graphql('mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { __typename } }', {
        input: { integration: 'bench-api', apiKey: `key-${batch + index}`, connectionName: `customer-${batch + index}`, skipVerification: true },
      }),
    ),
  );
}
console.log(`${CONNECTIONS} connections imported in ${Date.now() - started} ms`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const signIn = await context.newPage();
  await signIn.goto(`${publicUrl}/console/`);
  await signIn.getByLabel('API key').fill(BENCH_API_KEY);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.locator('[data-testid="connections-table"] tbody tr').first().waitFor();
  await signIn.close();

  // The page's own clock marks when the first row appears (an observer injected through the DevTools
  // protocol, which the console's CSP does not govern), to split the time into its steps.
  // (Scripts given as text: tsx would wrap named functions in a helper the page does not have.)
  await context.addInitScript(`
    new MutationObserver(() => {
      if (window.firstRowAt === undefined && document.querySelector('[data-testid="connections-table"] tbody tr')) window.firstRowAt = performance.now();
    }).observe(document, { subtree: true, childList: true });
  `);
  const times: number[] = [];
  const steps: Record<string, number[]> = { html: [], session: [], graphql: [], firstRow: [], requests: [], scriptMs: [], taskMs: [] };
  for (let run = 0; run < RUNS + 2; run++) {
    const page = await context.newPage();
    const devtools = await context.newCDPSession(page);
    await devtools.send('Performance.enable');
    const start = performance.now();
    await page.goto(`${publicUrl}/console/connections`);
    await page.locator('[data-testid="connections-table"] tbody tr').first().waitFor();
    const elapsed = performance.now() - start;
    const timeline = (await page.evaluate(`(() => {
      const firstRowAt = window.firstRowAt;
      const navigation = performance.getEntriesByType('navigation')[0];
      const before = performance.getEntriesByType('resource').filter((entry) => entry.responseEnd <= firstRowAt);
      const lastOf = (part) => Math.max(0, ...before.filter((entry) => entry.name.includes(part)).map((entry) => entry.responseEnd));
      // Requests that went to the server (cached assets transfer nothing).
      const fetched = before.filter((entry) => entry.transferSize > 0 || entry.name.includes('/graphql') || entry.name.includes('/api/')).length;
      return { html: navigation.responseEnd, session: lastOf('/console/api/session'), graphql: lastOf('/graphql'), firstRow: firstRowAt, requests: fetched + 1 };
    })()`)) as Record<'html' | 'session' | 'graphql' | 'firstRow' | 'requests', number>;
    const { metrics } = await devtools.send('Performance.getMetrics');
    const metric = (name: string) => (metrics.find((entry) => entry.name === name)?.value ?? 0) * 1000;
    // The first two warm the server's and the browser's caches (a warm server, as the target says).
    if (run >= 2) {
      times.push(elapsed);
      for (const key of ['html', 'session', 'graphql', 'firstRow', 'requests'] as const) steps[key]!.push(timeline[key]);
      steps.scriptMs!.push(metric('ScriptDuration'));
      steps.taskMs!.push(metric('TaskDuration'));
    }
    await page.close();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(
    `time to the first rendered connections row (${CONNECTIONS} connections, ${RUNS} runs): p50 ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms (target ≤ 1000 ms)`,
  );
  console.log(
    `  in the page (medians, ms from navigation start): HTML received ${median(steps.html!).toFixed(0)}, session answered ${median(steps.session!).toFixed(0)}, last GraphQL answer ${median(steps.graphql!).toFixed(0)}, first row ${median(steps.firstRow!).toFixed(0)}`,
  );
  console.log(
    `  requests to the server before the first row ${median(steps.requests!)}; browser main thread per load: scripting ${median(steps.scriptMs!).toFixed(0)} ms, all tasks ${median(steps.taskMs!).toFixed(0)} ms (less affected by load)`,
  );
} finally {
  await browser.close();
  await app.close();
}

const assets = path.join(projectRoot, 'dist', 'console', 'assets');
for (const extension of ['.js', '.css']) {
  const files = fs.readdirSync(assets).filter((name) => name.endsWith(extension));
  const raw = files.reduce((sum, name) => sum + fs.statSync(path.join(assets, name)).size, 0);
  const gzipped = files.reduce((sum, name) => sum + gzipSync(fs.readFileSync(path.join(assets, name))).length, 0);
  console.log(
    `console ${extension}: ${(raw / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzip${extension === '.js' ? ' (target ≤ 300 KB gzip)' : ''}`,
  );
}
