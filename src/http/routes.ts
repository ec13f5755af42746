// The server's own routes: readiness, metrics, and the schema's possible types.
import type { Database } from '../db/database.js';
import { possibleTypesOf } from '../graphql/possible-types.js';
import type { GraphQLServer } from '../graphql/server.js';
import type { Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import type { Metrics } from '../metrics/registry.js';
import { isAuthorizedMetricsRequest } from './metrics-route.js';
import type { Handler, Route } from './server.js';

/** GET /ready: 200 once the app serves everything and the database answers in time; 503 otherwise. */
export function readyRoute(deps: {
  db: Database;
  isReady: () => boolean;
  timeoutMs: number;
  logger: Logger;
  /** Why the instance should take no traffic though the database answers (the embedded database's disk is nearly full). */
  notReadyReason?: () => string | undefined;
}): Route {
  return {
    name: 'ready',
    path: '/ready',
    handle: (async (_req, res) => {
      if (!deps.isReady()) return sendJson(res, 503, { status: 'starting', database: deps.db.kind });
      const reason = deps.notReadyReason?.();
      if (reason) return sendJson(res, 503, { status: 'unavailable', database: deps.db.kind, reason });
      try {
        // A frozen database must not make the check hang: load balancers want an answer.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('the database did not answer in time')), deps.timeoutMs);
        });
        await Promise.race([deps.db.queryRows('SELECT 1'), timeout]).finally(() => clearTimeout(timer));
        sendJson(res, 200, { status: 'ready', database: deps.db.kind });
      } catch (error) {
        deps.logger.warn({ err: error }, 'readiness check failed');
        sendJson(res, 503, { status: 'unavailable', database: deps.db.kind });
      }
    }) satisfies Handler,
  };
}

/** GET /metrics, open unless a token is set. */
export function metricsRoute(metrics: Pick<Metrics, 'render'>, token: string | undefined): Route {
  return {
    name: 'metrics',
    path: '/metrics',
    handle: (async (req, res) => {
      if (!isAuthorizedMetricsRequest(req, token)) {
        return sendJson(res, 401, { error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' }, { 'www-authenticate': 'Bearer' });
      }
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }) satisfies Handler,
  };
}

/** GET /graphql/possible-types.json, for Apollo Client's possibleTypes (unions and interfaces: "... on Error" needs it). */
export function possibleTypesRoute(graphql: GraphQLServer): Route {
  const body = JSON.stringify(possibleTypesOf(graphql.getEnveloped().schema));
  return {
    name: 'possible_types',
    path: '/graphql/possible-types.json',
    handle: ((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }) satisfies Handler,
  };
}

/**
 * GET /: where to go from here. A browser in development goes to GraphiQL; anything else gets a
 * small JSON index of the endpoints (production has no GraphiQL).
 */
export function indexRoute(options: { graphiql: boolean }): Route {
  const index = {
    name: 'Switchboard',
    graphql: '/graphql',
    ...(options.graphiql ? { graphiql: '/graphql' } : {}),
    possibleTypes: '/graphql/possible-types.json',
    websocket: '/graphql (graphql-transport-ws)',
    health: '/health',
    ready: '/ready',
    metrics: '/metrics',
    sdk: '/sdk/connect.js',
  };
  return {
    name: 'index',
    path: '/',
    handle: ((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      if (options.graphiql && /\btext\/html\b/.test(req.headers.accept ?? '')) return void res.writeHead(302, { location: '/graphql' }).end();
      sendJson(res, 200, index);
    }) satisfies Handler,
  };
}
