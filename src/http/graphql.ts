// The GraphQL endpoint: yoga with authentication in the context, CSRF prevention, graphql-armor
// limits and masked errors.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationError, nodeHeaders, type Authenticate, type HeaderSource } from '../auth/viewer.js';
import type { Context } from '../builder.js';
import { SwitchboardError } from '../errors.js';
import { logger } from '../logger.js';
import { schema } from '../schema/index.js';
import { useRequestBodyLimit } from './body-limit.js';

/** The largest GraphQL request body (yoga's own default). */
export const GRAPHQL_MAX_BODY_BYTES = 25_000_000;

export interface ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
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
    // Enforced by useRequestBodyLimit below, which counts only bodies without a Content-Length.
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
    context: ({ request, req }) => viewerContext(options.authenticate, req ? nodeHeaders(req.headers) : request.headers),
    plugins: [
      useRequestBodyLimit(GRAPHQL_MAX_BODY_BYTES),
      // Browsers cannot send this header cross-site without a preflight (GraphiQL sends it).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      EnvelopArmorPlugin({
        maxDepth: { n: 6 },
        maxAliases: { n: 15 },
        costLimit: { maxCost: 5000 },
        maxTokens: { n: 1000 },
        maxDirectives: { n: 50 },
      }),
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
