// The GraphQL endpoint: yoga with authentication in the context, CSRF prevention, graphql-armor
// limits and masked errors.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationError, nodeHeaders, type Authenticate, type HeaderSource, type Viewer } from '../auth/viewer.js';
import type { Context } from '../builder.js';
import { SwitchboardError } from '../errors.js';
import { logger } from '../logger.js';
import { schema } from '../schema/index.js';
import { compressWhenAccepted } from './compression.js';
import { useOperationObservability } from './graphql-observability.js';
import { connectSessionGate } from './connect-session-gate.js';
import { useSharedSubscriptionExecution } from './shared-subscription-execution.js';
import { sendJson } from './respond.js';

/** The largest GraphQL request body (yoga's own default). */
export const GRAPHQL_MAX_BODY_BYTES = 25_000_000;

export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** Set by the WebSocket transport, which authenticates once per socket (connectionParams). */
  viewer?: Viewer;
}

export type GraphQLServer = YogaServerInstance<ServerContext, Context>;

/** A GraphQL error for failed authentication: a top-level error with code UNAUTHENTICATED and HTTP 401. */
export function unauthenticatedError(error: AuthenticationError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export async function viewerContext(authenticate: Authenticate, headers: HeaderSource): Promise<Context> {
  try {
    return { viewer: await authenticate(headers) };
  } catch (error) {
    if (error instanceof AuthenticationError) throw unauthenticatedError(error);
    throw error;
  }
}

export function createGraphQLServer(options: { authenticate: Authenticate; graphiql: boolean }): GraphQLServer {
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    // Enforced while reading the body in handleGraphQL (413 beyond GRAPHQL_MAX_BODY_BYTES).
    maxRequestBodySize: false,
    graphiql: options.graphiql ? { title: 'Switchboard', subscriptionsProtocol: 'SSE' } : false,
    renderGraphiQL,
    // Never send stacks or original errors to clients, whatever NODE_ENV says.
    maskedErrors: { isDev: false, maskError: exposeDomainErrors },
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      error: (...args) => logger.error({ args: args.map(describeForLog) }, 'yoga'),
    },
    // On node:http, read the headers of the IncomingMessage directly (no Headers conversion).
    context: ({ request, req, viewer }) =>
      viewer ? { viewer } : viewerContext(options.authenticate, req ? nodeHeaders(req.headers) : request.headers),
    plugins: [
      // A connect-session token may select only what connecting needs (checked before anything runs).
      connectSessionGate(),
      // Browsers cannot send this header cross-site without a preflight (GraphiQL sends it).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      EnvelopArmorPlugin({
        maxDepth: { n: 6 },
        maxAliases: { n: 15 },
        costLimit: { maxCost: 5000 },
        maxTokens: { n: 1000 },
        maxDirectives: { n: 50 },
      }),
      useOperationObservability(),
      // Status events: one execution per event for subscribers whose results cannot differ.
      useSharedSubscriptionExecution(),
    ],
  });
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
  // GraphQL's own errors (syntax, validation, authentication, or a GraphQLError thrown by a
  // resolver and located by graphql-js) are safe as they are, with their path.
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  return new GraphQLError(message, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** Errors reach the log by name and message only: causes may carry provider responses with tokens. */
function describeForLog(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * POST /graphql (and the rest of the GraphQL endpoint): reads a request body here, within the size
 * limit, and hands yoga the bytes. Yoga would otherwise wrap the body in web streams and count it
 * through a TransformStream, a tenth of a small request's cost.
 */
export async function handleGraphQL(graphql: GraphQLServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'POST') {
    const body = await readBody(req, GRAPHQL_MAX_BODY_BYTES);
    if (body === 'invalid-length') {
      return sendJson(res, 400, { errors: [{ message: 'Content-Length header is invalid.', extensions: { code: 'BAD_REQUEST' } }] }, { connection: 'close' });
    }
    if (body === 'too-large') {
      return sendJson(res, 413, { errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] }, { connection: 'close' });
    }
    // @whatwg-node/server uses a body already read (a Uint8Array) as it is.
    if (body.length > 0) (req as IncomingMessage & { body?: Buffer }).body = body;
  }
  compressWhenAccepted(req, res);
  await graphql.handle(req, res, { req, res });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'invalid-length'> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && !/^\d+$/.test(declared)) return Promise.resolve('invalid-length');
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}
