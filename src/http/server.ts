// One node:http server for everything: GraphQL, health checks, and the OAuth and proxy routes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, type Authenticate } from '../auth/viewer.js';
import type { Config } from '../config.js';
import { database } from '../db/client.js';
import { logger } from '../logger.js';
import { handleCallback } from './callback.js';
import { createGraphQLServer, handleGraphQL, type GraphQLServer } from './graphql.js';
import { PATH_PROXY_PATTERN, pathProxyHandler } from './proxy-route.js';
import { sendJson } from './respond.js';
import { attachGraphQLWebSocket } from './websocket.js';
import { closeUpstreamAgents } from '../net/upstream-agent.js';
import { startRefreshScheduler } from '../tokens/scheduler.js';
import { startActivityServices } from '../health/background.js';

export interface SwitchboardServer {
  http: http.Server;
  graphql: GraphQLServer;
  authenticate: Authenticate;
  /** The base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

export async function startServer(cfg: Config, options: { port?: number; host?: string } = {}): Promise<SwitchboardServer> {
  const authenticate = createAuthenticator(cfg.auth);
  const graphql = createGraphQLServer({ authenticate, graphiql: !cfg.isProduction });
  const handlePathProxy = pathProxyHandler(authenticate);
  const scheduler = startRefreshScheduler(cfg.refresh);
  const activity = startActivityServices(cfg);

  const routes: Record<string, Route> = {
    '/oauth2/callback': handleCallback,
    '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/ready': async (_req, res) => {
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

  const server = http.createServer(async (req, res) => {
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    let url: URL | undefined;
    try {
      if (rawPath === '/graphql') return await handleGraphQL(graphql, req, res);
      // Matched on the path as sent: the proxy's own rules judge dot segments, rather than the URL parser removing them here.
      const proxyMatch = PATH_PROXY_PATTERN.exec(rawPath);
      if (proxyMatch) return await handlePathProxy(req, res, req.url!.slice(rawPath.length), proxyMatch);
      url = new URL(req.url ?? '/', 'http://internal');
      const route = routes[url.pathname];
      if (route) return await route(req, res, url);
      sendJson(res, 404, { error: 'not_found', message: `No route ${url.pathname}` });
    } catch (error) {
      logger.error({ err: { name: (error as Error).name, message: (error as Error).message }, path: rawPath }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'Internal server error' });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  const websocket = attachGraphQLWebSocket(server, graphql, {
    authenticate,
    // The app's origins, and this server's own (GraphiQL).
    allowedOrigins: [...new Set([...cfg.allowedRedirectOrigins, new URL(cfg.publicUrl).origin])],
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? cfg.port, options.host ?? cfg.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  return {
    http: server,
    graphql,
    authenticate,
    url,
    async close() {
      await scheduler.stop();
      await websocket.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to finish, then their sockets are closed.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      await graphql.dispose();
      await activity.stop();
      await closeUpstreamAgents();
    },
  };
}
