// The refresh state machine: given a connection as read, decide whether a token request is wanted
// and allowed now (or what to answer instead), send it while holding the lease, and write what the
// provider said: new tokens (saved the moment they arrive, with a compare-and-set on the lease owner,
// retried from memory while the database blips), or the failure's status, cooldown and "outcome
// unknown" flag. Each outcome is announced once, after its write, as a domain event.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  canRenew,
  changeOf,
  type Connection,
  type ConnectionStatusChange,
  type ConnectionStore,
  type ConnectionWithIntegration,
  type StoredCredentials,
  type UsableCredentials,
} from '../domain/connections.js';
import type { DomainEventBus, Operation } from '../domain/events.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { backoffDelay } from '../kernel/backoff.js';
import { ProviderError, ReauthorizationRequiredError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { PROBE_WAIT_SECONDS, type Breaker, type BreakerTicket } from './breaker.js';
import type { TokenEndpointSlots } from './endpoint-slots.js';
import { classifyGrantFailure, type GrantedTokens, type TokenGrants } from './grants/index.js';
import { CredentialRefusedError } from './grants/token-request.js';
import { loadConnection, releaseLease, type HealthyTokenSaves, type Lease } from './lease.js';
import type { TokenSettings } from './settings.js';

export type RefreshPolicy = 'NONE' | 'AUTO' | 'FORCE';

/** Why a refresh is wanted; after waiting for another instance, the row is checked against it again. */
export interface RefreshRequest {
  policy: RefreshPolicy;
  /** The access token the provider just rejected (HTTP 401): refresh unless it was already replaced. */
  rejectedAccessToken?: string;
  /** AUTO: how close to expiry counts as "about to expire" (default EXPIRY_MARGIN_MS). */
  marginMs?: number;
  /** An explicit retry (refreshConnection): may skip the cooldown once per REFRESH_MANUAL_RETRY_SECONDS. */
  explicit?: boolean;
  /** The background refresher's (sweep, breaker probe): nobody waits for it, so callers' refreshes go first. */
  background?: boolean;
}

export interface OutcomeDeps {
  prisma: PrismaClient;
  store: ConnectionStore;
  grants: TokenGrants;
  breaker: Breaker;
  endpointSlots: TokenEndpointSlots;
  /** The common save (HEALTHY stays HEALTHY, lease held), group-committed. */
  healthySaves: HealthyTokenSaves;
  events: DomainEventBus;
  settings: TokenSettings;
  logger: Logger;
}

/** AUTO refreshes a token that expires within this margin ("about to expire"). */
const EXPIRY_MARGIN_MS = 60_000;
/** How long a provider's answer is kept in memory and re-saved while the database is unreachable. */
const SAVE_RETRY_MS = 60_000;

export const REFRESH_OUTCOME_UNKNOWN = 'refresh_outcome_unknown';
const UNKNOWN_OUTCOME_MESSAGE =
  'The provider refused the refresh token after an earlier refresh whose answer never arrived (interrupted or timed out); a rotated refresh token was probably lost: connect again.';

export function isExpired(connection: Pick<Connection, 'tokenExpiresAt'>, marginMs = 0, now = Date.now()): boolean {
  return connection.tokenExpiresAt !== null && connection.tokenExpiresAt.getTime() - now <= marginMs;
}

/** Whether the request wants new tokens for the connection as it is. */
export function refreshWanted(
  grants: TokenGrants,
  connection: ConnectionWithIntegration,
  credentials: StoredCredentials | null,
  request: RefreshRequest,
): boolean {
  if (request.policy === 'NONE' || !grants.grantFor(connection, credentials)) return false;
  if (request.rejectedAccessToken !== undefined) return credentials!.accessToken === request.rejectedAccessToken;
  return request.policy === 'FORCE' || isExpired(connection, request.marginMs ?? EXPIRY_MARGIN_MS);
}

/** Whether a token that still works may be used instead of an error (no refresh was demanded). */
function stillUsable(row: Connection, request: RefreshRequest): boolean {
  return !isExpired(row) && request.policy !== 'FORCE' && request.rejectedAccessToken === undefined;
}

/** Seconds until the next token request may go, or 0 when it may go now. */
export function cooldownOf(settings: Pick<TokenSettings, 'manualRetryMs'>, row: Connection, request: RefreshRequest, now = Date.now()): number {
  if (!row.nextRefreshAt || row.nextRefreshAt.getTime() <= now) return 0;
  // An explicit retry (refreshConnection) may skip the window, at most once per manualRetryMs.
  if (request.explicit && (!row.refreshAttemptAt || now - row.refreshAttemptAt.getTime() >= settings.manualRetryMs)) return 0;
  return Math.max(1, Math.ceil((row.nextRefreshAt.getTime() - now) / 1000));
}

function cooldownError(seconds: number): ProviderError {
  return new ProviderError(`Refreshing the token failed recently; the next try is due in ${seconds} s.`, {
    providerError: 'refresh_cooldown',
    retryAfterSeconds: seconds,
  });
}

function reauthorization(connection: Connection): ReauthorizationRequiredError {
  return new ReauthorizationRequiredError(connection.statusMessage ?? 'The provider rejected the credentials: connect again.', connection.id);
}

/**
 * What to do with the row as it is: a result (current credentials, or an error thrown), or
 * undefined when a token request is wanted and allowed now.
 */
export async function decide(
  deps: OutcomeDeps,
  row: ConnectionWithIntegration,
  credentials: StoredCredentials | null,
  seenSequence: number,
  request: RefreshRequest,
): Promise<UsableCredentials | undefined> {
  // Someone refreshed (or reconnected) since the caller looked: use theirs if it answers the request.
  if (
    row.sequence !== seenSequence &&
    !refreshWanted(deps.grants, row, credentials, { ...request, policy: request.policy === 'FORCE' ? 'AUTO' : request.policy })
  ) {
    return { connection: row, credentials };
  }
  const grant = deps.grants.grantFor(row, credentials);
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
    const change = await deps.store.writeChange(
      { id: row.id, sequence: row.sequence },
      { status: 'ERROR', statusMessage: 'The access token expired and there is no refresh token: connect again.', nextRefreshAt: null },
      { previousStatus: row.status },
    );
    deps.events.emit('connection.refresh_failed', {
      operation: refreshOperation(row, { outcome: 'FAILURE', error: 'The access token expired and there is no refresh token.' }),
      result: 'not_sent',
      change: change && changeOf(change.connection, change.statusEvent),
    });
    throw reauthorization(change?.connection ?? row);
  }

  const cooldown = cooldownOf(deps.settings, row, request);
  if (cooldown) {
    if (stillUsable(row, request)) return { connection: row, credentials };
    // Inside the backoff window: no token request, a typed error at once. The status says EXPIRED
    // once the token can no longer be used.
    if (isExpired(row) && row.status === 'HEALTHY') {
      const change = await deps.store.writeChange(
        { id: row.id, sequence: row.sequence },
        { status: 'EXPIRED', statusMessage: row.statusMessage ?? 'The access token expired and refreshing it is failing; retrying with backoff.' },
        { previousStatus: row.status },
      );
      if (change) deps.events.emit('connection.changed', { change: changeOf(change.connection, change.statusEvent) });
    }
    throw cooldownError(cooldown);
  }
  return undefined;
}

function refreshOperation(row: ConnectionWithIntegration, fields: Pick<Operation, 'outcome' | 'providerStatus' | 'durationMs' | 'error'>): Operation {
  return { kind: 'REFRESH', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, ...fields };
}

/** The lease is held and `row` is what it was claimed on: ask the provider, save what it says. */
export async function refreshClaimed(
  deps: OutcomeDeps,
  row: ConnectionWithIntegration,
  credentials: StoredCredentials,
  lease: Lease,
  request: RefreshRequest,
): Promise<UsableCredentials> {
  const previousUnknown = lease.previousUnknown ?? row.refreshOutcomeUnknown;
  const slot = await deps.endpointSlots.take(row.integrationId, {
    // A batch claim's owner is shared by its connections: the connection makes each slot its own.
    holder: `${lease.owner}/${row.id}`,
    startBy: lease.startBy,
    requestMs: deps.grants.grantFor(row, credentials)!.timeoutMs(row),
    urgent: !request.background,
  });
  if (!slot) {
    // Not sent: the connection stays due (the next sweep, or the caller's retry, asks again).
    await releaseLease(deps.prisma, deps.logger, row.id, lease, previousUnknown);
    if (stillUsable(row, request)) return { connection: row, credentials };
    throw new ProviderError('Too many token requests to this provider are in flight; try again shortly.', {
      providerError: 'provider_busy',
      retryAfterSeconds: 1,
    });
  }
  const ticket = await deps.breaker.enter(row.integrationId);
  if (ticket.kind === 'open') {
    slot.release();
    await releaseLease(deps.prisma, deps.logger, row.id, lease, previousUnknown);
    if (stillUsable(row, request)) return { connection: row, credentials };
    throw new ProviderError('The provider is failing for every connection; it is being probed, one request at a time.', {
      providerError: 'provider_unavailable',
      retryAfterSeconds: PROBE_WAIT_SECONDS,
    });
  }

  let tokens: GrantedTokens;
  const started = performance.now();
  try {
    tokens = await deps.grants.request(row, credentials);
  } catch (error) {
    slot.release();
    return failed(deps, row, credentials, lease, request, ticket, error, previousUnknown, performance.now() - started);
  }
  slot.release();
  // The answer is here: save it before anything else can go wrong.
  const saved = await saveRefreshed(deps, row, lease, tokens);
  await deps.breaker.success(row.integrationId, ticket);
  if (!saved) {
    // Reconnected (or otherwise replaced) while we asked: what is stored now wins.
    const current = await loadConnection(deps.prisma, row.id);
    if (!current) throw new ReauthorizationRequiredError('The connection no longer exists.');
    return { connection: current, credentials: deps.store.open(current) };
  }
  // debug: the activity log and metrics record every refresh; a line each costs the sweep CPU at scale.
  deps.logger.debug({ connectionId: saved.connection.id, sequence: saved.connection.sequence }, 'token refreshed');
  deps.events.emit('connection.refreshed', {
    operation: refreshOperation(row, { outcome: 'SUCCESS', durationMs: performance.now() - started }),
    change: changeOf(saved.connection, saved.statusEvent),
  });
  // What was just sealed into the row, not opened again.
  return { connection: saved.connection, credentials: tokens.credentials };
}

/**
 * Saves new tokens with a compare-and-set on the lease owner (a token unique to this claim, which a
 * reconnect clears), retried from memory while the database is unreachable. If the lease was lost
 * (it expired and another instance claimed it) but nobody stored other tokens since, the answer is
 * still saved: it is the newest the provider gave. Other changes to the row while the lease is held
 * (metadata, a status note) bump the sequence but do not discard the answer.
 */
async function saveRefreshed(deps: OutcomeDeps, row: ConnectionWithIntegration, lease: Lease, tokens: GrantedTokens): Promise<ConnectionStatusChange | null> {
  const written = {
    credentialsEnc: deps.store.seal(row.id, tokens.credentials),
    hasRefreshToken: canRenew(tokens.credentials),
    tokenExpiresAt: tokens.credentials.expiresAt ? new Date(tokens.credentials.expiresAt) : null,
    scopes: tokens.scopes ?? row.scopes,
  };
  const refreshedAt = new Date();
  const data: Prisma.ConnectionUpdateInput = {
    ...written,
    lastRefreshedAt: refreshedAt,
    status: 'HEALTHY',
    statusMessage: null,
    refreshFailures: 0,
    nextRefreshAt: null,
    refreshOwner: null,
    refreshLeaseUntil: null,
    refreshOutcomeUnknown: false,
  };
  const reason = row.status === 'HEALTHY' ? null : 'refreshed';
  return withSaveRetries(deps.logger, row.id, async () => {
    // The common case, HEALTHY staying HEALTHY with the lease still held: one statement, no status
    // event and so no outbox row to commit with it.
    if (row.status === 'HEALTHY') {
      const saved = await deps.healthySaves.save(row.id, lease.owner, { ...written, refreshedAt });
      if (saved) return { connection: { ...saved, integration: row.integration }, previousStatus: row.status, statusEvent: null };
    }
    const owned = await deps.store.writeChange({ id: row.id, refreshOwner: lease.owner }, data, {
      previousStatus: row.status,
      reason,
      integration: row.integration,
    });
    if (owned) return owned;
    const unchanged = await deps.store.writeChange({ id: row.id, credentialsEnc: row.credentialsEnc, refreshOwner: { not: null } }, data, {
      previousStatus: row.status,
      reason,
      integration: row.integration,
    });
    if (unchanged) deps.logger.warn({ connectionId: row.id }, 'refresh lease lost before the answer was saved; saved anyway (no newer tokens were stored)');
    return unchanged;
  });
}

/** Retries a save while the database fails (restart, freeze, pool exhausted); a CAS miss is not retried. */
async function withSaveRetries<T>(logger: Logger, connectionId: string, save: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + SAVE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await save();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      logger.warn({ connectionId, attempt, err: error }, 'saving a refresh outcome failed; retrying');
      await sleep(backoffDelay(attempt + 1, { baseMs: 100, maxMs: 2000, jitter: 0 }));
    }
  }
}

async function failed(
  deps: OutcomeDeps,
  row: ConnectionWithIntegration,
  credentials: StoredCredentials,
  lease: Lease,
  request: RefreshRequest,
  ticket: BreakerTicket,
  error: unknown,
  previousUnknown: boolean,
  durationMs: number,
): Promise<UsableCredentials> {
  const failure = classifyGrantFailure(error);
  const operation = refreshOperation(row, {
    outcome: 'FAILURE',
    providerStatus: failure.error instanceof ProviderError ? failure.error.details.providerStatus : undefined,
    durationMs,
    error: failure.error.message,
  });
  deps.logger.warn(
    { connectionId: row.id, integration: row.integration.slug, reason: failure.reason, outcomeUnknown: failure.kind === 'transient' && failure.outcomeUnknown },
    'token refresh failed',
  );
  const owned = { id: row.id, refreshOwner: lease.owner };
  const leaseFields = { refreshOwner: null, refreshLeaseUntil: null };

  if (failure.kind === 'rejected') {
    await deps.breaker.success(row.integrationId, ticket);
    // After an attempt whose outcome is unknown, invalid_grant most likely means the provider
    // rotated the refresh token and its answer was lost: say so, distinctly.
    const lost = previousUnknown;
    const change = await withSaveRetries(deps.logger, row.id, () =>
      deps.store.writeChange(
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
    deps.events.emit('connection.refresh_failed', { operation, result: 'rejected', change: change && changeOf(change.connection, change.statusEvent) });
    throw reauthorization(change?.connection ?? row);
  }

  if (failure.kind === 'local') {
    // Our own configuration problem (no client id, a bad template value…): no request was sent, no backoff.
    await deps.breaker.leave(row.integrationId, ticket);
    await releaseLease(deps.prisma, deps.logger, row.id, lease, previousUnknown);
    deps.events.emit('connection.refresh_failed', { operation, result: 'not_sent', change: null });
    throw failure.error;
  }

  // Transient: keep the tokens, back off. A request inside the window (an explicit retry) does not
  // count as a new failure: failures are counted per backoff window.
  await deps.breaker.failure(row.integrationId, ticket);
  const now = Date.now();
  const insideWindow = row.nextRefreshAt !== null && row.nextRefreshAt.getTime() > now;
  const failures = insideWindow ? row.refreshFailures : row.refreshFailures + 1;
  const nextRefreshAt = insideWindow
    ? row.nextRefreshAt!
    : new Date(now + backoffDelay(failures, { baseMs: deps.settings.backoffBaseMs, maxMs: deps.settings.backoffMaxMs }));
  const expired = isExpired(row);
  const change = await withSaveRetries(deps.logger, row.id, () =>
    deps.store.writeChange(
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
  deps.events.emit('connection.refresh_failed', { operation, result: 'transient', change: change && changeOf(change.connection, change.statusEvent) });
  const connection = change?.connection ?? row;
  // A token that still works is better than an error, unless a refresh was demanded.
  if (stillUsable(row, request)) return { connection, credentials };
  failure.error.details.retryAfterSeconds = Math.max(1, Math.ceil((nextRefreshAt.getTime() - now) / 1000));
  throw failure.error;
}
