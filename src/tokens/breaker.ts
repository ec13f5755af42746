// Per-integration circuit breaker, per instance: when a provider fails for connection after
// connection, it is asked one request at a time (a probe) instead of once per due connection; the
// first success closes it and makes the integration's EXPIRED connections due again at once.
import { DATABASE_NOW } from '../db/clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../kernel/log.js';

interface BreakerState {
  consecutiveFailures: number;
  probing: boolean;
}

/** How long the others are told to wait while a probe runs. */
export const PROBE_WAIT_SECONDS = 5;
/** Spread of the "due again" times after recovery, so that the provider is not hit all at once. */
const RECOVERY_JITTER_MS = 10_000;

export type BreakerTicket = { kind: 'closed' } | { kind: 'probe' } | { kind: 'open' };

export type Breaker = ReturnType<typeof createBreaker>;

export function createBreaker(deps: { threshold: number; db: Database; logger: Logger }) {
  const breakers = new Map<string, BreakerState>();

  async function makeExpiredConnectionsDue(integrationId: string): Promise<void> {
    await deps.db.prisma.$executeRaw`
      UPDATE "Connection"
      SET "nextRefreshAt" = ${DATABASE_NOW} + (random() * ${RECOVERY_JITTER_MS}) * interval '1 millisecond'
      WHERE "integrationId" = ${integrationId} AND "status" = 'EXPIRED' AND "nextRefreshAt" > ${DATABASE_NOW}`;
  }

  return {
    /** Whether a token request for the integration may go now: always when closed, one probe at a time when open. */
    enter(integrationId: string): BreakerTicket {
      const state = breakers.get(integrationId);
      if (!state || state.consecutiveFailures < deps.threshold) return { kind: 'closed' };
      if (state.probing) return { kind: 'open' };
      state.probing = true;
      return { kind: 'probe' };
    },

    /** Records a transient failure of the integration's token endpoint. */
    failure(integrationId: string, ticket: BreakerTicket): void {
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
      const state = breakers.get(integrationId);
      if (!state) return;
      const wasOpen = state.consecutiveFailures >= deps.threshold;
      breakers.delete(integrationId);
      if (wasOpen || ticket.kind === 'probe') {
        deps.logger.info({ integrationId }, 'token endpoint recovered: its expired connections are due again');
        await makeExpiredConnectionsDue(integrationId).catch((error: unknown) =>
          deps.logger.warn({ integrationId, err: error }, 'could not make expired connections due again'),
        );
      }
    },

    /** Leaves the breaker without an outcome (the request was never sent). */
    leave(integrationId: string, ticket: BreakerTicket): void {
      if (ticket.kind !== 'probe') return;
      const state = breakers.get(integrationId);
      if (state) state.probing = false;
    },
  };
}
