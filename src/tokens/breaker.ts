// Per-integration circuit breaker: when a provider fails for connection after connection, it is
// asked one request at a time (a probe) instead of once per due connection; the first success closes
// it and makes the integration's EXPIRED connections due again at once.
//
// With Redis (SharedLimits) the failure count and the probe are per deployment: one failing provider
// is opened for every instance, and one instance probes it at a time (the probe is a lease, freed when
// its holder crashes); after a failed probe the next one waits REFRESH_BREAKER_PROBE_INTERVAL_MS, so
// N instances together probe no more often than one would. While Redis does not answer, each instance falls back to its own count (fails
// open to per instance: up to one probe per instance, as without Redis).
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

export function createBreaker(deps: { threshold: number; db: Database; logger: Logger; limits?: SharedLimits; probeIntervalMs?: number }) {
  const breakers = new Map<string, BreakerState>();
  const limits = deps.limits ?? PER_INSTANCE_LIMITS;
  const holder = randomBytes(8).toString('hex');
  const key = (integrationId: string) => `breaker:${integrationId}`;

  async function makeExpiredConnectionsDue(integrationId: string): Promise<void> {
    await deps.db.prisma.$executeRaw`
      UPDATE "Connection"
      SET "nextRefreshAt" = ${DATABASE_NOW} + (random() * ${RECOVERY_JITTER_MS}) * interval '1 millisecond'
      WHERE "integrationId" = ${integrationId} AND "status" = 'EXPIRED' AND "nextRefreshAt" > ${DATABASE_NOW}`;
  }

  return {
    /** Whether a token request for the integration may go now: always when closed, one probe at a time when open. */
    async enter(integrationId: string): Promise<BreakerTicket> {
      if (limits.shared) {
        const answer = await limits.breakerEnter(key(integrationId), deps.threshold, holder, SHARED_PROBE_LEASE_MS);
        if (answer) return { kind: answer, shared: true };
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
        const failures = await limits.breakerFailure(
          key(integrationId),
          ticket.kind === 'probe' ? holder : undefined,
          SHARED_FAILURES_FORGET_MS,
          deps.probeIntervalMs ?? 0,
        );
        if (failures === deps.threshold) {
          deps.logger.warn({ integrationId, failures }, 'token endpoint failing: one probe at a time across instances');
        }
        if (failures !== undefined) return;
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
