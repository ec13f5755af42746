// GraphQL over WebSocket (the graphql-ws protocol) on /graphql, beside yoga's HTTP and SSE: what
// subscriptions from browsers and GraphiQL use. Authentication comes from connectionParams (browsers
// cannot set headers on a WebSocket) or the upgrade request's headers; a browser's Origin must be an
// allowed one (cross-site WebSocket hijacking).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthenticationError, nodeHeaders, type Authenticate, type HeaderSource, type Viewer } from '../auth/viewer.js';
import { logger } from '../logger.js';
import type { GraphQLServer } from './graphql.js';

const PING_INTERVAL_MS = 30_000;
/** Close code when the credentials the socket authenticated with expire (as 4401 Unauthorized in graphql-ws' 44xx range). */
export const CREDENTIALS_EXPIRED_CLOSE_CODE = 4401;
/** setTimeout's largest delay; a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const AUTH_PARAMS = ['authorization', 'x-api-key', 'x-user-id'] as const;

export interface GraphQLWebSocket {
  close(): Promise<void>;
}

/** connectionParams first (any case of the names), then the upgrade request's own headers. */
function credentialsFrom(params: Record<string, unknown> | undefined, request: http.IncomingMessage): HeaderSource {
  const lowered = new Map<string, string>();
  for (const [key, value] of Object.entries(params ?? {})) if (typeof value === 'string') lowered.set(key.toLowerCase(), value);
  const fromRequest = nodeHeaders(request.headers);
  return {
    get(name) {
      if (!(AUTH_PARAMS as readonly string[]).includes(name)) return null;
      return lowered.get(name) ?? fromRequest.get(name);
    },
  };
}

export function attachGraphQLWebSocket(
  server: http.Server,
  graphql: GraphQLServer,
  options: { authenticate: Authenticate; allowedOrigins: string[] },
): GraphQLWebSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const origin = request.headers.origin;
    if (path !== '/graphql' || (origin !== undefined && !options.allowedOrigins.includes(origin))) {
      socket.end(`HTTP/1.1 ${path !== '/graphql' ? '404 Not Found' : '403 Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  });
  // Sockets that stop answering pings (a vanished client) are closed, and their subscriptions end.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  // A socket lives no longer than the credentials it was opened with (a JWT's exp): then it closes,
  // ending its subscriptions; the client reconnects with fresh credentials.
  const expiryTimers = new Map<WebSocket, NodeJS.Timeout>();
  const closeWhenExpired = (ws: WebSocket, expiresAt: number) => {
    const remaining = expiresAt - Date.now();
    if (remaining <= 0) return void ws.close(CREDENTIALS_EXPIRED_CLOSE_CODE, 'Credentials expired');
    const timer = setTimeout(() => closeWhenExpired(ws, expiresAt), Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
    expiryTimers.set(ws, timer);
    if (expiryTimers.get(ws) === timer && !closeListeners.has(ws)) {
      closeListeners.add(ws);
      ws.once('close', () => {
        clearTimeout(expiryTimers.get(ws));
        expiryTimers.delete(ws);
      });
    }
  };
  const closeListeners = new WeakSet<WebSocket>();

  type Extra = { request: http.IncomingMessage; socket: WebSocket; viewer?: Viewer };
  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      onConnect: async (ctx) => {
        try {
          const viewer = await options.authenticate(credentialsFrom(ctx.connectionParams, ctx.extra.request));
          ctx.extra.viewer = viewer;
          if (viewer.expiresAt !== undefined) closeWhenExpired(ctx.extra.socket, viewer.expiresAt);
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false; // closes with 4403 Forbidden
          throw error;
        }
      },
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = graphql.getEnveloped({
          req: ctx.extra.request,
          viewer: ctx.extra.viewer,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: typeof args) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: typeof args) => unknown }).subscribe(args) as never,
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug({ errors: errors.map((error) => error.message) }, 'graphql-ws operation failed');
      },
    },
    wss,
  );

  return {
    async close() {
      clearInterval(pinger);
      for (const timer of expiryTimers.values()) clearTimeout(timer);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
