// Token lifecycle: refresh on demand (NONE / AUTO / FORCE), exactly once however many callers and
// instances find a token expired together, and the connection's status after each outcome.
//
// Exactly once, without holding a database lock across the provider's answer:
//  1. Callers in one process share one in-flight refresh per connection (a promise).
//  2. Across instances the refresh is a lease on the row: a conditional UPDATE claims it (owner,
//     lease expiry, attempt time) only if no unexpired lease exists and the row is as read. That one
//     statement also records that a token request is about to be sent.
//  3. The provider is called outside any transaction.
//  4. Its answer is saved the moment it arrives, with a compare-and-set on owner and sequence, in a
//     short statement retried from memory while the database blips.
//  5. Others wait by polling the row briefly (never a database lock) and then use what was saved.
// A crashed owner's lease expires by itself; the next claimer then knows the previous attempt's
// outcome is unknown, so an invalid_grant after it is reported as a probably lost rotated token.
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { prisma } from '../db/client.js';
import {
  canRenew,
  openCredentials,
  publishStatusChange,
  sealCredentials,
  writeConnectionChange,
  type Connection,
  type ConnectionStatusChange,
  type ConnectionWithIntegration,
  type StoredCredentials,
  type UsableCredentials,
} from '../domain/connections.js';
import { ProviderError, ReauthorizationRequiredError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { instanceId } from '../instance.js';
import { logger } from '../logger.js';
import { recordOperation } from '../activity/recorder.js';
import { breakerFailure, breakerSuccess, enterBreaker, leaveBreaker, PROBE_WAIT_SECONDS, type BreakerTicket } from './breaker.js';
import { classifyGrantFailure, requestTokens, tokenGrantFor, type GrantedTokens } from './grants.js';
import { CredentialRefusedError } from './grants/token-request.js';

export { credentialsFromRefresh } from './grants.js';

export type RefreshPolicy = 'NONE' | 'AUTO' | 'FORCE';

/** AUTO refreshes a token that expires within this margin ("about to expire"). */
export const EXPIRY_MARGIN_MS = 60_000;
/** A lease outlives the token request by this much (the save, clock differences between instances). */
function leaseMarginMs(): number {
  return Math.min(10_000, Math.max(1_000, config.tokens.providerTimeoutMs));
}
/** How often a caller polls the row while another instance holds the lease. */
const POLL_INTERVAL_MS = 100;
/** How long a provider's answer is kept in memory and re-saved while the database is unreachable. */
const SAVE_RETRY_MS = 60_000;

export const REFRESH_OUTCOME_UNKNOWN = 'refresh_outcome_unknown';
const UNKNOWN_OUTCOME_MESSAGE =
  'The provider refused the refresh token after an earlier refresh whose answer never arrived (interrupted or timed out); a rotated refresh token was probably lost: connect again.';

export type { ConnectionWithIntegration, UsableCredentials };

/** Why a refresh is wanted; after waiting for another instance, the row is checked against it again. */
export interface RefreshRequest {
  policy: RefreshPolicy;
  /** The access token the provider just rejected (HTTP 401): refresh unless it was already replaced. */
  rejectedAccessToken?: string;
  /** AUTO: how close to expiry counts as "about to expire" (default EXPIRY_MARGIN_MS). */
  marginMs?: number;
  /** An explicit retry (refreshConnection): may skip the cooldown once per REFRESH_MANUAL_RETRY_SECONDS. */
  explicit?: boolean;
}

export function isExpired(connection: Pick<Connection, 'tokenExpiresAt'>, marginMs = 0, now = Date.now()): boolean {
  return connection.tokenExpiresAt !== null && connection.tokenExpiresAt.getTime() - now <= marginMs;
}

function refreshWanted(connection: ConnectionWithIntegration, credentials: StoredCredentials | null, request: RefreshRequest): boolean {
  if (request.policy === 'NONE' || !tokenGrantFor(connection, credentials)) return false;
  if (request.rejectedAccessToken !== undefined) return credentials!.accessToken === request.rejectedAccessToken;
  return request.policy === 'FORCE' || isExpired(connection, request.marginMs ?? EXPIRY_MARGIN_MS);
}

/**
 * The credentials to use now: `current` itself when they do, or refreshed first where the policy (or
 * a rejected token) asks for it.
 */
export function usableCredentials(current: UsableCredentials, request: RefreshRequest): UsableCredentials | Promise<UsableCredentials> {
  if (!refreshWanted(current.connection, current.credentials, request)) return current;
  return refreshConnectionTokens(current.connection.id, current.connection.sequence, request);
}

/** usableCredentials for a connection row as loaded from the database. */
export async function usableCredentialsOf(connection: ConnectionWithIntegration, request: RefreshRequest): Promise<UsableCredentials> {
  return usableCredentials({ connection, credentials: openCredentials(connection) }, request);
}

const inFlight = new Map<string, Promise<UsableCredentials>>();

/**
 * Refreshes the connection's tokens unless someone else already did since `seenSequence`. Callers in
 * this process join one in-flight refresh; other instances wait for the lease holder's outcome.
 */
export function refreshConnectionTokens(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
  return joinOrStart(connectionId, () => refreshWithLease(connectionId, seenSequence, request));
}

function joinOrStart(connectionId: string, start: () => Promise<UsableCredentials>): Promise<UsableCredentials> {
  const running = inFlight.get(connectionId);
  if (running) return running;
  const refresh = start().finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, refresh);
  return refresh;
}

/** Resolves once every refresh running in this process has finished and saved its outcome (shutdown). */
export async function settleRefreshes(): Promise<void> {
  while (inFlight.size) await Promise.allSettled([...inFlight.values()]);
}

/** A held lease: the owner token written into the row. */
interface Lease {
  owner: string;
  until: Date;
  /** Whether the attempt before this claim had an unknown outcome (the claim itself overwrote the flag). */
  previousUnknown?: boolean;
}

let leaseCounter = 0;
function newOwner(): string {
  return `${instanceId}:${++leaseCounter}`;
}

function leaseMsFor(connection: ConnectionWithIntegration, credentials: StoredCredentials | null): number {
  return (tokenGrantFor(connection, credentials)?.timeoutMs(connection) ?? config.tokens.providerTimeoutMs) + leaseMarginMs();
}

async function loadConnection(connectionId: string): Promise<ConnectionWithIntegration | null> {
  return prisma.connection.findUnique({ where: { id: connectionId }, include: { integration: true } });
}

/** The on-demand flow: read, decide, claim the lease (or wait for its holder), refresh. */
async function refreshWithLease(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
  let waitUntil = 0;
  for (;;) {
    const row = await loadConnection(connectionId);
    if (!row) throw new ReauthorizationRequiredError('The connection no longer exists.');
    const credentials = openCredentials(row);
    const decision = await decide(row, credentials, seenSequence, request);
    if (decision) return decision;

    const now = Date.now();
    const leaseMs = leaseMsFor(row, credentials);
    // The background refresher here claimed it but has not started it yet: take its lease over.
    const queued = queuedClaims.get(row.id);
    if (queued && row.refreshOwner === queued.owner) {
      queuedClaims.delete(row.id);
      return refreshClaimed(row, credentials!, queued, request);
    }
    const lease = await claimLease(row, leaseMs);
    if (lease) return refreshClaimed(row, credentials!, lease, request);

    // Another instance (or an earlier call here) holds the lease: wait for its outcome, then re-read.
    waitUntil ||= now + leaseMs + leaseMarginMs();
    if (Date.now() > waitUntil) {
      throw new ProviderError('Another refresh of this connection has not finished; try again shortly.', {
        providerError: 'refresh_pending',
        retryAfterSeconds: PROBE_WAIT_SECONDS,
      });
    }
    await waitForLeaseHolder(row, waitUntil);
  }
}

/**
 * What to do with the row as it is: a result (current credentials, or an error thrown), or
 * undefined when a token request is wanted and allowed now.
 */
async function decide(
  row: ConnectionWithIntegration,
  credentials: StoredCredentials | null,
  seenSequence: number,
  request: RefreshRequest,
): Promise<UsableCredentials | undefined> {
  // Someone refreshed (or reconnected) since the caller looked: use theirs if it answers the request.
  if (row.sequence !== seenSequence && !refreshWanted(row, credentials, { ...request, policy: request.policy === 'FORCE' ? 'AUTO' : request.policy })) {
    return { connection: row, credentials };
  }
  const grant = tokenGrantFor(row, credentials);
  if (!grant || !credentials) return { connection: row, credentials };
  if (row.status === 'ERROR') {
    // The provider already refused these credentials: no new token request until reconnected.
    throw reauthorization(row);
  }
  if (!grant.canRequest(row, credentials)) {
    if (!isExpired(row) && request.rejectedAccessToken === undefined) {
      if (request.policy === 'FORCE') throw new ProviderError('The connection has no refresh token to refresh with.', { providerError: 'no_refresh_token' });
      return { connection: row, credentials };
    }
    recordOperation({ kind: 'REFRESH', outcome: 'FAILURE', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, error: 'The access token expired and there is no refresh token.' });
    const change = await writeConnectionChange(
      { id: row.id, sequence: row.sequence },
      { status: 'ERROR', statusMessage: 'The access token expired and there is no refresh token: connect again.', nextRefreshAt: null },
      { previousStatus: row.status },
    );
    if (change) publishStatusChange(change);
    throw reauthorization(change?.connection ?? row);
  }

  const cooldown = cooldownOf(row, request);
  if (cooldown) {
    const usable = !isExpired(row) && request.policy !== 'FORCE' && request.rejectedAccessToken === undefined;
    if (usable) return { connection: row, credentials };
    // Inside the backoff window: no token request, a typed error at once. The status says EXPIRED
    // once the token can no longer be used.
    if (isExpired(row) && row.status === 'HEALTHY') {
      const change = await writeConnectionChange(
        { id: row.id, sequence: row.sequence },
        { status: 'EXPIRED', statusMessage: row.statusMessage ?? 'The access token expired and refreshing it is failing; retrying with backoff.' },
        { previousStatus: row.status },
      );
      if (change) publishStatusChange(change);
    }
    throw cooldownError(cooldown);
  }
  return undefined;
}

/** Seconds until the next token request may go, or 0 when it may go now. */
function cooldownOf(row: Connection, request: RefreshRequest, now = Date.now()): number {
  if (!row.nextRefreshAt || row.nextRefreshAt.getTime() <= now) return 0;
  // An explicit retry (refreshConnection) may skip the window, at most once per manualRetryMs.
  if (request.explicit && (!row.refreshAttemptAt || now - row.refreshAttemptAt.getTime() >= config.tokens.manualRetryMs)) return 0;
  return Math.max(1, Math.ceil((row.nextRefreshAt.getTime() - now) / 1000));
}

function cooldownError(seconds: number): ProviderError {
  return new ProviderError(`Refreshing the token failed recently; the next try is due in ${seconds} s.`, {
    providerError: 'refresh_cooldown',
    retryAfterSeconds: seconds,
  });
}

/**
 * Claims the refresh lease with one conditional UPDATE: only if no unexpired lease exists and the
 * row is still as read. It also records that a token request is about to be sent.
 */
async function claimLease(row: Connection, leaseMs: number): Promise<Lease | null> {
  const now = new Date();
  const lease = { owner: newOwner(), until: new Date(now.getTime() + leaseMs) };
  const { count } = await prisma.connection.updateMany({
    where: {
      id: row.id,
      sequence: row.sequence,
      refreshOutcomeUnknown: row.refreshOutcomeUnknown,
      OR: [{ refreshLeaseUntil: null }, { refreshLeaseUntil: { lt: now } }],
    },
    data: { refreshOwner: lease.owner, refreshLeaseUntil: lease.until, refreshAttemptAt: now, refreshOutcomeUnknown: true },
  });
  return count === 1 ? lease : null;
}

/** Polls the row until its lease is released or expires, or the row changes. */
async function waitForLeaseHolder(row: Connection, waitUntil: number): Promise<void> {
  while (Date.now() < waitUntil) {
    await sleep(POLL_INTERVAL_MS * (0.75 + Math.random() * 0.5));
    const current = await prisma.connection.findUnique({
      where: { id: row.id },
      select: { sequence: true, refreshOwner: true, refreshLeaseUntil: true },
    });
    if (!current || current.sequence !== row.sequence || !current.refreshOwner) return;
    if (!current.refreshLeaseUntil || current.refreshLeaseUntil.getTime() < Date.now()) return;
  }
}

async function releaseLease(connectionId: string, lease: Lease, outcomeUnknown?: boolean): Promise<void> {
  await prisma.connection
    .updateMany({ where: { id: connectionId, refreshOwner: lease.owner }, data: { refreshOwner: null, refreshLeaseUntil: null, refreshOutcomeUnknown: outcomeUnknown } })
    .catch((error: Error) => logger.warn({ connectionId, err: { message: error.message } }, 'could not release a refresh lease; it expires by itself'));
}

/** The lease is held and `row` is what it was claimed on: ask the provider, save what it says. */
async function refreshClaimed(row: ConnectionWithIntegration, credentials: StoredCredentials, lease: Lease, request: RefreshRequest): Promise<UsableCredentials> {
  const previousUnknown = lease.previousUnknown ?? row.refreshOutcomeUnknown;
  const ticket = enterBreaker(row.integrationId);
  if (ticket.kind === 'open') {
    await releaseLease(row.id, lease, previousUnknown);
    if (!isExpired(row) && request.policy !== 'FORCE' && request.rejectedAccessToken === undefined) return { connection: row, credentials };
    throw new ProviderError('The provider is failing for every connection; it is being probed, one request at a time.', {
      providerError: 'provider_unavailable',
      retryAfterSeconds: PROBE_WAIT_SECONDS,
    });
  }

  let tokens: GrantedTokens;
  const started = performance.now();
  try {
    tokens = await requestTokens(row, credentials);
  } catch (error) {
    const { error: failure } = classifyGrantFailure(error);
    recordOperation({ kind: 'REFRESH', outcome: 'FAILURE', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, providerStatus: failure instanceof ProviderError ? failure.details.providerStatus : undefined, durationMs: performance.now() - started, error: failure.message });
    return failed(row, credentials, lease, request, ticket, error, previousUnknown);
  }
  // The answer is here: save it before anything else can go wrong.
  const saved = await saveRefreshed(row, lease, tokens);
  await breakerSuccess(row.integrationId, ticket);
  if (!saved) {
    // Reconnected (or otherwise replaced) while we asked: what is stored now wins.
    const current = await loadConnection(row.id);
    if (!current) throw new ReauthorizationRequiredError('The connection no longer exists.');
    return { connection: current, credentials: openCredentials(current) };
  }
  publishStatusChange(saved);
  logger.info({ connectionId: saved.connection.id, sequence: saved.connection.sequence }, 'token refreshed');
  recordOperation({ kind: 'REFRESH', outcome: 'SUCCESS', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, durationMs: performance.now() - started });
  return { connection: saved.connection, credentials: openCredentials(saved.connection) };
}

/**
 * Saves new tokens with a compare-and-set on the lease owner (a token unique to this claim, which a
 * reconnect clears), retried from memory while the database is unreachable. If the lease was lost
 * (it expired and another instance claimed it) but nobody stored other tokens since, the answer is
 * still saved: it is the newest the provider gave. Other changes to the row while the lease is held
 * (metadata, a status note) bump the sequence but do not discard the answer.
 */
async function saveRefreshed(row: ConnectionWithIntegration, lease: Lease, tokens: GrantedTokens): Promise<ConnectionStatusChange | null> {
  const data: Prisma.ConnectionUpdateInput = {
    credentialsEnc: sealCredentials(row.id, tokens.credentials),
    hasRefreshToken: canRenew(tokens.credentials),
    tokenExpiresAt: tokens.credentials.expiresAt ? new Date(tokens.credentials.expiresAt) : null,
    lastRefreshedAt: new Date(),
    scopes: tokens.scopes ?? row.scopes,
    status: 'HEALTHY',
    statusMessage: null,
    refreshFailures: 0,
    nextRefreshAt: null,
    refreshOwner: null,
    refreshLeaseUntil: null,
    refreshOutcomeUnknown: false,
  };
  const reason = row.status === 'HEALTHY' ? null : 'refreshed';
  return withSaveRetries(row.id, async () => {
    const owned = await writeConnectionChange({ id: row.id, refreshOwner: lease.owner }, data, { previousStatus: row.status, reason, integration: row.integration });
    if (owned) return owned;
    const unchanged = await writeConnectionChange({ id: row.id, credentialsEnc: row.credentialsEnc, refreshOwner: { not: null } }, data, { previousStatus: row.status, reason, integration: row.integration });
    if (unchanged) logger.warn({ connectionId: row.id }, 'refresh lease lost before the answer was saved; saved anyway (no newer tokens were stored)');
    return unchanged;
  });
}

/** Retries a save while the database fails (restart, freeze, pool exhausted); a CAS miss is not retried. */
async function withSaveRetries<T>(connectionId: string, save: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + SAVE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await save();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      logger.warn({ connectionId, attempt, err: { name: (error as Error).name, message: (error as Error).message } }, 'saving a refresh outcome failed; retrying');
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}

async function failed(
  row: ConnectionWithIntegration,
  credentials: StoredCredentials,
  lease: Lease,
  request: RefreshRequest,
  ticket: BreakerTicket,
  error: unknown,
  previousUnknown: boolean,
): Promise<UsableCredentials> {
  const failure = classifyGrantFailure(error);
  logger.warn({ connectionId: row.id, integration: row.integration.slug, reason: failure.reason, outcomeUnknown: failure.kind === 'transient' && failure.outcomeUnknown }, 'token refresh failed');
  const owned = { id: row.id, refreshOwner: lease.owner };
  const leaseFields = { refreshOwner: null, refreshLeaseUntil: null };

  if (failure.kind === 'rejected') {
    await breakerSuccess(row.integrationId, ticket);
    // After an attempt whose outcome is unknown, invalid_grant most likely means the provider
    // rotated the refresh token and its answer was lost: say so, distinctly.
    const lost = previousUnknown;
    const change = await withSaveRetries(row.id, () =>
      writeConnectionChange(
        owned,
        {
          ...leaseFields,
          refreshOutcomeUnknown: false,
          status: 'ERROR',
          statusMessage: lost
            ? UNKNOWN_OUTCOME_MESSAGE
            : failure.error instanceof CredentialRefusedError
              ? `${failure.error.message} Create the connection again with a working credential.`
              : 'The provider rejected the refresh token (invalid_grant): connect again.',
          nextRefreshAt: null,
        },
        { previousStatus: row.status, reason: lost ? REFRESH_OUTCOME_UNKNOWN : null },
      ),
    );
    if (change) publishStatusChange(change);
    throw reauthorization(change?.connection ?? row);
  }

  if (failure.kind === 'local') {
    // Our own configuration problem (no client id, a bad template value…): no request was sent, no backoff.
    leaveBreaker(row.integrationId, ticket);
    await releaseLease(row.id, lease, previousUnknown);
    throw failure.error;
  }

  // Transient: keep the tokens, back off. A request inside the window (an explicit retry) does not
  // count as a new failure: failures are counted per backoff window.
  breakerFailure(row.integrationId, ticket);
  const now = Date.now();
  const insideWindow = row.nextRefreshAt !== null && row.nextRefreshAt.getTime() > now;
  const failures = insideWindow ? row.refreshFailures : row.refreshFailures + 1;
  const nextRefreshAt = insideWindow ? row.nextRefreshAt! : new Date(now + backoffMs(failures));
  const expired = isExpired(row);
  const change = await withSaveRetries(row.id, () =>
    writeConnectionChange(
      owned,
      {
        ...leaseFields,
        // A timeout or a cut connection after sending: the provider may have acted (and rotated).
        refreshOutcomeUnknown: failure.outcomeUnknown || previousUnknown,
        refreshFailures: failures,
        nextRefreshAt,
        ...(expired && row.status !== 'EXPIRED' ? { status: 'EXPIRED', statusMessage: `Refresh failed: ${failure.error.message}` } : {}),
      },
      { previousStatus: row.status },
    ),
  );
  if (change) publishStatusChange(change);
  const connection = change?.connection ?? row;
  // A token that still works is better than an error, unless a refresh was demanded.
  if (!expired && request.policy !== 'FORCE' && request.rejectedAccessToken === undefined) return { connection, credentials };
  failure.error.details.retryAfterSeconds = Math.max(1, Math.ceil((nextRefreshAt.getTime() - now) / 1000));
  throw failure.error;
}

function reauthorization(connection: Connection): ReauthorizationRequiredError {
  return new ReauthorizationRequiredError(connection.statusMessage ?? 'The provider rejected the credentials: connect again.', connection.id);
}

/**
 * The cooldown after `failures` consecutive transient failures: base × 2^(failures − 1) up to the cap
 * (30 s, 1 min, 2 min … 30 min by default), ±20% jitter so instances do not retry in step.
 */
export function backoffMs(failures: number): number {
  const base = Math.min(config.tokens.backoffBaseMs * 2 ** Math.max(0, failures - 1), config.tokens.backoffMaxMs);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

// ----------------------------------------------------------------------------- background refresher

/**
 * A connection the background refresher claimed: its batch claim wrote the lease and recorded the
 * attempt; `previousUnknown` is what the row said about the attempt before it.
 */
export interface ClaimedConnection {
  id: string;
  owner: string;
  until: Date;
  previousUnknown: boolean;
  /** The row as read after the claim. */
  connection: ConnectionWithIntegration;
}

/** A lease owner token for a batch claim by the background refresher. */
export function newLeaseOwner(): string {
  return newOwner();
}

/** The lease length for batch claims: long enough for the slowest token request. */
export function batchLeaseMs(): number {
  return Math.max(config.tokens.providerTimeoutMs, config.tokens.rotatingProviderTimeoutMs) * 2 + leaseMarginMs();
}

/**
 * Refreshes a connection the background refresher claimed, if it is still due; joins (and is joined
 * by) on-demand refreshes in this process.
 */
export function refreshClaimedConnection(claimed: ClaimedConnection, marginMs: number): Promise<UsableCredentials> {
  const lease: Lease = { owner: claimed.owner, until: claimed.until, previousUnknown: claimed.previousUnknown };
  const row = claimed.connection;
  if (queuedClaims.get(claimed.id)?.owner !== claimed.owner) {
    // An on-demand caller took the claim over meanwhile.
    return inFlight.get(claimed.id) ?? Promise.resolve({ connection: row, credentials: openCredentials(row) });
  }
  queuedClaims.delete(claimed.id);
  const running = inFlight.get(claimed.id);
  if (running) {
    // An on-demand refresh here already does it: hand the batch lease back.
    void releaseLease(claimed.id, lease, lease.previousUnknown);
    return running;
  }
  return joinOrStart(claimed.id, async () => {
    const credentials = openCredentials(row);
    const grant = tokenGrantFor(row, credentials);
    const due = grant && credentials && row.status !== 'ERROR' && grant.canRequest(row, credentials) && isExpired(row, marginMs) && !cooldownOf(row, { policy: 'AUTO' });
    if (!due || row.refreshOwner !== lease.owner) {
      if (row.refreshOwner === lease.owner) await releaseLease(row.id, lease, lease.previousUnknown);
      return { connection: row, credentials };
    }
    return refreshClaimed(row, credentials!, lease, { policy: 'AUTO', marginMs });
  });
}

/** Batch claims of this process's background refresher not started yet, which on-demand callers may take over. */
const queuedClaims = new Map<string, Lease>();

/** The background refresher claimed these; they start later, as concurrency allows. */
export function queueClaimedConnections(claims: ClaimedConnection[]): void {
  for (const claim of claims) queuedClaims.set(claim.id, { owner: claim.owner, until: claim.until, previousUnknown: claim.previousUnknown });
}

/** Hands back a batch claim that was not started (shutdown, or tried already in this sweep). */
export function releaseClaimedConnection(claimed: Pick<ClaimedConnection, 'id' | 'owner' | 'until' | 'previousUnknown'>): Promise<void> {
  if (queuedClaims.get(claimed.id)?.owner === claimed.owner) queuedClaims.delete(claimed.id);
  return releaseLease(claimed.id, { owner: claimed.owner, until: claimed.until }, claimed.previousUnknown);
}

