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
//
// Database round trips per delivery are few, because on the embedded database they share the one
// thread with everything else: a claim takes up to WEBHOOK_PREFETCH deliveries beyond the free slots
// (a freed slot starts the next one without a query), and outcomes are recorded in group commits
// (the attempts that ended while the previous write ran go together in one UPDATE, each row still a
// compare-and-set on its own lease).
import { randomBytes } from 'node:crypto';
import type { WebhookConfig } from '../config.js';
import { prisma } from '../db/client.js';
import { onStatusEvent } from '../events.js';
import { logger } from '../logger.js';
import { recordOperation } from '../activity/recorder.js';
import { recordWebhookAttempt, type WebhookAttemptOutcome } from '../metrics/index.js';
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

/** Claims up to `limit` due deliveries for `owner`, at most `endpointConcurrency` per endpoint counting what it already holds (`inFlight`). */
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

/** One attempt's result, waiting to be recorded. */
export interface AttemptResult {
  delivery: ClaimedDelivery;
  outcome: AttemptOutcome;
}

/** Results recorded per statement at most (each row is a few parameters; the batch stays one short UPDATE). */
const RESULT_BATCH_MAX = 200;

/**
 * Records the outcomes of attempts with one UPDATE … FROM unnest(…), each row a compare-and-set on
 * its lease (owner, attempt number, still PENDING): a result whose lease was lost (it expired and
 * another instance took over, or the endpoint was deleted) is not recorded, and comes back as null.
 * The one place attempts end: endpoint health, the activity log and the metrics hook in here.
 */
export async function finishAttempts(results: AttemptResult[], owner: string, cfg: WebhookConfig): Promise<Array<FinishedAttempt | null>> {
  if (!results.length) return [];
  const now = new Date();
  const planned = results.map(({ delivery, outcome }) => {
    const retryAt = outcome.ok || outcome.interrupted ? null : nextAttemptAfter(delivery.attempts, cfg.retrySchedule, now.getTime());
    const status: FinishedAttempt['status'] = outcome.ok ? 'SUCCEEDED' : outcome.interrupted || retryAt ? 'PENDING' : 'FAILED';
    const nextAttemptAt = outcome.interrupted ? now : retryAt;
    return { delivery, outcome, status, nextAttemptAt };
  });
  // Timestamps go as ISO text: the columns are TIMESTAMP(3) in UTC, as Prisma writes them.
  const recorded = await prisma.$queryRaw<Array<{ id: string }>>`
    UPDATE "WebhookDelivery" d
    SET "status" = r."status"::"WebhookDeliveryStatus", "nextAttemptAt" = r."nextAttemptAt"::timestamp(3),
        "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
        "responseStatus" = r."responseStatus", "responseExcerpt" = r."responseExcerpt", "error" = r."error",
        "deliveredAt" = CASE WHEN r."status" = 'SUCCEEDED' THEN ${now} ELSE d."deliveredAt" END, "updatedAt" = ${now}
    FROM unnest(
      ${planned.map((row) => row.delivery.id)}::text[],
      ${planned.map((row) => row.delivery.attempts)}::int[],
      ${planned.map((row) => row.status)}::text[],
      ${planned.map((row) => row.nextAttemptAt?.toISOString() ?? null)}::text[],
      ${planned.map((row) => row.outcome.responseStatus)}::int[],
      ${planned.map((row) => row.outcome.responseExcerpt)}::text[],
      ${planned.map((row) => row.outcome.error)}::text[]
    ) AS r("id", "attempts", "status", "nextAttemptAt", "responseStatus", "responseExcerpt", "error")
    WHERE d."id" = r."id" AND d."leaseOwner" = ${owner} AND d."attempts" = r."attempts" AND d."status" = 'PENDING'
    RETURNING d."id"`;
  const recordedIds = new Set(recorded.map((row) => row.id));
  const finished = planned.map(({ delivery, outcome, status, nextAttemptAt }): FinishedAttempt | null => {
    if (!recordedIds.has(delivery.id)) {
      logger.info({ deliveryId: delivery.id, attempt: delivery.attempts }, 'webhook attempt outcome not recorded: lease lost');
      recordWebhookAttempt(delivery.eventType, 'lease_lost', outcome.durationMs / 1000);
      return null;
    }
    recordWebhookAttempt(delivery.eventType, metricOutcomeOf(status, outcome), outcome.durationMs / 1000);
    if (!outcome.interrupted) recordDeliveryOperation(delivery, outcome);
    logger[outcome.ok ? 'debug' : 'info'](
      { deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: delivery.attempts, status, responseStatus: outcome.responseStatus, error: outcome.error, durationMs: outcome.durationMs },
      'webhook attempt',
    );
    return { deliveryId: delivery.id, endpointId: delivery.endpointId, messageId: delivery.messageId, eventType: delivery.eventType, attempt: delivery.attempts, status, nextAttemptAt, outcome };
  });
  // Endpoint health once per endpoint of the batch: a success clears the streak whatever else failed beside it.
  const byEndpoint = new Map<string, FinishedAttempt[]>();
  for (const attempt of finished) {
    if (attempt && !attempt.outcome.interrupted) byEndpoint.set(attempt.endpointId, [...(byEndpoint.get(attempt.endpointId) ?? []), attempt]);
  }
  for (const [endpointId, attempts] of byEndpoint) {
    const succeeded = attempts.some((attempt) => attempt.outcome.ok);
    await recordEndpointHealth(endpointId, succeeded, !succeeded && attempts.some((attempt) => attempt.status === 'FAILED'), cfg, now);
  }
  return finished;
}

function metricOutcomeOf(status: FinishedAttempt['status'], outcome: AttemptOutcome): WebhookAttemptOutcome {
  if (outcome.interrupted) return 'interrupted';
  if (status === 'SUCCEEDED') return 'success';
  return status === 'FAILED' ? 'failed' : 'retry_scheduled';
}

/** Records one attempt's outcome (see finishAttempts); null when its lease was lost. */
export async function finishAttempt(delivery: ClaimedDelivery, owner: string, outcome: AttemptOutcome, cfg: WebhookConfig): Promise<FinishedAttempt | null> {
  const [finished] = await finishAttempts([{ delivery, outcome }], owner, cfg);
  return finished ?? null;
}

/**
 * Gives claimed deliveries back without an attempt (shutdown, or a claim held too long to start):
 * due again at once, for any instance; a compare-and-set on owner and attempt number, like a result.
 */
export async function releaseDeliveries(deliveries: ClaimedDelivery[], owner: string): Promise<number> {
  if (!deliveries.length) return 0;
  return prisma.$executeRaw`
    UPDATE "WebhookDelivery" d
    SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "attempts" = d."attempts" - 1
    FROM unnest(${deliveries.map((delivery) => delivery.id)}::text[], ${deliveries.map((delivery) => delivery.attempts)}::int[]) AS r("id", "attempts")
    WHERE d."id" = r."id" AND d."leaseOwner" = ${owner} AND d."attempts" = r."attempts" AND d."status" = 'PENDING'`;
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
async function recordEndpointHealth(endpointId: string, succeeded: boolean, deliveryFailed: boolean, cfg: WebhookConfig, now: Date): Promise<void> {
  if (succeeded) {
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

/** A claimed delivery waiting for a slot, and until when its lease holds (by this process's clock). */
interface HeldDelivery {
  delivery: ClaimedDelivery;
  leaseUntil: number;
}

/** A waiting delivery starts only with this much of its lease left beyond the attempt's timeout, so its result lands in time. */
const START_MARGIN_MS = LEASE_MARGIN_MS / 2;
/** So a claimed delivery must start within this long, or it is handed back unsent. */
const START_WINDOW_MS = LEASE_MARGIN_MS - START_MARGIN_MS;

/**
 * How many deliveries of an endpoint to claim beyond its free slots, given how long its last attempt
 * took: no more than its slots can start within START_WINDOW_MS. A slow endpoint (seconds an attempt)
 * gets few or none, so its claims are not handed back again and again; an unknown one gets them all.
 */
export function claimAheadFor(lastAttemptMs: number | undefined, cfg: Pick<WebhookConfig, 'prefetch' | 'endpointConcurrency'>): number {
  if (lastAttemptMs === undefined) return cfg.prefetch;
  return Math.min(cfg.prefetch, Math.floor((cfg.endpointConcurrency * START_WINDOW_MS) / Math.max(1, lastAttemptMs)));
}

/** Starts this instance's worker; a poll interval of 0 leaves delivery to other instances. */
export function startWebhookWorker(cfg: WebhookConfig): WebhookWorker {
  if (cfg.pollIntervalMs <= 0) return { nudge: () => {}, stop: async () => {} };
  const owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const leaseMs = cfg.timeoutMs + LEASE_MARGIN_MS;
  /** Claimed, not started, per endpoint in claim order (the oldest due first). */
  const waiting = new Map<string, HeldDelivery[]>();
  /** Attempts sending now, per endpoint. */
  const sending = new Map<string, number>();
  /** The last attempt's duration of endpoints too slow for the full prefetch (the others are not kept). */
  const slowEndpoints = new Map<string, number>();
  /** Sent, result not yet recorded: written together by the next recording round. */
  let results: AttemptResult[] = [];
  let recording: Promise<void> | undefined;
  const attempts = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  let sendingTotal = 0;
  let waitingTotal = 0;
  let claiming: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /**
   * Deliveries held per endpoint (sending or waiting), what the claim counts against each endpoint's
   * share; a slow endpoint's count is raised by the prefetch it should not get.
   */
  const held = () => {
    const counts = new Map(sending);
    for (const [endpointId, queue] of waiting) counts.set(endpointId, (counts.get(endpointId) ?? 0) + queue.length);
    for (const [endpointId, lastAttemptMs] of slowEndpoints) {
      counts.set(endpointId, (counts.get(endpointId) ?? 0) + cfg.prefetch - claimAheadFor(lastAttemptMs, cfg));
    }
    return counts;
  };
  const noteDuration = (endpointId: string, durationMs: number) => {
    if (claimAheadFor(durationMs, cfg) < cfg.prefetch) slowEndpoints.set(endpointId, durationMs);
    else slowEndpoints.delete(endpointId);
  };

  // Group commit: results that arrive while a round is writing go together in the next round.
  const record = (result: AttemptResult) => {
    results.push(result);
    recording ??= (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (results.length) {
        const batch = results.slice(0, RESULT_BATCH_MAX);
        results = results.slice(batch.length);
        await finishAttempts(batch, owner, cfg).catch((error: Error) =>
          logger.warn({ deliveries: batch.length, err: { name: error.name, message: error.message } }, 'webhook attempt results not recorded'),
        );
      }
    })().finally(() => {
      recording = undefined;
    });
  };

  const release = (deliveries: ClaimedDelivery[]) =>
    releaseDeliveries(deliveries, owner).catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'webhook claims not handed back'));

  const send = (delivery: ClaimedDelivery) => {
    sendingTotal++;
    sending.set(delivery.endpointId, (sending.get(delivery.endpointId) ?? 0) + 1);
    const work = sendDelivery(delivery, { timeoutMs: cfg.timeoutMs, signal: shutdown.signal })
      .then((outcome) => {
        if (!outcome.interrupted) noteDuration(delivery.endpointId, outcome.durationMs);
        record({ delivery, outcome });
      })
      .finally(() => {
        attempts.delete(work);
        sendingTotal--;
        const left = (sending.get(delivery.endpointId) ?? 1) - 1;
        if (left > 0) sending.set(delivery.endpointId, left);
        else sending.delete(delivery.endpointId);
        startWaiting();
        // Claim again once half the prefetched deliveries are gone (new changes nudge by themselves).
        if (waitingTotal * 2 <= cfg.prefetch) nudge();
      });
    attempts.add(work);
  };

  /** Fills free slots from the waiting deliveries, one endpoint after another in turn. */
  const startWaiting = () => {
    if (stopped) return;
    const expired: ClaimedDelivery[] = [];
    let started = true;
    while (started && sendingTotal < cfg.concurrency) {
      started = false;
      for (const [endpointId, queue] of waiting) {
        if (sendingTotal >= cfg.concurrency) break;
        if ((sending.get(endpointId) ?? 0) >= cfg.endpointConcurrency) continue;
        const next = queue.shift()!;
        waitingTotal--;
        if (!queue.length) waiting.delete(endpointId);
        // Too little lease left for a full attempt (a slow endpoint held the slots): hand it back.
        if (next.leaseUntil - Date.now() < cfg.timeoutMs + START_MARGIN_MS) expired.push(next.delivery);
        else send(next.delivery);
        started = true;
      }
    }
    if (expired.length) void release(expired);
  };

  const claimLoop = async () => {
    do {
      again = false;
      const limit = cfg.concurrency + cfg.prefetch - sendingTotal - waitingTotal;
      if (limit <= 0) return;
      const leaseUntil = Date.now() + leaseMs;
      const claimed = await claimDueDeliveries({ owner, limit, endpointConcurrency: cfg.endpointConcurrency + cfg.prefetch, inFlight: held(), leaseMs });
      if (stopped) {
        // Claimed while stopping: hand them back at once rather than waiting for the lease.
        await release(claimed);
        return;
      }
      for (const delivery of claimed) {
        const queue = waiting.get(delivery.endpointId) ?? [];
        // A delivery whose lease ran out while it waited here and that this claim took again: the new claim replaces it.
        const stale = queue.findIndex((entry) => entry.delivery.id === delivery.id);
        if (stale >= 0) queue.splice(stale, 1);
        else waitingTotal++;
        queue.push({ delivery, leaseUntil });
        waiting.set(delivery.endpointId, queue);
      }
      startWaiting();
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
      const unstarted = [...waiting.values()].flat().map((entry) => entry.delivery);
      waiting.clear();
      waitingTotal = 0;
      await release(unstarted);
      const grace = setTimeout(() => shutdown.abort(), STOP_GRACE_MS);
      await Promise.allSettled([...attempts]);
      clearTimeout(grace);
      while (recording) await recording;
    },
  };
}
