// The delivery worker, one per instance. It claims due deliveries with a lease (deliveries.ts), sends
// each one outside any transaction (send.ts), and records the outcome with a compare-and-set on the
// lease. A crash mid-attempt leaves the lease to expire; another instance (or this one, restarted)
// then tries again with the same webhook-id.
//
// It wakes on a nudge (a status change, which follows the commit of the change and its outbox rows;
// a redelivery), when an attempt ends, and every WEBHOOK_POLL_INTERVAL_MS for retries and other
// instances' messages. At most WEBHOOK_CONCURRENCY attempts run at once, WEBHOOK_ENDPOINT_CONCURRENCY
// per endpoint, so a slow endpoint holds a few slots and never the others'.
//
// With Redis (SharedLimits) an endpoint's WEBHOOK_ENDPOINT_CONCURRENCY holds per deployment: an
// attempt first takes one of the endpoint's slots in Redis, a lease as long as the claim's, so a
// crashed instance's slots free themselves; an endpoint with all its slots taken elsewhere is asked
// again after ENDPOINT_SLOT_RETRY_MS. While Redis does not answer, each instance counts its own
// (fails open to per instance: up to N x the setting with N instances), so delivery never stops.
//
// Database round trips per delivery are few, because on the embedded database they share the one
// thread with everything else: a claim takes up to WEBHOOK_PREFETCH deliveries beyond the free slots
// (a freed slot starts the next one without a query), and outcomes are recorded in group commits
// (the attempts that ended while the previous write ran go together in one UPDATE, each row still a
// compare-and-set on its own lease).
import { randomBytes } from 'node:crypto';
import type { Keyring } from '../crypto/envelope.js';
import type { ChangeFeed } from '../domain/changes.js';
import type { DomainEventBus } from '../domain/events.js';
import type { Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import { PER_INSTANCE_LIMITS, type SharedLimits } from '../kernel/shared-limits.js';
import type { Outbound } from '../net/outbound.js';
import { RESULT_BATCH_MAX, type AttemptResult, type DeliveryStore } from './deliveries.js';
import { createEndpointTargets, createInterruption, sendDelivery, type ClaimedDelivery } from './send.js';
import type { WebhookSettings } from './settings.js';

/** A lease outlives the attempt's own timeout by this much before another instance may retry. */
const LEASE_MARGIN_MS = 10_000;
/** How soon an endpoint whose shared slots were all held elsewhere is asked again. */
const ENDPOINT_SLOT_RETRY_MS = 100;
/** How long stop() lets attempts in flight finish before cutting them short. */
const STOP_GRACE_MS = 5_000;
/**
 * Results of unordered messages (provider webhooks) are written at most this often, so that a steady
 * stream records them in few statements: a write costs about the same for 10 rows as for 50 (its
 * planning), and the embedded database runs one statement at a time, receipts and claims included. A
 * result of an ordered message (the next message of its connection waits for it) is written at once.
 */
const RESULT_GATHER_MS = 100;

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
export function claimAheadFor(lastAttemptMs: number | undefined, cfg: Pick<WebhookSettings, 'prefetch' | 'endpointConcurrency'>): number {
  if (lastAttemptMs === undefined) return cfg.prefetch;
  return Math.min(cfg.prefetch, Math.floor((cfg.endpointConcurrency * START_WINDOW_MS) / Math.max(1, lastAttemptMs)));
}

export interface WebhookWorkerDeps {
  deliveries: DeliveryStore;
  outbound: Outbound;
  keyring: Keyring;
  settings: WebhookSettings;
  /** Status changes nudge the worker: their outbox rows committed with them. */
  changes: ChangeFeed;
  /** `webhook.due` (a redelivery, an endpoint enabled again) nudges it too. */
  events: DomainEventBus;
  logger: Logger;
  /** This instance's id: the prefix of the lease owner it writes. */
  instanceId: string;
  /** Endpoint slots per deployment (Redis); per instance without. */
  limits?: SharedLimits;
}

/** Starts a worker; a poll interval of 0 leaves delivery to other instances. */
export function startWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const cfg = deps.settings;
  const { logger } = deps;
  if (cfg.pollIntervalMs <= 0) return { nudge: () => {}, stop: async () => {} };
  const owner = `${deps.instanceId}:webhooks:${randomBytes(4).toString('hex')}`;
  const leaseMs = cfg.timeoutMs + LEASE_MARGIN_MS;
  const limits = deps.limits ?? PER_INSTANCE_LIMITS;
  /** Endpoints' URLs and signing keys, made once each (and anew when a claim shows them changed). */
  const targets = createEndpointTargets(deps.keyring);
  /** Endpoints asking Redis for a slot now (one question at a time each). */
  const acquiring = new Set<string>();
  /** Endpoints whose shared slots were all held elsewhere, until when (this process's clock). */
  const blockedUntil = new Map<string, number>();
  let retryTimer: NodeJS.Timeout | undefined;
  let nextProbeClaim = 0;
  /** Claimed, not started, per endpoint in claim order (the oldest due first). */
  const waiting = new Map<string, HeldDelivery[]>();
  /** Attempts sending now, per endpoint. */
  const sending = new Map<string, number>();
  /** The last attempt's duration of endpoints too slow for the full prefetch (the others are not kept). */
  const slowEndpoints = new Map<string, number>();
  /** Sent, result not yet recorded: written together by the next recording round. */
  let results: AttemptResult[] = [];
  let recording: Promise<void> | undefined;
  /** When the last recording round started (this process's clock), for the gathering of results. */
  let lastRecordedAt = 0;
  /** Ends the wait of a recording round that gathers results (an ordered message's result, stop()). */
  let writeNow: (() => void) | undefined;
  const attempts = new Set<Promise<unknown>>();
  const shutdown = createInterruption();
  let sendingTotal = 0;
  let waitingTotal = 0;
  let claiming: Promise<void> | undefined;
  let again = false;
  /**
   * The last claim took fewer than it asked for: nothing more is due until a nudge says so (a new
   * message, a redelivery) or the poll comes round, so a finished attempt does not claim again (an
   * empty claim costs as much as a full one, and under a steady stream there would be one per attempt).
   */
  let drained = false;
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
    if (result.delivery.orderingKey != null || results.length >= RESULT_BATCH_MAX) writeNow?.();
    recording ??= (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (results.length) {
        const gather = lastRecordedAt + RESULT_GATHER_MS - Date.now();
        if (gather > 0 && !stopped && results.length < RESULT_BATCH_MAX && results.every((entry) => entry.delivery.orderingKey == null)) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, gather);
            writeNow = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          writeNow = undefined;
        }
        lastRecordedAt = Date.now();
        const batch = results.slice(0, RESULT_BATCH_MAX);
        results = results.slice(batch.length);
        const recorded = await deps.deliveries.finishAttempts(batch, owner).then(
          () => true,
          (error: unknown) => {
            logger.warn({ deliveries: batch.length, err: error }, 'webhook attempt results not recorded');
            return false;
          },
        );
        // A connection's message delivered: its next one (held back by the claim until now) may be due.
        if (recorded && drained && batch.some((result) => result.outcome.ok && result.delivery.orderingKey != null)) nudge();
      }
    })().finally(() => {
      recording = undefined;
    });
  };

  const release = (deliveries: ClaimedDelivery[]) =>
    deps.deliveries.release(deliveries, owner).catch((error: unknown) => logger.warn({ err: error }, 'webhook claims not handed back'));

  const slotKey = (endpointId: string) => `webhook-endpoint:${endpointId}`;
  const slotHolder = (delivery: ClaimedDelivery) => `${owner}:${delivery.id}`;

  /** Counts an attempt against this instance's slots (before it asks Redis, so the loop does not overfill). */
  const reserve = (endpointId: string) => {
    sendingTotal++;
    sending.set(endpointId, (sending.get(endpointId) ?? 0) + 1);
  };
  const unreserve = (endpointId: string) => {
    sendingTotal--;
    const left = (sending.get(endpointId) ?? 1) - 1;
    if (left > 0) sending.set(endpointId, left);
    else sending.delete(endpointId);
  };

  const send = (delivery: ClaimedDelivery, sharedSlot: boolean) => {
    const work = sendDelivery({ outbound: deps.outbound, keyring: deps.keyring, targets }, delivery, { timeoutMs: cfg.timeoutMs, interruption: shutdown })
      .then((outcome) => {
        if (!outcome.interrupted) noteDuration(delivery.endpointId, outcome.durationMs);
        record({ delivery, outcome });
      })
      .finally(async () => {
        if (sharedSlot) await limits.release(slotKey(delivery.endpointId), slotHolder(delivery));
        attempts.delete(work);
        unreserve(delivery.endpointId);
        startWaiting();
        // Claim again once half the prefetched deliveries are gone (new changes nudge by themselves).
        if (waitingTotal * 2 <= cfg.prefetch && !drained) nudge();
      });
    attempts.add(work);
  };

  /** Takes one of the endpoint's slots across instances, then sends; all taken: back to the front of its queue. */
  const sendWithSharedSlot = (held: HeldDelivery) => {
    const { delivery } = held;
    acquiring.add(delivery.endpointId);
    const asked = limits.acquire(slotKey(delivery.endpointId), slotHolder(delivery), cfg.endpointConcurrency, leaseMs).then((slot) => {
      acquiring.delete(delivery.endpointId);
      if (stopped) {
        unreserve(delivery.endpointId);
        if (slot) void limits.release(slotKey(delivery.endpointId), slotHolder(delivery));
        void release([delivery]);
      } else if (slot === false) {
        unreserve(delivery.endpointId);
        const queue = waiting.get(delivery.endpointId) ?? [];
        queue.unshift(held);
        waiting.set(delivery.endpointId, queue);
        waitingTotal++;
        blockedUntil.set(delivery.endpointId, Date.now() + ENDPOINT_SLOT_RETRY_MS);
      } else {
        // Held, or Redis did not answer (this instance's own count holds then).
        send(delivery, slot === true);
      }
      startWaiting();
    });
    attempts.add(asked);
    void asked.finally(() => attempts.delete(asked));
  };

  /** Fills free slots from the waiting deliveries, one endpoint after another in turn. */
  const startWaiting = () => {
    if (stopped) return;
    const expired: ClaimedDelivery[] = [];
    let started = true;
    const now = Date.now();
    while (started && sendingTotal < cfg.concurrency) {
      started = false;
      for (const [endpointId, queue] of waiting) {
        if (sendingTotal >= cfg.concurrency) break;
        if ((sending.get(endpointId) ?? 0) >= cfg.endpointConcurrency) continue;
        if (acquiring.has(endpointId) || (blockedUntil.get(endpointId) ?? 0) > now) continue;
        blockedUntil.delete(endpointId);
        const next = queue.shift()!;
        waitingTotal--;
        if (!queue.length) waiting.delete(endpointId);
        // Too little lease left for a full attempt (a slow endpoint held the slots): hand it back.
        if (next.leaseUntil - Date.now() < cfg.timeoutMs + START_MARGIN_MS) expired.push(next.delivery);
        else {
          reserve(endpointId);
          if (limits.shared) sendWithSharedSlot(next);
          else send(next.delivery, false);
        }
        started = true;
      }
    }
    if (expired.length) void release(expired);
    // Endpoints whose shared slots were all held elsewhere: ask again shortly.
    for (const endpointId of blockedUntil.keys()) if (!waiting.has(endpointId)) blockedUntil.delete(endpointId);
    if (blockedUntil.size && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        startWaiting();
      }, ENDPOINT_SLOT_RETRY_MS);
      retryTimer.unref();
    }
  };

  const claimLoop = async () => {
    do {
      again = false;
      const limit = cfg.concurrency + cfg.prefetch - sendingTotal - waitingTotal;
      if (limit <= 0) return;
      const leaseUntil = Date.now() + leaseMs;
      const claimed = await deps.deliveries.claimDue({ owner, limit, endpointConcurrency: cfg.endpointConcurrency + cfg.prefetch, inFlight: held(), leaseMs });
      // Failing endpoints' probes (their oldest pending message), looked for at most twice per probe interval.
      if (Date.now() >= nextProbeClaim) {
        nextProbeClaim = Date.now() + Math.max(50, cfg.probeIntervalMs / 2);
        claimed.push(...(await deps.deliveries.claimProbes({ owner, leaseMs })));
      }
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
      if (claimed.length >= limit) again = true;
      // Fewer than asked, and no endpoint at its share (whose rows the claim may have left behind): all due is held.
      else drained = [...held().values()].every((count) => count < cfg.endpointConcurrency + cfg.prefetch);
    } while (again && !stopped);
  };

  function nudge() {
    if (stopped) return;
    drained = false;
    if (claiming) {
      again = true;
      return;
    }
    claiming = claimLoop()
      .catch((error: unknown) => logger.warn({ err: error }, 'webhook claim failed'))
      .finally(() => {
        claiming = undefined;
        if (again && !stopped) nudge();
      });
  }

  const timer = setInterval(nudge, cfg.pollIntervalMs);
  timer.unref();
  const stopListening = [
    deps.changes.onConnection((change) => {
      if (change.status) nudge();
    }),
    deps.events.on('webhook.due', () => nudge()),
  ];
  nudge();

  return {
    nudge,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clearTimeout(retryTimer);
      for (const unsubscribe of stopListening) unsubscribe();
      await claiming;
      const unstarted = [...waiting.values()].flat().map((entry) => entry.delivery);
      waiting.clear();
      waitingTotal = 0;
      await release(unstarted);
      const grace = setTimeout(() => shutdown.interrupt(), STOP_GRACE_MS);
      await Promise.allSettled([...attempts]);
      clearTimeout(grace);
      writeNow?.();
      while (recording) await recording;
    },
  };
}

/** The `webhook-delivery` job: this instance's worker (WEBHOOK_POLL_INTERVAL_MS; 0 leaves delivery to other instances). */
export function webhookDeliveryJob(deps: WebhookWorkerDeps): Job {
  return {
    name: 'webhook-delivery',
    setting: 'WEBHOOK_POLL_INTERVAL_MS',
    enabled: deps.settings.pollIntervalMs > 0,
    start: () => startWebhookWorker(deps),
  };
}
