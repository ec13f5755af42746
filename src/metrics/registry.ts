// Prometheus metrics (prom-client) of an app, served on /metrics. The transports record through the
// small functions below; the domain's metrics come from its events (subscribeMetrics). Labels are
// bounded sets only: integration slugs, operation types, outcomes, status classes and route names;
// never a user id, a token or a URL path.
import client from 'prom-client';
import { DOMAIN_EVENT_TYPES, operationOf, type DomainEventBus, type WebhookAttemptOutcome } from '../domain/events.js';
import { LeanCounter, LeanHistogram } from './lean.js';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** "2xx", "4xx"…; "error" when no HTTP status came back (network failure, timeout, refused). */
function statusClass(status: number | undefined): string {
  if (status === undefined || !Number.isFinite(status) || status < 100 || status > 599) return 'error';
  return STATUS_CLASSES[Math.floor(status / 100) - 1]!;
}

/** How long a connection count is reused. */
const CONNECTION_COUNT_CACHE_MS = 15_000;

/** How long a pending-delivery count is reused, like the connection counts. */
const WEBHOOK_PENDING_CACHE_MS = 15_000;

/** Pending deliveries counted per endpoint at most: the count stays an index probe per endpoint, whatever the backlog. */
export const WEBHOOK_PENDING_COUNT_CAP = 10_000;

export interface ConnectionCount {
  integration: string;
  status: string;
  count: number;
}

/** How long a scrape waits for a value computed from the database before answering with the last one. */
const SCRAPE_WAIT_MS = 1_000;

/**
 * A value computed from the database when /metrics is scraped, at most once per `cacheMs`: a scrape
 * every few seconds costs one query at most that often. The server sets how to compute it. When the
 * database fails or does not answer within SCRAPE_WAIT_MS, the scrape keeps the last value (its age
 * is exported beside it): /metrics answers during an outage, when an operator needs it most.
 */
function scrapeTimeValue<T>(cacheMs: number) {
  let compute: (() => Promise<T>) | undefined;
  let cached: { at: number; value: T } | undefined;
  let computing: Promise<void> | undefined;
  return {
    set(computeValue: () => Promise<T>): void {
      compute = computeValue;
      cached = undefined;
    },
    /** The cached value, computed anew when older than cacheMs (the last one when that fails or is slow); undefined until known. */
    async get(): Promise<T | undefined> {
      if (!compute) return undefined;
      if (cached && Date.now() - cached.at <= cacheMs) return cached.value;
      // One computation at a time: scrapes during a frozen database do not pile up queries.
      computing ??= compute()
        .then(
          (value) => void (cached = { at: Date.now(), value }),
          () => {},
        )
        .finally(() => (computing = undefined));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([computing, new Promise<void>((resolve) => (timer = setTimeout(resolve, SCRAPE_WAIT_MS)))]);
      clearTimeout(timer);
      return cached?.value;
    },
    /** Seconds since the value was last computed; undefined until it was. */
    ageSeconds(): number | undefined {
      return cached ? (Date.now() - cached.at) / 1000 : undefined;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const labelledChildren = new WeakMap<object, Map<string, unknown>>();

  /**
   * A metric's child for these label values, looked up once and kept: prom-client hashes the labels on
   * every inc/observe, and the proxy records several metrics per call. Label values are bounded sets.
   */
  function child<Labels extends Record<string, string>, Child>(metric: { labels(labels: Labels): Child }, labels: Labels): Child {
    let children = labelledChildren.get(metric);

    if (!children) labelledChildren.set(metric, (children = new Map()));
    const key = Object.values(labels).join('\u0000');
    let found = children.get(key) as Child | undefined;
    if (!found) children.set(key, (found = metric.labels(labels)));
    return found;
  }

  // Recorded on every request: lean metrics (see lean.ts).
  const httpDuration = new LeanHistogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests served, by route (a fixed name, never the URL path) and status class.',
    labelNames: ['route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  /** route: one of the server's route names ("graphql", "path_proxy", "oauth_callback", "ready", …). */
  function recordHttpRequest(route: string, status: number, seconds: number): void {
    httpDuration.labels(route, statusClass(status)).observe(seconds);
  }

  const graphqlOperations = new LeanCounter({
    name: 'switchboard_graphql_operations_total',
    help: 'GraphQL operations executed, by operation type and outcome (success, error: the result has errors, invalid: refused before execution).',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [registry],
  });

  function recordGraphQLOperation(operationType: GraphQLOperationType, outcome: GraphQLOutcome): void {
    graphqlOperations.labels(operationType, outcome).inc();
  }

  const proxyRequests = new LeanCounter({
    name: 'switchboard_proxy_requests_total',
    help: 'Proxied provider API calls (proxyRequest and the path proxy), by integration slug and the status class of the final answer.',
    labelNames: ['integration', 'status_class'] as const,
    registers: [registry],
  });
  const proxyDuration = new LeanHistogram({
    name: 'switchboard_proxy_request_duration_seconds',
    help: 'Time from receiving a proxied call to the provider answer headers (retries and refreshes included).',
    labelNames: ['integration', 'status_class'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  /**
   * One proxied call. `integration` must be a known integration's slug ("unknown" when the call failed
   * before one was found: a caller-supplied name would let anyone add label values); `status` is the
   * provider's final status, undefined when none came back.
   */
  function recordProxyRequest(integration: string, status: number | undefined, seconds: number): void {
    const statusClassOf = statusClass(status);
    proxyRequests.labels(integration, statusClassOf).inc();
    proxyDuration.labels(integration, statusClassOf).observe(seconds);
  }

  const tokenRefreshes = new client.Counter({
    name: 'switchboard_token_refreshes_total',
    help: 'Token refresh attempts at providers, by integration slug and outcome.',
    labelNames: ['integration', 'outcome'] as const,
    registers: [registry],
  });

  /**
   * One refresh grant sent to a provider. outcome: "success"; "invalid_grant" (the provider refused the
   * refresh token: reconnect); "failure" (network, timeout, 5xx, anything that may pass).
   */
  function recordTokenRefresh(integration: string, outcome: TokenRefreshOutcome): void {
    child(tokenRefreshes, { integration, outcome }).inc();
  }

  let countSubscriptions: (() => number) | undefined;
  new client.Gauge({
    name: 'switchboard_subscriptions',
    help: 'GraphQL subscriptions open on this instance (SSE and WebSocket).',
    registers: [registry],
    collect() {
      this.set(countSubscriptions?.() ?? 0);
    },
  });

  let measureFreeSpace: (() => number | undefined) | undefined;
  new client.Gauge({
    name: 'switchboard_storage_free_bytes',
    help: 'Free space in DATA_DIR for the embedded database (measured every 5 s); /ready answers 503 under STORAGE_MIN_FREE_MB. Absent on PostgreSQL.',
    registers: [registry],
    collect() {
      this.reset();
      const free = measureFreeSpace?.();
      if (free !== undefined) this.set(free);
    },
  });

  let countDeploymentSubscriptions: (() => Promise<number>) | undefined;
  new client.Gauge({
    name: 'switchboard_subscriptions_deployment',
    help: 'GraphQL status subscriptions open on every instance together (counted in Redis; without Redis, or while it does not answer, this instance only).',
    registers: [registry],
    async collect() {
      this.set((await countDeploymentSubscriptions?.()) ?? countSubscriptions?.() ?? 0);
    },
  });

  const connectionCounts = scrapeTimeValue<ConnectionCount[]>(CONNECTION_COUNT_CACHE_MS);

  new client.Gauge({
    name: 'switchboard_connections',
    help: `Stored connections by integration slug and status (counted at scrape time, at most every ${CONNECTION_COUNT_CACHE_MS / 1000} s).`,
    labelNames: ['integration', 'status'] as const,
    registers: [registry],
    async collect() {
      const counts = await connectionCounts.get();
      if (!counts) return;
      this.reset();
      for (const { integration, status, count } of counts) this.set({ integration, status }, count);
    },
  });

  const operations = new LeanCounter({
    name: 'switchboard_operations_total',
    help: 'Operations of the activity log (connect, refresh, proxy, verify, disconnect, webhook), by kind and outcome; counted before any sampling, so complete even when the log samples successes.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const operationsDropped = new client.Counter({
    name: 'switchboard_activity_dropped_total',
    help: 'Operations the activity log dropped: its buffer was full (the database slower than the traffic, or unavailable), the database refused a batch for good, or they were still unwritten at shutdown.',
    registers: [registry],
  });

  const operationsSampledOut = new client.Counter({
    name: 'switchboard_activity_sampled_out_total',
    help: 'Successful proxied calls counted but not stored by the activity log (ACTIVITY_PROXY_SUCCESS_SAMPLE_RATE, ACTIVITY_PROXY_SUCCESSES_PER_SECOND).',
    registers: [registry],
  });

  /** kind: CONNECT, REFRESH, PROXY, VERIFY, DISCONNECT or WEBHOOK; outcome: SUCCESS or FAILURE. */
  function recordOperationMetric(kind: string, outcome: string): void {
    operations.labels(kind, outcome).inc();
  }

  function recordOperationsDropped(count = 1): void {
    operationsDropped.inc(count);
  }

  function recordOperationsSampledOut(count = 1): void {
    operationsSampledOut.inc(count);
  }

  const providerWebhooks = new client.Counter({
    name: 'switchboard_provider_webhooks_total',
    help: 'Webhooks providers sent, by integration and outcome (FORWARDED, UNMATCHED, REJECTED, HANDSHAKE, DUPLICATE).',
    labelNames: ['integration', 'outcome'] as const,
    registers: [registry],
  });
  const recordProviderWebhook = (integration: string, outcome: string) => child(providerWebhooks, { integration, outcome }).inc();

  const webhookDeliveries = new client.Counter({
    name: 'switchboard_webhook_deliveries_total',
    help: 'Webhook delivery attempts by event type and outcome: success; retry_scheduled (failed, tried again later); failed (failed, no attempt left); interrupted (cut short by shutdown, due again at once); lease_lost (its result came after the lease expired: another attempt owns the delivery).',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  });
  const webhookDuration = new client.Histogram({
    name: 'switchboard_webhook_delivery_duration_seconds',
    help: 'Time of one webhook delivery attempt, from sending the request to the end of the answer (or the failure), by outcome (success, failure).',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  /** One webhook attempt, once its result is known. `eventType` is one of the fixed webhook event types. */
  function recordWebhookAttempt(eventType: string, outcome: WebhookAttemptOutcome, seconds: number): void {
    child(webhookDeliveries, { event_type: eventType, outcome }).inc();
    child(webhookDuration, { outcome: outcome === 'success' ? 'success' : 'failure' }).observe(seconds);
  }

  const pendingWebhooks = scrapeTimeValue<number>(WEBHOOK_PENDING_CACHE_MS);

  new client.Gauge({
    name: 'switchboard_webhook_pending',
    help: `Webhook deliveries not yet succeeded or given up (due now, waiting for a retry, or in flight), all endpoints together; counted at scrape time, at most every ${WEBHOOK_PENDING_CACHE_MS / 1000} s, up to ${WEBHOOK_PENDING_COUNT_CAP} per endpoint.`,
    registers: [registry],
    async collect() {
      const count = await pendingWebhooks.get();
      if (count !== undefined) this.set(count);
    },
  });

  new client.Gauge({
    name: 'switchboard_database_gauge_age_seconds',
    help: 'Age of the value of each gauge counted from the database (connections, webhook_pending): it grows while the database fails, and the gauge keeps its last value meanwhile.',
    labelNames: ['gauge'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [gauge, value] of [
        ['connections', connectionCounts],
        ['webhook_pending', pendingWebhooks],
      ] as const) {
        const age = value.ageSeconds();
        if (age !== undefined) this.set({ gauge }, age);
      }
    },
  });

  /** The text exposition and its content type. */
  async function render(): Promise<{ contentType: string; body: string }> {
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  return {
    registry,
    render,
    recordHttpRequest,
    recordGraphQLOperation,
    recordProxyRequest,
    recordTokenRefresh,
    recordOperationMetric,
    recordOperationsDropped,
    recordOperationsSampledOut,
    recordWebhookAttempt,
    recordProviderWebhook,
    /** switchboard_subscriptions counts what this says at scrape time. */
    countSubscriptionsWith(count: () => number): void {
      countSubscriptions = count;
    },
    /** switchboard_storage_free_bytes shows what this says at scrape time. */
    measureFreeSpaceWith(measure: () => number | undefined): void {
      measureFreeSpace = measure;
    },
    /** switchboard_subscriptions_deployment counts what this says at scrape time. */
    countDeploymentSubscriptionsWith(count: () => Promise<number>): void {
      countDeploymentSubscriptions = count;
    },
    /** How switchboard_connections is computed (one grouped count; cached CONNECTION_COUNT_CACHE_MS). */
    countConnectionsWith: (counter: () => Promise<ConnectionCount[]>) => connectionCounts.set(counter),
    /** How switchboard_webhook_pending is computed (one bounded count; cached WEBHOOK_PENDING_CACHE_MS). */
    countPendingWebhooksWith: (counter: () => Promise<number>) => pendingWebhooks.set(counter),
  };
}

/** The metrics the domain's events stand for: operations, proxied calls, token refreshes, webhook attempts. */
export function subscribeMetrics(events: DomainEventBus, metrics: Metrics): () => void {
  const stops = DOMAIN_EVENT_TYPES.map((type) =>
    events.on(type, (event) => {
      const operation = operationOf(event);
      if (operation && type !== 'proxy.called') metrics.recordOperationMetric(operation.kind, operation.outcome);
    }),
  );
  stops.push(
    events.on('proxy.called', (call) => {
      metrics.recordProxyRequest(call.operation.integrationSlug, call.operation.providerStatus ?? undefined, call.seconds);
      if (call.connected) metrics.recordOperationMetric('PROXY', call.operation.outcome);
    }),
    events.on('connection.refreshed', (event) => metrics.recordTokenRefresh(event.operation.integrationSlug, 'success')),
    events.on('connection.refresh_failed', (event) => {
      if (event.result !== 'not_sent') metrics.recordTokenRefresh(event.operation.integrationSlug, event.result === 'rejected' ? 'invalid_grant' : 'failure');
    }),
    events.on('webhook.attempted', (attempt) => metrics.recordWebhookAttempt(attempt.eventType, attempt.outcome, attempt.durationMs / 1000)),
    events.on('provider_webhook.recorded', (event) => metrics.recordProviderWebhook(event.integrationSlug, event.outcome)),
  );
  return () => stops.forEach((stop) => stop());
}

export type TokenRefreshOutcome = 'success' | 'invalid_grant' | 'failure';
export type GraphQLOperationType = 'query' | 'mutation' | 'subscription' | 'unknown';
export type GraphQLOutcome = 'success' | 'error' | 'invalid';
export type { WebhookAttemptOutcome };
