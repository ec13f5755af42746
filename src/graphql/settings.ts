// The GraphQL endpoint's limits: body size, depth and cost, and the WebSocket transport's.
import { defineSettings, flag, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const graphqlSettings = defineSettings(
  'GraphQL',
  {
    GRAPHQL_MAX_BODY_BYTES: setting(
      integer({ min: 1024, max: 100 * 1024 * 1024, default: 1024 * 1024 }),
      'the largest GraphQL request body; 413 before reading or authenticating beyond it',
    ),
    GRAPHQL_MAX_DEPTH: setting(integer({ min: 2, max: 50, default: 8 }), 'nesting depth of an operation (a backstop: the cost bounds the work)'),
    GRAPHQL_MAX_COST: setting(
      integer({ min: 10, default: 25_000 }),
      'cost of an operation: each field 1 plus its selection, times the page size (`first`/`last`, default 20) for lists',
    ),
    GRAPHQL_FAST_PATH: setting(
      flag(true),
      'answer the common request (a JSON POST of one query or mutation, answered as JSON) without the fetch-API layer around yoga; the same guards, status, headers and body (`false` sends every request through yoga)',
    ),
    GRAPHQL_COMPILED_EXECUTION: setting(
      flag(true),
      'an operation run a second time is compiled (graphql-jit) and later runs use the compiled form; the same results and errors (`false` runs every operation on graphql-js)',
    ),
    WEBSOCKET_PING_INTERVAL_MS: setting(
      integer({ min: 1000, default: 30_000 }),
      'every graphql-ws socket is pinged this often; one that did not answer the previous ping is closed (a vanished client is gone within two intervals)',
    ),
    WEBSOCKET_INIT_TIMEOUT_MS: setting(
      integer({ min: 100, default: 3_000 }),
      'a WebSocket not acknowledged by then (no `connection_init`, or authentication still pending) is closed (4408)',
    ),
    WEBSOCKET_MAX_BUFFERED_BYTES: setting(
      integer({ min: 65_536, default: 4 * 1024 * 1024 }),
      'bytes waiting to be sent to one WebSocket beyond which its client counts as not reading: closed with 1013, its subscriptions end',
    ),
    WEBSOCKET_MAX_OPERATIONS: setting(
      integer({ min: 1, default: 100 }),
      'operations running at once on one WebSocket; more are answered with a `QUOTA_EXCEEDED` error',
    ),
  },
  (values) => ({
    maxBodyBytes: values.GRAPHQL_MAX_BODY_BYTES,
    maxDepth: values.GRAPHQL_MAX_DEPTH,
    maxCost: values.GRAPHQL_MAX_COST,
    fastPath: values.GRAPHQL_FAST_PATH,
    compiledExecution: values.GRAPHQL_COMPILED_EXECUTION,
    websocketPingIntervalMs: values.WEBSOCKET_PING_INTERVAL_MS,
    websocketInitTimeoutMs: values.WEBSOCKET_INIT_TIMEOUT_MS,
    websocketMaxBufferedBytes: values.WEBSOCKET_MAX_BUFFERED_BYTES,
    websocketMaxOperations: values.WEBSOCKET_MAX_OPERATIONS,
  }),
);
export type GraphQLSettings = SettingsOf<typeof graphqlSettings>;
