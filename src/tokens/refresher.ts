// Token lifecycle: refresh on demand (NONE / AUTO / FORCE), exactly once however many callers and
// instances find a token expired together, and the connection's status after each outcome.
//
// Exactly once, without holding a database lock across the provider's answer:
//  1. Callers in one process share one in-flight refresh per connection (a promise).
//  2. Across instances the refresh is a lease on the row (lease.ts): a conditional UPDATE claims it
//     only if no unexpired lease exists and the row is as read. That one statement also records that
//     a token request is about to be sent.
//  3. The provider is called outside any transaction, once one of its integration's token endpoint
//     slots is free (endpoint-slots.ts) and only while the lease still outlives the request; its
//     answer is saved the moment it arrives, with a compare-and-set on the lease owner (outcome.ts).
//  4. Others wait by polling the row briefly (never a database lock) and then use what was saved.
// A crashed owner's lease expires by itself; the next claimer then knows the previous attempt's
// outcome is unknown, so an invalid_grant after it is reported as a probably lost rotated token.
//
// The background refresher (refresh-sweep.ts) claims batches with leases and queues them here: an
// on-demand caller that finds a queued claim takes it over instead of waiting for it.
import type { ConnectionStore, ConnectionWithIntegration, StoredCredentials, UsableCredentials } from '../domain/connections.js';
import type { DomainEventBus } from '../domain/events.js';
import { ProviderError, ReauthorizationRequiredError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { Database } from '../db/database.js';
import { PROBE_WAIT_SECONDS, type Breaker } from './breaker.js';
import type { TokenEndpointSlots } from './endpoint-slots.js';
import type { TokenGrants } from './grants/index.js';
import { claimLease, createHealthyTokenSaves, loadConnection, releaseLease, waitForLeaseHolder, type Lease } from './lease.js';
import { cooldownOf, decide, isExpired, refreshClaimed, refreshWanted, type OutcomeDeps, type RefreshRequest } from './outcome.js';
import type { TokenSettings } from './settings.js';

export type { RefreshPolicy, RefreshRequest } from './outcome.js';
export { REFRESH_OUTCOME_UNKNOWN } from './outcome.js';

/**
 * A connection the background refresher claimed: its batch claim wrote the lease and recorded the
 * attempt; `previousUnknown` is what the row said about the attempt before it.
 */
export interface ClaimedConnection {
  id: string;
  owner: string;
  /** performance.now() by which its token request must have started (Lease.startBy); after that it is handed back unsent. */
  startBy: number;
  previousUnknown: boolean;
  /** The row as read after the claim. */
  connection: ConnectionWithIntegration;
}

export interface RefresherDeps {
  db: Database;
  store: ConnectionStore;
  grants: TokenGrants;
  breaker: Breaker;
  /** REFRESH_TOKEN_ENDPOINT_CONCURRENCY: every token request takes one of its integration's slots. */
  endpointSlots: TokenEndpointSlots;
  events: DomainEventBus;
  settings: TokenSettings;
  /** PROVIDER_TIMEOUT_MS and PROVIDER_ROTATING_TIMEOUT_MS: leases outlive the slowest token request. */
  providerTimeouts: { timeoutMs: number; rotatingTimeoutMs: number };
  logger: Logger;
  /** This instance's id: the prefix of the lease owners it writes. */
  instanceId: string;
}

export type Refresher = ReturnType<typeof createRefresher>;

/** How long a caller's refresh may wait for one of the token endpoint's slots (its lease is that much longer). */
const CALLER_SLOT_WAIT_MS = 5_000;
/**
 * A batch claim's requests must start within this long (its lease is that much longer than the
 * slowest request): claims still waiting then, for workers or the token endpoint's slots, are handed
 * back unsent and left to the next sweep.
 */
const BATCH_START_WINDOW_MS = 60_000;

export function createRefresher(deps: RefresherDeps) {
  const { prisma } = deps.db;
  const outcome: OutcomeDeps = {
    prisma,
    store: deps.store,
    grants: deps.grants,
    breaker: deps.breaker,
    endpointSlots: deps.endpointSlots,
    healthySaves: createHealthyTokenSaves(prisma),
    events: deps.events,
    settings: deps.settings,
    logger: deps.logger,
  };
  const inFlight = new Map<string, Promise<UsableCredentials>>();
  /** Batch claims of the background refresher not started yet, which on-demand callers may take over. */
  const queuedClaims = new Map<string, Lease>();
  let leaseCounter = 0;
  const newOwner = () => `${deps.instanceId}:${++leaseCounter}`;

  /** A lease outlives the token request by this much (the save, clock differences between instances). */
  const leaseMarginMs = Math.min(10_000, Math.max(1_000, deps.providerTimeouts.timeoutMs));
  /** The longest token request of any integration (a refresh token grant may discover first: twice the timeout). */
  const longestRequestMs = Math.max(deps.providerTimeouts.timeoutMs, deps.providerTimeouts.rotatingTimeoutMs) * 2;

  const leaseMsFor = (connection: ConnectionWithIntegration, credentials: StoredCredentials | null) =>
    (deps.grants.grantFor(connection, credentials)?.timeoutMs(connection) ?? deps.providerTimeouts.timeoutMs) + leaseMarginMs;

  function joinOrStart(connectionId: string, start: () => Promise<UsableCredentials>): Promise<UsableCredentials> {
    const running = inFlight.get(connectionId);
    if (running) return running;
    const refresh = start().finally(() => inFlight.delete(connectionId));
    inFlight.set(connectionId, refresh);
    return refresh;
  }

  /** The on-demand flow: read, decide, claim the lease (or wait for its holder), refresh. */
  async function refreshWithLease(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
    let waitUntil = 0;
    for (;;) {
      const row = await loadConnection(prisma, connectionId);
      if (!row) throw new ReauthorizationRequiredError('The connection no longer exists.');
      const credentials = deps.store.open(row);
      const decision = await decide(outcome, row, credentials, seenSequence, request);
      if (decision) return decision;

      const now = Date.now();
      const leaseMs = leaseMsFor(row, credentials);
      // The background refresher here claimed it but has not started it yet: take its lease over.
      const queued = queuedClaims.get(row.id);
      if (queued && row.refreshOwner === queued.owner) {
        queuedClaims.delete(row.id);
        return refreshClaimed(outcome, row, credentials!, queued, request);
      }
      // The lease covers the wait for one of the token endpoint's slots, then the request.
      const lease = await claimLease(prisma, row, newOwner(), { leaseMs: leaseMs + CALLER_SLOT_WAIT_MS, startWithinMs: CALLER_SLOT_WAIT_MS });
      if (lease) return refreshClaimed(outcome, row, credentials!, lease, request);

      // Another instance (or an earlier call here) holds the lease: wait for its outcome, then re-read.
      waitUntil ||= now + CALLER_SLOT_WAIT_MS + leaseMs + leaseMarginMs;
      if (Date.now() > waitUntil) {
        throw new ProviderError('Another refresh of this connection has not finished; try again shortly.', {
          providerError: 'refresh_pending',
          retryAfterSeconds: PROBE_WAIT_SECONDS,
        });
      }
      await waitForLeaseHolder(prisma, row, waitUntil);
    }
  }

  /**
   * Refreshes the connection's tokens unless someone else already did since `seenSequence`. Callers in
   * this process join one in-flight refresh; other instances wait for the lease holder's outcome.
   */
  function refreshConnectionTokens(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
    return joinOrStart(connectionId, () => refreshWithLease(connectionId, seenSequence, request));
  }

  /**
   * The credentials to use now: `current` itself when they do, or refreshed first where the policy (or
   * a rejected token) asks for it. A plain value when nothing has to wait (the proxy's hot path).
   */
  function usableCredentials(current: UsableCredentials, request: RefreshRequest): UsableCredentials | Promise<UsableCredentials> {
    if (!refreshWanted(deps.grants, current.connection, current.credentials, request)) return current;
    return refreshConnectionTokens(current.connection.id, current.connection.sequence, request);
  }

  /** Refreshes a claim of the background refresher if it is still due; joins (and is joined by) on-demand refreshes. */
  function refreshClaimedConnection(claimed: ClaimedConnection, marginMs: number): Promise<UsableCredentials> {
    const lease: Lease = { owner: claimed.owner, startBy: claimed.startBy, previousUnknown: claimed.previousUnknown };
    const row = claimed.connection;
    if (queuedClaims.get(claimed.id)?.owner !== claimed.owner) {
      // An on-demand caller took the claim over meanwhile.
      return inFlight.get(claimed.id) ?? Promise.resolve({ connection: row, credentials: deps.store.open(row) });
    }
    queuedClaims.delete(claimed.id);
    const running = inFlight.get(claimed.id);
    if (running) {
      // An on-demand refresh here already does it: hand the batch lease back.
      void releaseLease(prisma, deps.logger, claimed.id, lease, lease.previousUnknown);
      return running;
    }
    return joinOrStart(claimed.id, async () => {
      const credentials = deps.store.open(row);
      const grant = deps.grants.grantFor(row, credentials);
      const due =
        grant &&
        credentials &&
        row.status !== 'ERROR' &&
        grant.canRequest(row, credentials) &&
        isExpired(row, marginMs) &&
        !cooldownOf(deps.settings, row, { policy: 'AUTO' });
      if (!due || row.refreshOwner !== lease.owner) {
        if (row.refreshOwner === lease.owner) await releaseLease(prisma, deps.logger, row.id, lease, lease.previousUnknown);
        return { connection: row, credentials };
      }
      return refreshClaimed(outcome, row, credentials!, lease, { policy: 'AUTO', marginMs, background: true });
    });
  }

  return {
    usableCredentials,
    /** usableCredentials for a connection row as loaded from the database. */
    usableCredentialsOf: async (connection: ConnectionWithIntegration, request: RefreshRequest): Promise<UsableCredentials> =>
      usableCredentials({ connection, credentials: deps.store.open(connection) }, request),
    refreshConnectionTokens,
    refreshClaimedConnection,
    /**
     * A lease for a batch claim by the background refresher, taken now: its owner token, its length,
     * and when its requests must have started by (BATCH_START_WINDOW_MS, then the slowest request).
     */
    newBatchLease(): { owner: string; leaseMs: number; startBy: number } {
      return { owner: newOwner(), leaseMs: BATCH_START_WINDOW_MS + longestRequestMs + leaseMarginMs, startBy: performance.now() + BATCH_START_WINDOW_MS };
    },
    /** The background refresher claimed these; they start later, as concurrency and the token endpoint's slots allow. */
    queueClaimedConnections(claims: ClaimedConnection[]): void {
      for (const claim of claims) queuedClaims.set(claim.id, { owner: claim.owner, startBy: claim.startBy, previousUnknown: claim.previousUnknown });
    },
    /** Hands back a batch claim that was not started (shutdown, or tried already in this sweep). */
    releaseClaimedConnection(claimed: Pick<ClaimedConnection, 'id' | 'owner' | 'previousUnknown'>): Promise<void> {
      if (queuedClaims.get(claimed.id)?.owner === claimed.owner) queuedClaims.delete(claimed.id);
      return releaseLease(prisma, deps.logger, claimed.id, { owner: claimed.owner }, claimed.previousUnknown);
    },
    /** Resolves once every refresh running in this process has finished and saved its outcome (shutdown). */
    async settle(): Promise<void> {
      while (inFlight.size) await Promise.allSettled([...inFlight.values()]);
    },
  };
}
