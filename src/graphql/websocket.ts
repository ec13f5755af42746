// GraphQL over WebSocket (the graphql-ws protocol, graphql-transport-ws) on /graphql, beside yoga's
// HTTP and SSE: what subscriptions from browsers and GraphiQL use. Authentication comes from
// connectionParams (browsers cannot set headers on a WebSocket) or the upgrade request's headers; a
// browser's Origin must be an allowed one (cross-site WebSocket hijacking).
//
// The protocol is served here rather than by graphql-ws' useServer because a status event reaches
// thousands of sockets at once: per subscriber, an event costs one step of its result stream and one
// socket write. A result shared by subscribers (src/http/shared-subscription-execution.ts) is
// serialized once, and each `next` message is its JSON with the subscriber's id spliced in. An idle
// socket holds one small object (no request, no timer of its own; one ping loop serves all).
// Messages are parsed and checked with graphql-ws' own functions; close codes are the protocol's.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, MessageType, parseMessage, type SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticate, HeaderSource, Viewer } from '../domain/viewer.js';
import { AuthenticationError } from '../kernel/errors.js';
import { nodeHeaders } from '../kernel/headers.js';
import type { Logger } from '../kernel/log.js';
import { maskResultErrors, type GraphQLServer } from './server.js';
import { PUSH_DELIVERY, PushedSubscription, type PushDelivery, type ResultSink } from './use-shared-subscription-execution.js';

/** Close code when the credentials the socket authenticated with expire (as 4401 Unauthorized in graphql-ws' 44xx range). */
export const CREDENTIALS_EXPIRED_CLOSE_CODE = 4401;
/** setTimeout's largest delay; a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const AUTH_PARAMS = ['authorization', 'x-api-key', 'x-user-id'] as const;
/** Kept from the upgrade request too, never taken from connectionParams: the console's session cookie. */
const REQUEST_ONLY = ['cookie'] as const;
const SEND_OPTIONS = { binary: false, compress: false, fin: true } as const;

export interface GraphQLWebSocket {
  close(): Promise<void>;
}

type AuthHeaders = Partial<Record<(typeof AUTH_PARAMS)[number] | (typeof REQUEST_ONLY)[number], string>>;

/** The upgrade request's authentication headers: all the socket keeps of its request. */
function authHeadersOf(request: http.IncomingMessage): AuthHeaders | undefined {
  let kept: AuthHeaders | undefined;
  const headers = nodeHeaders(request.headers);
  for (const name of [...AUTH_PARAMS, ...REQUEST_ONLY]) {
    const value = headers.get(name);
    if (value !== null) (kept ??= {})[name] = value;
  }
  return kept;
}

/** connectionParams first (any case of the names), then the upgrade request's own headers. */
function credentialsFrom(params: Record<string, unknown> | undefined, requestHeaders: AuthHeaders | undefined): HeaderSource {
  const lowered = new Map<string, string>();
  for (const [key, value] of Object.entries(params ?? {})) if (typeof value === 'string') lowered.set(key.toLowerCase(), value);
  return {
    get(name) {
      if ((REQUEST_ONLY as readonly string[]).includes(name)) return requestHeaders?.[name as keyof AuthHeaders] ?? null;
      if (!(AUTH_PARAMS as readonly string[]).includes(name)) return null;
      return lowered.get(name) ?? requestHeaders?.[name as keyof AuthHeaders] ?? null;
    },
  };
}

/**
 * A `next` message's payload as JSON, once per result object: subscribers sharing an execution get
 * the same object (and only they can: it is the result of their own execution), so its JSON is
 * theirs too. Dies with the result.
 */
const payloadJson = new WeakMap<ExecutionResult, string>();

function nextMessage(idJson: string, result: ExecutionResult): string {
  let json = payloadJson.get(result);
  if (json === undefined) {
    // As graphql-ws: errors as their toJSON(), and absent when there are none (JSON.stringify drops undefined).
    json = JSON.stringify(result);
    payloadJson.set(result, json);
  }
  return `{"id":${idJson},"type":"${MessageType.Next}","payload":${json}}`;
}

function isAsyncIterator(value: unknown): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

interface Options {
  authenticate: Authenticate;
  logger: Logger;
  allowedOrigins: string[];
  /** Every socket is pinged this often; one that has not answered the previous ping is closed. */
  pingIntervalMs: number;
  /** A socket that has not sent connection_init by then is closed (4408; graphql-ws' default is 3 s). */
  connectionInitWaitMs: number;
  /** Bytes waiting to be sent to one socket beyond which its client counts as not reading (closed, 1013). */
  maxBufferedBytes: number;
  /** Operations (subscriptions, queries, mutations) running at once on one socket. */
  maxOperations: number;
  /** A subscription's events waiting for earlier executions to settle, beyond which it ends. */
  subscriptionQueueMax: number;
}

/**
 * One operation (subscribe message) on a socket. A subscription's results are pushed to it (one
 * synchronous call per event, see PushedSubscription); another async iterator is pulled.
 */
class Operation implements ResultSink {
  /** null until subscribe resolves: a `complete` from the client before then ends it as soon as it exists. */
  stream: PushedSubscription | AsyncGenerator<ExecutionResult, void, void> | null = null;
  readonly idJson: string;

  constructor(
    readonly socket: GraphQLSocket,
    readonly id: string,
  ) {
    this.idJson = JSON.stringify(id);
  }

  private get current(): boolean {
    return this.socket.operations.get(this.id) === this;
  }

  next(result: ExecutionResult): void {
    if (this.current) this.socket.send(nextMessage(this.idJson, result));
  }

  complete(): void {
    if (!this.current) return; // completed by the client or the socket closed
    this.socket.operations.delete(this.id);
    this.socket.send(`{"id":${this.idJson},"type":"${MessageType.Complete}"}`);
  }

  error(error: unknown): void {
    if (!this.current) return;
    this.socket.operations.delete(this.id);
    // The stream's error as a GraphQL error, masked as yoga masks errors: a domain error keeps its
    // safe message and code, anything else (a database error…) becomes "Unexpected error.".
    const original = error instanceof Error ? error : new Error(String(error));
    const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(original.message, { originalError: original });
    const { logger } = this.socket.server.options;
    const [masked] = maskResultErrors({ errors: [graphqlError] }, logger).errors!;
    logger.debug({ errors: [masked!.message] }, 'graphql-ws operation failed');
    this.socket.sendErrors(this.id, [masked!]);
  }

  /** For a result stream that is not pushed. */
  pull(stream: AsyncGenerator<ExecutionResult, void, void>): void {
    stream.next().then(
      (step) => {
        if (step.done) return this.complete();
        this.next(step.value);
        if (this.current) this.pull(stream);
      },
      (error: unknown) => this.error(error),
    );
  }
}

/** A graphql-transport-ws connection: its state from connection_init to close. */
class GraphQLSocket {
  viewer: Viewer | undefined;
  initReceived = false;
  acknowledged = false;
  readonly operations = new Map<string, Operation>();
  private initWait: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly server: GraphQLWebSocketServer,
    private requestHeaders: AuthHeaders | undefined,
  ) {
    this.initWait = setTimeout(() => {
      // Not acknowledged in time (no connection_init, or an authentication that hangs): closed, as graphql-ws does.
      if (!this.acknowledged) this.ws.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, server.options.connectionInitWaitMs);
    this.initWait.unref();
  }

  send(data: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A client that does not read its socket would make the server buffer every event for it:
    // past the bound it is closed (1013, try again later) and its subscriptions end.
    if (this.ws.bufferedAmount > this.server.options.maxBufferedBytes) {
      this.server.options.logger.warn({ bufferedBytes: this.ws.bufferedAmount }, 'WebSocket closed: its client does not read what it is sent');
      this.ws.close(1013, 'Client too slow');
      return;
    }
    this.ws.send(data, SEND_OPTIONS);
  }

  sendErrors(id: string, errors: readonly GraphQLError[]): void {
    this.send(JSON.stringify({ id, type: MessageType.Error, payload: errors.map((error) => error.toJSON()) }));
  }

  async onMessage(data: string): Promise<void> {
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(data);
    } catch {
      return this.ws.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (this.initReceived) return this.ws.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
        this.initReceived = true;
        const headers = this.requestHeaders;
        this.requestHeaders = undefined;
        let viewer: Viewer;
        try {
          viewer = await this.server.options.authenticate(credentialsFrom(message.payload ?? undefined, headers));
        } catch (error) {
          if (error instanceof AuthenticationError) return this.ws.close(CloseCode.Forbidden, 'Forbidden');
          throw error;
        }
        if (this.ws.readyState !== this.ws.OPEN) return; // gone while authenticating
        this.viewer = viewer;
        this.acknowledged = true;
        clearTimeout(this.initWait);
        this.initWait = undefined;
        if (viewer.expiresAt !== undefined) this.closeWhenExpired(viewer.expiresAt);
        return this.send(`{"type":"${MessageType.ConnectionAck}"}`);
      }
      case MessageType.Ping:
        return this.send(JSON.stringify(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }));
      case MessageType.Pong:
        return;
      case MessageType.Subscribe: {
        if (!this.acknowledged) return this.ws.close(CloseCode.Unauthorized, 'Unauthorized');
        if (this.operations.has(message.id)) return this.ws.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${message.id} already exists`);
        if (this.operations.size >= this.server.options.maxOperations) {
          return this.sendErrors(message.id, [
            new GraphQLError(`At most ${this.server.options.maxOperations} operations run at once on one WebSocket: complete one first.`, {
              extensions: { code: 'QUOTA_EXCEEDED' },
            }),
          ]);
        }
        const operation = new Operation(this, message.id);
        this.operations.set(message.id, operation);
        return this.subscribe(operation, message.payload);
      }
      case MessageType.Complete: {
        const operation = this.operations.get(message.id);
        this.operations.delete(message.id);
        await operation?.stream?.return();
        return;
      }
      default:
        // Server-to-client messages (next, error, complete-from-server) sent by a client.
        return this.ws.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  private async subscribe(operation: Operation, payload: SubscribePayload): Promise<void> {
    const stillWanted = () => this.operations.get(operation.id) === operation;
    const { logger } = this.server.options;
    const fail = (errors: readonly GraphQLError[]) => {
      logger.debug({ errors: errors.map((error) => error.message) }, 'graphql-ws operation failed');
      if (stillWanted()) {
        this.operations.delete(operation.id);
        this.sendErrors(operation.id, errors);
      }
    };
    // The viewer is all the context needs (the upgrade request is not kept: see the file comment).
    const { schema, execute, subscribe, contextFactory, parse, validate } = this.server.graphql.getEnveloped({ viewer: this.viewer } as never);
    let document: ExecutionArgs['document'];
    try {
      document = parse(payload.query);
    } catch (error) {
      if (error instanceof GraphQLError) return fail([error]);
      throw error;
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length) return fail(validationErrors);
    const operationAST = getOperationAST(document, payload.operationName);
    if (!operationAST) return fail([new GraphQLError('Unable to identify operation')]);
    const args: ExecutionArgs = {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: await contextFactory(),
    };
    (args.contextValue as Record<symbol, PushDelivery>)[PUSH_DELIVERY] = this.server.pushDelivery;
    const result = (await (operationAST.operation === 'subscription' ? subscribe(args) : execute(args))) as
      ExecutionResult | PushedSubscription | AsyncGenerator<ExecutionResult, void, void>;
    if (result instanceof PushedSubscription || isAsyncIterator(result)) {
      if (!stillWanted()) return void (await result.return());
      operation.stream = result;
      if (result instanceof PushedSubscription) result.listen(operation);
      else operation.pull(result);
      return;
    }
    // A single result (a query or mutation, or a subscription refused before it started): next, then complete.
    if (!stillWanted()) return;
    if (result.errors?.length) logger.debug({ errors: result.errors.map((error) => error.message) }, 'graphql-ws operation failed');
    this.operations.delete(operation.id);
    this.send(nextMessage(operation.idJson, result));
    this.send(`{"id":${operation.idJson},"type":"${MessageType.Complete}"}`);
  }

  /** A socket lives no longer than the credentials it was opened with (a JWT's exp): then it closes, ending its subscriptions. */
  private closeWhenExpired(expiresAt: number): void {
    const remaining = expiresAt - Date.now();
    if (remaining <= 0) return void this.ws.close(CREDENTIALS_EXPIRED_CLOSE_CODE, 'Credentials expired');
    this.expiry = setTimeout(() => this.closeWhenExpired(expiresAt), Math.min(remaining, MAX_TIMER_MS));
    this.expiry.unref();
  }

  /** The socket closed (either side): its operations end, their streams are returned. */
  closed(): void {
    clearTimeout(this.initWait);
    clearTimeout(this.expiry);
    const operations = [...this.operations.values()];
    this.operations.clear();
    for (const operation of operations) void operation.stream?.return().catch(() => {});
  }
}

/** Sockets that answered the last ping (or are new): the others are closed at the next one. */
const alive = new WeakSet<WebSocket>();
function markAlive(this: WebSocket): void {
  alive.add(this);
}

class GraphQLWebSocketServer {
  /** Pushed results get yoga's error masking (the same function), as envelop's result hook would give them. */
  readonly pushDelivery: PushDelivery;
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false, handleProtocols });
  private readonly pinger: NodeJS.Timeout;

  constructor(
    readonly graphql: GraphQLServer,
    readonly options: Options,
  ) {
    this.pushDelivery = { maskResult: (result) => maskResultErrors(result, options.logger), backlogMax: options.subscriptionQueueMax, logger: options.logger };
    // Sockets that stop answering pings (a vanished client) are closed, and their subscriptions end.
    this.pinger = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!alive.has(ws)) {
          ws.terminate();
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    }, options.pingIntervalMs);
    this.pinger.unref();
  }

  readonly onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const origin = request.headers.origin;
    if (path !== '/graphql' || (origin !== undefined && !this.options.allowedOrigins.includes(origin))) {
      socket.end(`HTTP/1.1 ${path !== '/graphql' ? '404 Not Found' : '403 Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const headers = authHeadersOf(request);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, headers));
  };

  private accept(ws: WebSocket, headers: AuthHeaders | undefined): void {
    alive.add(ws);
    ws.on('pong', markAlive);
    if (ws.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) return void ws.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
    const connection = new GraphQLSocket(ws, this, headers);
    ws.on('message', (data) => {
      connection.onMessage(String(data)).catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'graphql-ws message handling failed');
        ws.close(CloseCode.InternalServerError, 'Internal server error');
      });
    });
    ws.once('close', () => connection.closed());
    ws.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'graphql-ws socket error');
      ws.close(CloseCode.InternalServerError, 'Internal server error');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.close(1001, 'Server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

export function attachGraphQLWebSocket(server: http.Server, graphql: GraphQLServer, options: Options): GraphQLWebSocket {
  const webSocketServer = new GraphQLWebSocketServer(graphql, options);
  server.on('upgrade', webSocketServer.onUpgrade);
  return {
    async close() {
      server.off('upgrade', webSocketServer.onUpgrade);
      await webSocketServer.close();
    },
  };
}
