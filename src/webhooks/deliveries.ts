// The delivery log, in SQL: deliveries are claimed with a lease (a short UPDATE over rows picked FOR
// UPDATE SKIP LOCKED, which sets the owner and the lease's expiry), and each attempt's outcome is
// recorded with a compare-and-set on that lease, many in one statement (group commit). Recording an
// outcome is the one place attempts end: the endpoint's health is kept here, and each result is
// announced (`webhook.attempted`) for the activity log and the metrics.
import { DATABASE_NOW, databaseNowPlus } from '../db/clock.js';
import type { DomainEventBus, Operation, WebhookAttemptOutcome } from '../domain/events.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../kernel/log.js';
import { nextAttemptAfter, type AttemptOutcome, type ClaimedDelivery } from './send.js';
import type { WebhookSettings } from './settings.js';

export type { AttemptOutcome, ClaimedDelivery };

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
export async function claimDueDeliveries(
  prisma: PrismaClient,
  options: {
    owner: string;
    limit: number;
    endpointConcurrency: number;
    inFlight: Map<string, number>;
    leaseMs: number;
  },
): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  const busyIds = [...options.inFlight.keys()];
  const busyCounts = busyIds.map((id) => options.inFlight.get(id)!);
  // Per enabled endpoint, its oldest due rows up to its free slots (an index probe each), then the
  // oldest of those overall. A row waits while an older one with its ordering key (a connection's
  // earlier message) is due too or being sent, so messages due together (the catch-up after an
  // outage) go one at a time per connection, oldest first, across instances; an older message waiting
  // for its retry does not hold the newer ones back. Rows another instance is claiming are skipped, not waited for. The picked
  // ids are updated through the primary key (= ANY of an array): as an IN (subquery) the embedded
  // database, which keeps no statistics, joined them to a scan of the whole table.
  return prisma.$queryRaw<ClaimedDelivery[]>`
    WITH picked AS (
      SELECT due."id", due."nextAttemptAt"
      FROM "WebhookEndpoint" e
      LEFT JOIN unnest(${busyIds}::text[], ${busyCounts}::int[]) AS busy("endpointId", "count") ON busy."endpointId" = e."id"
      CROSS JOIN LATERAL (
        SELECT d."id", d."nextAttemptAt" FROM "WebhookDelivery" d
        WHERE d."endpointId" = e."id" AND d."status" = 'PENDING' AND d."nextAttemptAt" <= ${DATABASE_NOW}
          AND (d."leaseExpiresAt" IS NULL OR d."leaseExpiresAt" <= ${DATABASE_NOW})
          AND (d."orderingKey" IS NULL OR NOT EXISTS (
            SELECT 1 FROM "WebhookDelivery" older
            WHERE older."endpointId" = d."endpointId" AND older."orderingKey" = d."orderingKey" AND older."status" = 'PENDING'
              AND (older."createdAt", older."id") < (d."createdAt", d."id")
              AND (older."nextAttemptAt" <= ${DATABASE_NOW} OR older."leaseExpiresAt" > ${DATABASE_NOW})))
        ORDER BY d."nextAttemptAt"
        LIMIT GREATEST(${options.endpointConcurrency}::int - COALESCE(busy."count", 0), 0)
        FOR UPDATE OF d SKIP LOCKED
      ) due
      WHERE e."enabled"
      ORDER BY due."nextAttemptAt"
      LIMIT ${options.limit}::int
    )
    UPDATE "WebhookDelivery" d
    SET "leaseOwner" = ${options.owner}, "leaseExpiresAt" = ${databaseNowPlus(options.leaseMs)},
        "attempts" = d."attempts" + 1, "updatedAt" = ${DATABASE_NOW}
    FROM "WebhookEndpoint" e
    WHERE d."id" = ANY(ARRAY(SELECT "id" FROM picked)) AND e."id" = d."endpointId"
    RETURNING d."id", d."endpointId", d."messageId", d."eventType", d."body", d."orderingKey", d."attempts",
      e."url", e."secretEnc", e."previousSecretEnc", e."previousSecretExpiresAt"`;
}

/**
 * Probes of failing endpoints: each enabled endpoint whose probe time has come is claimed by moving
 * that time on (a conditional UPDATE, so one instance probes it), and its oldest pending message not
 * yet due is leased for sending, its attempts unchanged (a probe does not spend the message's retries).
 */
async function claimProbes(prisma: PrismaClient, options: { owner: string; leaseMs: number; probeIntervalMs: number }): Promise<ClaimedDelivery[]> {
  const rows = await prisma.$queryRaw<ClaimedDelivery[]>`
    WITH probed AS (
      UPDATE "WebhookEndpoint" e SET "probeAt" = ${databaseNowPlus(options.probeIntervalMs)}
      WHERE e."enabled" AND e."probeAt" IS NOT NULL AND e."probeAt" <= ${DATABASE_NOW}
      RETURNING e."id"
    ), picked AS (
      SELECT oldest."id" FROM probed
      CROSS JOIN LATERAL (
        SELECT d."id" FROM "WebhookDelivery" d
        WHERE d."endpointId" = probed."id" AND d."status" = 'PENDING' AND d."nextAttemptAt" > ${DATABASE_NOW}
          AND (d."leaseExpiresAt" IS NULL OR d."leaseExpiresAt" <= ${DATABASE_NOW})
        ORDER BY d."createdAt"
        LIMIT 1
        FOR UPDATE OF d SKIP LOCKED
      ) oldest
    )
    UPDATE "WebhookDelivery" d
    SET "leaseOwner" = ${options.owner}, "leaseExpiresAt" = ${databaseNowPlus(options.leaseMs)}, "updatedAt" = ${DATABASE_NOW}
    FROM "WebhookEndpoint" e
    WHERE d."id" IN (SELECT "id" FROM picked) AND e."id" = d."endpointId"
    RETURNING d."id", d."endpointId", d."messageId", d."eventType", d."body", d."orderingKey", d."attempts",
      e."url", e."secretEnc", e."previousSecretEnc", e."previousSecretExpiresAt"`;
  return rows.map((row) => ({ ...row, probe: true }));
}

/** One attempt's result, waiting to be recorded. */
export interface AttemptResult {
  delivery: ClaimedDelivery;
  outcome: AttemptOutcome;
}

/** Results recorded per statement at most (each row is a few parameters; the batch stays one short UPDATE). */
export const RESULT_BATCH_MAX = 200;

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

export function createDeliveryStore(deps: { prisma: PrismaClient; settings: WebhookSettings; events: DomainEventBus; logger: Logger }) {
  /** A healthy endpoint's lastSuccessAt is written at most this often per process (disabling takes days). */
  const HEALTHY_RECORD_MS = 60_000;
  /** Endpoints this store recorded a success for lately: their next successes skip the write. */
  const recentlyHealthy = new Map<string, number>();

  /**
   * Records the outcomes of attempts with one UPDATE … FROM unnest(…), each row a compare-and-set on
   * its lease (owner, attempt number, still PENDING): a result whose lease was lost (it expired and
   * another instance took over, or the endpoint was deleted) is not recorded, and comes back as null.
   * The one place attempts end: endpoint health, the activity log and the metrics hook in here.
   */
  async function finishAttempts(results: AttemptResult[], owner: string): Promise<Array<FinishedAttempt | null>> {
    if (!results.length) return [];
    const now = new Date();
    const planned = results.map(({ delivery, outcome }) => {
      const retryAt = outcome.ok || outcome.interrupted ? null : nextAttemptAfter(delivery.attempts, deps.settings.retrySchedule, now.getTime());
      const status: FinishedAttempt['status'] = outcome.ok ? 'SUCCEEDED' : outcome.interrupted || retryAt ? 'PENDING' : 'FAILED';
      const nextAttemptAt = outcome.interrupted ? now : retryAt;
      // The delay goes to the database, which adds it to its own clock (the one every instance's claim reads).
      const delayMs = nextAttemptAt ? Math.max(0, nextAttemptAt.getTime() - now.getTime()) : null;
      // A failed (or cut short) probe leaves the message as it was: its retry time and attempts stand.
      const keep = Boolean(delivery.probe) && !outcome.ok;
      return { delivery, outcome, status, nextAttemptAt, delayMs, keep };
    });
    // Endpoints with a success in the batch whose once-a-minute health write (lastSuccessAt) is due.
    const healthDue = [
      ...new Set(
        planned
          .filter(({ delivery, outcome }) => outcome.ok && (recentlyHealthy.get(delivery.endpointId) ?? 0) <= now.getTime() - HEALTHY_RECORD_MS)
          .map(({ delivery }) => delivery.endpointId),
      ),
    ];
    // One statement records the results and the endpoints' health: an endpoint with a success in the
    // batch loses its failing state (whoever set it), and one with only failures gets it; each
    // endpoint row is written only when that changes something (or lastSuccessAt is due). The rows
    // answer which deliveries were recorded and which endpoints had been probed (their catch-up). The
    // endpoint rows are not locked: two instances healing one endpoint at once may both run its
    // catch-up, which is idempotent (the second finds nothing left to make due).
    const rows = await deps.prisma.$queryRaw<Array<{ id: string; kind: 'delivery' | 'healed' | 'caught_up' | 'failing' }>>`
      WITH recorded AS (
        UPDATE "WebhookDelivery" d
        SET "status" = r."status"::"WebhookDeliveryStatus",
            "nextAttemptAt" = CASE WHEN r."keep" THEN d."nextAttemptAt" ELSE ${DATABASE_NOW} + r."delayMs" * interval '1 millisecond' END,
            "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
            "responseStatus" = r."responseStatus", "responseExcerpt" = r."responseExcerpt", "error" = r."error",
            "deliveredAt" = CASE WHEN r."status" = 'SUCCEEDED' THEN ${DATABASE_NOW} ELSE d."deliveredAt" END, "updatedAt" = ${DATABASE_NOW}
        FROM unnest(
          ${planned.map((row) => row.delivery.id)}::text[],
          ${planned.map((row) => row.delivery.attempts)}::int[],
          ${planned.map((row) => row.status)}::text[],
          ${planned.map((row) => row.delayMs)}::float8[],
          ${planned.map((row) => row.outcome.responseStatus)}::int[],
          ${planned.map((row) => row.outcome.responseExcerpt)}::text[],
          ${planned.map((row) => row.outcome.error)}::text[],
          ${planned.map((row) => row.keep)}::boolean[],
          ${planned.map((row) => Boolean(row.outcome.interrupted))}::boolean[]
        ) AS r("id", "attempts", "status", "delayMs", "responseStatus", "responseExcerpt", "error", "keep", "interrupted")
        WHERE d."id" = r."id" AND d."leaseOwner" = ${owner} AND d."attempts" = r."attempts" AND d."status" = 'PENDING'
        RETURNING d."id", d."endpointId", r."status", r."interrupted"
      ), answered AS (
        SELECT "endpointId", bool_or("status" = 'SUCCEEDED') AS "succeeded" FROM recorded WHERE NOT "interrupted" GROUP BY "endpointId"
      ), recovering AS (
        SELECT e."id", e."probeAt" FROM "WebhookEndpoint" e
        WHERE e."id" IN (SELECT "endpointId" FROM answered WHERE "succeeded")
          AND (e."probeAt" IS NOT NULL OR e."failingSince" IS NOT NULL OR e."id" = ANY(${healthDue}::text[]))
      ), healed AS (
        UPDATE "WebhookEndpoint" e SET "failingSince" = NULL, "probeAt" = NULL, "lastSuccessAt" = ${now}
        FROM recovering WHERE e."id" = recovering."id"
        RETURNING e."id", recovering."probeAt" IS NOT NULL AS "probed"
      ), failing AS (
        UPDATE "WebhookEndpoint" e
        SET "failingSince" = COALESCE(e."failingSince", ${now}), "probeAt" = COALESCE(e."probeAt", ${databaseNowPlus(deps.settings.probeIntervalMs)})
        WHERE e."id" IN (SELECT "endpointId" FROM answered WHERE NOT "succeeded") AND (e."failingSince" IS NULL OR e."probeAt" IS NULL)
        RETURNING e."id"
      )
      SELECT "id", 'delivery' AS "kind" FROM recorded
      UNION ALL SELECT "id", CASE WHEN "probed" THEN 'caught_up' ELSE 'healed' END FROM healed
      UNION ALL SELECT "id", 'failing' FROM failing`;
    const recorded = rows.filter((row) => row.kind === 'delivery');
    const recordedIds = new Set(recorded.map((row) => row.id));
    const finished = planned.map(({ delivery, outcome, status, nextAttemptAt }): FinishedAttempt | null => {
      if (!recordedIds.has(delivery.id)) {
        deps.logger.info({ deliveryId: delivery.id, attempt: delivery.attempts }, 'webhook attempt outcome not recorded: lease lost');
        deps.events.emit('webhook.attempted', { eventType: delivery.eventType, outcome: 'lease_lost', durationMs: outcome.durationMs });
        return null;
      }
      deps.events.emit('webhook.attempted', {
        eventType: delivery.eventType,
        outcome: attemptOutcomeOf(status, outcome),
        durationMs: outcome.durationMs,
        operation: outcome.interrupted ? undefined : deliveryOperation(delivery, outcome),
      });
      deps.logger[outcome.ok ? 'debug' : 'info'](
        {
          deliveryId: delivery.id,
          endpointId: delivery.endpointId,
          attempt: delivery.attempts,
          status,
          responseStatus: outcome.responseStatus,
          error: outcome.error,
          durationMs: outcome.durationMs,
        },
        'webhook attempt',
      );
      return {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        messageId: delivery.messageId,
        eventType: delivery.eventType,
        attempt: delivery.attempts,
        status,
        nextAttemptAt,
        outcome,
      };
    });
    // Endpoint health, written above: what is left is this process's note of it, the catch-up of an
    // endpoint that was probed, and disabling one whose attempts have failed for days.
    const succeededAt = new Set<string>();
    const failedFor = new Map<string, boolean>();
    for (const attempt of finished) {
      if (!attempt || attempt.outcome.interrupted) continue;
      if (attempt.outcome.ok) succeededAt.add(attempt.endpointId);
      else failedFor.set(attempt.endpointId, (failedFor.get(attempt.endpointId) ?? false) || attempt.status === 'FAILED');
    }
    for (const row of rows) if (row.kind === 'healed' || row.kind === 'caught_up') recentlyHealthy.set(row.id, now.getTime());
    for (const [endpointId, deliveryFailed] of failedFor) {
      if (succeededAt.has(endpointId)) continue;
      recentlyHealthy.delete(endpointId);
      if (deliveryFailed) await disableIfFailingForDays(endpointId, now);
    }
    for (const row of rows) if (row.kind === 'caught_up') await catchUp(row.id);
    return finished;
  }

  function attemptOutcomeOf(status: FinishedAttempt['status'], outcome: AttemptOutcome): WebhookAttemptOutcome {
    if (outcome.interrupted) return 'interrupted';
    if (status === 'SUCCEEDED') return 'success';
    return status === 'FAILED' ? 'failed' : 'retry_scheduled';
  }

  /** Records one attempt's outcome (see finishAttempts); null when its lease was lost. */
  async function finishAttempt(delivery: ClaimedDelivery, owner: string, outcome: AttemptOutcome): Promise<FinishedAttempt | null> {
    const [finished] = await finishAttempts([{ delivery, outcome }], owner);
    return finished ?? null;
  }

  /**
   * Gives claimed deliveries back without an attempt (shutdown, or a claim held too long to start):
   * due again at once, for any instance; a compare-and-set on owner and attempt number, like a result.
   */
  async function release(deliveries: ClaimedDelivery[], owner: string): Promise<number> {
    if (!deliveries.length) return 0;
    return deps.prisma.$executeRaw`
      UPDATE "WebhookDelivery" d
      SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "attempts" = d."attempts" - CASE WHEN r."probe" THEN 0 ELSE 1 END
      FROM unnest(
        ${deliveries.map((delivery) => delivery.id)}::text[],
        ${deliveries.map((delivery) => delivery.attempts)}::int[],
        ${deliveries.map((delivery) => Boolean(delivery.probe))}::boolean[]
      ) AS r("id", "attempts", "probe")
      WHERE d."id" = r."id" AND d."leaseOwner" = ${owner} AND d."attempts" = r."attempts" AND d."status" = 'PENDING'`;
  }

  /**
   * An endpoint that was failing (it had a probe time) answered, and the result's write cleared its
   * probe time: its pending messages are due at once, each at its creation time, so the claims take
   * them oldest first (per connection too) instead of each waiting out its own backoff.
   */
  async function catchUp(endpointId: string): Promise<void> {
    const due = await deps.prisma.$executeRaw`
      UPDATE "WebhookDelivery" SET "nextAttemptAt" = LEAST("createdAt", ${DATABASE_NOW})
      WHERE "endpointId" = ${endpointId} AND "status" = 'PENDING' AND "nextAttemptAt" > ${DATABASE_NOW}`;
    deps.logger.info({ endpointId, due }, 'webhook endpoint answers again: its pending messages are due now');
    deps.events.emit('webhook.due', { reason: 'endpoint_recovered' });
  }

  /** A delivery that fails for good after days of nothing but failures disables the endpoint. */
  async function disableIfFailingForDays(endpointId: string, now: Date): Promise<void> {
    const cfg = deps.settings;
    if (cfg.disableAfterDays <= 0) return;
    const cutoff = new Date(now.getTime() - cfg.disableAfterDays * 86_400_000);
    const reason = `Disabled automatically: every attempt failed for ${cfg.disableAfterDays} days. Enable it again with updateWebhookEndpoint.`;
    const { count } = await deps.prisma.webhookEndpoint.updateMany({
      where: { id: endpointId, enabled: true, failingSince: { lte: cutoff } },
      data: { enabled: false, disabledReason: reason },
    });
    if (count) deps.logger.warn({ endpointId, days: cfg.disableAfterDays }, 'webhook endpoint disabled: every attempt failed for days');
  }

  return {
    claimDue: (options: Parameters<typeof claimDueDeliveries>[1]) => claimDueDeliveries(deps.prisma, options),
    claimProbes: (options: { owner: string; leaseMs: number }) => claimProbes(deps.prisma, { ...options, probeIntervalMs: deps.settings.probeIntervalMs }),
    finishAttempts,
    finishAttempt,
    release,
  };
}

/**
 * How a `provider.webhook` message begins, as the forwarding round writes it (forward.ts MESSAGE_BODY):
 * its integration's slug is read from there rather than by parsing the whole body with the provider's
 * payload; such a message is about no one connection (it lists its connections).
 */
const PROVIDER_WEBHOOK_BODY_START = /^\{"type":"provider\.webhook","timestamp":"[^"\\]*","data":\{"providerWebhookId":"[^"\\]*","integration":"([a-z0-9_-]+)",/;

/**
 * The attempt in the activity log, under the connection the event is about. No URL: webhook URLs
 * often carry a secret in their path (Slack's, for one).
 */
function deliveryOperation(delivery: ClaimedDelivery, outcome: AttemptOutcome): Operation {
  let data: { connectionId?: string; integration?: string; ownerId?: string | null } = {};
  const providerWebhook = PROVIDER_WEBHOOK_BODY_START.exec(delivery.body);
  if (providerWebhook) data = { integration: providerWebhook[1] };
  else {
    try {
      data = (JSON.parse(delivery.body) as { data?: typeof data }).data ?? {};
    } catch {
      // Bodies are written by the outbox as JSON; a foreign one is still recorded, without a connection.
    }
  }
  return {
    kind: 'WEBHOOK',
    outcome: outcome.ok ? 'SUCCESS' : 'FAILURE',
    connectionId: data.connectionId ?? null,
    integrationSlug: data.integration ?? '',
    ownerId: data.ownerId ?? null,
    method: 'POST',
    providerStatus: outcome.responseStatus,
    durationMs: outcome.durationMs,
    error: outcome.error ? `${delivery.eventType}: ${outcome.error}` : null,
  };
}
