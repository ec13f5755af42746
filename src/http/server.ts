// The node:http server of an app: one table of named routes (GraphQL, the path proxy, the OAuth
// callbacks, the hosted connect page, the SDK, the sandbox, health, readiness and metrics), CORS for
// the routes browsers call, the development host guard, and graceful closing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Authenticate } from '../domain/viewer.js';
import { attachGraphQLWebSocket, type GraphQLWebSocket } from '../graphql/websocket.js';
import { createGraphQLFastPath } from '../graphql/fast-path.js';
import { handleGraphQL, type GraphQLServer } from '../graphql/server.js';
import type { Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import type { Metrics } from '../metrics/registry.js';
import { compressWhenAccepted } from './compression.js';
import { corsPolicy, isDevelopmentHostAllowed } from './cors.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

/** A route: its name (the metrics' `route` label, never the path itself) and how it is matched. */
export type Route =
  | { name: string; path: string | string[]; handle: Handler }
  | { name: string; prefix: string; handle: Handler }
  /** Matched on the raw path; `search` is the query as sent. */
  | {
      name: string;
      pattern: RegExp;
      cors?: boolean;
      handle: (req: http.IncomingMessage, res: http.ServerResponse, search: string, match: RegExpExecArray) => Promise<void>;
    };

export interface HttpServerDeps {
  routes: Route[];
  graphql: GraphQLServer;
  authenticate: Authenticate;
  settings: {
    graphql: {
      maxBodyBytes: number;
      /** GRAPHQL_FAST_PATH: the common request skips yoga's fetch-API layer. */
      fastPath: boolean;
      websocketPingIntervalMs: number;
      websocketInitTimeoutMs: number;
      websocketMaxBufferedBytes: number;
      websocketMaxOperations: number;
    };
    corsOrigins: string[];
    publicUrl: string;
    devMode: boolean;
    subscriptionQueueMax: number;
  };
  metrics: Pick<Metrics, 'recordHttpRequest'>;
  logger: Logger;
  /** Whether the app serves everything yet (the database is migrated); until then only /health and /ready. */
  isReady: () => boolean;
}

export interface HttpServer {
  http: http.Server;
  /** The base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  /**
   * Graceful stop: stop accepting, close the WebSockets (1001), let requests in flight finish within
   * `drainMs`, then close what is left. Subscriptions are ended by the caller first.
   */
  close(drainMs: number): Promise<void>;
}

/** Attaches the routes to `server` (a node:http server, listening or not) and listens if it does not yet. */
export async function startHttpServer(deps: HttpServerDeps, listen: { server?: http.Server; port: number; host: string }): Promise<HttpServer> {
  const { logger } = deps;
  const cors = corsPolicy(deps.settings.corsOrigins);
  const graphqlOptions = {
    authenticate: deps.authenticate,
    maxBodyBytes: deps.settings.graphql.maxBodyBytes,
    beforeAnswer: compressWhenAccepted,
    fastPath: deps.settings.graphql.fastPath ? createGraphQLFastPath(deps.graphql) : undefined,
  };
  const exact = new Map<string, Extract<Route, { path: unknown }>>();
  const prefixed: Array<Extract<Route, { prefix: string }>> = [];
  const patterns: Array<Extract<Route, { pattern: RegExp }>> = [];
  for (const route of deps.routes) {
    if ('path' in route) for (const path of [route.path].flat()) exact.set(path, route);
    else if ('prefix' in route) prefixed.push(route);
    else patterns.push(route);
  }

  // Requests being answered (with when each started and the route it matched), so that shutdown can
  // wait for them; subscriptions end on their own first.
  const inFlight = new Map<http.ServerResponse, { started: number; route: string }>();
  let drained: (() => void) | undefined;
  // One listener for every response (`this` is the response), rather than a closure per request.
  function answered(this: http.ServerResponse): void {
    const request = inFlight.get(this);
    if (!request) return;
    inFlight.delete(this);
    deps.metrics.recordHttpRequest(request.route, this.statusCode, (performance.now() - request.started) / 1000);
    if (inFlight.size === 0) drained?.();
  }
  const handleRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const request = { started: performance.now(), route: 'not_found' };
    inFlight.set(res, request);
    res.on('close', answered);
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
    try {
      if (deps.settings.devMode && !isDevelopmentHostAllowed(req.headers.host, deps.settings.publicUrl)) {
        return sendJson(res, 421, { error: 'misdirected_request', message: "Without authentication, only localhost and PUBLIC_URL's host are served." });
      }
      if (!deps.isReady() && rawPath !== '/health' && rawPath !== '/ready') {
        return sendJson(res, 503, { error: 'starting', message: 'Switchboard is starting (database migrations).' }, { 'retry-after': '1' });
      }
      if (rawPath === '/graphql') {
        request.route = 'graphql';
        return cors.handle(req, res) ? undefined : await handleGraphQL(deps.graphql, graphqlOptions, req, res);
      }
      // Matched on the path as sent: the proxy's own rules judge dot segments, rather than the URL parser removing them here.
      for (const route of patterns) {
        const match = route.pattern.exec(rawPath);
        if (!match) continue;
        request.route = route.name;
        if (route.cors && cors.handle(req, res)) return;
        return await route.handle(req, res, target.slice(rawPath.length), match);
      }
      for (const route of prefixed) {
        if (!rawPath.startsWith(route.prefix)) continue;
        request.route = route.name;
        return await route.handle(req, res, new URL(req.url ?? '/', 'http://internal'));
      }
      const url = new URL(req.url ?? '/', 'http://internal');
      const route = exact.get(url.pathname);
      if (route) {
        request.route = route.name;
        return await route.handle(req, res, url);
      }
      sendJson(res, 404, { error: 'NOT_FOUND', message: `No route ${url.pathname}: the GraphQL API is at /graphql, and GET / lists the endpoints.` });
    } catch (error) {
      logger.error({ err: error, path: rawPath }, 'request failed');
      if (!res.headersSent && isDatabaseUnavailable(error))
        sendJson(res, 503, { error: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly.' });
      else if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'Internal server error' });
      else res.destroy();
    }
  };

  const server = listen.server ?? http.createServer();
  server.on('request', handleRequest);
  server.keepAliveTimeout = 65_000;
  const websocket: GraphQLWebSocket = attachGraphQLWebSocket(server, deps.graphql, {
    authenticate: deps.authenticate,
    logger,
    // The app's origins, and this server's own (GraphiQL).
    allowedOrigins: [...new Set([...deps.settings.corsOrigins, new URL(deps.settings.publicUrl).origin])],
    pingIntervalMs: deps.settings.graphql.websocketPingIntervalMs,
    connectionInitWaitMs: deps.settings.graphql.websocketInitTimeoutMs,
    maxBufferedBytes: deps.settings.graphql.websocketMaxBufferedBytes,
    maxOperations: deps.settings.graphql.websocketMaxOperations,
    subscriptionQueueMax: deps.settings.subscriptionQueueMax,
  });

  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  return {
    http: server,
    url,
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await websocket.close();
      // Requests still running may finish within the drain period; then their sockets are closed.
      const allDone = inFlight.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allDone, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
      // Keep-alive sockets that went idle after their last answer, and anything past the drain period.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** GET /health: the process answers (nothing else is checked). */
export const healthRoute: Route = {
  name: 'health',
  path: '/health',
  handle: (_req: http.IncomingMessage, res: http.ServerResponse) => sendJson(res, 200, { status: 'ok' }),
};
