// Per-integration circuit breaker: when a provider fails for connection after connection, it is
// asked one request at a time (a probe) instead of once per due connection; the first success closes
// it and makes the integration's EXPIRED connections due again at once.
//
// With Redis (SharedLimits) the failure count and the probe are per deployment: one failing provider
// is opened for every instance, and one instance probes it at a time (the probe is a lease, freed when
// its holder crashes); after a failed probe the next one waits REFRESH_BREAKER_PROBE_INTERVAL_MS.
// Redis's answers say how long that wait still is, and the `breaker-probe` job (breaker-probe.ts)
// tries the next probe the moment it ends: the deployment probes once per interval whether one
// instance runs or many, instead of whenever an instance's sweep or caller next happens by (which
// made three instances probe more often than one). While Redis does not answer, each instance falls
// back to its own count (fails open to per instance: up to one probe per instance, as without Redis).
import { randomBytes } from 'node:crypto';
import { DATABASE_NOW } from '../db/clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../kernel/log.js';
import { PER_INSTANCE_LIMITS, type SharedLimits } from '../kernel/shared-limits.js';

interface BreakerState {
  consecutiveFailures: number;
  probing: boolean;
}

/** How long the others are told to wait while a probe runs. */
export const PROBE_WAIT_SECONDS = 5;
/** Spread of the "due again" times after recovery, so that the provider is not hit all at once. */
const RECOVERY_JITTER_MS = 10_000;

/** A shared probe's lease: longer than any token request takes; a crashed prober's lease ends then. */
const SHARED_PROBE_LEASE_MS = 60_000;
/** A shared failure count with no news for this long is forgotten (the provider is asked again). */
const SHARED_FAILURES_FORGET_MS = 60 * 60 * 1000;

/** `shared`: the ticket came from the deployment's state in Redis (its outcome goes there too). */
export type BreakerTicket = { kind: 'closed'; shared?: boolean } | { kind: 'probe'; shared?: boolean } | { kind: 'open'; shared?: boolean };

export type Breaker = ReturnType<typeof createBreaker>;

/**
 * Open shared breakers and when (performance.now()) each one's next probe may go, as Redis last said;
 * the `breaker-probe` job waits for the earliest.
 */
function createProbeSchedule() {
  const dueAt = new Map<string, number>();
  const listeners = new Set<(at: number) => void>();
  return {
    expect(integrationId: string, inMs: number): void {
      const at = performance.now() + inMs;
      dueAt.set(integrationId, at);
      for (const listener of listeners) listener(at);
    },
    forget(integrationId: string): void {
      dueAt.delete(integrationId);
    },
    /** The earliest time a probe is expected, if any. */
    nextAt(): number | undefined {
      let next: number | undefined;
      for (const at of dueAt.values()) if (next === undefined || at < next) next = at;
      return next;
    },
    /** The integrations whose probe may go by `now`, taken off the schedule (a new answer puts them back). */
    takeDue(now: number): string[] {
      const due: string[] = [];
      for (const [integrationId, at] of dueAt) {
        if (at > now) continue;
        due.push(integrationId);
        dueAt.delete(integrationId);
      }
      return due;
    },
    /** Calls `listener` with the time of each probe expected from now on; returns the unsubscribe. */
    watch(listener: (at: number) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createBreaker(deps: { threshold: number; db: Database; logger: Logger; limits?: SharedLimits; probeIntervalMs?: number }) {
  const breakers = new Map<string, BreakerState>();
  const limits = deps.limits ?? PER_INSTANCE_LIMITS;
  const holder = randomBytes(8).toString('hex');
  const key = (integrationId: string) => `breaker:${integrationId}`;
  const probes = createProbeSchedule();

  async function makeExpiredConnectionsDue(integrationId: string): Promise<void> {
    await deps.db.prisma.$executeRaw`
      UPDATE "Connection"
      SET "nextRefreshAt" = ${DATABASE_NOW} + (random() * ${RECOVERY_JITTER_MS}) * interval '1 millisecond'
      WHERE "integrationId" = ${integrationId} AND "status" = 'EXPIRED' AND "nextRefreshAt" > ${DATABASE_NOW}`;
  }

  return {
    /** With Redis: when the open breakers' next probes may go (the `breaker-probe` job's schedule). */
    probes: { nextAt: probes.nextAt, takeDue: probes.takeDue, watch: probes.watch },

    /** Whether a token request for the integration may go now: always when closed, one probe at a time when open. */
    async enter(integrationId: string): Promise<BreakerTicket> {
      if (limits.shared) {
        const entry = await limits.breakerEnter(key(integrationId), deps.threshold, holder, SHARED_PROBE_LEASE_MS);
        if (entry) {
          if (entry.answer === 'open') probes.expect(integrationId, entry.probeKeyMs);
          else probes.forget(integrationId);
          return { kind: entry.answer, shared: true };
        }
      }
      return this.enterLocally(integrationId);
    },

    enterLocally(integrationId: string): BreakerTicket {
      const state = breakers.get(integrationId);
      if (!state || state.consecutiveFailures < deps.threshold) return { kind: 'closed' };
      if (state.probing) return { kind: 'open' };
      state.probing = true;
      return { kind: 'probe' };
    },

    /** Records a transient failure of the integration's token endpoint. */
    async failure(integrationId: string, ticket: BreakerTicket): Promise<void> {
      if (ticket.shared) {
        const counted = await limits.breakerFailure(
          key(integrationId),
          ticket.kind === 'probe' ? holder : undefined,
          SHARED_FAILURES_FORGET_MS,
          deps.probeIntervalMs ?? 0,
        );
        if (counted) {
          if (counted.failures === deps.threshold) {
            deps.logger.warn({ integrationId, failures: counted.failures }, 'token endpoint failing: one probe at a time across instances');
          }
          if (counted.failures >= deps.threshold) probes.expect(integrationId, counted.probeKeyMs);
          return;
        }
      }
      const state = breakers.get(integrationId) ?? { consecutiveFailures: 0, probing: false };
      state.consecutiveFailures++;
      if (ticket.kind === 'probe') state.probing = false;
      breakers.set(integrationId, state);
      if (state.consecutiveFailures === deps.threshold) {
        deps.logger.warn({ integrationId, failures: state.consecutiveFailures }, 'token endpoint failing: one probe at a time');
      }
    },

    /** Records an answer that was not a transient failure (a success, or invalid_grant: the provider works). */
    async success(integrationId: string, ticket: BreakerTicket): Promise<void> {
      let wasOpen = false;
      const state = breakers.get(integrationId);
      if (state) {
        wasOpen = state.consecutiveFailures >= deps.threshold;
        breakers.delete(integrationId);
      }
      if (ticket.shared) {
        probes.forget(integrationId);
        const failures = await limits.breakerSuccess(key(integrationId), ticket.kind === 'probe' ? holder : undefined);
        wasOpen ||= (failures ?? 0) >= deps.threshold;
      } else if (!state) return;
      if (wasOpen || ticket.kind === 'probe') {
        deps.logger.info({ integrationId }, 'token endpoint recovered: its expired connections are due again');
        await makeExpiredConnectionsDue(integrationId).catch((error: unknown) =>
          deps.logger.warn({ integrationId, err: error }, 'could not make expired connections due again'),
        );
      }
    },

    /** Leaves the breaker without an outcome (the request was never sent). */
    async leave(integrationId: string, ticket: BreakerTicket): Promise<void> {
      if (ticket.kind !== 'probe') return;
      if (ticket.shared) return limits.breakerLeave(key(integrationId), holder);
      const state = breakers.get(integrationId);
      if (state) state.probing = false;
    },
  };
}
