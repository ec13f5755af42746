// The GraphQL endpoint: yoga with authentication in the context, CSRF prevention, graphql-armor
// limits, a page-aware cost limit, and masked errors.
import { clientAddressOf, trustedProxiesFrom } from '../kernel/client-address.js';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { useStorageGuard } from './use-storage-guard.js';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectSessionGate } from '../connect-sessions/gate.js';
import { fastPathHeaders, type GraphQLFastPath } from './fast-path.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Authenticate, HeaderSource, Viewer } from '../domain/viewer.js';
import { AuthenticationError, SwitchboardError } from '../kernel/errors.js';
import { nodeHeaders } from '../kernel/headers.js';
import { serializeError, type Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import type { Metrics } from '../metrics/registry.js';
import type { Context, Services } from './context.js';
import { schema } from './schema/index.js';
import type { GraphQLSettings } from './settings.js';
import { switchboardGraphiQL } from './graphiql.js';
import { useCompiledExecution, type CompiledExecutionOptions } from './use-compiled-execution.js';
import { useCsrfPrevention } from './use-csrf-prevention.js';
import { useErrorCodes } from './use-error-codes.js';
import { useOperationObservability } from './use-operation-observability.js';
import { useParserAndValidationCache } from './use-parser-and-validation-cache.js';
import { useQueryCostLimit } from './use-query-cost-limit.js';
import { useSharedSubscriptionExecution } from './use-shared-subscription-execution.js';

export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** Set by the WebSocket transport (connectionParams), and by handleGraphQL before it reads a body. */
  viewer?: Viewer;
  /** A JSON request body already read by handleGraphQL, parsed once by jsonBodyParser. */
  jsonBody?: Buffer;
}

export type GraphQLServer = YogaServerInstance<ServerContext, Context>;

const reasonOf = (error: AuthenticationError) => (error.reason ? { reason: error.reason } : {});

/** A GraphQL error for failed authentication: a top-level error with code UNAUTHENTICATED and HTTP 401. */
function unauthenticatedError(error: AuthenticationError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', ...reasonOf(error), http: { status: 401 } } });
}

async function viewerContext(authenticate: Authenticate, services: Services, headers: HeaderSource): Promise<Context> {
  try {
    return { viewer: await authenticate(headers), app: services };
  } catch (error) {
    if (error instanceof AuthenticationError) throw unauthenticatedError(error);
    throw error;
  }
}

export interface GraphQLServerOptions {
  authenticate: Authenticate;
  services: Services;
  settings: GraphQLSettings;
  graphiql: boolean;
  /** Not production: field suggestions in errors. */
  development: boolean;
  logger: Logger;
  metrics: Pick<Metrics, 'recordGraphQLOperation'>;
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For names the client. */
  trustedProxies?: readonly string[];
  /** Why writes are refused now (the embedded database's disk is full), or undefined. */
  refuseWritesReason?: () => string | undefined;
  /** Options of compiled execution when GRAPHQL_COMPILED_EXECUTION is on (tests observe it). */
  compiledExecution?: CompiledExecutionOptions;
}

export function createGraphQLServer(options: GraphQLServerOptions): GraphQLServer {
  const { logger } = options;
  const trusted = trustedProxiesFrom(options.trustedProxies ?? []);
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    // Its own cache recomputes the validation rules' key on every request: ours (last plugin, where yoga puts its own) keeps it.
    parserAndValidationCache: false,
    // Enforced while reading the body in handleGraphQL (413 beyond GRAPHQL_MAX_BODY_BYTES).
    maxRequestBodySize: false,
    // CORS is answered by the server for every route (src/http/cors.ts): yoga's would reflect any Origin.
    cors: false,
    graphiql: options.graphiql ? switchboardGraphiQL : false,
    // GraphiQL's page is ~9 MB of JavaScript: loaded when a browser first asks for it, not at start.
    renderGraphiQL: async (graphiqlOptions) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    // Never send stacks or original errors to clients, whatever NODE_ENV says.
    maskedErrors: { isDev: false, maskError: exposeDomainErrors, errorMessage: MASKED_ERROR_MESSAGE },
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      error: (...args) => logger.error({ args: args.map((arg) => (arg instanceof Error ? serializeError(arg) : arg)) }, 'yoga'),
    },
    // On node:http, read the headers of the IncomingMessage directly (no Headers conversion).
    context: async ({ request, req, viewer }) => {
      const clientAddress = req ? clientAddressOf(req.socket.remoteAddress, nodeHeaders(req.headers).get('x-forwarded-for'), trusted) : null;
      const context = viewer
        ? { viewer, app: options.services }
        : await viewerContext(options.authenticate, options.services, req ? nodeHeaders(req.headers) : request.headers);
      return { ...context, clientAddress };
    },
    plugins: [
      // A connect-session token may select only what connecting needs (checked before anything runs).
      connectSessionGate(),
      // Simple (unpreflighted) requests are refused; the 403 names the header to send.
      useCsrfPrevention(),
      useErrorCodes(),
      jsonBodyParser(),
      // Depth is a backstop; the cost below (which counts pages) is what bounds the work.
      EnvelopArmorPlugin({
        maxDepth: { n: options.settings.maxDepth },
        maxAliases: { n: 15 },
        // Its cost grows with depth (×1.5 a level) and ignores page sizes: the page-aware cost below replaces it.
        costLimit: { enabled: false },
        maxTokens: { n: 1000 },
        maxDirectives: { n: 50 },
        // "Did you mean …?" helps while developing; in production it would describe the schema to anyone.
        blockFieldSuggestion: { enabled: !options.development },
      }),
      // Before observability, whose tracing wraps whichever execution runs.
      ...(options.settings.compiledExecution ? [useCompiledExecution(options.compiledExecution)] : []),
      useOperationObservability(options.metrics),
      // Status events: one execution per event for subscribers whose results cannot differ.
      useSharedSubscriptionExecution(),
      useQueryCostLimit(options.settings.maxCost),
      ...(options.refuseWritesReason ? [useStorageGuard(options.refuseWritesReason)] : []),
      useParserAndValidationCache(),
    ],
  });
}

const MASKED_ERROR_MESSAGE = 'Unexpected error.';
const maskedErrorSet = new WeakSet<Error>();

/**
 * A subscription result's errors masked as yoga masks them (the transport that takes results pushed
 * bypasses envelop's per-result hook): the same exposeDomainErrors, the original logged by name and
 * message when it was replaced.
 */
export function maskResultErrors(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      if (maskedErrorSet.has(error)) return error;
      const masked = exposeDomainErrors(error, MASKED_ERROR_MESSAGE) as GraphQLError;
      if (masked !== error) logger.error({ args: [serializeError(error)] }, 'yoga');
      maskedErrorSet.add(masked);
      return masked;
    }),
  };
}

/**
 * Domain errors that reach the top level (outside a result union) keep their safe message and get
 * their code; anything else is masked as "Unexpected error." with no detail.
 */
function exposeDomainErrors(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof SwitchboardError) {
    const graphQLError = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: { code: original.code },
    });
  }
  if (isDatabaseUnavailable(original)) {
    return new GraphQLError('The database is unavailable; try again shortly.', {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'DATABASE_UNAVAILABLE' },
    });
  }
  // GraphQL's own errors (syntax, validation, authentication, or a GraphQLError thrown by a
  // resolver and located by graphql-js) are safe as they are, with their path.
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  return new GraphQLError(message, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** Yoga's own errors for a JSON body that is not an object, so that answers stay as they were. */
function badRequest(message: string): Error {
  return createGraphQLError(message, { extensions: { http: { status: 400, spec: true }, code: 'BAD_REQUEST' } });
}

/** Parses a JSON body handleGraphQL already read: one JSON.parse of one string, no web streams. */
function jsonBodyParser(): Plugin<Record<string, unknown>, ServerContext> {
  return {
    onRequestParse({ serverContext, requestParser, setRequestParser }) {
      const body = serverContext.jsonBody;
      // Only where yoga itself would parse a JSON body (the CSRF plugin has already judged the request).
      if (body === undefined || requestParser === undefined) return;
      setRequestParser(() => {
        let value: unknown;
        try {
          value = JSON.parse(body.toString('utf8'));
        } catch {
          throw badRequest('POST body sent invalid JSON.');
        }
        if (value === null || typeof value !== 'object')
          throw badRequest(`POST body is expected to be object but received ${value === null ? 'null' : typeof value}`);
        return value as never;
      });
    },
  };
}

const JSON_CONTENT_TYPE = /^\s*application\/(graphql\+)?json\s*(;|$)/i;

export interface GraphQLHandlerOptions {
  authenticate: Authenticate;
  maxBodyBytes: number;
  /** Called once the request is accepted, before yoga answers (the transport's compression). */
  beforeAnswer?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers the common request without yoga's fetch-API layer (GRAPHQL_FAST_PATH). */
  fastPath?: GraphQLFastPath;
}

/**
 * POST /graphql (and the rest of the GraphQL endpoint). Cheap checks before any work: the declared
 * length, then authentication (no body is read for a caller who is refused), then a streaming read
 * that stops at the limit. Yoga gets the viewer and the bytes; a JSON body is parsed once.
 */
export async function handleGraphQL(graphql: GraphQLServer, options: GraphQLHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const context: ServerContext = { req, res };
  // graphql-sse's single connection mode reserves a stream with PUT, then names it in this header.
  if (req.method === 'PUT' || req.headers['x-graphql-event-stream-token'] !== undefined) {
    req.resume();
    return sendJson(
      res,
      405,
      {
        errors: [
          {
            message:
              "graphql-sse's single connection mode is not supported: use its distinct connections mode (createClient without singleConnection), which works as it is.",
            extensions: { code: 'SSE_SINGLE_CONNECTION_UNSUPPORTED' },
          },
        ],
      },
      { allow: 'GET, POST' },
    );
  }
  if (req.method === 'POST') {
    const declared = req.headers['content-length'];
    if (declared !== undefined && !/^\d+$/.test(declared)) {
      return sendJson(res, 400, { errors: [{ message: 'Content-Length header is invalid.', extensions: { code: 'BAD_REQUEST' } }] }, { connection: 'close' });
    }
    if (declared !== undefined && Number(declared) > options.maxBodyBytes) return tooLarge(req, res, options.maxBodyBytes);
    try {
      context.viewer = await options.authenticate(nodeHeaders(req.headers));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      return sendJson(res, 401, { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED', ...reasonOf(error) } }] }, { connection: 'close' });
    }
    const body = await readBody(req, options.maxBodyBytes);
    if (body === 'too-large') return tooLarge(req, res, options.maxBodyBytes);
    if (JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) context.jsonBody = body;
    // @whatwg-node/server uses a body already read (a Uint8Array) as it is.
    else if (body.length > 0) (req as IncomingMessage & { body?: Buffer }).body = body;
  }
  options.beforeAnswer?.(req, res);
  if (options.fastPath && context.jsonBody !== undefined && fastPathHeaders(req) && (await options.fastPath(req, res, context, context.jsonBody))) return;
  await graphql.handle(req, res, context);
}

function tooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  sendJson(
    res,
    413,
    { errors: [{ message: `Request body too large (the limit is ${limit} bytes).`, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] },
    { connection: 'close' },
  );
  // What the client still sends is discarded as it arrives (nothing is kept), until the socket closes.
  req.resume();
}

/** Reads the body up to `limit` bytes; beyond it, stops keeping anything and answers 'too-large' at once. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        resolve('too-large');
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}
