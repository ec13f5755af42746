// The delivery worker, one per instance. It claims due deliveries with a lease (a short UPDATE over
// rows picked FOR UPDATE SKIP LOCKED, which sets the owner and the lease's expiry), sends each one
// outside any transaction through the outbound HTTP layer, and records the outcome with a
// compare-and-set on the lease. A crash mid-attempt leaves the lease to expire; another instance
// (or this one, restarted) then tries again with the same webhook-id.
//
// It wakes on a nudge (a status event, which follows the commit of the change and its outbox rows;
// a redelivery), when an attempt ends, and every WEBHOOK_POLL_INTERVAL_MS for retries and other
// instances' messages. At most WEBHOOK_CONCURRENCY attempts run at once, WEBHOOK_ENDPOINT_CONCURRENCY
// per endpoint, so a slow endpoint holds a few slots and never the others'.
import { randomBytes } from 'node:crypto';
import type { WebhookConfig } from '../config.js';
import { prisma } from '../db/client.js';
import { onStatusEvent } from '../events.js';
import { logger } from '../logger.js';
import { recordOperation } from '../activity/recorder.js';
import { webhookRequest } from '../net/outbound.js';
import { BlockedAddressError } from '../net/upstream-agent.js';
import { signingSecretsOf } from './endpoints.js';
import { signatureHeader } from './signing.js';
import { onWebhookNudge } from './worker-signal.js';

/** Bytes of a response body kept in the delivery log (headers are never kept). */
const RESPONSE_EXCERPT_BYTES = 256;
/** A lease outlives the attempt's own timeout by this much before another instance may retry. */
const LEASE_MARGIN_MS = 10_000;
/** How long stop() lets attempts in flight finish before cutting them short. */
const STOP_GRACE_MS = 5_000;

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  body: string;
  /** Attempts started, this one included: with the owner, the compare-and-set key of the lease. */
  attempts: number;
  url: string;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface AttemptOutcome {
  ok: boolean;
  responseStatus: number | null;
  responseExcerpt: string | null;
  /** Why it failed: "HTTP 500", "timeout after 15000 ms", "connection refused"… never a secret. */
  error: string | null;
  durationMs: number;
  /** Cut short by shutdown: due again at once, on any instance. */
  interrupted?: boolean;
}

export interface FinishedAttempt {
  deliveryId: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  attempt: number;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  nextAttemptAt: Date | null;
  outcome: AttemptOutcome;
}

/** Claims up to `limit` due deliveries for `owner`, within the per-endpoint limit given what it already runs. */
export async function claimDueDeliveries(options: {
  owner: string;
  limit: number;
  endpointConcurrency: number;
  inFlight: Map<string, number>;
  leaseMs: number;
}): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  const now = new Date();
  const busyIds = [...options.inFlight.keys()];
  const busyCounts = busyIds.map((id) => options.inFlight.get(id)!);
  // Per enabled endpoint, its oldest due rows up to its free slots (an index probe each), then the
  // oldest of those overall. Rows another instance is claiming are skipped, not waited for.
  return prisma.$queryRaw<ClaimedDelivery[]>`
    WITH picked AS (
      SELECT due."id", due."nextAttemptAt"
      FROM "WebhookEndpoint" e
      LEFT JOIN unnest(${busyIds}::text[], ${busyCounts}::int[]) AS busy("endpointId", "count") ON busy."endpointId" = e."id"
      CROSS JOIN LATERAL (
        SELECT d."id", d."nextAttemptAt" FROM "WebhookDelivery" d
        WHERE d."endpointId" = e."id" AND d."status" = 'PENDING' AND d."nextAttemptAt" <= ${now}
          AND (d."leaseExpiresAt" IS NULL OR d."leaseExpiresAt" <= ${now})
        ORDER BY d."nextAttemptAt"
        LIMIT GREATEST(${options.endpointConcurrency}::int - COALESCE(busy."count", 0), 0)
        FOR UPDATE OF d SKIP LOCKED
      ) due
      WHERE e."enabled"
      ORDER BY due."nextAttemptAt"
      LIMIT ${options.limit}::int
    )
    UPDATE "WebhookDelivery" d
    SET "leaseOwner" = ${options.owner}, "leaseExpiresAt" = ${new Date(now.getTime() + options.leaseMs)},
        "attempts" = d."attempts" + 1, "updatedAt" = ${now}
    FROM "WebhookEndpoint" e
    WHERE d."id" IN (SELECT "id" FROM picked) AND e."id" = d."endpointId"
    RETURNING d."id", d."endpointId", d."messageId", d."eventType", d."body", d."attempts",
      e."url", e."secretEnc", e."previousSecretEnc", e."previousSecretExpiresAt"`;
}

/** Sends one claimed delivery, signed with the endpoint's current (and, in its grace period, previous) secret. */
export async function sendDelivery(delivery: ClaimedDelivery, options: { timeoutMs: number; signal?: AbortSignal }): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timestamp = Math.floor(Date.now() / 1000);
  const url = new URL(delivery.url);
  const secrets = signingSecretsOf({ ...delivery, id: delivery.endpointId });
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await webhookRequest({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, delivery.messageId, timestamp, delivery.body),
      },
      body: delivery.body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal,
    });
    const excerpt = await readExcerpt(response.body);
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return { ok, responseStatus: response.statusCode, responseExcerpt: excerpt, error: ok ? null : `HTTP ${response.statusCode}`, durationMs: elapsed() };
  } catch (error) {
    const interrupted = options.signal?.aborted === true;
    return { ok: false, responseStatus: null, responseExcerpt: null, error: interrupted ? 'interrupted by shutdown' : describeFailure(error, options.timeoutMs), durationMs: elapsed(), interrupted };
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_EXCERPT_BYTES) {
      body.destroy();
      break;
    }
  }
  if (!size) return null;
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof BlockedAddressError) return "refused: the endpoint's address is not public (see WEBHOOK_ALLOW_PRIVATE)";
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return `network error (${code ?? name ?? 'unknown'})`;
}

/** When the attempt after `attempts` failed ones is due, or null when the schedule is spent (±10% jitter). */
export function nextAttemptAfter(attempts: number, schedule: number[], now = Date.now()): Date | null {
  const seconds = schedule[attempts - 1];
  if (seconds === undefined) return null;
  return new Date(now + Math.round(seconds * 1000 * (0.9 + Math.random() * 0.2)));
}

/**
 * Records the outcome of an attempt, if this owner's lease still holds (compare-and-set on owner and
 * attempt number). The one place an attempt ends: the activity log hooks in here.
 */
export async function finishAttempt(delivery: ClaimedDelivery, owner: string, outcome: AttemptOutcome, cfg: WebhookConfig): Promise<FinishedAttempt | null> {
  const now = new Date();
  const status = outcome.ok ? 'SUCCEEDED' : outcome.interrupted ? 'PENDING' : nextAttemptAfter(delivery.attempts, cfg.retrySchedule) ? 'PENDING' : 'FAILED';
  const nextAttemptAt = status !== 'PENDING' ? null : outcome.interrupted ? now : nextAttemptAfter(delivery.attempts, cfg.retrySchedule);
  const { count } = await prisma.webhookDelivery.updateMany({
    where: { id: delivery.id, leaseOwner: owner, attempts: delivery.attempts, status: 'PENDING' },
    data: {
      status,
      nextAttemptAt,
      leaseOwner: null,
      leaseExpiresAt: null,
      responseStatus: outcome.responseStatus,
      responseExcerpt: outcome.responseExcerpt,
      error: outcome.error,
      ...(outcome.ok ? { deliveredAt: now } : {}),
    },
  });
  if (!count) {
    // The lease expired and someone else took over, or the endpoint was deleted: theirs is the record.
    logger.info({ deliveryId: delivery.id, attempt: delivery.attempts }, 'webhook attempt outcome not recorded: lease lost');
    return null;
  }
  await recordEndpointHealth(delivery.endpointId, outcome, status === 'FAILED', cfg, now);
  if (!outcome.interrupted) recordDeliveryOperation(delivery, outcome);
  const finished: FinishedAttempt = {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
    messageId: delivery.messageId,
    eventType: delivery.eventType,
    attempt: delivery.attempts,
    status,
    nextAttemptAt,
    outcome,
  };
  logger[outcome.ok ? 'debug' : 'info'](
    { deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: delivery.attempts, status, responseStatus: outcome.responseStatus, error: outcome.error, durationMs: outcome.durationMs },
    'webhook attempt',
  );
  return finished;
}

/**
 * The attempt in the activity log, under the connection the event is about. No URL: webhook URLs
 * often carry a secret in their path (Slack's, for one).
 */
function recordDeliveryOperation(delivery: ClaimedDelivery, outcome: AttemptOutcome): void {
  let data: { connectionId?: string; integration?: string; ownerId?: string | null } = {};
  try {
    data = (JSON.parse(delivery.body) as { data?: typeof data }).data ?? {};
  } catch {
    // Bodies are written by the outbox as JSON; a foreign one is still recorded, without a connection.
  }
  recordOperation({
    kind: 'WEBHOOK',
    outcome: outcome.ok ? 'SUCCESS' : 'FAILURE',
    connectionId: data.connectionId ?? null,
    integrationSlug: data.integration ?? '',
    ownerId: data.ownerId ?? null,
    method: 'POST',
    providerStatus: outcome.responseStatus,
    durationMs: outcome.durationMs,
    error: outcome.error ? `${delivery.eventType}: ${outcome.error}` : null,
  });
}

/** Endpoints this process recorded a success for lately: their next successes skip the write. */
const recentlyHealthy = new Map<string, number>();
const HEALTHY_RECORD_MS = 60_000;

/** A success clears the failure streak; a delivery that fails for good after days of nothing but failures disables the endpoint. */
async function recordEndpointHealth(endpointId: string, outcome: AttemptOutcome, deliveryFailed: boolean, cfg: WebhookConfig, now: Date): Promise<void> {
  if (outcome.interrupted) return;
  if (outcome.ok) {
    // At most one write a minute per endpoint and process: a streak cleared a minute late changes nothing (disabling takes days).
    if ((recentlyHealthy.get(endpointId) ?? 0) > now.getTime() - HEALTHY_RECORD_MS) return;
    await prisma.webhookEndpoint.updateMany({ where: { id: endpointId }, data: { failingSince: null, lastSuccessAt: now } });
    recentlyHealthy.set(endpointId, now.getTime());
    return;
  }
  recentlyHealthy.delete(endpointId);
  await prisma.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: null }, data: { failingSince: now } });
  if (!deliveryFailed || cfg.disableAfterDays <= 0) return;
  const cutoff = new Date(now.getTime() - cfg.disableAfterDays * 86_400_000);
  const reason = `Disabled automatically: every attempt failed for ${cfg.disableAfterDays} days. Enable it again with updateWebhookEndpoint.`;
  const { count } = await prisma.webhookEndpoint.updateMany({
    where: { id: endpointId, enabled: true, failingSince: { lte: cutoff } },
    data: { enabled: false, disabledReason: reason },
  });
  if (count) logger.warn({ endpointId, days: cfg.disableAfterDays }, 'webhook endpoint disabled: every attempt failed for days');
}

export interface WebhookWorker {
  /** Looks for due deliveries now. */
  nudge(): void;
  /** Stops claiming, lets attempts in flight finish (briefly), records them, and resolves. */
  stop(): Promise<void>;
}

/** Starts this instance's worker; a poll interval of 0 leaves delivery to other instances. */
export function startWebhookWorker(cfg: WebhookConfig): WebhookWorker {
  if (cfg.pollIntervalMs <= 0) return { nudge: () => {}, stop: async () => {} };
  const owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const inFlight = new Map<string, number>();
  const attempts = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  let running = 0;
  let claiming: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const release = (endpointId: string) => {
    running--;
    const left = (inFlight.get(endpointId) ?? 1) - 1;
    if (left > 0) inFlight.set(endpointId, left);
    else inFlight.delete(endpointId);
  };

  const attempt = (delivery: ClaimedDelivery) => {
    running++;
    inFlight.set(delivery.endpointId, (inFlight.get(delivery.endpointId) ?? 0) + 1);
    const work = sendDelivery(delivery, { timeoutMs: cfg.timeoutMs, signal: shutdown.signal })
      .then((outcome) => finishAttempt(delivery, owner, outcome, cfg))
      .catch((error: Error) => logger.warn({ deliveryId: delivery.id, err: { name: error.name, message: error.message } }, 'webhook attempt not recorded'))
      .finally(() => {
        attempts.delete(work);
        release(delivery.endpointId);
        nudge();
      });
    attempts.add(work);
  };

  const claimLoop = async () => {
    do {
      again = false;
      const limit = cfg.concurrency - running;
      if (limit <= 0) return;
      const claimed = await claimDueDeliveries({ owner, limit, endpointConcurrency: cfg.endpointConcurrency, inFlight, leaseMs: cfg.timeoutMs + LEASE_MARGIN_MS });
      if (stopped) {
        // Claimed while stopping: hand them back at once rather than waiting for the lease.
        await prisma.webhookDelivery.updateMany({
          where: { id: { in: claimed.map((delivery) => delivery.id) }, leaseOwner: owner },
          data: { leaseOwner: null, leaseExpiresAt: null, attempts: { decrement: 1 } },
        });
        return;
      }
      for (const delivery of claimed) attempt(delivery);
      // A full batch may mean more is due.
      if (claimed.length === limit) again = true;
    } while (again && !stopped);
  };

  function nudge() {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = claimLoop()
      .catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'webhook claim failed'))
      .finally(() => {
        claiming = undefined;
        if (again && !stopped) nudge();
      });
  }

  const timer = setInterval(nudge, cfg.pollIntervalMs);
  timer.unref();
  const stopListening = [onStatusEvent(() => nudge()), onWebhookNudge(nudge)];
  nudge();

  return {
    nudge,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const unsubscribe of stopListening) unsubscribe();
      await claiming;
      const grace = setTimeout(() => shutdown.abort(), STOP_GRACE_MS);
      await Promise.allSettled([...attempts]);
      clearTimeout(grace);
    },
  };
}
