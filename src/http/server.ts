// One node:http server for everything: GraphQL, health checks, and the OAuth and proxy routes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, type Authenticate } from '../auth/viewer.js';
import type { Config } from '../config.js';
import { database } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { logger } from '../logger.js';
import { handleCallback } from './callback.js';
import { corsPolicy, isDevelopmentHostAllowed } from './cors.js';
import { createGraphQLServer, handleGraphQL, type GraphQLServer } from './graphql.js';
import { PATH_PROXY_PATTERN, pathProxyHandler } from './proxy-route.js';
import { sendJson } from './respond.js';
import { attachGraphQLWebSocket } from './websocket.js';
import { closeUpstreamAgents } from '../net/upstream-agent.js';
import { startRefreshScheduler, type RefreshScheduler } from '../tokens/scheduler.js';
import { closeStatusStreams } from '../domain/status-stream.js';
import { recordHttpRequest, renderMetrics, setConnectionCounter, setWebhookPendingCounter, WEBHOOK_PENDING_COUNT_CAP } from '../metrics/index.js';
import { possibleTypesOf } from './possible-types.js';
import { isAuthorizedMetricsRequest } from './metrics-route.js';
import { createSandbox, preloadSandboxClients } from '../sandbox/provider.js';
import { handleConnectPage, handleConnectReturn } from '../connect-ui/connect-page.js';
import { handleSdk } from '../connect-ui/sdk.js';
import { startWebhookWorker, type WebhookWorker } from '../webhooks/worker.js';
import { startActivityServices, type ActivityServices } from '../health/background.js';

export interface SwitchboardServer {
  http: http.Server;
  graphql: GraphQLServer;
  authenticate: Authenticate;
  /** The base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  /** With `deferReady`: the database is migrated; serve everything, start background work. */
  ready(): Promise<void>;
  /**
   * Graceful stop: stop accepting, end subscriptions (SSE completes, WebSockets close with 1001),
   * let requests in flight finish within `drainMs` (SHUTDOWN_DRAIN_MS), stop the refresher (it waits
   * for refreshes in flight), then close what is left.
   */
  close(drainMs?: number): Promise<void>;
}

/** Route names for metrics: a fixed set, never the path itself. */
type RouteName =
  | 'graphql'
  | 'path_proxy'
  | 'oauth_callback'
  | 'connect_page'
  | 'connect_return'
  | 'sdk'
  | 'sandbox'
  | 'health'
  | 'ready'
  | 'metrics'
  | 'possible_types'
  | 'not_found';

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

export async function startServer(
  cfg: Config,
  options: {
    port?: number;
    host?: string;
    /** Listen now, but answer 503 (except /health) until ready() is called. */
    deferReady?: boolean;
    /** A node:http server already listening (bound before the application loaded); it gets the handler. */
    server?: http.Server;
  } = {},
): Promise<SwitchboardServer> {
  const authenticate = createAuthenticator(cfg.auth);
  const graphql = createGraphQLServer({ authenticate, graphiql: !cfg.isProduction });
  const handlePathProxy = pathProxyHandler(authenticate);
  const graphqlOptions = { authenticate, maxBodyBytes: cfg.security.graphqlMaxBodyBytes };
  const cors = corsPolicy(cfg.security.corsOrigins);
  let scheduler: RefreshScheduler | undefined;
  let webhookWorker: WebhookWorker | undefined;
  let activity: ActivityServices | undefined;
  let isReady = false;
  let becoming: Promise<void> | undefined;
  // Reads the database, so it runs only once the migrations are done (a new database has no tables).
  const becomeReady = () =>
    (becoming ??= (async () => {
      if (sandbox) await preloadSandboxClients();
      isReady = true;
      scheduler = startRefreshScheduler(cfg.refresh);
      webhookWorker = startWebhookWorker(cfg.webhooks);
      activity = startActivityServices(cfg);
    })());
  setConnectionCounter(async () => {
    const rows = await database.prisma.$queryRaw<Array<{ integration: string; status: string; count: bigint | number }>>`
      SELECT i."slug" AS "integration", c."status"::text AS "status", count(*) AS "count"
      FROM "Connection" c JOIN "Integration" i ON i."id" = c."integrationId"
      GROUP BY i."slug", c."status"`;
    return rows.map((row) => ({ integration: row.integration, status: row.status, count: Number(row.count) }));
  });
  setWebhookPendingCounter(async () => {
    // Per endpoint (disabled ones too: their deliveries wait), a capped probe of the (endpointId, status, …) index.
    const [row] = await database.prisma.$queryRaw<Array<{ count: bigint | number }>>`
      SELECT count(*) AS "count" FROM "WebhookEndpoint" e
      CROSS JOIN LATERAL (
        SELECT 1 FROM "WebhookDelivery" d WHERE d."endpointId" = e."id" AND d."status" = 'PENDING' LIMIT ${WEBHOOK_PENDING_COUNT_CAP}::int
      ) pending`;
    return Number(row?.count ?? 0);
  });
  const possibleTypes = JSON.stringify(possibleTypesOf(graphql.getEnveloped().schema));
  // Development only: the built-in sandbox provider (never mounted in production).
  const sandbox = cfg.sandbox.enabled && !cfg.isProduction ? createSandbox() : undefined;

  const routes: Record<string, Route> = {
    '/oauth2/callback': handleCallback,
    '/oauth1/callback': handleCallback,
    '/connect': handleConnectPage,
    '/connect/return': handleConnectReturn,
    '/sdk/connect.js': handleSdk,
    '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/metrics': async (req, res) => {
      if (!isAuthorizedMetricsRequest(req, cfg.operations.metricsToken)) {
        return sendJson(res, 401, { error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' }, { 'www-authenticate': 'Bearer' });
      }
      const { contentType, body } = await renderMetrics();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    // For Apollo Client's possibleTypes (unions and interfaces: "... on Error" needs it).
    '/graphql/possible-types.json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300', 'content-length': Buffer.byteLength(possibleTypes) });
      res.end(possibleTypes);
    },
    '/ready': async (_req, res) => {
      if (!isReady) return sendJson(res, 503, { status: 'starting', database: database.kind });
      try {
        // A frozen database must not make the check hang: load balancers want an answer.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('the database did not answer in time')), cfg.databasePool.readyTimeoutMs);
        });
        await Promise.race([database.prisma.$queryRaw`SELECT 1`, timeout]).finally(() => clearTimeout(timer));
        sendJson(res, 200, { status: 'ready', database: database.kind });
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, 'readiness check failed');
        sendJson(res, 503, { status: 'unavailable', database: database.kind });
      }
    },
  };

  // Requests being answered, so that shutdown can wait for them; subscriptions end on their own first.
  const inFlight = new Set<http.ServerResponse>();
  let drained: (() => void) | undefined;
  const handleRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    let routeName: RouteName = 'not_found';
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      recordHttpRequest(routeName, res.statusCode, (performance.now() - started) / 1000);
      if (inFlight.size === 0) drained?.();
    });
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    let url: URL | undefined;
    try {
      if (cfg.auth.devMode && !isDevelopmentHostAllowed(req.headers.host, cfg.publicUrl)) {
        return sendJson(res, 421, { error: 'misdirected_request', message: 'Without authentication, only localhost and PUBLIC_URL\'s host are served.' });
      }
      if (!isReady && rawPath !== '/health' && rawPath !== '/ready') {
        return sendJson(res, 503, { error: 'starting', message: 'Switchboard is starting (database migrations).' }, { 'retry-after': '1' });
      }
      if (rawPath === '/graphql') {
        routeName = 'graphql';
        return cors.handle(req, res) ? undefined : await handleGraphQL(graphql, graphqlOptions, req, res);
      }
      // Matched on the path as sent: the proxy's own rules judge dot segments, rather than the URL parser removing them here.
      const proxyMatch = PATH_PROXY_PATTERN.exec(rawPath);
      if (proxyMatch) {
        routeName = 'path_proxy';
        return cors.handle(req, res) ? undefined : await handlePathProxy(req, res, req.url!.slice(rawPath.length), proxyMatch);
      }
      if (proxyMatch) return await handlePathProxy(req, res, req.url!.slice(rawPath.length), proxyMatch);
      if (sandbox && rawPath.startsWith('/sandbox/')) {
        routeName = 'sandbox';
        return await sandbox.handle(req, res, rawPath);
      }
      url = new URL(req.url ?? '/', 'http://internal');
      const route = routes[url.pathname];
      if (route) {
        routeName = ROUTE_NAMES[url.pathname] ?? 'not_found';
        return await route(req, res, url);
      }
      sendJson(res, 404, { error: 'not_found', message: `No route ${url.pathname}` });
    } catch (error) {
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message }, path: rawPath }, 'request failed');
      if (!res.headersSent && isDatabaseUnavailable(error)) sendJson(res, 503, { error: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly.' });
      else if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'Internal server error' });
      else res.destroy();
    }
  };
  const server = options.server ?? http.createServer();
  server.on('request', handleRequest);
  server.keepAliveTimeout = 65_000;
  const websocket = attachGraphQLWebSocket(server, graphql, {
    authenticate,
    // The app's origins, and this server's own (GraphiQL).
    allowedOrigins: [...new Set([...cfg.security.corsOrigins, new URL(cfg.publicUrl).origin])],
    pingIntervalMs: cfg.security.websocketPingIntervalMs,
    connectionInitWaitMs: cfg.security.websocketInitTimeoutMs,
    maxBufferedBytes: cfg.security.websocketMaxBufferedBytes,
    maxOperations: cfg.security.websocketMaxOperations,
    subscriptionQueueMax: cfg.security.subscriptionQueueMax,
  });

  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? cfg.port, options.host ?? cfg.host, () => resolve());
    });
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  if (!options.deferReady) await becomeReady();

  return {
    http: server,
    graphql,
    authenticate,
    url,
    ready: becomeReady,
    async close(drainMs = cfg.operations.shutdownDrainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Subscriptions have no natural end: end them now (SSE gets "complete", WebSockets 1001).
      closeStatusStreams();
      const stopRefresher = scheduler?.stop() ?? Promise.resolve();
      const stopWebhooks = webhookWorker?.stop() ?? Promise.resolve();
      await websocket.close();
      // Requests still running may finish within the drain period; then their sockets are closed.
      const allDone = inFlight.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allDone, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
      // Keep-alive sockets that went idle after their last answer, and anything past the drain period.
      server.closeAllConnections();
      await closed;
      await stopRefresher;
      await stopWebhooks;
      await graphql.dispose();
      await activity?.stop();
      await closeUpstreamAgents();
    },
  };
}

const ROUTE_NAMES: Record<string, RouteName> = {
  '/oauth2/callback': 'oauth_callback',
  '/connect': 'connect_page',
  '/connect/return': 'connect_return',
  '/sdk/connect.js': 'sdk',
  '/health': 'health',
  '/ready': 'ready',
  '/metrics': 'metrics',
  '/graphql/possible-types.json': 'possible_types',
};
