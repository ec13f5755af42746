// Calls a provider's API with a connection's credential: shared by the proxyRequest mutation (which
// buffers and parses the answer) and the path proxy route (which streams both ways).
//
// Per call: the viewer's rate limit, the connection (from the hot-path cache), a refresh per policy,
// the target URL and headers checked (rules.ts), then attempts: one refresh-and-retry on 401, retries
// of idempotent methods on network errors and 502/503/504, and 429/503 Retry-After honoured up to a cap.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Span } from '@opentelemetry/api';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { Keyring } from '../crypto/envelope.js';
import type { ConnectionLookup, ConnectionReference } from '../domain/connection-lookup.js';
import { isRenewableType, type ConnectionWithIntegration, type UsableCredentials } from '../domain/connections.js';
import type { DomainEventBus } from '../domain/events.js';
import type { Viewer } from '../domain/viewer.js';
import { backoffDelay } from '../kernel/backoff.js';
import type { SharedLimits } from '../kernel/shared-limits.js';
import { ProviderError, publicMessageOf, RateLimitedError, UpstreamUnavailableError, ValidationError } from '../kernel/errors.js';
import { readBody, type ReadBody } from '../net/body.js';
import type { Outbound } from '../net/outbound.js';
import { BlockedAddressError } from '../net/upstream-agent.js';
import { connectionConfigOf } from '../provider/templates.js';
import { traced, tracingEnabled } from '../telemetry/tracing.js';
import type { RefreshPolicy, Refresher } from '../tokens/refresher.js';
import { DEFAULT_RETRYABLE_STATUSES, createProviderLimits } from './provider-limits.js';
import { createViewerRateLimit } from './rate-limit.js';
import { createSecretPatterns, scrubInjectedSecrets } from './scrub.js';
import type { ProxySettings } from './settings.js';
import {
  filteredResponseHeaders,
  forwardedRequestHeaders,
  IDEMPOTENT_METHODS,
  credentialNeedsUrl,
  injectCredential,
  proxySettings,
  resolveProxyTarget,
  type ProxyTarget,
  retryAfterSeconds,
  waitAskedFor,
  type HeaderInput,
} from './rules.js';

const MAX_ATTEMPTS = 3;

export interface ProxyCall {
  viewer: Viewer;
  reference: ConnectionReference;
  method: string;
  /** Relative to the API base URL, or absolute under it. */
  url: string;
  headers?: HeaderInput;
  /** A replayable body; or `stream` (not replayable: no retries then). */
  body?: Buffer | string;
  stream?: Readable;
  refreshPolicy: RefreshPolicy;
  /** Ask for compressed responses and hand them over as they are (the path proxy). */
  passThroughEncoding?: boolean;
  /** The MCP tool making the call, for the activity log. */
  tool?: string;
}

export interface UpstreamAnswer {
  response: Dispatcher.ResponseData;
  integration: ConnectionWithIntegration['integration'];
  /** The URL called, without any credential. */
  url: string;
  attempts: number;
  /** The provider said "slow down" (a 429, or its own status for it). */
  rateLimited: boolean;
}

const DEFAULT_LIMITS = { retryableStatuses: DEFAULT_RETRYABLE_STATUSES };

/** Between retries of a proxied call: 100 ms, 200 ms, 400 ms … with ±50 % jitter. */
const retryDelay = (attempt: number) => backoffDelay(attempt, { baseMs: 100, maxMs: 10_000, jitter: 0.5 });

export interface ProxyDeps {
  lookup: ConnectionLookup;
  refresher: Pick<Refresher, 'usableCredentials'>;
  outbound: Outbound;
  keyring: Keyring;
  events: DomainEventBus;
  settings: ProxySettings;
  /** Provider rate-limit buckets per deployment (Redis); per instance without. */
  limits?: SharedLimits;
}

export type Proxy = ReturnType<typeof createProxy>;

export function createProxy(deps: ProxyDeps) {
  const { settings } = deps;
  const rateLimit = createViewerRateLimit({ perSecond: settings.rateLimitPerSecond, burst: settings.rateLimitBurst, maxViewers: settings.rateLimitMaxViewers });
  const providerLimits = createProviderLimits(settings.providerLimits, deps.limits);
  const secretPatterns = createSecretPatterns();

  /**
   * Sends a proxied call (with its refresh and retries) and announces it (`proxy.called`: the activity
   * log and the metrics, until the answer's headers) and, with tracing on, makes it a span. The caller
   * consumes `response.body`.
   */
  function sendUpstream(call: ProxyCall): Promise<UpstreamAnswer> {
    if (!tracingEnabled()) return measuredSend(call, undefined);
    return traced('proxy.request', { 'http.request.method': call.method.toUpperCase() }, (span) => measuredSend(call, span));
  }

  async function measuredSend(call: ProxyCall, span: Span | undefined): Promise<UpstreamAnswer> {
    const started = performance.now();
    let connection: ConnectionWithIntegration | undefined;
    let target: ProxyTarget | undefined;
    try {
      const wait = rateLimit.take(call.viewer.userId);
      if (wait !== undefined) throw new RateLimitedError('Too many proxied requests: slow down.', wait);
      // Both are plain values on the hot path (cache hit, fresh token); promises only when they must wait.
      let found = deps.lookup.findCached(call.viewer, call.reference);
      if (found instanceof Promise) found = await found;
      connection = found.connection;
      const answer = await callWithConnection(call, found, (resolved) => (target = resolved));
      span?.setAttributes({
        'switchboard.integration': answer.integration.slug,
        'http.response.status_code': answer.response.statusCode,
        'switchboard.attempts': answer.attempts,
      });
      announce(call, connection, target, started, answer.response.statusCode);
      return answer;
    } catch (error) {
      announce(call, connection, target, started, undefined, error);
      throw error;
    }
  }

  /**
   * One `proxy.called`: a PROXY operation once the call had a connection (the path never carries the
   * query string); before that, the integration is "unknown" (a caller's reference is no label).
   */
  function announce(
    call: ProxyCall,
    connection: ConnectionWithIntegration | undefined,
    target: ProxyTarget | undefined,
    started: number,
    status?: number,
    error?: unknown,
  ): void {
    const failed = status === undefined || status >= 400;
    const durationMs = performance.now() - started;
    deps.events.emit('proxy.called', {
      connected: connection !== undefined,
      seconds: durationMs / 1000,
      operation: {
        kind: 'PROXY',
        outcome: failed ? 'FAILURE' : 'SUCCESS',
        connectionId: connection?.id ?? null,
        integrationSlug: connection?.integration.slug ?? 'unknown',
        ownerId: connection ? (connection.ownerId ?? call.viewer.userId) : call.viewer.userId,
        method: call.method.toUpperCase(),
        path: target ? target.pathname : null,
        providerStatus: status,
        durationMs,
        error: status === undefined ? publicMessageOf(error) : failed ? `The provider answered HTTP ${status}.` : null,
        tool: call.tool ?? null,
      },
    });
  }

  /** The call once its connection is known; `onTarget` learns the URL for the operation's path. */
  async function callWithConnection(call: ProxyCall, found: UsableCredentials, onTarget: (target: ProxyTarget) => void): Promise<UpstreamAnswer> {
    let usable = deps.refresher.usableCredentials(found, { policy: call.refreshPolicy });
    if (usable instanceof Promise) {
      usable = await usable;
      deps.lookup.rememberRefreshed(call.viewer, call.reference, usable);
    }

    const { connection } = usable;
    const target = resolveProxyTarget(connection.apiBaseUrl ?? connection.integration.apiBaseUrl, call.url);
    onTarget(target);
    const method = call.method.toUpperCase();
    const forwarded = forwardedRequestHeaders(call.headers, connection.integration);
    if (call.passThroughEncoding) {
      // node:http's header names are lower case.
      const acceptEncoding = call.headers?.['accept-encoding'];
      if (typeof acceptEncoding === 'string') forwarded['accept-encoding'] = acceptEncoding;
    } else {
      forwarded['accept-encoding'] = 'gzip, deflate, br';
    }
    if (call.body !== undefined && (method === 'GET' || method === 'HEAD')) throw ValidationError.field('body', `A ${method} request has no body.`);
    const replayable = call.stream === undefined;
    const retriable = replayable && IDEMPOTENT_METHODS.has(method);
    let refreshedAfter401 = false;
    const limits = settings.providerLimits.enabled ? proxySettings(connection.integration).limits : undefined;

    for (let attempt = 1; ; attempt++) {
      if (limits !== undefined) {
        // A plain value on the hot path; a promise only when the bucket is empty or shared (Redis).
        let wait = providerLimits.take(connection.id);
        if (wait instanceof Promise) wait = await wait;
        if (wait !== undefined) await waitForProviderCall(connection.id, wait);
      }
      const headers = { ...forwarded };
      // A URL object only for a credential that signs it or goes into its query (the reported target never carries it).
      const url = credentialNeedsUrl(usable.credentials, connection.integration) ? new URL(target.href) : null;
      const injected = injectCredential(deps.keyring, headers, url, usable.credentials, connection.integration, {
        method,
        body: call.body,
        contentType: headers['content-type'],
        connectionConfig: connectionConfigOf(connection),
      });
      let response: Dispatcher.ResponseData;
      const untracked = limits !== undefined && providerLimits.sending(connection.id);
      try {
        response = await deps.outbound.request({
          origin: url ? url.origin : target.origin,
          path: url ? url.pathname + url.search : target.pathname + target.search,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: call.stream ?? call.body,
          headersTimeout: settings.timeoutMs,
          bodyTimeout: settings.timeoutMs,
        });
      } catch (error) {
        if (untracked) providerLimits.sent(connection.id);
        if (retriable && attempt < MAX_ATTEMPTS && !(error instanceof BlockedAddressError)) {
          await sleep(retryDelay(attempt));
          continue;
        }
        throw unreachable(error, target);
      }

      const { statusCode } = response;
      if (untracked) providerLimits.sent(connection.id);
      const rateLimited =
        limits !== undefined ? providerLimits.observe(connection.id, statusCode, response.headers, limits, Date.now(), untracked) : statusCode === 429;
      if (statusCode === 401 && !refreshedAfter401 && replayable && isRenewableType(usable.credentials) && call.refreshPolicy !== 'NONE') {
        // RFC 6750 §3.1: the token was rejected. At most one refresh and one retry.
        await response.body.dump();
        refreshedAfter401 = true;
        usable = await deps.refresher.usableCredentials(usable, { policy: call.refreshPolicy, rejectedAccessToken: usable.credentials!.accessToken });
        deps.lookup.rememberRefreshed(call.viewer, call.reference, usable);
        continue;
      }
      if (retriable && attempt < MAX_ATTEMPTS && (rateLimited || (limits ?? DEFAULT_LIMITS).retryableStatuses.has(statusCode))) {
        const asked = rateLimited ? waitAskedFor(response.headers, connection.integration) : retryAfterSeconds(response.headers['retry-after']);
        if (asked === undefined || asked <= settings.maxRetryAfterSeconds) {
          await response.body.dump();
          await sleep(asked !== undefined ? asked * 1000 : retryDelay(attempt));
          continue;
        }
      }
      // Both proxyRequest and the path proxy read the headers from here on: none may carry the credential back.
      scrubInjectedSecrets(response.headers, injected, secretPatterns);
      return { response, url: target.href, attempts: attempt, integration: connection.integration, rateLimited };
    }
  }

  /**
   * Takes a call from the connection's provider bucket: an empty one that refills within
   * PROXY_PROVIDER_LIMIT_MAX_WAIT_MS is waited for, a longer wait is a RateLimitedError (nothing is sent).
   */
  async function waitForProviderCall(connectionId: string, firstWait: number): Promise<void> {
    let wait: number | undefined = firstWait;
    while (wait !== undefined) {
      if (wait > settings.providerLimits.maxWaitMs) {
        throw new RateLimitedError("The provider's rate limit for this connection is used up until its window resets.", Math.ceil(wait / 1000));
      }
      await sleep(wait);
      wait = await providerLimits.take(connectionId);
    }
  }

  /** The proxyRequest mutation: calls the API and returns the answer, parsed. */
  async function proxyRequest(viewer: Viewer, input: ProxyRequestInput): Promise<ProxyResponse> {
    const started = performance.now();
    if (input.data !== undefined && input.data !== null && input.body != null) {
      throw ValidationError.field('body', 'Give either data (sent as JSON) or body, not both.');
    }
    const headers: Record<string, unknown> = { ...(input.headers ?? {}) };
    let body: string | undefined;
    if (input.data !== undefined && input.data !== null) {
      body = JSON.stringify(input.data);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    } else if (input.body != null) {
      body = input.body;
    }
    if (body !== undefined && Buffer.byteLength(body) > settings.maxRequestBytes) {
      throw ValidationError.field(input.data != null ? 'data' : 'body', `The request body exceeds ${settings.maxRequestBytes} bytes.`);
    }

    const {
      response,
      url,
      attempts,
      integration: connectionIntegration,
      rateLimited,
    } = await sendUpstream({
      viewer,
      reference: { integration: input.integration, connectionId: input.connectionId, connectionName: input.connectionName },
      method: input.method ?? 'GET',
      url: input.url,
      headers,
      body,
      refreshPolicy: input.refreshPolicy ?? 'AUTO',
      tool: input.tool,
    });
    if (rateLimited) {
      await response.body.dump();
      const wait = waitAskedFor(response.headers, connectionIntegration);
      throw new RateLimitedError('The provider is rate limiting this connection.', wait);
    }
    let read: ReadBody;
    try {
      read = await readBody(response.body, settings.maxResponseBytes);
    } catch {
      throw new UpstreamUnavailableError('The provider did not finish its answer in time.');
    }
    if (!read.complete) throw tooLarge(settings.maxResponseBytes);
    const raw = read.bytes;
    const decoded = decode(raw, response.headers['content-encoding'], settings.maxResponseBytes);
    const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
    let data: unknown = null;
    let text: string | null = null;
    let base64: string | null = null;
    if (decoded.length > 0) {
      if (/[/+]json\b/.test(contentType)) {
        try {
          data = JSON.parse(decoded.toString('utf8'));
        } catch {
          text = decoded.toString('utf8');
        }
      } else if (!contentType || /^text\/|xml|javascript|x-www-form-urlencoded|charset=/.test(contentType)) {
        text = decoded.toString('utf8');
      } else {
        base64 = decoded.toString('base64');
      }
    }
    return {
      status: response.statusCode,
      ok: response.statusCode >= 200 && response.statusCode < 300,
      headers: filteredResponseHeaders(response.headers, DECODED_BODY_HEADERS),
      data,
      body: text,
      bodyBase64: base64,
      url,
      attempts,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  return {
    sendUpstream,
    proxyRequest,
    /** Connections whose provider rate limit is tracked now (tests and metrics). */
    trackedConnections: () => providerLimits.trackedConnections(),
  };
}

function unreachable(error: unknown, target: ProxyTarget): Error {
  if (error instanceof BlockedAddressError) return ValidationError.field('url', `Blocked: ${target.host} resolves to an address that is not public.`);
  // A connect timeout reads like a refused connection: the words never tell which kind of port it was.
  const timedOut = error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError;
  if (error instanceof undiciErrors.RequestContentLengthMismatchError || error instanceof undiciErrors.InvalidArgumentError) {
    return ValidationError.field('body', 'The request could not be sent as given.');
  }
  return new UpstreamUnavailableError(
    timedOut ? `The provider did not answer in time (${target.host}).` : `Could not connect to the provider (${target.host}).`,
  );
}

// ----------------------------------------------------------------------------------- proxyRequest

export interface ProxyRequestInput {
  integration: string;
  connectionId?: string | null;
  method?: string | null;
  url: string;
  headers?: Record<string, unknown> | null;
  data?: unknown;
  body?: string | null;
  refreshPolicy?: RefreshPolicy | null;
  /** By name instead of connectionId (MCP tools). */
  connectionName?: string | null;
  /** The MCP tool making the call, for the activity log. */
  tool?: string;
}

export interface ProxyResponse {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  data: unknown;
  body: string | null;
  bodyBase64: string | null;
  url: string;
  attempts: number;
  durationMs: number;
}

/** Headers that no longer describe the body once proxyRequest has decoded it. */
const DECODED_BODY_HEADERS = new Set(['content-encoding', 'content-length']);

function tooLarge(limit: number): ProviderError {
  return new ProviderError(`The provider's answer exceeds ${limit} bytes: use the path proxy (/api/integrations/:integration/request/…) to stream it.`, {
    providerError: 'response_too_large',
  });
}

/** Decodes gzip, deflate and br, never past `limit` decoded bytes (compression bombs). */
function decode(raw: Buffer, encoding: string | string[] | undefined, limit: number): Buffer {
  const name = String(encoding ?? '')
    .trim()
    .toLowerCase();
  if (!name || name === 'identity' || raw.length === 0) return raw;
  const options = { maxOutputLength: limit };
  try {
    if (name === 'gzip' || name === 'x-gzip') return zlib.gunzipSync(raw, options);
    if (name === 'deflate') return zlib.inflateSync(raw, options);
    if (name === 'br') return zlib.brotliDecompressSync(raw, options);
  } catch (error) {
    if (error instanceof RangeError) throw tooLarge(limit);
    throw new ProviderError(`The provider's answer could not be decoded (${name}).`, { providerError: 'bad_encoding' });
  }
  throw new ProviderError(`The provider's answer uses an unsupported encoding (${name}).`, { providerError: 'bad_encoding' });
}
