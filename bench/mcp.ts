// npm run bench:mcp — Switchboard's MCP server (/mcp) on 127.0.0.1, one call at a time through the
// official SDK's client (Streamable HTTP, as agents call it):
//   tools/list          the tools of a user with a catalog integration (one database read per request)
//   call_api            a GET of a small JSON answer through the MCP tool
//   proxyRequest        the same call through the GraphQL mutation (same auth, same connection)
// and call_api's overhead over proxyRequest (the difference of the medians). The two calls alternate,
// so that both see the same machine. BENCH_CALLS (default 1000) of each after 200 to warm up. On the
// embedded database in memory; everything stops by itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BENCH_API_KEY, loadEmbeddedSwitchboard } from './embedded.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const WARMUP = 200;
const USER = { 'x-api-key': BENCH_API_KEY, 'x-user-id': 'bench-user' };

const upstream = http.createServer((_req, res) => {
  const body = JSON.stringify({ id: 1, name: 'a small JSON answer', tags: ['a', 'b'] });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

// Successful calls are all logged as a server's would be by default (at most 100 a second stored).
const app = await loadEmbeddedSwitchboard({ PROXY_RATE_LIMIT_PER_SECOND: '0' });
const url = await app.serve();

async function graphql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data: Record<string, { __typename: string; status?: number }> };
}

const admin = { 'x-api-key': BENCH_API_KEY };
await graphql(
  'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
  { input: { slug: 'bench-api', provider: 'custom', name: 'Bench API', authType: 'API_KEY', apiBaseUrl: `${upstreamUrl}/v1` } },
  admin,
);
await graphql(
  'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
  { input: { slug: 'github', provider: 'github', clientId: 'c', clientSecret: 's' } },
  admin,
);
const connected = await graphql(
  'mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { __typename } }',
  { input: { integration: 'bench-api', apiKey: 'bench-user-key' } },
  USER,
);
if (connected.data.createConnection!.__typename !== 'CreateConnectionPayload') throw new Error('could not connect');

const client = new Client({ name: 'bench', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: USER } }));

const PROXY = 'mutation ($input: ProxyRequestInput!) { proxyRequest(input: $input) { __typename ... on ProxyResponse { status data } } }';
const timed = async (run: () => Promise<void>, into: number[]) => {
  const started = performance.now();
  await run();
  into.push(performance.now() - started);
};
const listTools = async () => {
  const { tools } = await client.listTools();
  if (tools.length < 5) throw new Error('tools/list is missing tools');
};
const callApi = async () => {
  const answer = (await client.callTool({ name: 'call_api', arguments: { integration: 'bench-api', path: 'item' } })) as {
    structuredContent?: { status?: number };
  };
  if (answer.structuredContent?.status !== 200) throw new Error(`call_api failed: ${JSON.stringify(answer)}`);
};
const proxyRequest = async () => {
  const answer = await graphql(PROXY, { input: { integration: 'bench-api', url: 'item' } }, USER);
  if (answer.data.proxyRequest!.status !== 200) throw new Error(`proxyRequest failed: ${JSON.stringify(answer)}`);
};

const list: number[] = [];
const viaMcp: number[] = [];
const viaGraphql: number[] = [];
for (let index = 0; index < WARMUP; index++) {
  await listTools();
  await callApi();
  await proxyRequest();
}
for (let index = 0; index < CALLS; index++) {
  await timed(listTools, list);
  // Alternate which goes first, so that neither always follows the other.
  if (index % 2) {
    await timed(callApi, viaMcp);
    await timed(proxyRequest, viaGraphql);
  } else {
    await timed(proxyRequest, viaGraphql);
    await timed(callApi, viaMcp);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const row = (name: string, values: number[]) =>
  `${name.padEnd(14)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p90 ${percentile(values, 90).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms`;
console.log(
  `bench:mcp — ${CALLS} calls each, one at a time, Node ${process.version}, load average ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
console.log(row('tools/list', list));
console.log(row('call_api', viaMcp));
console.log(row('proxyRequest', viaGraphql));
const overhead = percentile(viaMcp, 50) - percentile(viaGraphql, 50);
console.log(
  `call_api over proxyRequest: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)} ms at p50 (ratio ${(percentile(viaMcp, 50) / percentile(viaGraphql, 50)).toFixed(2)})`,
);
console.log(
  `targets: tools/list p50 ≤ 20 ms: ${percentile(list, 50) <= 20 ? 'met' : 'NOT met'}; call_api overhead ≤ 2 ms p50: ${overhead <= 2 ? 'met' : 'NOT met'}`,
);

await client.close();
await app.close();
await new Promise<void>((resolve) => upstream.close(() => resolve()));
