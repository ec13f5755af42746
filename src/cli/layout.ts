// The layout of src/, one line per folder, top to bottom in import order: a folder imports only from
// folders below it (kernel/ at the bottom); the import-boundary check in CI enforces it. The "Layout"
// of docs/internals.md is generated from this list (npm run layout:docs).

export interface LayoutEntry {
  path: string;
  says: string;
}

export const LAYOUT: readonly LayoutEntry[] = [
  { path: 'main.ts', says: 'the entry point: reads the configuration once, builds the app, migrates, serves, stops on signals' },
  { path: 'app.ts', says: 'the composition root: createApp(config) wires every part below and owns start and stop' },
  { path: 'warm-up.ts', says: "what an app reads once right after ready, in the background, so the first requests and events don't pay for it" },
  { path: 'config.ts', says: "the configuration: every capability's settings slice, read and checked once" },
  { path: 'cli/', says: 'npm run db:migrate, keys:rotate, schema:print, catalog:readme, settings:docs, layout:docs' },
  { path: 'console/', says: 'the console at /console: its built files, sign-in with an API key for an HttpOnly cookie, the session clean-up job' },
  { path: 'http/', says: 'the node:http server: the route table, CORS, compression, /health, /ready, /metrics' },
  { path: 'graphql/', says: 'the yoga server, its use-*.ts plugins, the WebSocket transport, shared subscription execution' },
  { path: 'graphql/schema/', says: 'the types, queries and mutations, one file per feature; resolvers call the services' },
  { path: 'auth/', says: 'who is calling: JWTs, API keys, connect-session tokens, console sessions, development mode' },
  { path: 'mcp/', says: "agents: Switchboard's MCP server at /mcp (list_connections, call_api, connect, the catalog's tools)" },
  { path: 'connect-sessions/', says: 'connect sessions: tokens, the GraphQL gate, the hosted connect page, the SDK route' },
  { path: 'oauth/', says: 'the browser flows: OAuth 2.0 with PKCE, OAuth 1.0a, GitHub App installs, the callback' },
  { path: 'connections/', says: 'connections made without a browser: imports, machine grants, disconnect' },
  { path: 'proxy/', says: 'proxyRequest and the path proxy: URL and header rules, retries, rate limits per viewer and per provider' },
  { path: 'health/', says: 'credential checks, verifyConnection, the health-checks job' },
  { path: 'webhooks/', says: 'signed webhooks: endpoints, the outbox hook, delivery SQL, sending, the worker job, retention' },
  {
    path: 'webhooks/provider/',
    says: 'provider webhooks: the inbound route, verification as the catalog declares, forwarding through the outbox, the subscription',
  },
  { path: 'activity/', says: 'the activity log: the batching recorder (a subscriber of domain events), retention' },
  { path: 'metrics/', says: 'Prometheus metrics of an app (a subscriber of domain events)' },
  { path: 'realtime/', says: 'the change feed across instances (Redis), status subscriptions and their fan-out' },
  { path: 'sandbox/', says: 'the development-only sandbox provider (oidc-provider, mounted)' },
  { path: 'tokens/', says: 'the token lifecycle: leases, the refresh state machine, the refresher, the sweep job, the breaker' },
  { path: 'tokens/grants/', says: 'the TokenGrant seam: refresh tokens, client credentials, JWT bearer, GitHub App tokens' },
  { path: 'provider/', says: "talking to a provider's authorization server: configuration, templated URLs, OAuth 1.0a signing" },
  { path: 'domain/', says: 'the model and its rules: access, integrations, the connection store and lookup, events, changes' },
  { path: 'catalog/', says: 'the built-in provider templates and their schema' },
  { path: 'catalog/providers/', says: 'the templates, one file per category' },
  { path: 'db/', says: 'the database (PGlite or PostgreSQL), transactions, migrations' },
  { path: 'crypto/', says: 'envelope encryption, the keyring, private keys for signing assertions' },
  { path: 'net/', says: 'the one outbound HTTP layer: agents, address checks (SSRF), the transaction guard' },
  { path: 'html/', says: 'server-rendered pages: escaping, nonces, the strict CSP' },
  { path: 'telemetry/', says: 'OpenTelemetry tracing, loaded only when an OTLP endpoint is set' },
  { path: 'kernel/', says: 'plumbing: errors, ids, settings, logs, the event bus, jobs, backoff, memoization' },
  { path: 'paths.ts', says: 'where the checkout keeps the files read at run time' },
];

export const LAYOUT_START = '<!-- layout:start (npm run layout:docs) -->';
export const LAYOUT_END = '<!-- layout:end -->';

export function layoutTree(entries: readonly LayoutEntry[] = LAYOUT): string {
  const width = Math.max(...entries.map((entry) => entry.path.length)) + 4;
  const lines = entries.map((entry) => `  ${entry.path.padEnd(width)}${entry.says}`);
  return [
    '```',
    'src/',
    ...lines,
    'console/                the console (Vite + React + urql, typed by GraphQL Code Generator), built into dist/console',
    'packages/connect/       the frontend SDK, served at /sdk/connect.js',
    'packages/node/          the Node SDK (@switchboard/node), typed from schema.graphql (npm run sdk:codegen)',
    'prisma/                 schema.prisma and migrations',
    'test/                   vitest suites, on PGlite and, with DATABASE_URL, on PostgreSQL',
    'bench/                  benchmarks (npm run bench:*)',
    '```',
  ].join('\n');
}

export function withLayout(document: string, tree: string): string {
  const start = document.indexOf(LAYOUT_START);
  const end = document.indexOf(LAYOUT_END);
  if (start < 0 || end < start) throw new Error(`The layout markers are missing (${LAYOUT_START} … ${LAYOUT_END}).`);
  return `${document.slice(0, start + LAYOUT_START.length)}\n\n${tree}\n\n${document.slice(end)}`;
}
