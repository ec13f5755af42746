// Configuration, read and validated once at start. Every variable is documented in .env.example.
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.url().optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: optionalUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FILE: z.string().optional(),

  DATABASE_URL: optionalUrl,
  DATA_DIR: z.string().default('./data'),
  REDIS_URL: optionalUrl,
  REDIS_PREFIX: z.string().regex(/^[\w.:-]{1,100}$/).default('switchboard'),

  ENCRYPTION_KEYS: z.string().optional(),

  JWT_SECRET: z.string().optional(),
  JWT_JWKS_URL: optionalUrl,
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  JWT_ADMIN_CLAIM: z.string().default('switchboard_admin'),
  API_KEYS: commaList,

  ALLOWED_REDIRECT_ORIGINS: commaList,
  ALLOW_LOCAL_PROVIDERS: booleanFromEnv,
  INTEGRATIONS_FILE: z.string().optional(),

  PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  PROXY_MAX_REQUEST_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
  PROXY_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
  PROXY_MAX_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  PROXY_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(100),
  PROXY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
  // Provider-aware rate limits (src/proxy/provider-limits.ts): buckets fed by the providers' headers.
  PROXY_PROVIDER_LIMITS: z.enum(['true', 'false', '1', '0', 'yes', 'no']).default('true').transform((value) => value === 'true' || value === '1' || value === 'yes'),
  PROXY_PROVIDER_LIMIT_RESERVE: z.coerce.number().int().min(0).default(0),
  PROXY_PROVIDER_LIMIT_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  PROXY_PROVIDER_LIMIT_TRACK_BELOW: z.coerce.number().int().min(1).default(100),
  PROXY_PROVIDER_LIMIT_MAX_CONNECTIONS: z.coerce.number().int().min(100).default(100_000),
  REFRESH_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),
  REFRESH_LOOKAHEAD_SECONDS: z.coerce.number().int().min(0).default(600),

  // Token lifecycle under faults (README "Tokens").
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  PROVIDER_ROTATING_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  REFRESH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(8),
  REFRESH_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  REFRESH_BACKOFF_BASE_SECONDS: z.coerce.number().min(0.01).default(30),
  REFRESH_BACKOFF_MAX_SECONDS: z.coerce.number().min(0.01).default(1800),
  REFRESH_MANUAL_RETRY_SECONDS: z.coerce.number().min(0).default(5),
  REFRESH_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  READY_TIMEOUT_MS: z.coerce.number().int().min(100).default(2_000),

  // Security hardening (issue 12)
  CORS_ORIGINS: commaList,
  GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  MAX_PENDING_AUTHORIZATIONS_PER_USER: z.coerce.number().int().min(1).default(50),
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(100),
  SUBSCRIPTION_QUEUE_MAX: z.coerce.number().int().min(1).default(1000),
  WEBSOCKET_PING_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  WEBSOCKET_INIT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
  WEBSOCKET_MAX_BUFFERED_BYTES: z.coerce.number().int().min(65_536).default(4 * 1024 * 1024),
  WEBSOCKET_MAX_OPERATIONS: z.coerce.number().int().min(1).default(100),
  // Operations: shutdown, metrics, traces, log format.
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  METRICS_TOKEN: z.string().optional(),
  LOG_FORMAT: z.enum(['json', 'pretty', '']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().default('switchboard'),
  CONNECT_SESSION_TTL_SECONDS: z.coerce.number().int().min(1).default(1800),
  CONNECT_SESSION_MAX_TTL_SECONDS: z.coerce.number().int().min(1).default(86_400),
  SANDBOX_ENABLED: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),

  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'seconds between attempts, comma-separated, e.g. 5,300,1800')
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((value) => value.split(',').map((item) => Number(item.trim()))),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  WEBHOOK_SECRET_GRACE_SECONDS: z.coerce.number().int().min(0).default(86_400),
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  WEBHOOK_ALLOW_PRIVATE: booleanFromEnv,
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(128),
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  WEBHOOK_PREFETCH: z.coerce.number().int().min(0).max(1000).default(32),
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().min(0).default(5),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(8),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(10).default(25_000),
  // Activity log, credential checks and health checks (issue 16).
  ACTIVITY_LOG: z.enum(['on', 'off']).default('on'),
  ACTIVITY_FLUSH_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  ACTIVITY_FLUSH_ROWS: z.coerce.number().int().min(1).max(10_000).default(500),
  ACTIVITY_BUFFER_MAX: z.coerce.number().int().min(1).default(20_000),
  ACTIVITY_PROXY_SUCCESS_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  ACTIVITY_PROXY_SUCCESSES_PER_SECOND: z.coerce.number().int().min(0).default(100),
  OPERATIONS_RETENTION_DAYS: z.coerce.number().min(0).default(14),
  VERIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  HEALTH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(0),
  HEALTH_CHECK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
});

/** Every setting read from the environment (the README's table and .env.example list each one). */
export const settingNames: readonly string[] = Object.keys(envSchema.shape);

export type Environment = Record<string, string | undefined>;

export interface AuthConfig {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** A JWT claim that makes the viewer an admin when it is `true` (or contains "admin"). */
  adminClaim: string;
  apiKeys: string[];
  /** No auth configured outside production: requests without credentials act as admin `dev`. */
  devMode: boolean;
  /** Leeway for a JWT's exp/nbf; a JWT without exp is refused. */
  clockToleranceSeconds?: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  /** HOST was not set and the server has no authentication: it listens on loopback only. */
  loopbackOnly: boolean;
  publicUrl: string;
  logLevel: string;
  /** Write logs to this file instead of standard output. */
  logFile?: string;
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  /** Names this deployment's pub/sub channel, so that deployments sharing a Redis do not hear each other. */
  redisPrefix: string;
  encryptionKeys?: string;
  auth: AuthConfig;
  allowedRedirectOrigins: string[];
  allowLocalProviders: boolean;
  integrationsFile?: string;
  proxy: ProxyConfig;
  /** Background refresh: how often to look (0 turns it off) and how far ahead of expiry. */
  refresh: { intervalSeconds: number; lookaheadSeconds: number };
  /** Token lifecycle under faults: timeouts, cooldown, breaker, the background refresher's pace. */
  tokens: TokensConfig;
  /** PostgreSQL pool limits (the embedded database has one connection). */
  databasePool: { size: number; connectTimeoutMs: number; statementTimeoutMs: number; readyTimeoutMs: number };
  security: SecurityConfig;
  webhooks: WebhookConfig;
  /** GraphQL operation limits: nesting depth (a backstop) and cost (fields × the pages they ask for). */
  graphql: { maxDepth: number; maxCost: number };
  operations: OperationsConfig;
  activity: ActivityConfig;
  /** Connect sessions: default and largest lifetime of a session token, in seconds. */
  connectSessions: { ttlSeconds: number; maxTtlSeconds: number };
  /** The built-in sandbox provider (development only: never on in production). */
  sandbox: { enabled: boolean };
}

export interface OperationsConfig {
  /** At shutdown, how long requests in flight may take to finish before their sockets are closed. */
  shutdownDrainMs: number;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** pretty: readable lines (pino-pretty); json: one JSON object per line. Default: pretty in development on a terminal. */
  logFormat: 'json' | 'pretty';
  /** Traces are exported over OTLP/HTTP here when set; off (and free) otherwise. */
  otlpEndpoint?: string;
  serviceName: string;
}

export interface TokensConfig {
  /** Token, revocation and discovery requests; a hanging provider ends as a transient failure. */
  providerTimeoutMs: number;
  /** Token requests to providers that rotate refresh tokens: an answer cut off by a timeout loses the grant. */
  rotatingProviderTimeoutMs: number;
  /** Refreshes one instance's background refresher runs at once, and how many it claims per batch. */
  concurrency: number;
  batchSize: number;
  /** Cooldown after a transient failure: base × 2^(failures − 1), capped, ±20% jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** refreshConnection may skip the cooldown once per connection per this interval. */
  manualRetryMs: number;
  /** Consecutive transient failures of an integration that open its circuit breaker. */
  breakerThreshold: number;
}

export interface SecurityConfig {
  /** Origins whose pages may call /graphql and the path proxy (CORS), exact match. */
  corsOrigins: string[];
  /** The largest GraphQL request body; checked by Content-Length and while reading (413). */
  graphqlMaxBodyBytes: number;
  /** Per user: pending (started, not yet completed) authorizations, and open subscriptions. */
  maxPendingAuthorizationsPerUser: number;
  maxSubscriptionsPerUser: number;
  /** Events waiting for one subscriber (a slow consumer) beyond which its subscription ends. */
  subscriptionQueueMax: number;
  /** WebSockets are pinged this often; one that missed the previous ping is closed (a vanished client). */
  websocketPingIntervalMs: number;
  /** A WebSocket that has not sent connection_init by then is closed (4408). */
  websocketInitTimeoutMs: number;
  /** Bytes waiting to be sent to one WebSocket beyond which its client counts as not reading (closed, 1013). */
  websocketMaxBufferedBytes: number;
  /** Operations running at once on one WebSocket (QUOTA_EXCEEDED beyond). */
  websocketMaxOperations: number;
}

export interface WebhookConfig {
  /** Seconds to wait before each retry; attempts in all = its length + 1. */
  retrySchedule: number[];
  /** Per attempt, from connecting to the end of the response. */
  timeoutMs: number;
  /** How long the secret before a rotation keeps signing beside the new one. */
  secretGraceSeconds: number;
  /** Finished deliveries older than this are deleted by the background sweep (0 keeps them). */
  logRetentionDays: number;
  /** Lets endpoints be on private and loopback addresses, over http too (self-hosted apps on an internal network). */
  allowPrivate: boolean;
  /** How often each instance looks for due deliveries (0: this instance delivers nothing). */
  pollIntervalMs: number;
  /** Deliveries in flight per instance, in all and per endpoint. */
  concurrency: number;
  endpointConcurrency: number;
  /**
   * Deliveries an instance claims beyond its free slots (per endpoint and in all), so a slot that
   * frees starts the next one without a database round trip; each waits at most a few seconds.
   */
  prefetch: number;
  /** An endpoint that has failed every attempt for this many days is disabled (0: never). */
  disableAfterDays: number;
}

export interface ActivityConfig {
  /** Whether operations are recorded at all (off: nothing is written, lastUsedAt stays put). */
  enabled: boolean;
  /** The buffer is written every flushIntervalMs, or as soon as it holds flushRows rows. */
  flushIntervalMs: number;
  flushRows: number;
  /** Rows waiting beyond this are dropped (counted, with a warning) rather than slowing requests. */
  bufferMax: number;
  /** Share of successful proxied calls recorded (0..1); failures are always recorded. */
  proxySuccessSampleRate: number;
  /** At most this many successful proxied calls recorded per second and instance (0: no cap); failures are always recorded. */
  proxySuccessesPerSecond: number;
  /** Operations older than this are deleted by the sweep (0 keeps them forever). */
  retentionDays: number;
  /** A credential check's limit, from sending the request to the end of the answer. */
  verifyTimeoutMs: number;
  /** Re-verify connections not used or verified within this many seconds (0: off), batchSize at a time. */
  healthCheckIntervalSeconds: number;
  healthCheckBatchSize: number;
}

export interface ProxyConfig {
  /** Per attempt, from sending the request to the end of the response body. */
  timeoutMs: number;
  maxRequestBytes: number;
  /** Decoded size of a response that proxyRequest returns (the path proxy streams without a cap). */
  maxResponseBytes: number;
  /** A 429 or 503 asking to wait longer than this is reported instead of retried. */
  maxRetryAfterSeconds: number;
  /** Per viewer: sustained requests per second (0 turns the limit off) and the burst allowed. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Per connection, from the provider's rate-limit headers: see src/proxy/provider-limits.ts. */
  providerLimits: {
    enabled: boolean;
    /** Calls kept back from what the provider says is left (for other clients of the same account). */
    reserve: number;
    /** An empty bucket whose window resets within this is waited for; a longer wait is refused. */
    maxWaitMs: number;
    /** Connections are tracked once the provider reports this few calls left (fewer map writes). */
    trackBelow: number;
    /** Connections tracked at once; past it the expired ones are dropped, then the oldest. */
    maxConnections: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(environment: Environment = process.env): Config {
  const parsed = envSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === 'production';
  const authConfigured = Boolean(env.JWT_SECRET || env.JWT_JWKS_URL || env.API_KEYS.length);
  const problems: string[] = [];
  const sandboxRequested = ['true', '1', 'yes'].includes(env.SANDBOX_ENABLED ?? '');
  // On by default outside production; SANDBOX_ENABLED=false turns it off.
  const sandboxEnabled = env.SANDBOX_ENABLED === undefined || env.SANDBOX_ENABLED === '' ? !isProduction : sandboxRequested;

  if (env.JWT_SECRET && env.JWT_JWKS_URL) problems.push('JWT_SECRET and JWT_JWKS_URL are exclusive: set one.');
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters.');
  if (env.API_KEYS.some((key) => key.length < 24)) problems.push('Every key in API_KEYS must be at least 24 characters.');
  if (env.METRICS_TOKEN && env.METRICS_TOKEN.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters.');
  if (isProduction) {
    if (!authConfigured) problems.push('Production needs authentication: set JWT_SECRET, JWT_JWKS_URL or API_KEYS.');
    if (!env.ENCRYPTION_KEYS) problems.push('Production needs ENCRYPTION_KEYS (kid:base64key, comma-separated).');
    if (env.ALLOW_LOCAL_PROVIDERS) problems.push('ALLOW_LOCAL_PROVIDERS is for development and tests only.');
    if (!env.PUBLIC_URL) problems.push('Production needs PUBLIC_URL (the OAuth callback is built from it).');
    if (sandboxRequested) problems.push('SANDBOX_ENABLED is for development only: the sandbox provider signs in anyone.');
  }
  if (env.CONNECT_SESSION_TTL_SECONDS > env.CONNECT_SESSION_MAX_TTL_SECONDS) {
    problems.push('CONNECT_SESSION_TTL_SECONDS must not exceed CONNECT_SESSION_MAX_TTL_SECONDS.');
  }
  const originsOf = (name: string, values: string[]) => {
    const origins: string[] = [];
    for (const origin of values) {
      try {
        const url = new URL(origin);
        if (url.origin === 'null' || url.origin !== origin.replace(/\/$/, '')) throw new Error('not an origin');
        origins.push(url.origin);
      } catch {
        problems.push(`${name}: "${origin}" is not an origin such as https://app.example.com`);
      }
    }
    return origins;
  };
  const allowedRedirectOrigins = originsOf('ALLOWED_REDIRECT_ORIGINS', env.ALLOWED_REDIRECT_ORIGINS);
  const corsOrigins = originsOf('CORS_ORIGINS', env.CORS_ORIGINS);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const redirectOrigins = allowedRedirectOrigins.length ? allowedRedirectOrigins : [new URL(publicUrl).origin];
  const devMode = !isProduction && !authConfigured;
  // Without authentication every request is the admin "dev": only this machine may reach it, unless HOST says otherwise.
  const loopbackOnly = devMode && env.HOST === undefined;
  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host: env.HOST ?? (loopbackOnly ? '127.0.0.1' : '0.0.0.0'),
    loopbackOnly,
    publicUrl,
    logLevel: env.LOG_LEVEL,
    logFile: env.LOG_FILE,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    encryptionKeys: env.ENCRYPTION_KEYS,
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      adminClaim: env.JWT_ADMIN_CLAIM,
      apiKeys: env.API_KEYS,
      devMode,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
    },
    allowedRedirectOrigins: redirectOrigins,
    allowLocalProviders: env.ALLOW_LOCAL_PROVIDERS,
    integrationsFile: env.INTEGRATIONS_FILE,
    proxy: {
      timeoutMs: env.PROXY_TIMEOUT_MS,
      maxRequestBytes: env.PROXY_MAX_REQUEST_BYTES,
      maxResponseBytes: env.PROXY_MAX_RESPONSE_BYTES,
      maxRetryAfterSeconds: env.PROXY_MAX_RETRY_AFTER_SECONDS,
      rateLimitPerSecond: env.PROXY_RATE_LIMIT_PER_SECOND,
      rateLimitBurst: env.PROXY_RATE_LIMIT_BURST,
      providerLimits: {
        enabled: env.PROXY_PROVIDER_LIMITS,
        reserve: env.PROXY_PROVIDER_LIMIT_RESERVE,
        maxWaitMs: env.PROXY_PROVIDER_LIMIT_MAX_WAIT_MS,
        trackBelow: env.PROXY_PROVIDER_LIMIT_TRACK_BELOW,
        maxConnections: env.PROXY_PROVIDER_LIMIT_MAX_CONNECTIONS,
      },
    },
    refresh: { intervalSeconds: env.REFRESH_INTERVAL_SECONDS, lookaheadSeconds: env.REFRESH_LOOKAHEAD_SECONDS },
    operations: {
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
      metricsToken: env.METRICS_TOKEN || undefined,
      logFormat: env.LOG_FORMAT || (env.NODE_ENV === 'development' && !env.LOG_FILE && process.stdout.isTTY ? 'pretty' : 'json'),
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
    },
    tokens: {
      providerTimeoutMs: env.PROVIDER_TIMEOUT_MS,
      rotatingProviderTimeoutMs: env.PROVIDER_ROTATING_TIMEOUT_MS,
      concurrency: env.REFRESH_CONCURRENCY,
      batchSize: env.REFRESH_BATCH_SIZE,
      backoffBaseMs: env.REFRESH_BACKOFF_BASE_SECONDS * 1000,
      backoffMaxMs: env.REFRESH_BACKOFF_MAX_SECONDS * 1000,
      manualRetryMs: env.REFRESH_MANUAL_RETRY_SECONDS * 1000,
      breakerThreshold: env.REFRESH_BREAKER_THRESHOLD,
    },
    databasePool: {
      size: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      readyTimeoutMs: env.READY_TIMEOUT_MS,
    },
    connectSessions: { ttlSeconds: env.CONNECT_SESSION_TTL_SECONDS, maxTtlSeconds: env.CONNECT_SESSION_MAX_TTL_SECONDS },
    sandbox: { enabled: sandboxEnabled },
    security: {
      corsOrigins: corsOrigins.length ? corsOrigins : [...new Set([new URL(publicUrl).origin, ...redirectOrigins])],
      graphqlMaxBodyBytes: env.GRAPHQL_MAX_BODY_BYTES,
      maxPendingAuthorizationsPerUser: env.MAX_PENDING_AUTHORIZATIONS_PER_USER,
      maxSubscriptionsPerUser: env.MAX_SUBSCRIPTIONS_PER_USER,
      subscriptionQueueMax: env.SUBSCRIPTION_QUEUE_MAX,
      websocketPingIntervalMs: env.WEBSOCKET_PING_INTERVAL_MS,
      websocketInitTimeoutMs: env.WEBSOCKET_INIT_TIMEOUT_MS,
      websocketMaxBufferedBytes: env.WEBSOCKET_MAX_BUFFERED_BYTES,
      websocketMaxOperations: env.WEBSOCKET_MAX_OPERATIONS,
    },
    webhooks: {
      retrySchedule: env.WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      secretGraceSeconds: env.WEBHOOK_SECRET_GRACE_SECONDS,
      logRetentionDays: env.WEBHOOK_LOG_RETENTION_DAYS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      concurrency: env.WEBHOOK_CONCURRENCY,
      endpointConcurrency: env.WEBHOOK_ENDPOINT_CONCURRENCY,
      prefetch: env.WEBHOOK_PREFETCH,
      disableAfterDays: env.WEBHOOK_DISABLE_AFTER_DAYS,
    },
    graphql: { maxDepth: env.GRAPHQL_MAX_DEPTH, maxCost: env.GRAPHQL_MAX_COST },
    activity: {
      enabled: env.ACTIVITY_LOG === 'on',
      flushIntervalMs: env.ACTIVITY_FLUSH_INTERVAL_MS,
      flushRows: env.ACTIVITY_FLUSH_ROWS,
      bufferMax: env.ACTIVITY_BUFFER_MAX,
      proxySuccessSampleRate: env.ACTIVITY_PROXY_SUCCESS_SAMPLE_RATE,
      proxySuccessesPerSecond: env.ACTIVITY_PROXY_SUCCESSES_PER_SECOND,
      retentionDays: env.OPERATIONS_RETENTION_DAYS,
      verifyTimeoutMs: env.VERIFY_TIMEOUT_MS,
      healthCheckIntervalSeconds: env.HEALTH_CHECK_INTERVAL_SECONDS,
      healthCheckBatchSize: env.HEALTH_CHECK_BATCH_SIZE,
    },
  };
}

/** The process's configuration. Importing this module validates the environment. */
export const config: Config = loadConfig();
