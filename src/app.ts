// The composition root: createApp(config) builds everything a running Switchboard owns (the
// database, the event bus and the change feed, the keyring, caches, the breaker, limiters, the
// outbound HTTP layer, the services, the jobs, the HTTP server) and hands each part the settings it
// needs. Side effects subscribe to the domain's events here; background work is one list of jobs;
// stop() owns the order of a graceful shutdown. Several apps with different settings can run in one
// process (tests do).
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ActivityRecorder, subscribeActivityLog } from './activity/recorder.js';
import { auditRetentionJob, operationsRetentionJob } from './activity/retention.js';
import { createApiKeys } from './auth/api-keys.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createConsoleSessions, withConsoleSessions } from './auth/console-session.js';
import type { Config } from './config.js';
import { createConnection } from './connections/import.js';
import { disconnect } from './connections/disconnect.js';
import { updateConnection } from './connections/update.js';
import { connectSessionCleanupJob, createConnectSession, revokeConnectSession } from './connect-sessions/sessions.js';
import { consoleRoutes, consoleSessionCleanupJob } from './console/routes.js';
import { hostedConnectPage } from './connect-sessions/hosted-page.js';
import { sdkHandler } from './connect-sessions/sdk-route.js';
import type { Keyring } from './crypto/envelope.js';
import { loadKeyring } from './crypto/keyring.js';
import { openDatabase, type Database } from './db/database.js';
import { createConnectionLookup } from './domain/connection-lookup.js';
import { createConnectionStore } from './domain/connections.js';
import type { DomainEvents } from './domain/events.js';
import { createIntegrations, type UrlPolicy } from './domain/integrations.js';
import type { Services } from './graphql/context.js';
import { createGraphQLServer } from './graphql/server.js';
import type { CheckDeps } from './health/check.js';
import { healthCheckJob } from './health/health-check-sweep.js';
import { createVerifier } from './health/verify.js';
import { healthRoute, startHttpServer, type HttpServer, type Route } from './http/server.js';
import { indexRoute, metricsRoute, possibleTypesRoute, readyRoute } from './http/routes.js';
import { EventBus } from './kernel/event-bus.js';
import { startJobs, type Job, type RunningJobs } from './kernel/jobs.js';
import { embeddedMaintenanceJob } from './db/embedded-maintenance.js';
import { ProviderError, ValidationError } from './kernel/errors.js';
import { createLogger, type Logger } from './kernel/log.js';
import { mcpHandler } from './mcp/route.js';
import { createRemoteMcp } from './mcp/remote.js';
import { createAgentTools } from './mcp/tools.js';
import { createMetrics, subscribeMetrics, WEBHOOK_PENDING_COUNT_CAP } from './metrics/registry.js';
import { createOutbound } from './net/outbound.js';
import { beginHandler } from './oauth/browser-binding.js';
import { callbackHandler } from './oauth/callback-route.js';
import { asConnectSessionUse } from './oauth/session-use.js';
import { startConnect, type FlowDeps } from './oauth/connect.js';
import { discoverMcpIntegration } from './oauth/mcp-authorization.js';
import { pendingAuthorizationCleanupJob } from './oauth/pending.js';
import { createProviderClient } from './provider/provider-client.js';
import { PATH_PROXY_PATTERN, pathProxyHandler } from './proxy/path-route.js';
import { createProxy } from './proxy/proxy.js';
import { createChangeFeed } from './realtime/change-feed.js';
import { relayChangesToFeed } from './realtime/relay.js';
import { createStatusStreams } from './realtime/status-stream.js';
import { createSandbox } from './sandbox/provider.js';
import { warmUp } from './warm-up.js';
import { createBreaker } from './tokens/breaker.js';
import { createTokenEndpointSlots } from './tokens/endpoint-slots.js';
import { createSharedLimits } from './kernel/shared-limits.js';
import { watchFreeSpace } from './db/free-space.js';
import { createTokenGrants } from './tokens/grants/index.js';
import { breakerProbeJob } from './tokens/breaker-probe.js';
import { refreshSweepJob } from './tokens/refresh-sweep.js';
import { createRefresher } from './tokens/refresher.js';
import { createDeliveryStore } from './webhooks/deliveries.js';
import { createWebhookEndpoints } from './webhooks/endpoints.js';
import { registerWebhookOutbox } from './webhooks/outbox.js';
import { webhookLogRetentionJob } from './webhooks/retention.js';
import { webhookDeliveryJob } from './webhooks/worker.js';
import { PROVIDER_WEBHOOK_PREFIX } from './webhooks/provider/declaration.js';
import { createProviderWebhookForwarder, providerWebhookForwardingJob } from './webhooks/provider/forward.js';
import { createProviderWebhookReceipts, providerWebhookHandler } from './webhooks/provider/route.js';
import { createRoutingKeysKeeper } from './webhooks/provider/routing-keys.js';
import { createProviderWebhookStreams } from './webhooks/provider/stream.js';

export interface AppOptions {
  /** A database opened elsewhere (tests hand one to several apps); the app does not close it then. */
  database?: Database;
  logger?: Logger;
  /** This instance's name among instances (lease owners, change-feed sender); a fresh one by default. */
  instanceId?: string;
  keyring?: Keyring;
}

export type App = ReturnType<typeof createApp>;

export function createApp(config: Config, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger(config.log);
  const instanceId = options.instanceId ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const ownsDatabase = !options.database;
  const db = options.database ?? openDatabase(config.database, { logger });
  const keyring = options.keyring ?? loadKeyring({ ...config.crypto, dataDir: config.database.dataDir }, logger);
  const metrics = createMetrics();
  // The embedded database on disk: its free space decides readiness before a WAL segment no longer fits.
  const freeSpace =
    db.kind === 'pglite' && !config.database.dataDir.startsWith('memory://')
      ? watchFreeSpace({ dir: config.database.dataDir, minFreeMb: config.database.storageMinFreeMb, warnFreeMb: config.database.storageWarnFreeMb, logger })
      : undefined;
  if (freeSpace) metrics.measureFreeSpaceWith(() => freeSpace.freeBytes());
  const events = new EventBus<DomainEvents>((error, type) => logger.error({ err: error, event: type }, 'an event listener failed'));
  const changes = createChangeFeed({ redisUrl: config.realtime.redisUrl, channel: `${config.realtime.redisPrefix}:events`, instanceId, logger });
  const sandboxBase = config.sandbox.enabled ? new URL(`${config.publicUrl}/sandbox/`) : undefined;
  const outbound = createOutbound({
    allowLocalProviders: config.providers.allowLocalProviders,
    allowPrivateWebhooks: config.webhooks.allowPrivate,
    connectTimeoutMs: Math.min(config.proxy.timeoutMs, 10_000),
    sandboxBase,
    isProduction: config.isProduction,
    isInsideTransaction: db.isInsideTransaction,
    logger,
  });
  const urls: UrlPolicy = { allowLocalProviders: config.providers.allowLocalProviders, isSandboxEndpoint: outbound.isSandboxEndpoint };

  // The domain and its side effects: each announced act reaches the activity log, the metrics and the change feed.
  const integrations = createIntegrations({ db, keyring, events, urls, sandbox: sandboxBase ? { publicUrl: config.publicUrl } : undefined });
  const store = createConnectionStore({ db, keyring, events });
  registerWebhookOutbox(store);
  const activity = new ActivityRecorder(db, config.activity, logger, {
    dropped: (count) => metrics.recordOperationsDropped(count),
    sampledOut: (count) => metrics.recordOperationsSampledOut(count),
  });
  const unsubscribe = [subscribeActivityLog(events, activity), subscribeMetrics(events, metrics), relayChangesToFeed(events, changes)];
  const lookup = createConnectionLookup({ db, store, changes });

  const providerClient = createProviderClient({ outbound, keyring, urls, settings: config.providers });
  const grants = createTokenGrants({ providerClient, outbound, keyring, urls });
  // Limits per deployment (breaker, token endpoint slots, provider rate-limit buckets, webhook endpoint slots, subscription caps) through Redis when configured.
  const limits = createSharedLimits({
    redisUrl: config.realtime.redisUrl,
    prefix: config.realtime.redisPrefix,
    timeoutMs: config.realtime.redisLimitTimeoutMs,
    logger,
  });
  const breaker = createBreaker({ threshold: config.tokens.breakerThreshold, probeIntervalMs: config.tokens.breakerProbeIntervalMs, db, logger, limits });
  const endpointSlots = createTokenEndpointSlots({ limit: config.tokens.tokenEndpointConcurrency, limits });
  const refresher = createRefresher({
    db,
    store,
    grants,
    breaker,
    endpointSlots,
    events,
    settings: config.tokens,
    providerTimeouts: config.providers,
    logger,
    instanceId,
  });
  const proxy = createProxy({ lookup, refresher, outbound, keyring, events, settings: config.proxy, limits });
  const checks: CheckDeps = { providerClient, outbound, keyring, urls, timeoutMs: config.health.verifyTimeoutMs };
  const verifier = createVerifier({ db, checks, lookup, store, refresher, events, logger });
  const statusStreams = createStatusStreams({ db, changes, lookup, integrations, settings: config.realtime, logger, limits });
  const webhookEndpoints = createWebhookEndpoints({ db, keyring, events, urls, settings: config.webhooks });
  const deliveries = createDeliveryStore({ prisma: db.prisma, settings: config.webhooks, events, logger });
  const providerWebhookReceipts = createProviderWebhookReceipts(db);
  const providerWebhookForwarder = createProviderWebhookForwarder({
    db,
    events,
    settings: config.providerWebhooks,
    logger,
    receiptsWritten: providerWebhookReceipts.written,
  });
  const providerWebhookStreams = createProviderWebhookStreams({ db, changes });

  const flows: FlowDeps = {
    db,
    keyring,
    integrations,
    store,
    providerClient,
    grants,
    outbound,
    urls,
    events,
    logger,
    settings: config.oauth,
    publicUrl: config.publicUrl,
    checks,
  };
  const importDeps = flows;
  const apiKeys = createApiKeys({ db, cacheTtlMs: config.auth.apiKeyCacheTtlMs, logger });
  const remoteMcp = createRemoteMcp({ proxy });
  const services: Services = {
    db,
    apiKeys,
    integrations,
    lookup,
    refresher,
    proxy,
    verifier,
    statusStreams,
    webhookEndpoints,
    providerWebhooks: { baseUrl: config.providerWebhooks.baseUrl, streams: providerWebhookStreams },
    remoteMcp,
    startConnect: (viewer, input) => startConnect(flows, viewer, input),
    createConnection: (viewer, input) => asConnectSessionUse(db.prisma, viewer.connectSession?.id, () => createConnection(importDeps, viewer, input)),
    updateConnection: (viewer, actor, input) => updateConnection({ db, lookup }, viewer, actor, input),
    disconnect: (viewer, reference, actor) => disconnect({ lookup, store, providerClient, events, logger }, viewer, reference, actor),
    revokeConnectSession: (viewer, input) => revokeConnectSession({ db }, viewer, input),
    createMcpIntegration: async (input, actor) => {
      let discovered;
      try {
        discovered = await discoverMcpIntegration(
          { outbound, urls, redirectUri: `${config.publicUrl}/oauth2/callback`, timeoutMs: config.providers.timeoutMs },
          input,
        );
      } catch (error) {
        // What the MCP server or its authorization server said is about the URL given.
        if (error instanceof ProviderError) throw ValidationError.field('mcpServerUrl', error.message);
        throw error;
      }
      return integrations.create(discovered, actor);
    },
    createConnectSession: (viewer, input, actor) =>
      createConnectSession(
        { db, integrations, settings: config.connectSessions, allowedRedirectOrigins: config.oauth.allowedRedirectOrigins, publicUrl: config.publicUrl },
        viewer,
        input,
        actor,
      ),
  };

  metrics.countSubscriptionsWith(() => statusStreams.subscriberCount());
  metrics.countDeploymentSubscriptionsWith(() => statusStreams.deploymentSubscriberCount());
  metrics.countConnectionsWith(async () => {
    const rows = await db.prisma.$queryRaw<Array<{ integration: string; status: string; count: bigint | number }>>`
      SELECT i."slug" AS "integration", c."status"::text AS "status", count(*) AS "count"
      FROM "Connection" c JOIN "Integration" i ON i."id" = c."integrationId"
      GROUP BY i."slug", c."status"`;
    return rows.map((row) => ({ integration: row.integration, status: row.status, count: Number(row.count) }));
  });
  metrics.countPendingWebhooksWith(async () => {
    // Per endpoint (disabled ones too: their deliveries wait), a capped probe of the (endpointId, status, …) index.
    const [row] = await db.prisma.$queryRaw<Array<{ count: bigint | number }>>`
      SELECT count(*) AS "count" FROM "WebhookEndpoint" e
      CROSS JOIN LATERAL (
        SELECT 1 FROM "WebhookDelivery" d WHERE d."endpointId" = e."id" AND d."status" = 'PENDING' LIMIT ${WEBHOOK_PENDING_COUNT_CAP}::int
      ) pending`;
    return Number(row?.count ?? 0);
  });

  /** Background work, one entry each: turning one off turns off only that one. */
  const jobs: Job[] = [
    refreshSweepJob({ prisma: db.prisma, refresher, logger }, config.tokens),
    breakerProbeJob({ prisma: db.prisma, refresher, breaker, logger }, config.tokens),
    pendingAuthorizationCleanupJob(db.prisma, config.oauth.cleanupIntervalSeconds, logger),
    connectSessionCleanupJob(db, config.connectSessions, logger),
    webhookDeliveryJob({ deliveries, outbound, keyring, settings: config.webhooks, changes, events, logger, instanceId, limits }),
    providerWebhookForwardingJob(providerWebhookForwarder, createRoutingKeysKeeper({ db, changes, logger }), config.providerWebhooks),
    webhookLogRetentionJob(db.prisma, config.webhooks, logger),
    operationsRetentionJob(db.prisma, config.activity, logger),
    auditRetentionJob(db.prisma, config.activity, logger),
    healthCheckJob({ prisma: db.prisma, verifier, logger, instanceId }, config.health),
    consoleSessionCleanupJob(db.prisma, config.console, logger),
    // PostgreSQL runs its own autovacuum; the embedded database has none.
    ...(db.kind === 'pglite' ? [embeddedMaintenanceJob(db, config.database.embeddedMaintenanceIntervalSeconds, logger)] : []),
  ];

  const authenticate = createAuthenticator(config.auth, db.prisma, apiKeys);
  const consoleSessions = createConsoleSessions(config.auth, db.prisma, apiKeys);
  // GraphQL (HTTP and WebSocket) also takes the console's cookie; nothing else does.
  const graphqlAuthenticate = withConsoleSessions(authenticate, consoleSessions, config.isProduction);
  const graphql = createGraphQLServer({
    authenticate: graphqlAuthenticate,
    services,
    settings: config.graphql,
    graphiql: !config.isProduction,
    development: !config.isProduction,
    logger,
    metrics,
    trustedProxies: config.server.trustedProxies,
    refuseWritesReason: freeSpace ? () => freeSpace.notReadyReason() : undefined,
  });
  // Development only: the built-in sandbox provider (never mounted in production).
  const sandbox = config.sandbox.enabled
    ? createSandbox({
        prisma: db.prisma,
        keyring,
        changes,
        publicUrl: config.publicUrl,
        logger,
        stateFile: path.join(config.database.dataDir, 'sandbox-state.json'),
      })
    : undefined;
  const hostedPage = hostedConnectPage({
    prisma: db.prisma,
    publicUrl: config.publicUrl,
    allowedRedirectOrigins: config.oauth.allowedRedirectOrigins,
    startConnect: (viewer, input, startOptions) => startConnect(flows, viewer, input, startOptions),
    createConnection: services.createConnection,
    logger,
  });
  const callback = callbackHandler(flows);
  const agentTools = createAgentTools({
    prisma: db.prisma,
    integrations,
    proxy,
    remoteMcp,
    createConnectSession: services.createConnectSession,
    settings: config.mcp,
  });

  let isReady = false;
  let becoming: Promise<void> | undefined;
  let warmingUp: Promise<void> | undefined;
  let server: HttpServer | undefined;
  let running: RunningJobs | undefined;
  const routes: Route[] = [
    {
      name: 'path_proxy',
      pattern: PATH_PROXY_PATTERN,
      cors: true,
      handle: pathProxyHandler({ authenticate, proxy, maxRequestBytes: config.proxy.maxRequestBytes, logger }),
    },
    ...(sandbox
      ? [
          {
            name: 'sandbox',
            prefix: '/sandbox/',
            handle: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => sandbox.handle(req, res, url.pathname),
          },
        ]
      : []),
    { name: 'oauth_callback', path: ['/oauth2/callback', '/oauth1/callback'], handle: callback },
    { name: 'oauth_begin', path: '/oauth/begin', handle: beginHandler({ db, publicUrl: config.publicUrl, logger }) },
    {
      name: 'provider_webhooks',
      prefix: PROVIDER_WEBHOOK_PREFIX,
      handle: providerWebhookHandler({
        db,
        receipts: providerWebhookReceipts,
        keyring,
        events,
        changes,
        settings: config.providerWebhooks,
        logger,
        received: () => {
          if (config.providerWebhooks.pollIntervalMs > 0) providerWebhookForwarder.nudge();
        },
      }),
    },
    { name: 'connect_page', path: '/connect', handle: hostedPage.handlePage },
    { name: 'connect_return', path: '/connect/return', handle: hostedPage.handleReturn },
    { name: 'sdk', path: '/sdk/connect.js', handle: sdkHandler() },
    { name: 'mcp', path: '/mcp', handle: mcpHandler({ authenticate, tools: agentTools, settings: config.mcp, logger }) },
    healthRoute,
    readyRoute({ db, isReady: () => isReady, timeoutMs: config.database.readyTimeoutMs, logger, notReadyReason: () => freeSpace?.notReadyReason() }),
    // Off in production without METRICS_TOKEN: then /metrics is the same 404 as any unknown path.
    ...(config.metrics.served ? [metricsRoute(metrics, config.metrics.token)] : []),
    possibleTypesRoute(graphql),
    ...consoleRoutes({ sessions: consoleSessions, settings: config.console, publicUrl: config.publicUrl, secure: config.isProduction, logger }),
    indexRoute({ graphiql: !config.isProduction }),
  ];

  return {
    config,
    logger,
    instanceId,
    db,
    keyring,
    events,
    changes,
    metrics,
    outbound,
    services,
    store,
    providerClient,
    urls,
    checks,
    flows,
    grants,
    breaker,
    /** The embedded database's free-space watch (undefined on PostgreSQL or in memory). */
    freeSpace,
    activity,
    deliveries,
    providerWebhookForwarder,
    sandbox,
    jobs,
    graphql,
    authenticate,
    agentTools,
    /** The URL the server listens on, once listening. */
    get url(): string {
      if (!server) throw new Error('The app is not listening.');
      return server.url;
    },
    get http(): http.Server | undefined {
      return server?.http;
    },

    /**
     * Serves on `server` (a node:http server already listening: main.ts binds before loading) or
     * listens on port and host (default: the settings'). Until ready(), only /health and /ready answer.
     */
    async listen(listenOptions: { server?: http.Server; port?: number; host?: string } = {}): Promise<string> {
      server = await startHttpServer(
        {
          routes,
          graphql,
          authenticate: graphqlAuthenticate,
          settings: {
            graphql: config.graphql,
            corsOrigins: config.server.corsOrigins,
            publicUrl: config.publicUrl,
            devMode: config.auth.devMode,
            subscriptionQueueMax: config.realtime.subscriptionQueueMax,
          },
          metrics,
          logger,
          isReady: () => isReady,
        },
        { server: listenOptions.server, port: listenOptions.port ?? config.server.port, host: listenOptions.host ?? config.server.host },
      );
      return server.url;
    },

    /**
     * The database is migrated: serve everything and start the background jobs. Reads the database.
     * The warm-up starts then, in the background (ready does not wait for it).
     */
    ready(): Promise<void> {
      becoming ??= (async () => {
        isReady = true;
        running = startJobs(jobs, logger);
        warmingUp = warmUp(services, logger, { sandbox });
      })();
      return becoming;
    },

    /** Resolves when the warm-up after ready() has finished (at once before ready). */
    warmedUp(): Promise<void> {
      return warmingUp ?? Promise.resolve();
    },

    /**
     * Graceful stop, in order: stop accepting and end subscriptions (SSE completes, WebSockets close
     * with 1001) while the jobs stop; let requests in flight finish within `drainMs`; let refreshes in
     * flight save their outcome; write the activity log's last rows; close the outbound agents, the
     * change feed and (when it opened it) the database.
     */
    async stop(drainMs = config.server.shutdownDrainMs): Promise<void> {
      statusStreams.closeAll();
      // Its reads must not meet a closed database.
      const warmUpDone = warmingUp;
      providerWebhookStreams.closeAll();
      const stoppingJobs = running?.stop();
      await server?.close(drainMs);
      await stoppingJobs;
      await refresher.settle();
      await warmUpDone;
      await graphql.dispose();
      await activity.stop();
      for (const stop of unsubscribe) stop();
      await outbound.close();
      await changes.close();
      await limits.close();
      freeSpace?.stop();
      if (ownsDatabase) await db.close();
    },
  };
}
